/* SPDX-License-Identifier: MIT */
#include "common/settings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SETTINGS_LINE_MAX 4096

struct kv {
        char *key;
        char *value;
};

struct settings {
        const struct settings_option *options;
        size_t count;
        const char *config_env;
        char **cli;  /* per option: value from a flag, or NULL */
        char **file; /* per option: value from the properties file */
        char **resolved;
        struct kv *kafka; /* file properties first, then -X */
        size_t kafka_count;
        size_t kafka_cap;
};

struct settings *settings_create(const struct settings_option *options,
                                 size_t count, const char *config_env)
{
        struct settings *s = calloc(1, sizeof(*s));

        if (!s) {
                return NULL;
        }
        s->options    = options;
        s->count      = count;
        s->config_env = config_env;
        s->cli        = calloc(count, sizeof(char *));
        s->file       = calloc(count, sizeof(char *));
        s->resolved   = calloc(count, sizeof(char *));
        if (!s->cli || !s->file || !s->resolved) {
                settings_destroy(s);
                return NULL;
        }
        return s;
}

void settings_destroy(struct settings *s)
{
        if (!s) {
                return;
        }
        for (size_t i = 0; i < s->count; i++) {
                if (s->cli) {
                        free(s->cli[i]);
                }
                if (s->file) {
                        free(s->file[i]);
                }
        }
        for (size_t i = 0; i < s->kafka_count; i++) {
                free(s->kafka[i].key);
                free(s->kafka[i].value);
        }
        free(s->kafka);
        free(s->cli);
        free(s->file);
        free(s->resolved);
        free(s);
}

