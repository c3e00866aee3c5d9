/* SPDX-License-Identifier: MIT */
#include "column.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t column_pow10(unsigned digits)
{
        int64_t p = 1;
        while (digits--) {
                p *= 10;
        }
        return p;
}

int column_scale_up(int64_t v, unsigned digits, int64_t *out)
{
        int64_t r;
        if (__builtin_mul_overflow(v, column_pow10(digits), &r) ||
            r <= COLUMN_BIG_LIMIT) {
                return -1;
        }
        *out = r;
        return 0;
}

struct column *column_create(const char *name)
{
        struct column *c = calloc(1, sizeof(*c));
        if (!c) {
                return NULL;
        }
        c->name = strdup(name);
        if (!c->name) {
                free(c);
                return NULL;
        }
        return c;
}

void column_destroy(struct column *c)
{
        if (!c) {
                return;
        }
        for (uint32_t i = 0; i < c->nchunks; i++) {
                free(c->chunks[i]);
        }
        free(c->chunks);
        intern_destroy(c->strings);
        intern_destroy(c->bigs);
        exact_clear(&c->big_sum);
        exact_clear(&c->big_min);
        exact_clear(&c->big_max);
        free(c->vc_keys);
        free(c->vc_counts);
        free(c->name);
        free(c);
}

unsigned column_num_width(int64_t v)
{
        /* Each width's minimum is its null. */
        if (v > INT8_MIN && v <= INT8_MAX) {
                return 1;
        }
        if (v > INT16_MIN && v <= INT16_MAX) {
                return 2;
        }
        if (v > INT32_MIN && v <= INT32_MAX) {
                return 4;
        }
        return 8;
}

static unsigned text_width(uint32_t id)
{
        return id <= UINT8_MAX ? 1 : id <= UINT16_MAX ? 2 : 4;
}

/* Writes cell i of a chunk of the given width (v fits it; nulls as
 * COLUMN_NULL_NUM, or 0 in a text column). */
static void cell_store(bool text, unsigned width, void *chunk, uint32_t i,
                       int64_t v)
{
        if (text) {
                if (width == 1) {
                        ((uint8_t *)chunk)[i] = (uint8_t)v;
                } else if (width == 2) {
                        ((uint16_t *)chunk)[i] = (uint16_t)v;
                } else {
                        ((uint32_t *)chunk)[i] = (uint32_t)v;
                }
                return;
        }
        bool null = v == COLUMN_NULL_NUM;
        switch (width) {
        case 1:
                ((int8_t *)chunk)[i] = null ? INT8_MIN : (int8_t)v;
                break;
        case 2:
                ((int16_t *)chunk)[i] = null ? INT16_MIN : (int16_t)v;
                break;
        case 4:
                ((int32_t *)chunk)[i] = null ? INT32_MIN : (int32_t)v;
                break;
        default:
                ((int64_t *)chunk)[i] = v;
                break;
        }
}

/* Fills cells [from, to) of a chunk with nulls. */
static void fill_null(bool text, unsigned width, void *chunk, uint32_t from,
                      uint32_t to)
{
        if (text) {
                memset((char *)chunk + (size_t)from * width, 0,
                       (size_t)(to - from) * width);
                return;
        }
        for (uint32_t i = from; i < to; i++) {
                cell_store(false, width, chunk, i, COLUMN_NULL_NUM);
        }
}

/* Rows chunk k has room for. */
static uint32_t chunk_rows(const struct column *c, uint32_t k)
{
        return c->nchunks == 1 && k == 0 ? c->cap : COLUMN_CHUNK_ROWS;
}

/* Makes room for row `row`: the first chunk doubles until it is whole, then
 * whole chunks are added. New cells are null. @returns 0 or -1 (memory). */
