/* SPDX-License-Identifier: MIT */
#ifndef COMMON_SETTINGS_H
#define COMMON_SETTINGS_H

/*
 * Table-driven configuration shared by both programs.
 *
 * Each option is described once (flag, environment variable, default, help)
 * and that table drives parsing and --help. Sources, lowest priority first:
 * built-in default, properties file (--config / its env var), environment,
 * command-line flags. Empty environment variables count as unset.
 *
 * The properties file holds "key=value" lines and '#' comments. A key that
 * names an option sets it; any other key is a librdkafka property, as are
 * the repeatable "-X key=value" flags, which come after the file's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct settings_option {
        const char *name;          /* long flag without "--"; file key */
        int short_name;            /* e.g. 'b', or 0 */
        const char *env;           /* environment variable, or NULL */
        const char *metavar;       /* NULL: a switch that takes no value */
        const char *default_value; /* NULL: unset */
        const char *help;
};

struct settings;

enum settings_result {
        SETTINGS_OK = 0,
        SETTINGS_ERROR,   /* errstr says which flag or value is wrong */
        SETTINGS_HELP,    /* --help was given */
        SETTINGS_VERSION, /* --version was given */
        SETTINGS_X_LIST,  /* -X list was given (the rest is parsed too) */
};

/**
 * @brief Creates a settings object over a static option table (borrowed:
 *        it must outlive the object). config_env names the environment
 *        variable that may point at a properties file (or NULL).
 */
struct settings *settings_create(const struct settings_option *options,
                                 size_t count, const char *config_env);
void settings_destroy(struct settings *s);

/**
 * @brief Parses argv, then the properties file, then the environment.
 *        Built-in flags: -h/--help, -V/--version, -c/--config FILE,
 *        -X key=value (repeatable), -X list.
 */
enum settings_result settings_parse(struct settings *s, int argc, char **argv,
                                    char *errstr, size_t errstr_size);

/** @returns the option's value (never NULL for options with defaults). */
const char *settings_get(const struct settings *s, const char *name);
bool settings_is_set(const struct settings *s, const char *name);

/** @brief Reads a switch: set with no value, or "1/true/yes/on". */
bool settings_get_bool(const struct settings *s, const char *name);

/**
 * @brief Reads an integer option within [min, max].
 * @returns 0, or -1 with errstr naming the option and value.
 */
int settings_get_int(const struct settings *s, const char *name, long long min,
                     long long max, long long *out, char *errstr,
                     size_t errstr_size);

/** @brief librdkafka properties, in the order they must be applied. */
size_t settings_kafka_count(const struct settings *s);
const char *settings_kafka_key(const struct settings *s, size_t i);
const char *settings_kafka_value(const struct settings *s, size_t i);

/** @brief Writes --help text: usage line, then one entry per option. */
void settings_print_help(const struct settings *s, FILE *out,
                         const char *usage);

#endif
