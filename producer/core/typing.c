/* SPDX-License-Identifier: MIT */
#include "typing.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire.h"
#include "number_text.h"

/* Longest header name kept (longer ones are cut, with a warning). */
#define TYPING_NAME_MAX 256
/* Type-list suffixes of a column whose numbers use a decimal comma, or
 * ',' thousands with a decimal point. */
#define TYPING_COMMA_SUFFIX     ":comma"
#define TYPING_THOUSANDS_SUFFIX ":thousands"
/* Type-list part of a column whose numbers carry a currency symbol
 * (":unit=BRL"); it comes before the style suffix. */
#define TYPING_UNIT_PART ":unit="

/* Per column, what the sample's cells allow (number_classify bits). */
struct column_stats {
        uint64_t cells;    /* non-empty, non-marker cells */
        uint64_t leading0; /* digits with a leading zero: identifiers */
        uint64_t booleans;
        uint64_t point;     /* readable with a decimal point */
        uint64_t comma;     /* readable with a decimal comma */
        uint64_t int_point; /* integers with a decimal point convention */
        uint64_t int_comma; /* integers with '.' thousands allowed */
        uint64_t comma_dec; /* only readable with a decimal comma (or '.'
                               thousands: "1.234,5", "12.345.678") */
        uint64_t thous;     /* readable with ',' thousands and a point */
        uint64_t int_thous; /* integers so */
        uint64_t thous_dec; /* only readable so: "1,234.5", "1,234,567" */
        uint64_t point_dec; /* only readable with a decimal point: "2.50" */
        uint64_t units[NUMBER_UNITS]; /* cells with each currency symbol */
};

struct schema_entry {
        char *name;
        enum value_type type;
};

struct typing {
        struct schema_entry *schema;
        size_t schema_count;

        char **names;
        enum value_type *types;
        enum number_style *style; /* how the column writes numbers */
        int *unit;                /* its currency symbol (number_text.h) */
        bool *fixed;              /* the type came from the schema */
        enum value_type *scratch;
        enum number_style *scratch_style;
        int *scratch_unit;
        uint64_t *misfits; /* values sent as text, per column */
        bool *last_misfit; /* ... by the last record */
        struct column_stats *stats;
        size_t count;
        size_t refused; /* columns of a header refused as too wide, or 0 */
        uint64_t changes;
        bool force_comma;
        bool force_point;
        size_t comma_guess; /* 1 + the column guessed, 0: none */
        size_t renamed;     /* header names changed by the last header */
        char *first;        /* the header's first field, as written */
        size_t first_len;
        uint64_t header_hash; /* of every field of the header */
        size_t last_misfits;  /* values sent as text by the last record */

        char *numbuf; /* rewritten numbers of the current record */
        size_t numbuf_cap;
        char *plain; /* a cell without its currency symbol */
        size_t plain_cap;
};

struct typing *typing_create(void)
{
        return calloc(1, sizeof(struct typing));
}

static void clear_columns(struct typing *t)
{
        t->changes++;
        for (size_t i = 0; i < t->count; i++) {
                free(t->names[i]);
        }
        free(t->names);
        free(t->types);
        free(t->style);
        free(t->unit);
        free(t->scratch_unit);
        free(t->fixed);
        free(t->scratch);
        free(t->scratch_style);
        free(t->misfits);
        free(t->last_misfit);
        free(t->stats);
        free(t->first);
        t->first         = NULL;
        t->first_len     = 0;
        t->names         = NULL;
        t->types         = NULL;
        t->style         = NULL;
        t->unit          = NULL;
        t->scratch_unit  = NULL;
        t->fixed         = NULL;
        t->scratch       = NULL;
        t->scratch_style = NULL;
        t->misfits       = NULL;
        t->last_misfit   = NULL;
        t->stats         = NULL;
        t->count         = 0;
}

static void clear_schema(struct typing *t)
{
        for (size_t i = 0; i < t->schema_count; i++) {
                free(t->schema[i].name);
        }
        free(t->schema);
        t->schema       = NULL;
        t->schema_count = 0;
}

void typing_destroy(struct typing *t)
{
        if (!t) {
                return;
        }
        clear_columns(t);
        clear_schema(t);
        free(t->numbuf);
        free(t->plain);
        free(t);
}