static int ensure_chunk(struct column *c, uint32_t row)
{
        bool text = c->kind == COLUMN_TEXT;
        while (row >= c->cap) {
                if (c->nchunks == 1 && c->cap < COLUMN_CHUNK_ROWS) {
                        uint32_t cap = c->cap * 2;
                        void *chunk =
                            realloc(c->chunks[0], (size_t)cap * c->width);
                        if (!chunk) {
                                return -1;
                        }
                        fill_null(text, c->width, chunk, c->cap, cap);
                        c->chunks[0] = chunk;
                        c->cap       = cap;
                        continue;
                }
                void **chunks =
                    realloc(c->chunks, (c->nchunks + 1) * sizeof(*chunks));
                if (!chunks) {
                        return -1;
                }
                c->chunks = chunks;
                uint32_t cap =
                    c->nchunks ? COLUMN_CHUNK_ROWS : COLUMN_FIRST_CHUNK_ROWS;
                void *chunk = malloc((size_t)cap * c->width);
                if (!chunk) {
                        return -1;
                }
                fill_null(text, c->width, chunk, 0, cap);
                chunks[c->nchunks++] = chunk;
                c->cap = c->nchunks == 1 ? cap : c->nchunks * COLUMN_CHUNK_ROWS;
        }
        return 0;
}

/*
 * Copies every chunk to cells of `width` bytes (wider than now). All new
 * chunks are allocated before any old one is freed, so running out of
 * memory leaves the column as it was. @returns 0 or -1.
 */
static int widen(struct column *c, unsigned width)
{
        bool text     = c->kind == COLUMN_TEXT;
        void **wider  = calloc(c->nchunks ? c->nchunks : 1, sizeof(*wider));
        uint32_t made = 0;
        if (!wider) {
                return -1;
        }
        for (; made < c->nchunks; made++) {
                wider[made] = malloc((size_t)chunk_rows(c, made) * width);
                if (!wider[made]) {
                        for (uint32_t k = 0; k < made; k++) {
                                free(wider[k]);
                        }
                        free(wider);
                        return -1;
                }
        }
        for (uint32_t k = 0; k < c->nchunks; k++) {
                uint32_t base = k << COLUMN_CHUNK_SHIFT;
                for (uint32_t i = 0; i < chunk_rows(c, k); i++) {
                        int64_t v = text ? (int64_t)column_text(c, base + i)
                                         : column_num(c, base + i);
                        cell_store(text, width, wider[k], i, v);
                }
                free(c->chunks[k]);
                c->chunks[k] = wider[k];
        }
        free(wider);
        c->width = (uint8_t)width;
        return 0;
}

/* Stores a number cell of row `row` (its chunk exists; v is not null),
 * widening the column when v needs it. @returns 0 or -1 (memory). */
static int put_num(struct column *c, uint32_t row, int64_t v)
{
        void *p    = c->chunks[row >> COLUMN_CHUNK_SHIFT];
        uint32_t i = row & COLUMN_CHUNK_MASK;
        /* The usual case first: v fits the cells as they are. */
        switch (c->width) {
        case 1:
                if (v > INT8_MIN && v <= INT8_MAX) {
                        ((int8_t *)p)[i] = (int8_t)v;
                        return 0;
                }
                break;
        case 2:
                if (v > INT16_MIN && v <= INT16_MAX) {
                        ((int16_t *)p)[i] = (int16_t)v;
                        return 0;
                }
                break;
        case 4:
                if (v > INT32_MIN && v <= INT32_MAX) {
                        ((int32_t *)p)[i] = (int32_t)v;
                        return 0;
                }
                break;
        default:
                ((int64_t *)p)[i] = v;
                return 0;
        }
        if (widen(c, column_num_width(v)) != 0) {
                return -1;
        }
        cell_store(false, c->width, c->chunks[row >> COLUMN_CHUNK_SHIFT], i, v);
        return 0;
}