static int find_option(const struct settings *s, const char *name, size_t len)
{
        for (size_t i = 0; i < s->count; i++) {
                if (strlen(s->options[i].name) == len &&
                    strncmp(s->options[i].name, name, len) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static int find_short(const struct settings *s, int c)
{
        for (size_t i = 0; i < s->count; i++) {
                if (s->options[i].short_name == c) {
                        return (int)i;
                }
        }
        return -1;
}

static int set_string(char **slot, const char *value)
{
        char *copy = strdup(value);

        if (!copy) {
                return -1;
        }
        free(*slot);
        *slot = copy;
        return 0;
}

static int add_kafka(struct settings *s, const char *key, size_t key_len,
                     const char *value)
{
        if (s->kafka_count == s->kafka_cap) {
                size_t cap   = s->kafka_cap ? s->kafka_cap * 2 : 16;
                struct kv *p = realloc(s->kafka, cap * sizeof(*p));
                if (!p) {
                        return -1;
                }
                s->kafka     = p;
                s->kafka_cap = cap;
        }
        s->kafka[s->kafka_count].key   = strndup(key, key_len);
        s->kafka[s->kafka_count].value = strdup(value);
        if (!s->kafka[s->kafka_count].key || !s->kafka[s->kafka_count].value) {
                free(s->kafka[s->kafka_count].key);
                free(s->kafka[s->kafka_count].value);
                return -1;
        }
        s->kafka_count++;
        return 0;
}

static void trim(char **start, char **end)
{
        while (*start < *end && (**start == ' ' || **start == '\t')) {
                (*start)++;
        }
        while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' ||
                                 (*end)[-1] == '\r' || (*end)[-1] == '\n')) {
                (*end)--;
        }
}

/* Reads the properties file; option keys into s->file, the rest into the
 * librdkafka list (before any -X, so -X wins). */
static int read_file(struct settings *s, const char *path, char *errstr,
                     size_t errstr_size)
{
        char line[SETTINGS_LINE_MAX];
        FILE *f     = fopen(path, "r");
        int line_no = 0;

        if (!f) {
                snprintf(errstr, errstr_size, "--config %s: %s", path,
                         strerror(errno));
                return -1;
        }
        while (fgets(line, sizeof(line), f)) {
                char *start = line;
                char *end   = line + strlen(line);
                char *eq, *key_end, *val;
                int idx;

                line_no++;
                trim(&start, &end);
                if (start == end || *start == '#') {
                        continue;
                }
                *end = '\0';
                eq   = strchr(start, '=');
                if (!eq) {
                        snprintf(errstr, errstr_size,
                                 "%s:%d: expected key=value", path, line_no);
                        fclose(f);
                        return -1;
                }
                key_end = eq;
                trim(&start, &key_end);
                val = eq + 1;
                trim(&val, &end);
                *end = '\0';
                idx  = find_option(s, start, (size_t)(key_end - start));
                if (idx >= 0 ? set_string(&s->file[idx], val) != 0
                             : add_kafka(s, start, (size_t)(key_end - start),
                                         val) != 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        fclose(f);
                        return -1;
                }
        }
        fclose(f);
        return 0;
}

static const char *getenv_nonempty(const char *name)
{
        const char *v = name ? getenv(name) : NULL;

        return v && *v ? v : NULL;
}

/* Splits "-X key=value" into the pending -X list. */
static enum settings_result take_x(struct settings *s, const char *arg,
                                   char ***xs, size_t *x_count, char *errstr,
                                   size_t errstr_size)
{
        char **p;

        if (strcmp(arg, "list") == 0) {
                return SETTINGS_X_LIST;
        }
        if (!strchr(arg, '=') || arg[0] == '=') {
                snprintf(errstr, errstr_size,
                         "-X %s: expected -X key=value (or -X list)", arg);
                return SETTINGS_ERROR;
        }
        p = realloc(*xs, (*x_count + 1) * sizeof(char *));
        if (!p) {
                snprintf(errstr, errstr_size, "out of memory");
                return SETTINGS_ERROR;
        }
        *xs                 = p;
        (*xs)[(*x_count)++] = (char *)arg;
        (void)s;
        return SETTINGS_OK;
}

enum settings_result settings_parse(struct settings *s, int argc, char **argv,
                                    char *errstr, size_t errstr_size)
{
        const char *config       = getenv_nonempty(s->config_env);
        char **xs                = NULL;
        size_t x_count           = 0;
        enum settings_result res = SETTINGS_OK;
        bool x_list              = false;

        for (int i = 1; i < argc && res == SETTINGS_OK; i++) {
                const char *arg   = argv[i];
                const char *value = NULL;
                int idx           = -1;
                bool is_long      = strncmp(arg, "--", 2) == 0;
                const char *eq    = is_long ? strchr(arg, '=') : NULL;
                const char *shown = arg;

                if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
                        res = SETTINGS_HELP;
                        break;
                }
                if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
                        res = SETTINGS_VERSION;
                        break;
                }
                if (strcmp(arg, "-X") == 0 || strncmp(arg, "-X", 2) == 0) {
                        const char *x = arg[2] ? arg + 2 : NULL;
                        if (!x && i + 1 >= argc) {
                                snprintf(errstr, errstr_size,
                                         "-X needs key=value");
                                res = SETTINGS_ERROR;
                                break;
                        }
                        res = take_x(s, x ? x : argv[++i], &xs, &x_count,
                                     errstr, errstr_size);
                        if (res == SETTINGS_X_LIST) {
                                /* Listed after the whole command line is
                                 * read, so the list shows its values. */
                                x_list = true;
                                res    = SETTINGS_OK;
                        }
                        continue;
                }
                if (strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0 ||
                    strncmp(arg, "--config=", 9) == 0) {
                        if (arg[1] == '-' && arg[8] == '=') {
                                config = arg + 9;
                        } else if (i + 1 < argc) {
                                config = argv[++i];
                        } else {
                                snprintf(errstr, errstr_size, "%s needs a FILE",
                                         arg);
                                res = SETTINGS_ERROR;
                        }
                        continue;
                }
                if (is_long) {
                        size_t len =
                            eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
                        idx = find_option(s, arg + 2, len);
                } else if (arg[0] == '-' && arg[1] && !arg[2]) {
                        idx = find_short(s, arg[1]);
                }
                if (idx < 0) {
                        snprintf(errstr, errstr_size,
                                 "unknown option '%s' (see --help)", shown);
                        res = SETTINGS_ERROR;
                        break;
                }
                if (!s->options[idx].metavar) {
                        value = eq ? eq + 1 : "true";
                } else if (eq) {
                        value = eq + 1;
                } else if (i + 1 < argc) {
                        value = argv[++i];
                } else {
                        snprintf(errstr, errstr_size, "%s needs a %s", arg,
                                 s->options[idx].metavar);
                        res = SETTINGS_ERROR;
                        break;
                }
                if (set_string(&s->cli[idx], value) != 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        res = SETTINGS_ERROR;
                }
        }

        if (res == SETTINGS_OK && config &&
            read_file(s, config, errstr, errstr_size) != 0) {
                res = SETTINGS_ERROR;
        }
        for (size_t i = 0; res == SETTINGS_OK && i < x_count; i++) {
                const char *eq = strchr(xs[i], '=');
                if (add_kafka(s, xs[i], (size_t)(eq - xs[i]), eq + 1) != 0) {
                        snprintf(errstr, errstr_size, "out of memory");
                        res = SETTINGS_ERROR;
                }
        }
        free(xs);
        for (size_t i = 0; i < s->count; i++) {
                const char *env = getenv_nonempty(s->options[i].env);
                s->resolved[i]  = s->cli[i] ? s->cli[i]
                                  : env     ? (char *)env
                                  : s->file[i]
                                      ? s->file[i]
                                      : (char *)s->options[i].default_value;
        }
        return res == SETTINGS_OK && x_list ? SETTINGS_X_LIST : res;
}