int typing_set_schema(struct typing *t, const char *spec, char *errstr,
                      size_t errstr_size)
{
        const char *p = spec;

        clear_schema(t);
        if (!spec || !*spec) {
                return 0;
        }
        while (*p) {
                const char *end   = strchr(p, ',');
                const char *colon = NULL;
                size_t len        = end ? (size_t)(end - p) : strlen(p);
                char type[32];
                struct schema_entry *e;

                for (size_t i = len; i > 0; i--) {
                        if (p[i - 1] == ':') {
                                colon = p + i - 1;
                                break;
                        }
                }
                if (!colon || colon == p ||
                    (size_t)(p + len - colon - 1) >= sizeof(type)) {
                        snprintf(errstr, errstr_size,
                                 "--schema: expected name:type in '%.*s'",
                                 (int)len, p);
                        return -1;
                }
                memcpy(type, colon + 1, (size_t)(p + len - colon - 1));
                type[p + len - colon - 1] = '\0';
                e = realloc(t->schema, (t->schema_count + 1) * sizeof(*e));
                if (!e) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                t->schema = e;
                e         = &t->schema[t->schema_count];
                if (value_type_parse(type, &e->type) != 0 ||
                    e->type == VALUE_NULL) {
                        snprintf(errstr, errstr_size,
                                 "--schema: unknown type '%s' (int, decimal, "
                                 "bool, text)",
                                 type);
                        return -1;
                }
                e->name = strndup(p, (size_t)(colon - p));
                if (!e->name) {
                        snprintf(errstr, errstr_size, "out of memory");
                        return -1;
                }
                t->schema_count++;
                p += len;
                if (*p == ',') {
                        p++;
                }
        }
        return 0;
}

static bool name_taken(const struct typing *t, size_t upto, const char *name)
{
        for (size_t k = 0; k < upto; k++) {
                if (strcmp(t->names[k], name) == 0) {
                        return true;
                }
        }
        return false;
}

/* The i-th header name, made unique: an empty name becomes column_<i+1>,
 * a repeated one gets _2, _3, ... Returns NULL on out of memory. */
static char *unique_name(const struct typing *t, size_t i,
                         const struct row_field *f, bool *renamed)
{
        char base[TYPING_NAME_MAX];
        char *name;
        size_t len = f->len < sizeof(base) - 1 ? f->len : sizeof(base) - 1;

        /* A long name is cut between characters, not inside one. */
        while (len < f->len && len > 0 &&
               ((unsigned char)f->ptr[len] & 0xC0) == 0x80) {
                len--;
        }
        if (f->len == 0) {
                snprintf(base, sizeof(base), "column_%zu", i + 1);
        } else {
                memcpy(base, f->ptr, len);
                base[len] = '\0';
        }
        *renamed = f->len == 0 || len < f->len;
        if (!name_taken(t, i, base) && f->len > 0 && len == f->len) {
                return strndup(f->ptr, f->len);
        }
        if (!name_taken(t, i, base)) {
                return strdup(base);
        }
        *renamed = true;
        name     = malloc(strlen(base) + 24);
        if (!name) {
                return NULL;
        }
        for (size_t n = 2;; n++) {
                sprintf(name, "%s_%zu", base, n);
                if (!name_taken(t, i, name)) {
                        return name;
                }
        }
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len);

/* A field's text without a leading UTF-8 BOM (a file of its own, joined
 * after another one, starts with it). */
static const char *without_bom(const struct row_field *f, size_t *len)
{
        *len = f->len;
        if (f->len >= 3 && memcmp(f->ptr, "\xEF\xBB\xBF", 3) == 0) {
                *len -= 3;
                return f->ptr + 3;
        }
        return f->ptr;
}

static uint64_t fields_hash(const struct row_field *f, size_t count)
{
        uint64_t h = 1469598103934665603ull;

        for (size_t i = 0; i < count; i++) {
                size_t len;
                const char *s = i == 0 ? without_bom(&f[i], &len) : f[i].ptr;
                len           = i == 0 ? len : f[i].len;
                h             = fnv1a(h, &len, sizeof(len));
                h             = fnv1a(h, s, len);
        }
        return h;
}