/* The same for a text cell's string id. */
static int put_text(struct column *c, uint32_t row, uint32_t id)
{
        void *p    = c->chunks[row >> COLUMN_CHUNK_SHIFT];
        uint32_t i = row & COLUMN_CHUNK_MASK;
        if (c->width == 1 && id <= UINT8_MAX) {
                ((uint8_t *)p)[i] = (uint8_t)id;
                return 0;
        }
        if (c->width == 2 && id <= UINT16_MAX) {
                ((uint16_t *)p)[i] = (uint16_t)id;
                return 0;
        }
        if (c->width == 4) {
                ((uint32_t *)p)[i] = id;
                return 0;
        }
        if (widen(c, text_width(id)) != 0) {
                return -1;
        }
        cell_store(true, c->width, c->chunks[row >> COLUMN_CHUNK_SHIFT], i, id);
        return 0;
}

/* Gives an all-null column its kind: the rows so far become stored nulls. */
static int set_kind(struct column *c, enum column_kind kind)
{
        c->kind  = kind;
        c->width = 1;
        if (kind == COLUMN_TEXT && !c->strings) {
                c->strings = intern_create();
                if (!c->strings) {
                        return -1;
                }
        }
        if (kind == COLUMN_INT) {
                c->vc_slots  = 64;
                c->vc_keys   = calloc(c->vc_slots, sizeof(*c->vc_keys));
                c->vc_counts = calloc(c->vc_slots, sizeof(*c->vc_counts));
                if (!c->vc_keys || !c->vc_counts) {
                        return -1;
                }
        }
        if (c->rows && ensure_chunk(c, c->rows - 1) != 0) {
                return -1;
        }
        return 0;
}

static void drop_value_counts(struct column *c)
{
        free(c->vc_keys);
        free(c->vc_counts);
        c->vc_keys     = NULL;
        c->vc_counts   = NULL;
        c->vc_used     = 0;
        c->vc_slots    = 0;
        c->vc_overflow = true;
}

static uint32_t vc_hash(int64_t v)
{
        uint64_t x = (uint64_t)v * 0x9E3779B97F4A7C15ull;
        return (uint32_t)(x >> 32);
}

static void vc_insert(int64_t *keys, uint64_t *counts, uint32_t slots,
                      int64_t key, uint64_t n)
{
        uint32_t i = vc_hash(key) & (slots - 1);
        while (counts[i] && keys[i] != key) {
                i = (i + 1) & (slots - 1);
        }
        keys[i] = key;
        counts[i] += n;
}

static void count_value(struct column *c, int64_t v)
{
        if (c->vc_overflow || !c->vc_keys) {
                return;
        }
        uint32_t i = vc_hash(v) & (c->vc_slots - 1);
        while (c->vc_counts[i] && c->vc_keys[i] != v) {
                i = (i + 1) & (c->vc_slots - 1);
        }
        if (c->vc_counts[i]) {
                c->vc_counts[i]++;
                return;
        }
        if (c->vc_used + 1 > COLUMN_VALUE_COUNTS_MAX) {
                drop_value_counts(c);
                return;
        }
        c->vc_keys[i]   = v;
        c->vc_counts[i] = 1;
        c->vc_used++;
        if (c->vc_used * 2 <= c->vc_slots) {
                return;
        }
        uint32_t slots   = c->vc_slots * 2;
        int64_t *keys    = calloc(slots, sizeof(*keys));
        uint64_t *counts = calloc(slots, sizeof(*counts));
        if (!keys || !counts) {
                free(keys);
                free(counts);
                drop_value_counts(c);
                return;
        }
        for (uint32_t j = 0; j < c->vc_slots; j++) {
                if (c->vc_counts[j]) {
                        vc_insert(keys, counts, slots, c->vc_keys[j],
                                  c->vc_counts[j]);
                }
        }
        free(c->vc_keys);
        free(c->vc_counts);
        c->vc_keys   = keys;
        c->vc_counts = counts;
        c->vc_slots  = slots;
}

/* Raises the scale of every stored number; 1 when one would overflow,
 * -1 when memory runs out (the column is left as it was either way). */