const char *settings_get(const struct settings *s, const char *name)
{
        int idx = find_option(s, name, strlen(name));

        return idx < 0 ? NULL : s->resolved[idx];
}

bool settings_is_set(const struct settings *s, const char *name)
{
        return settings_get(s, name) != NULL;
}

bool settings_get_bool(const struct settings *s, const char *name)
{
        const char *v = settings_get(s, name);

        return v && (strcasecmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
                     strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0);
}

int settings_get_int(const struct settings *s, const char *name, long long min,
                     long long max, long long *out, char *errstr,
                     size_t errstr_size)
{
        const char *v = settings_get(s, name);
        char *end;
        long long n;

        if (!v) {
                snprintf(errstr, errstr_size, "--%s is required", name);
                return -1;
        }
        errno = 0;
        n     = strtoll(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
                snprintf(errstr, errstr_size,
                         "--%s %s: expected an integer from %lld to %lld", name,
                         v, min, max);
                return -1;
        }
        *out = n;
        return 0;
}

size_t settings_kafka_count(const struct settings *s)
{
        return s->kafka_count;
}

const char *settings_kafka_key(const struct settings *s, size_t i)
{
        return s->kafka[i].key;
}

const char *settings_kafka_value(const struct settings *s, size_t i)
{
        return s->kafka[i].value;
}

void settings_print_help(const struct settings *s, FILE *out, const char *usage)
{
        fprintf(out, "%s\n\nOptions:\n", usage);
        for (size_t i = 0; i < s->count; i++) {
                const struct settings_option *o = &s->options[i];
                char flag[96];

                if (o->short_name) {
                        snprintf(flag, sizeof(flag), "-%c, --%s%s%s",
                                 o->short_name, o->name, o->metavar ? " " : "",
                                 o->metavar ? o->metavar : "");
                } else {
                        snprintf(flag, sizeof(flag), "    --%s%s%s", o->name,
                                 o->metavar ? " " : "",
                                 o->metavar ? o->metavar : "");
                }
                fprintf(out, "  %-34s %s", flag, o->help);
                if (o->env) {
                        fprintf(out, " [env %s]", o->env);
                }
                if (o->default_value) {
                        fprintf(out, " (default: %s)", o->default_value);
                }
                fputc('\n', out);
        }
        fprintf(out,
                "  %-34s %s\n  %-34s %s\n  %-34s %s\n  %-34s %s\n  %-34s %s\n",
                "-c, --config FILE",
                "properties file: option keys and "
                "librdkafka properties",
                "-X key=value", "librdkafka property, repeatable", "-X list",
                "list librdkafka properties and exit", "-h, --help",
                "show this help and exit", "-V, --version",
                "show the version and exit");
}