/* The header line again, as `cat a.csv b.csv` leaves it: the first field
 * is compared first, so other records cost one length check. */
static bool header_again(const struct typing *t, const struct row_field *f,
                         size_t count)
{
        size_t len;
        const char *s;

        if (count < 2 || !t->first) {
                return false;
        }
        s = without_bom(&f[0], &len);
        return len == t->first_len && memcmp(s, t->first, len) == 0 &&
               fields_hash(f, count) == t->header_hash;
}

int typing_set_header(struct typing *t, const struct row_field *names,
                      size_t count)
{
        size_t n = count ? count : 1;

        clear_columns(t);
        t->renamed = 0;
        if (names) {
                /* A header of no columns (NULL, after a refusal) keeps
                 * the refusal: its records say why they are refused. */
                t->refused = 0;
        }
        if (count > TYPING_MAX_COLUMNS) {
                t->refused = count;
                return -1;
        }
        t->names         = calloc(n, sizeof(char *));
        t->types         = calloc(n, sizeof(enum value_type));
        t->style         = calloc(n, sizeof(enum number_style));
        t->fixed         = calloc(n, sizeof(bool));
        t->scratch       = calloc(n, sizeof(enum value_type));
        t->scratch_style = calloc(n, sizeof(enum number_style));
        t->unit          = calloc(n, sizeof(int));
        t->scratch_unit  = calloc(n, sizeof(int));
        t->misfits       = calloc(n, sizeof(uint64_t));
        t->last_misfit   = calloc(n, sizeof(bool));
        t->stats         = calloc(n, sizeof(struct column_stats));
        if (!t->names || !t->types || !t->style || !t->fixed || !t->scratch ||
            !t->scratch_style || !t->unit || !t->scratch_unit || !t->misfits ||
            !t->last_misfit || !t->stats) {
                clear_columns(t);
                return -1;
        }
        t->count = count;
        for (size_t i = 0; i < count; i++) {
                bool renamed = false;
                t->names[i]  = unique_name(t, i, &names[i], &renamed);
                if (!t->names[i]) {
                        clear_columns(t);
                        return -1;
                }
                t->renamed += renamed;
                t->style[i] = t->force_comma   ? NUMBER_COMMA
                              : t->force_point ? NUMBER_THOUSANDS
                                               : NUMBER_POINT;
                if (i == 0) {
                        const char *s = without_bom(&names[0], &t->first_len);
                        t->first      = malloc(t->first_len + 1);
                        if (!t->first) {
                                clear_columns(t);
                                return -1;
                        }
                        memcpy(t->first, s, t->first_len);
                        t->first[t->first_len] = '\0';
                }
                for (size_t k = 0; k < t->schema_count; k++) {
                        if (strcmp(t->schema[k].name, t->names[i]) == 0) {
                                t->types[i] = t->schema[k].type;
                                t->fixed[i] = true;
                        }
                }
        }
        t->header_hash = fields_hash(names, count);
        return 0;
}

size_t typing_numbers_as_names(const struct typing *t)
{
        size_t n = 0;

        for (size_t i = 0; i < t->count; i++) {
                unsigned kinds =
                    number_classify(t->names[i], strlen(t->names[i]));
                bool is_int = kinds & (NUM_INT_POINT | NUM_INT_COMMA);
                bool is_num =
                    is_int || (kinds & (NUM_DEC_POINT | NUM_DEC_COMMA));
                n += (t->types[i] == VALUE_INT && is_int) ||
                     (t->types[i] == VALUE_DECIMAL && is_num);
        }
        return n;
}

size_t typing_renamed(const struct typing *t)
{
        return t->renamed;
}

int typing_check_schema(const struct typing *t, char *errstr,
                        size_t errstr_size)
{
        for (size_t k = 0; k < t->schema_count; k++) {
                if (typing_find(t, t->schema[k].name) < 0) {
                        snprintf(errstr, errstr_size,
                                 "--schema: column %s is not in the header",
                                 t->schema[k].name);
                        return -1;
                }
        }
        return 0;
}

void typing_set_decimal_comma(struct typing *t, bool on)
{
        t->force_comma = on;
}

void typing_set_decimal_point(struct typing *t, bool on)
{
        t->force_point = on;
}