static int rescale(struct column *c, unsigned digits)
{
        int64_t f  = column_pow10(digits);
        int64_t lo = COLUMN_BIG_LIMIT / f, hi = INT64_MAX / f;
        if (c->stats.n && (c->stats.min <= lo || c->stats.max >= hi)) {
                return 1;
        }
        if (c->stats.n) {
                unsigned wmin = column_num_width(c->stats.min * f);
                unsigned wmax = column_num_width(c->stats.max * f);
                unsigned w    = wmin > wmax ? wmin : wmax;
                if (w > c->width && widen(c, w) != 0) {
                        return -1;
                }
        }
        for (uint32_t r = 0; r < c->rows; r++) {
                int64_t v = column_num(c, r);
                if (v != COLUMN_NULL_NUM && !column_is_big(v)) {
                        /* Fits: the widest result is min or max times f. */
                        cell_store(false, c->width,
                                   c->chunks[r >> COLUMN_CHUNK_SHIFT],
                                   r & COLUMN_CHUNK_MASK, v * f);
                }
        }
        c->stats.sum *= f;
        c->stats.min *= f;
        c->stats.max *= f;
        c->scale = (uint8_t)(c->scale + digits);
        if (c->kind == COLUMN_INT) {
                /* Value counts are kept for integer columns only. */
                drop_value_counts(c);
                c->vc_overflow = false;
                c->kind        = COLUMN_DECIMAL;
        }
        return 0;
}

static void add_number(struct column *c, int64_t v)
{
        if (c->stats.n == 0 || v < c->stats.min) {
                c->stats.min = v;
        }
        if (c->stats.n == 0 || v > c->stats.max) {
                c->stats.max = v;
        }
        c->stats.n++;
        c->stats.sum += v;
        if (c->kind == COLUMN_INT) {
                count_value(c, v);
        }
}

/* Converts v to a mantissa at the column's scale, raising the scale first
 * when v has more digits. 1: does not fit; -1: out of memory. */
static int store_number(struct column *c, int64_t mantissa, unsigned scale,
                        int64_t *out, unsigned *rescaled)
{
        if (c->kind == COLUMN_INT && scale > 0) {
                int rc = rescale(c, scale);
                if (rc != 0) {
                        return rc;
                }
                *rescaled = scale;
        } else if (scale > c->scale) {
                unsigned d = scale - c->scale;
                int rc     = rescale(c, d);
                if (rc != 0) {
                        return rc;
                }
                *rescaled = d;
        }
        if (column_scale_up(mantissa, c->scale - scale, out) != 0) {
                return 1;
        }
        return 0;
}

/* An integer column that gets a fraction becomes decimal (at its scale:
 * the fraction is in a big number). */
static void become_decimal(struct column *c)
{
        if (c->kind == COLUMN_INT) {
                drop_value_counts(c);
                c->vc_overflow = false;
                c->kind        = COLUMN_DECIMAL;
        }
}

/* Stores a number that does not fit the fast path as its exact text.
 * 1: not a usable number (too long), counted as a mismatch. */
static int store_big(struct column *c, const char *s, size_t len, int64_t *out)
{
        struct exact x = EXACT_ZERO;
        if (exact_set_text(&x, s, len) != 0) {
                return 1;
        }
        if (!c->bigs && !(c->bigs = intern_create())) {
                exact_clear(&x);
                return -1;
        }
        uint32_t id = intern_add(c->bigs, s, len);
        if (!id || exact_add(&c->big_sum, &x) != 0 ||
            exact_min(&c->big_min, &x) != 0 ||
            exact_max(&c->big_max, &x) != 0) {
                exact_clear(&x);
                return id ? 1 : -1;
        }
        if (x.scale > 0) {
                become_decimal(c);
        }
        exact_clear(&x);
        c->big_n++;
        *out = COLUMN_BIG_BASE + (int64_t)(id - 1);
        return 0;
}

/* Stores a big number in row `row`: 0, 1 (not a usable number, row left
 * null) or -1 (memory). */
