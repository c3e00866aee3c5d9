/* SPDX-License-Identifier: MIT */
#include "generation.h"

#include <stdlib.h>
#include <string.h>

static void free_category_big(struct category_big *b)
{
        if (b) {
                exact_clear(&b->sum);
                exact_clear(&b->min);
                exact_clear(&b->max);
                free(b);
        }
}

struct generation *generation_create(uint64_t number)
{
        struct generation *g = calloc(1, sizeof(*g));
        if (!g) {
                return NULL;
        }
        g->number = number;
        /* Any fixed non-zero seed works; the generation number keeps two
         * dashboards replaying the same topic in step. */
        g->rng = number * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
        return g;
}

void generation_destroy(struct generation *g)
{
        if (!g) {
                return;
        }
        for (size_t i = 0; i < g->ncols; i++) {
                struct category_stats *cs = &g->cats[i];
                for (size_t k = 0; cs->cells && k < (size_t)cs->cap * g->ncols;
                     k++) {
                        free_category_big(cs->cells[k].big);
                }
                column_destroy(g->cols[i]);
                free(cs->cells);
        }
        for (uint32_t i = 0; i < g->record_chunks; i++) {
                free(g->records[i]);
        }
        free(g->records);
        free(g->cols);
        free(g->cats);
        free(g->seen);
        free(g->sample);
        free(g);
}

int generation_column_index(const struct generation *g, const char *name)
{
        for (size_t i = 0; i < g->ncols; i++) {
                if (strcmp(g->cols[i]->name, name) == 0) {
                        return (int)i;
                }
        }
        return -1;
}

struct column *generation_column(const struct generation *g, const char *name)
{
        int i = generation_column_index(g, name);
        return i < 0 ? NULL : g->cols[i];
}

/* Adds a column that holds nulls for the rows so far; category cells are
 * widened to the new column count. */
static int add_column(struct generation *g, const char *name)
{
        struct column *c = column_create(name);
        if (!c) {
                return -1;
        }
        unsigned unused;
        for (uint32_t r = 0; r < g->rows; r++) {
                if (column_append(c, NULL, &unused) < 0) {
                        column_destroy(c);
                        return -1;
                }
        }
        struct column **cols = realloc(g->cols, (g->ncols + 1) * sizeof(*cols));
        if (!cols) {
                column_destroy(c);
                return -1;
        }
        g->cols = cols;
        struct category_stats *cats =
            realloc(g->cats, (g->ncols + 1) * sizeof(*cats));
        if (!cats) {
                column_destroy(c);
                return -1;
        }
        g->cats    = cats;
        size_t old = g->ncols, n = g->ncols + 1;
        for (size_t i = 0; i < old; i++) {
                struct category_stats *cs = &g->cats[i];
                if (!cs->cells) {
                        continue;
                }
                struct category_cell *cells =
                    calloc((size_t)cs->cap * n, sizeof(*cells));
                if (!cells) {
                        cs->disabled = true;
                        free(cs->cells);
                        cs->cells = NULL;
                        continue;
                }
                for (uint32_t k = 0; k < cs->cap; k++) {
                        memcpy(&cells[k * n], &cs->cells[k * old],
                               old * sizeof(*cells));
                }
                free(cs->cells);
                cs->cells = cells;
        }
        memset(&g->cats[old], 0, sizeof(g->cats[old]));
        g->cols[old] = c;
        g->ncols     = n;
        return 0;
}

static int mark_seen(struct generation *g, uint64_t record)
{
        size_t w = (size_t)(record >> 6);
        if (w >= g->seen_words) {
                size_t n = g->seen_words ? g->seen_words : 64;
                while (n <= w) {
                        n *= 2;
                }
                uint64_t *seen = realloc(g->seen, n * sizeof(*seen));
                if (!seen) {
                        return -1;
                }
                memset(seen + g->seen_words, 0,
                       (n - g->seen_words) * sizeof(*seen));
                g->seen       = seen;
                g->seen_words = n;
        }
        g->seen[w] |= UINT64_C(1) << (record & 63);
        return 0;
}

static bool is_seen(const struct generation *g, uint64_t record)
{
        size_t w = (size_t)(record >> 6);
        return w < g->seen_words && (g->seen[w] >> (record & 63) & 1);
}