const char *typing_comma_guess(const struct typing *t)
{
        return t->comma_guess && t->comma_guess <= t->count
                   ? t->names[t->comma_guess - 1]
                   : NULL;
}

/* ---- types from a sample ---- */

/* A cell only readable with a decimal comma and '.' thousands: "1.234,56",
 * and also "12.345.678", which no decimal point reading allows (two
 * points). Such a cell tells the column's convention: its "1.234" is then
 * one thousand two hundred thirty-four, not 1.234. */
static bool needs_comma(unsigned r)
{
        return (r & (NUM_INT_COMMA | NUM_DEC_COMMA)) &&
               !(r & (NUM_INT_POINT | NUM_DEC_POINT | NUM_INT_THOUS |
                      NUM_DEC_THOUS));
}

/* A cell only readable with ',' thousands and a decimal point:
 * "1,234.56", "1,234,567". Its "1,234" is then one thousand two hundred
 * thirty-four, not 1.234. (A lone "1,234" is either.) */
static bool needs_thousands(unsigned r)
{
        return (r & (NUM_INT_THOUS | NUM_DEC_THOUS)) &&
               !(r & (NUM_INT_COMMA | NUM_DEC_COMMA));
}

/* A decimal only readable with a point: "2.50" (not '.' thousands). */
static bool needs_point(unsigned r)
{
        return (r & NUM_DEC_POINT) && !(r & (NUM_INT_COMMA | NUM_DEC_COMMA));
}

/* A cell formatted for people ("R$ 1.234,56", "12%", "1 234,56"): *f
 * becomes its plain number ("1.234,56", in t->plain until the next call)
 * and its unit symbol is returned (0: none); 0 with f unchanged for any
 * other cell, or when memory runs out. */
static int strip_unit(struct typing *t, struct row_field *f)
{
        size_t len;
        int unit = 0;

        if (f->len + 1 > t->plain_cap) {
                char *b = realloc(t->plain, f->len + 1);
                if (!b) {
                        return 0;
                }
                t->plain     = b;
                t->plain_cap = f->len + 1;
        }
        if (number_plain(f->ptr, f->len, t->plain, &len, &unit)) {
                f->ptr = t->plain;
                f->len = len;
        }
        return unit;
}

void typing_observe(struct typing *t, const struct row_field *fields,
                    size_t count)
{
        if (count != t->count || header_again(t, fields, count)) {
                return; /* not a row: it goes to the dead-letter topic */
        }
        for (size_t i = 0; i < count; i++) {
                struct column_stats *st = &t->stats[i];
                struct row_field f      = fields[i];
                unsigned r;
                int unit;

                if (f.len == 0) {
                        continue;
                }
                unit = strip_unit(t, &f);
                r    = number_classify(f.ptr, f.len);
                if (r & NUM_MISSING) {
                        continue;
                }
                if (unit) {
                        st->units[unit - 1]++;
                }
                st->cells++;
                st->leading0 += (r & NUM_LEADING_0) != 0;
                st->booleans += (r & NUM_BOOL) != 0;
                st->point += (r & (NUM_INT_POINT | NUM_DEC_POINT)) != 0;
                st->comma += (r & (NUM_INT_COMMA | NUM_DEC_COMMA)) != 0;
                st->int_point += (r & NUM_INT_POINT) != 0;
                st->int_comma += (r & NUM_INT_COMMA) != 0;
                st->comma_dec += needs_comma(r);
                st->thous += (r & (NUM_INT_POINT | NUM_DEC_POINT |
                                   NUM_INT_THOUS | NUM_DEC_THOUS)) != 0;
                st->int_thous += (r & (NUM_INT_POINT | NUM_INT_THOUS)) != 0;
                st->thous_dec += needs_thousands(r);
                st->point_dec += needs_point(r);
        }
}

/* The currency symbol of a column's numbers: the one most of its
 * sample's cells with a symbol carry (cells with another one are then
 * sent as text, never summed with it); 0 when none does. */
static int column_unit(const struct column_stats *st)
{
        uint64_t with = 0;
        int best      = 0;

        for (int k = 0; k < NUMBER_UNITS; k++) {
                with += st->units[k];
                if (st->units[k] > (best ? st->units[best - 1] : 0)) {
                        best = k + 1;
                }
        }
        return best && st->units[best - 1] * 2 > with ? best : 0;
}