static int append_big(struct column *c, uint32_t row, const char *s, size_t len)
{
        /* Big cells lie just above INT64_MIN: only 8-byte cells hold them.
         * Widened first, so that the statistics are never counted for a
         * cell that could not be stored. */
        if (c->width < 8 && widen(c, 8) != 0) {
                return -1;
        }
        int64_t stored;
        int status = store_big(c, s, len, &stored);
        if (status == 0) {
                cell_store(false, c->width,
                           c->chunks[row >> COLUMN_CHUNK_SHIFT],
                           row & COLUMN_CHUNK_MASK, stored);
        }
        return status;
}

const char *column_big_text(const struct column *c, int64_t v, size_t *len)
{
        return intern_get(c->bigs, (uint32_t)(v - COLUMN_BIG_BASE) + 1, len);
}

int column_exact_stats(const struct column *c, struct exact *sum,
                       struct exact *min, struct exact *max)
{
        exact_clear(sum);
        exact_clear(min);
        exact_clear(max);
        if (c->stats.n) {
                exact_set_dec(sum, c->stats.sum, c->scale);
                exact_set_dec(min, c->stats.min, c->scale);
                exact_set_dec(max, c->stats.max, c->scale);
        }
        if (c->big_n && (exact_add(sum, &c->big_sum) != 0 ||
                         exact_min(min, &c->big_min) != 0 ||
                         exact_max(max, &c->big_max) != 0)) {
                return -1;
        }
        return 0;
}

void column_set_unit(struct column *c, const char *unit)
{
        size_t n = unit ? strlen(unit) : 0;

        if (n >= sizeof(c->unit)) {
                n = 0;
        }
        memcpy(c->unit, unit ? unit : "", n);
        c->unit[n] = '\0';
}

int column_declare(struct column *c, enum value_type type)
{
        if (c->kind != COLUMN_EMPTY) {
                return 0;
        }
        if (type == VALUE_INT) {
                return set_kind(c, COLUMN_INT);
        }
        if (type == VALUE_DECIMAL || type == VALUE_BIGNUM) {
                return set_kind(c, COLUMN_DECIMAL);
        }
        return 0;
}

int column_append(struct column *c, const struct value *v,
                  unsigned *rescale_digits)
{
        *rescale_digits   = 0;
        enum value_type t = v ? v->type : VALUE_NULL;
        if (c->kind == COLUMN_EMPTY && t != VALUE_NULL) {
                enum column_kind k = t == VALUE_INT ? COLUMN_INT
                                     : t == VALUE_DECIMAL || t == VALUE_BIGNUM
                                         ? COLUMN_DECIMAL
                                         : COLUMN_TEXT;
                if (set_kind(c, k) != 0) {
                        return -1;
                }
        }
        uint32_t row = c->rows;
        if (c->kind != COLUMN_EMPTY && ensure_chunk(c, row) != 0) {
                return -1;
        }
        int status = 0;
        if (t == VALUE_NULL) {
                /* Chunks start filled with nulls. */
        } else if (c->kind == COLUMN_TEXT) {
                char buf[48];
                const char *s = buf;
                size_t len;
                if (t == VALUE_TEXT) {
                        s   = v->as.text.ptr;
                        len = v->as.text.len;
                } else if (t == VALUE_BIGNUM) {
                        s   = v->as.big.ptr;
                        len = v->as.big.len;
                } else if (t == VALUE_BOOL) {
                        s   = v->as.b ? "true" : "false";
                        len = strlen(s);
                } else if (t == VALUE_INT) {
                        len = (size_t)snprintf(buf, sizeof(buf), "%lld",
                                               (long long)v->as.i);
                } else {
                        int n = decimal_format(v->as.d, buf, sizeof(buf));
                        len   = n > 0 ? (size_t)n : 0;
                }
                uint32_t id = intern_add(c->strings, s, len);
                if (!id || put_text(c, row, id) != 0) {
                        return -1;
                }
        } else if (t == VALUE_INT || t == VALUE_DECIMAL) {
                int64_t m      = t == VALUE_INT ? v->as.i : v->as.d.mantissa;
                unsigned scale = t == VALUE_INT ? 0 : v->as.d.scale;
                int64_t stored;
                int rc = store_number(c, m, scale, &stored, rescale_digits);
                if (rc < 0) {
                        return -1;
                }
                if (rc == 0) {
                        if (put_num(c, row, stored) != 0) {
                                return -1;
                        }
                        add_number(c, stored);
                } else {
                        /* Does not fit at the column's scale: exact text. */
                        char buf[48];
                        int n  = t == VALUE_INT
                                     ? snprintf(buf, sizeof(buf), "%lld",
                                                (long long)v->as.i)
                                     : decimal_format(v->as.d, buf, sizeof(buf));
                        status = append_big(c, row, buf, n > 0 ? (size_t)n : 0);
                }
        } else if (t == VALUE_BIGNUM) {
                status = append_big(c, row, v->as.big.ptr, v->as.big.len);
        } else {
                status = 1;
        }
        if (status < 0) {
                return -1;
        }
        if (status) {
                c->mismatches++;
        }
        c->rows++;
        return status;
}