static uint64_t next_random(struct generation *g)
{
        uint64_t x = g->rng; /* xorshift64 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        g->rng = x;
        return x;
}

/* Algorithm R: every row has the same chance to be in the sample. */
static void sample_row(struct generation *g, uint32_t row)
{
        g->sample_seen++;
        if (g->sample_n < GENERATION_SAMPLE_MAX) {
                if (!g->sample) {
                        g->sample =
                            malloc(GENERATION_SAMPLE_MAX * sizeof(*g->sample));
                        if (!g->sample) {
                                return;
                        }
                }
                g->sample[g->sample_n++] = row;
                return;
        }
        uint64_t j = next_random(g) % g->sample_seen;
        if (j < GENERATION_SAMPLE_MAX) {
                g->sample[j] = row;
        }
}

static void cell_add(struct category_cell *cell, int64_t v)
{
        if (cell->n == 0 || v < cell->min) {
                cell->min = v;
        }
        if (cell->n == 0 || v > cell->max) {
                cell->max = v;
        }
        cell->n++;
        cell->sum += v;
}

/* Adds a big number to a category cell. -1: out of memory or too long. */
static int cell_add_big(struct category_cell *cell, const struct column *c,
                        int64_t v)
{
        size_t len;
        const char *s  = column_big_text(c, v, &len);
        struct exact x = EXACT_ZERO;
        if (!cell->big && !(cell->big = calloc(1, sizeof(*cell->big)))) {
                return -1;
        }
        int rc = exact_set_text(&x, s, len) != 0 ||
                         exact_add(&cell->big->sum, &x) != 0 ||
                         exact_min(&cell->big->min, &x) != 0 ||
                         exact_max(&cell->big->max, &x) != 0
                     ? -1
                     : 0;
        exact_clear(&x);
        cell->big->n += rc == 0;
        return rc;
}

static void update_categories(struct generation *g, uint32_t row)
{
        for (size_t ci = 0; ci < g->ncols; ci++) {
                struct column *c          = g->cols[ci];
                struct category_stats *cs = &g->cats[ci];
                if (c->kind != COLUMN_TEXT || cs->disabled) {
                        continue;
                }
                uint32_t id = column_text(c, row);
                if (!id) {
                        continue;
                }
                if (id > GENERATION_CATEGORY_MAX) {
                        cs->disabled = true;
                        free(cs->cells);
                        cs->cells = NULL;
                        continue;
                }
                if (id > cs->cap) {
                        uint32_t cap = cs->cap ? cs->cap * 2 : 16;
                        while (cap < id) {
                                cap *= 2;
                        }
                        struct category_cell *cells = realloc(
                            cs->cells, (size_t)cap * g->ncols * sizeof(*cells));
                        if (!cells) {
                                cs->disabled = true;
                                free(cs->cells);
                                cs->cells = NULL;
                                continue;
                        }
                        memset(cells + (size_t)cs->cap * g->ncols, 0,
                               (size_t)(cap - cs->cap) * g->ncols *
                                   sizeof(*cells));
                        cs->cells = cells;
                        cs->cap   = cap;
                }
                struct category_cell *cells =
                    &cs->cells[(size_t)(id - 1) * g->ncols];
                cells[ci].n++;
                for (size_t vi = 0; vi < g->ncols; vi++) {
                        const struct column *v = g->cols[vi];
                        if (!column_is_numeric(v)) {
                                continue;
                        }
                        int64_t x = column_num(v, row);
                        if (column_is_big(x)) {
                                /* Stored and counted by the column already:
                                 * only this category's sum could miss it. */
                                (void)cell_add_big(&cells[vi], v, x);
                        } else if (x != COLUMN_NULL_NUM) {
                                cell_add(&cells[vi], x);
                        }
                }
        }
}

/* Room for the record number of row `row` (rows come one at a time). */
static int reserve_record(struct generation *g, uint32_t row)
{
        if (row < g->record_cap) {
                return 0;
        }
        if (g->record_chunks == 1 && g->record_cap < COLUMN_CHUNK_ROWS) {
                uint32_t cap = g->record_cap * 2;
                uint32_t *chunk =
                    realloc(g->records[0], (size_t)cap * sizeof(*chunk));
                if (!chunk) {
                        return -1;
                }
                g->records[0] = chunk;
                g->record_cap = cap;
                return 0;
        }
        uint32_t **chunks =
            realloc(g->records, (g->record_chunks + 1) * sizeof(*chunks));
        if (!chunks) {
                return -1;
        }
        g->records = chunks;
        uint32_t cap =
            g->record_chunks ? COLUMN_CHUNK_ROWS : COLUMN_FIRST_CHUNK_ROWS;
        chunks[g->record_chunks] = malloc((size_t)cap * sizeof(**chunks));
        if (!chunks[g->record_chunks]) {
                return -1;
        }
        g->record_chunks++;
        g->record_cap =
            g->record_chunks == 1 ? cap : g->record_chunks * COLUMN_CHUNK_ROWS;
        return 0;
}

/* Column `col` just multiplied its numbers by 10^digits: follow suit. */
static void rescale_categories(struct generation *g, size_t col,
                               unsigned digits)
{
        int64_t f = column_pow10(digits);
        for (size_t ci = 0; ci < g->ncols; ci++) {
                struct category_stats *cs = &g->cats[ci];
                if (!cs->cells) {
                        continue;
                }
                for (uint32_t k = 0; k < cs->cap; k++) {
                        struct category_cell *cell =
                            &cs->cells[(size_t)k * g->ncols + col];
                        cell->sum *= f;
                        cell->min *= f;
                        cell->max *= f;
                }
        }
}

int generation_declare_column(struct generation *g, const char *name,
                              enum value_type type, const char *unit)
{
        if (generation_column_index(g, name) < 0 && add_column(g, name) != 0) {
                return -1;
        }
        struct column *c = generation_column(g, name);
        column_set_unit(c, unit);
        return column_declare(c, type);
}

enum generation_add generation_add_row(struct generation *g, uint64_t record,
                                       const struct wire_object *row)
{
        if (record == 0 || record >= GENERATION_RECORD_MAX ||
            g->rows == UINT32_MAX) {
                return GENERATION_INVALID;
        }
        if (is_seen(g, record)) {
                return GENERATION_DUPLICATE;
        }
        /* in_order: the row's fields are the columns, in their order (the
         * usual case), so the second pass needs no name lookups. */
        bool in_order = row->count == g->ncols;
        for (size_t f = 0; f < row->count; f++) {
                const char *name = row->fields[f].name;
                bool at_f = f < g->ncols && strcmp(g->cols[f]->name, name) == 0;
                in_order &= at_f;
                if (!at_f && generation_column_index(g, name) < 0 &&
                    add_column(g, name) != 0) {
                        return GENERATION_NOMEM;
                }
        }
        in_order &= row->count == g->ncols; /* no column was added */
        if (reserve_record(g, g->rows) != 0 || mark_seen(g, record) != 0) {
                return GENERATION_NOMEM;
        }
        for (size_t ci = 0; ci < g->ncols; ci++) {
                struct column *c      = g->cols[ci];
                const struct value *v = NULL;
                if (in_order || (ci < row->count &&
                                 strcmp(row->fields[ci].name, c->name) == 0)) {
                        v = &row->fields[ci].value;
                } else {
                        const struct wire_field *wf =
                            wire_object_get(row, c->name);
                        v = wf ? &wf->value : NULL;
                }
                unsigned digits = 0;
                int rc          = column_append(c, v, &digits);
                /* A column that raised its scale and then ran out of memory
                 * still raised it: the categories follow it either way. */
                if (digits) {
                        rescale_categories(g, ci, digits);
                }
                if (rc < 0) {
                        return GENERATION_NOMEM;
                }
        }
        uint32_t r = g->rows++;
        g->records[r >> COLUMN_CHUNK_SHIFT][r & COLUMN_CHUNK_MASK] =
            (uint32_t)record;
        update_categories(g, r);
        sample_row(g, r);
        if (g->complete_known && record <= g->last_record) {
                g->rows_le_last++;
        }
        return GENERATION_ADDED;
}

void generation_set_complete(struct generation *g, uint64_t last_record,
                             uint64_t row_count)
{
        if (g->complete_known) {
                return; /* sent to every partition: the first one counts */
        }
        g->complete_known = true;
        g->last_record    = last_record;
        g->row_count      = row_count;
        uint64_t n        = 0;
        uint64_t words    = (last_record >> 6) + 1;
        for (uint64_t w = 0; w < words && w < g->seen_words; w++) {
                uint64_t bits = g->seen[w];
                if (w == last_record >> 6 && (last_record & 63) != 63) {
                        bits &= (UINT64_C(1) << ((last_record & 63) + 1)) - 1;
                }
                n += (uint64_t)__builtin_popcountll(bits);
        }
        g->rows_le_last = n;
}

bool generation_is_complete(const struct generation *g)
{
        return g->complete_known && g->rows_le_last >= g->row_count;
}

size_t generation_memory(const struct generation *g)
{
        size_t m = sizeof(*g) + g->seen_words * sizeof(uint64_t) +
                   (size_t)g->record_cap * sizeof(uint32_t) +
                   (size_t)g->record_chunks * sizeof(uint32_t *);
        for (size_t i = 0; i < g->ncols; i++) {
                m += column_memory(g->cols[i]) + sizeof(void *) +
                     sizeof(g->cats[i]);
                if (g->cats[i].cells) {
                        m += (size_t)g->cats[i].cap * g->ncols *
                             sizeof(struct category_cell);
                }
        }
        if (g->sample) {
                m += GENERATION_SAMPLE_MAX * sizeof(uint32_t);
        }
        return m;
}