/*
 * A column's type from its sample: text as soon as one cell has a leading
 * zero (identifiers: CEP, codes); else boolean or numbers when more than
 * half of the cells are (the rest are sent as text and counted), numbers
 * in one convention: a decimal comma when some cell needs it (or the file
 * or --decimal-comma says so). Missing-value markers do not vote.
 */
static void infer_column(struct typing *t, size_t i, bool file_comma,
                         bool file_point)
{
        const struct column_stats *st = &t->stats[i];
        enum number_style style       = NUMBER_POINT;
        bool guessed                  = false;
        uint64_t numbers, integers;

        if (t->force_point) {
                style = NUMBER_THOUSANDS; /* plain point numbers too */
        } else if (st->comma_dec > 0 && st->thous_dec == 0) {
                style = NUMBER_COMMA;
        } else if (st->thous_dec > 0 && st->comma_dec == 0) {
                style = NUMBER_THOUSANDS;
        } else if (st->comma_dec == 0 && st->comma * 2 > st->cells &&
                   st->comma > st->point) {
                /* "1,234" alone: the file's other numbers tell; a decimal
                 * comma when nothing does (or both do). */
                style =
                    file_point && !file_comma ? NUMBER_THOUSANDS : NUMBER_COMMA;
                guessed = !file_point && !file_comma;
        } else if (file_comma && st->comma * 2 > st->cells) {
                style = NUMBER_COMMA; /* "1.234" in a decimal-comma file */
        }
        numbers  = style == NUMBER_COMMA       ? st->comma
                   : style == NUMBER_THOUSANDS ? st->thous
                                               : st->point;
        integers = style == NUMBER_COMMA       ? st->int_comma
                   : style == NUMBER_THOUSANDS ? st->int_thous
                                               : st->int_point;

        if (st->cells == 0 || (t->fixed[i] && t->types[i] != VALUE_INT &&
                               t->types[i] != VALUE_DECIMAL)) {
                return;
        }
        t->unit[i] = column_unit(st);
        if (t->fixed[i]) {
                return;
        }
        if (st->leading0 > 0) {
                t->types[i] = VALUE_TEXT;
        } else if (st->booleans * 2 > st->cells) {
                t->types[i] = VALUE_BOOL;
        } else if (numbers * 2 > st->cells) {
                t->types[i] = integers == numbers ? VALUE_INT : VALUE_DECIMAL;
                t->style[i] = style;
                if (guessed && !t->comma_guess) {
                        t->comma_guess = i + 1;
                }
        } else {
                t->types[i] = VALUE_TEXT;
        }
        if (t->types[i] != VALUE_INT && t->types[i] != VALUE_DECIMAL) {
                t->unit[i] = 0;
        }
}

void typing_infer(struct typing *t)
{
        bool file_comma = t->force_comma, file_point = t->force_point;

        t->comma_guess = 0;

        /* One column that needs a decimal comma settles the ambiguous ones
         * ("1.234" is then one thousand two hundred thirty-four); one that
         * needs a decimal point ("2.50", "1,234.56") settles "1,234" the
         * other way (one thousand two hundred thirty-four). */
        for (size_t i = 0; i < t->count; i++) {
                file_comma = file_comma || t->stats[i].comma_dec > 0;
                file_point = file_point || t->stats[i].thous_dec > 0 ||
                             t->stats[i].point_dec > 0 ||
                             number_unit_point(column_unit(&t->stats[i]));
        }
        for (size_t i = 0; i < t->count; i++) {
                infer_column(t, i, file_comma, file_point);
        }
        t->changes++;
}

/* ---- typing records ---- */

static bool leading_zero(const char *s, size_t len)
{
        size_t i = len > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;

        return i + 1 < len && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9';
}

/* A number read the column's way, fast path first: plain integers and
 * point decimals parse in place; others are rewritten into num. */