void column_get(const struct column *c, uint32_t row, struct cell *out)
{
        memset(out, 0, sizeof(*out));
        if (row >= c->rows || c->kind == COLUMN_EMPTY) {
                out->text = "";
                return;
        }
        if (c->kind == COLUMN_TEXT) {
                uint32_t id = column_text(c, row);
                if (id) {
                        out->kind    = COLUMN_TEXT;
                        out->text_id = id;
                        out->text = intern_get(c->strings, id, &out->text_len);
                } else {
                        out->text = "";
                }
                return;
        }
        int64_t v = column_num(c, row);
        if (v == COLUMN_NULL_NUM) {
                out->text = "";
                return;
        }
        if (column_is_big(v)) {
                out->big = column_big_text(c, v, &out->big_len);
        }
        out->kind  = c->kind;
        out->num   = v;
        out->scale = c->scale;
}

int column_format_dec128(dec128 mantissa, unsigned scale, char *buf,
                         size_t size)
{
        char digits[48];
        int n     = 0;
        bool neg  = mantissa < 0;
        udec128 u = neg ? (udec128)(-(mantissa + 1)) + 1 : (udec128)mantissa;
        do {
                digits[n++] = (char)('0' + (int)(u % 10));
                u /= 10;
        } while (u);
        while (n <= (int)scale) {
                digits[n++] = '0';
        }
        size_t o = 0;
        if (neg && o + 1 < size) {
                buf[o++] = '-';
        }
        for (int i = n - 1; i >= 0 && o + 1 < size; i--) {
                buf[o++] = digits[i];
                if (i == (int)scale && scale > 0 && o + 1 < size) {
                        buf[o++] = '.';
                }
        }
        buf[o] = '\0';
        return (int)o;
}

double column_to_double(dec128 mantissa, unsigned scale)
{
        return (double)mantissa / (double)column_pow10(scale);
}

const char *column_kind_name(enum column_kind kind)
{
        switch (kind) {
        case COLUMN_INT:
                return "integer";
        case COLUMN_DECIMAL:
                return "decimal";
        case COLUMN_TEXT:
                return "text";
        case COLUMN_EMPTY:
                break;
        }
        return "empty";
}

size_t column_memory(const struct column *c)
{
        size_t m = sizeof(*c) + strlen(c->name) + 1;
        m += (size_t)c->nchunks * sizeof(void *) + (size_t)c->cap * c->width;
        if (c->bigs) {
                m += intern_memory(c->bigs);
        }
        if (c->strings) {
                m += intern_memory(c->strings);
        }
        m += (size_t)c->vc_slots * (sizeof(int64_t) + sizeof(uint64_t));
        return m;
}