static bool parse_number(const struct row_field *f, enum number_style style,
                         bool integer, bool fixed, char *num, struct value *v)
{
        if (leading_zero(f->ptr, f->len)) {
                /* An identifier, unless --schema says it is a number. */
                if (!fixed || style == NUMBER_COMMA) {
                        return false;
                }
                return integer
                           ? value_parse_int(f->ptr, f->len, &v->as.i) == 0 &&
                                 (v->type = VALUE_INT, true)
                           : value_parse_decimal(f->ptr, f->len, &v->as.d) ==
                                     0 &&
                                 (v->type = VALUE_DECIMAL, true);
        }
        if (style != NUMBER_COMMA) {
                if (integer && value_parse_int(f->ptr, f->len, &v->as.i) == 0) {
                        v->type = VALUE_INT;
                        return true;
                }
                if (!integer &&
                    value_parse_decimal(f->ptr, f->len, &v->as.d) == 0) {
                        v->type = VALUE_DECIMAL;
                        return true;
                }
        }
        return number_parse(f->ptr, f->len, style, num, v) == 0;
}

static void as_text(struct value *v, const struct row_field *f)
{
        v->type        = VALUE_TEXT;
        v->as.text.ptr = f->ptr;
        v->as.text.len = f->len;
}

/* The first value of a column without a type decides it (as the sample
 * would have). A missing-value marker decides nothing. */
static void first_value(struct typing *t, size_t i,
                        const struct row_field *cell, char *num,
                        struct value *v)
{
        struct row_field plain    = *cell;
        int unit                  = strip_unit(t, &plain);
        const struct row_field *f = &plain;
        unsigned r                = number_classify(f->ptr, f->len);
        enum number_style style   = t->force_comma ? NUMBER_COMMA
                                    : t->force_point || needs_thousands(r)
                                        ? NUMBER_THOUSANDS
                                    : needs_comma(r) ? NUMBER_COMMA
                                                     : NUMBER_POINT;

        if (r & NUM_BOOL) {
                (void)number_parse_bool(f->ptr, f->len, &v->as.b);
                v->type       = VALUE_BOOL;
                t->scratch[i] = VALUE_BOOL;
        } else if ((r & NUM_MISSING) || r == 0 || (r & NUM_LEADING_0) ||
                   number_parse(f->ptr, f->len, style, num, v) != 0) {
                as_text(v, cell);
                if (!(r & NUM_MISSING)) {
                        t->scratch[i] = VALUE_TEXT;
                }
        } else {
                t->scratch_unit[i] = unit;
                t->scratch[i] =
                    v->type == VALUE_INT || (v->type == VALUE_BIGNUM &&
                                             bignum_is_integer(v->as.big))
                        ? VALUE_INT
                        : VALUE_DECIMAL;
                t->scratch_style[i] = style;
        }
}

/* Types one cell against its column's type; a value that does not fit is
 * sent as text and counted. num: room for the cell's rewritten number. */
static void type_cell(struct typing *t, size_t i, const struct row_field *cell,
                      char *num, struct value *v, size_t *misfits)
{
        enum number_style style   = t->scratch_style[i];
        struct row_field plain    = *cell;
        const struct row_field *f = cell;
        bool integer              = t->scratch[i] == VALUE_INT;

        if (cell->len == 0) {
                v->type = VALUE_NULL;
                return;
        }
        if ((integer || t->scratch[i] == VALUE_DECIMAL) &&
            !parse_number(f, style, integer, t->fixed[i], num, v)) {
                /* Formatted for people: a unit symbol is read when it is
                 * the column's, and never dropped from another one's
                 * cell. */
                int unit = strip_unit(t, &plain);
                if (plain.ptr == cell->ptr || unit != t->scratch_unit[i] ||
                    !parse_number(&plain, style, integer, t->fixed[i], num,
                                  v)) {
                        goto misfit;
                }
        }
        switch (t->scratch[i]) {
        case VALUE_NULL:
        case VALUE_BIGNUM:
                first_value(t, i, f, num, v);
                return;
        case VALUE_INT: /* parsed above */
                if (v->type == VALUE_INT ||
                    (v->type == VALUE_BIGNUM && bignum_is_integer(v->as.big))) {
                        return;
                }
                if (!t->fixed[i]) {
                        t->scratch[i] = VALUE_DECIMAL; /* widen */
                        return;
                }
                break;
        case VALUE_DECIMAL: /* parsed above */
                return;
        case VALUE_BOOL:
                if (number_parse_bool(f->ptr, f->len, &v->as.b) == 0) {
                        v->type = VALUE_BOOL;
                        return;
                }
                break;
        case VALUE_TEXT:
                as_text(v, f);
                return;
        }
misfit:
        as_text(v, cell);
        t->misfits[i]++;
        t->last_misfit[i] = true;
        (*misfits)++;
}

int typing_apply(struct typing *t, const struct row_field *fields, size_t count,
                 struct value *values, char *reason, size_t reason_size)
{
        size_t need = 0, at = 0, misfits = 0;

        if (t->refused > 0) {
                /* Every record of such a file: say why, not "header has 0". */
                snprintf(reason, reason_size,
                         "the header has %zu columns, more than the %d "
                         "csv-producer reads",
                         t->refused, TYPING_MAX_COLUMNS);
                return -1;
        }
        if (count != t->count) {
                snprintf(reason, reason_size, "field count %zu, header has %zu",
                         count, t->count);
                return -1;
        }
        if (header_again(t, fields, count)) {
                snprintf(reason, reason_size,
                         "the header line again (files joined into one?)");
                return -1;
        }
        for (size_t i = 0; i < count; i++) {
                need += NUMBER_TEXT_ROOM(fields[i].len);
        }
        if (need > t->numbuf_cap) {
                char *b = realloc(t->numbuf, need);
                if (!b) {
                        snprintf(reason, reason_size, "out of memory");
                        return -1;
                }
                t->numbuf     = b;
                t->numbuf_cap = need;
        }
        memcpy(t->scratch, t->types, count * sizeof(*t->scratch));
        memcpy(t->scratch_style, t->style, count * sizeof(*t->scratch_style));
        memcpy(t->scratch_unit, t->unit, count * sizeof(*t->scratch_unit));
        memset(t->last_misfit, 0, count * sizeof(*t->last_misfit));
        for (size_t i = 0; i < count; i++) {
                type_cell(t, i, &fields[i], t->numbuf + at, &values[i],
                          &misfits);
                at += NUMBER_TEXT_ROOM(fields[i].len);
        }
        if (memcmp(t->types, t->scratch, count * sizeof(*t->types)) != 0 ||
            memcmp(t->style, t->scratch_style, count * sizeof(*t->style)) !=
                0 ||
            memcmp(t->unit, t->scratch_unit, count * sizeof(*t->unit)) != 0) {
                memcpy(t->types, t->scratch, count * sizeof(*t->types));
                memcpy(t->style, t->scratch_style, count * sizeof(*t->style));
                memcpy(t->unit, t->scratch_unit, count * sizeof(*t->unit));
                t->changes++;
        }
        t->last_misfits = misfits;
        return 0;
}

size_t typing_last_misfits(const struct typing *t)
{
        return t->last_misfits;
}

bool typing_last_misfit(const struct typing *t, size_t i)
{
        return t->last_misfit[i];
}

uint64_t typing_column_misfits(const struct typing *t, size_t i)
{
        return t->misfits[i];
}

bool typing_column_comma(const struct typing *t, size_t i)
{
        return t->style[i] == NUMBER_COMMA;
}

uint64_t typing_changes(const struct typing *t)
{
        return t->changes;
}

size_t typing_column_count(const struct typing *t)
{
        return t->count;
}

const char *typing_column_name(const struct typing *t, size_t i)
{
        return t->names[i];
}

const char *const *typing_column_names(const struct typing *t)
{
        return (const char *const *)t->names;
}

enum value_type typing_column_type(const struct typing *t, size_t i)
{
        return t->types[i];
}

int typing_find(const struct typing *t, const char *name)
{
        for (size_t i = 0; i < t->count; i++) {
                if (strcmp(t->names[i], name) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 1099511628211ULL;
        }
        return h;
}

uint64_t typing_schema_id(const struct typing *t)
{
        uint64_t h = 14695981039346656037ULL;

        for (size_t i = 0; i < t->count; i++) {
                const char *type = value_type_name(t->types[i]);
                h = fnv1a(h, t->names[i], strlen(t->names[i]) + 1);
                h = fnv1a(h, type, strlen(type) + 1);
                if (t->unit[i]) {
                        /* A currency is part of the schema; a column
                         * without one keeps the id it always had. */
                        const char *code = number_unit_code(t->unit[i]);
                        h                = fnv1a(h, code, strlen(code) + 1);
                }
        }
        return h;
}

int typing_encode_types(const struct typing *t, char *buf, size_t size)
{
        size_t n = 0;

        if (size == 0) {
                return -1;
        }
        buf[0] = '\0';
        for (size_t i = 0; i < t->count; i++) {
                int r = snprintf(
                    buf + n, size - n, "%s%s%s%s%s", i ? "," : "",
                    value_type_name(t->types[i]),
                    t->unit[i] ? TYPING_UNIT_PART : "",
                    number_unit_code(t->unit[i]),
                    t->style[i] == NUMBER_COMMA       ? TYPING_COMMA_SUFFIX
                    : t->style[i] == NUMBER_THOUSANDS ? TYPING_THOUSANDS_SUFFIX
                                                      : "");
                if (r < 0 || (size_t)r >= size - n) {
                        return -1;
                }
                n += (size_t)r;
        }
        return 0;
}

int typing_decode_types(struct typing *t, const char *s)
{
        size_t i = 0;

        if (!*s) {
                return t->count == 0 ? 0 : -1;
        }
        while (*s) {
                const char *end = strchr(s, ',');
                size_t len      = end ? (size_t)(end - s) : strlen(s);
                char name[48];
                char *part;
                enum value_type type;
                enum number_style style = NUMBER_POINT;
                int unit                = 0;
                size_t suffix           = strlen(TYPING_COMMA_SUFFIX);
                size_t thousands        = strlen(TYPING_THOUSANDS_SUFFIX);

                if (i >= t->count || len >= sizeof(name)) {
                        return -1;
                }
                memcpy(name, s, len);
                name[len] = '\0';
                if ((part = strstr(name, TYPING_UNIT_PART)) != NULL) {
                        /* "decimal:unit=BRL:comma": the unit, then the
                         * rest as without it */
                        char *code = part + strlen(TYPING_UNIT_PART);
                        size_t n   = strcspn(code, ":");
                        if ((unit = number_unit_of_code(code, n)) < 0) {
                                return -1;
                        }
                        memmove(part, code + n, strlen(code + n) + 1);
                }
                size_t raw = len; /* of the entry in s */
                len        = strlen(name);
                if (len > suffix &&
                    strcmp(name + len - suffix, TYPING_COMMA_SUFFIX) == 0) {
                        name[len - suffix] = '\0';
                        style              = NUMBER_COMMA;
                } else if (len > thousands &&
                           strcmp(name + len - thousands,
                                  TYPING_THOUSANDS_SUFFIX) == 0) {
                        name[len - thousands] = '\0';
                        style                 = NUMBER_THOUSANDS;
                }
                if (strcmp(name, "null") == 0) {
                        type = VALUE_NULL;
                } else if (value_type_parse(name, &type) != 0) {
                        return -1;
                }
                if (!t->fixed[i] &&
                    (t->types[i] != type || t->style[i] != style)) {
                        t->types[i] = type;
                        t->style[i] = style;
                        t->changes++;
                }
                if (t->unit[i] != unit) {
                        t->unit[i] = unit;
                        t->changes++;
                }
                i++;
                s += raw;
                if (*s == ',') {
                        s++;
                }
        }
        return i == t->count ? 0 : -1;
}

int typing_columns_json(const struct typing *t, struct wire_buf *out)
{
        if (wire_buf_append(out, "[", 1) != 0) {
                return -1;
        }
        for (size_t i = 0; i < t->count; i++) {
                if ((i && wire_buf_append(out, ",", 1) != 0) ||
                    wire_buf_append(out, "{\"name\":", 8) != 0 ||
                    wire_buf_append_json_string(out, t->names[i],
                                                strlen(t->names[i])) != 0 ||
                    wire_buf_printf(out, ",\"type\":\"%s\"",
                                    value_type_name(t->types[i])) != 0 ||
                    (t->unit[i] &&
                     wire_buf_printf(out, ",\"unit\":\"%s\"",
                                     number_unit_symbol(t->unit[i])) != 0) ||
                    wire_buf_append(out, "}", 1) != 0) {
                        return -1;
                }
        }
        return wire_buf_append(out, "]", 1);
}
