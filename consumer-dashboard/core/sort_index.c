/* SPDX-License-Identifier: MIT */
#include "sort_index.h"

#include <stdlib.h>
#include <string.h>

#include "aggregates_internal.h"

/* Every number is compared at this scale: an int64 mantissa times
 * 10^(18 - scale) always fits 128 bits. */
#define SORT_KEY_SCALE    VALUE_DECIMAL_MAX_SCALE
#define STRING_BLOCK_SIZE 65536

/* Classes in table order. A number too large for a 128-bit key at
 * SORT_KEY_SCALE (beyond about 1.7e20) is SORT_BIG_NEG or SORT_BIG_POS, and
 * its key is the decimal text of its magnitude (compared exactly). */
enum sort_class {
        SORT_BIG_NEG = 0,
        SORT_NUMBER,
        SORT_BIG_POS,
        SORT_TEXT,
        SORT_NULL,
};

struct string_block {
        struct string_block *next;
        size_t used, cap;
        char data[];
};

/* The strings of one slot's column, copied: id -> text. */
struct text_mirror {
        const char **ptr;
        uint32_t *len;
        uint32_t count; /* ids 1..count are copied */
        uint32_t cap;
};

struct sort_index {
        char *column;                       /* NULL: file order */
        char *filter_column, *filter_value; /* NULL: every row */
        char *source;                       /* NULL: every source */
        uint64_t view_version;
        bool built; /* entries belong to view_version */
        bool busy;
        struct sort_entry *entries;
        size_t n;
        uint32_t *built_rows; /* per slot: rows in entries, or in the job
                                 that is out */
        uint64_t covered;     /* rows of the view that entries hold */
        struct text_mirror *mirrors;
        size_t nslots;
        struct string_block *strings;
        size_t string_bytes;
};

struct sort_job {
        struct sort_index *ix;
        uint64_t view_version;
        uint64_t covered; /* the index's rows of the view once installed */
        bool rebuild;     /* entries are not merged in */
        const struct sort_entry *base; /* the index's entries, read only */
        size_t nbase;
        struct sort_entry *fresh;
        size_t nfresh;
        struct sort_entry *result;
        size_t nresult;
        bool ok;
};

struct sort_index *sort_index_create(const char *column,
                                     const char *filter_column,
                                     const char *filter_value,
                                     const char *source)
{
        struct sort_index *ix = calloc(1, sizeof(*ix));
        if (!ix) {
                return NULL;
        }
        if ((column && !(ix->column = strdup(column))) ||
            (source && !(ix->source = strdup(source))) ||
            (filter_column && (!(ix->filter_column = strdup(filter_column)) ||
                               !(ix->filter_value = strdup(
                                     filter_value ? filter_value : ""))))) {
                sort_index_destroy(ix);
                return NULL;
        }
        return ix;
}

static bool same(const char *x, const char *y)
{
        return x == y || (x && y && strcmp(x, y) == 0);
}

bool sort_index_is(const struct sort_index *ix, const char *column,
                   const char *filter_column, const char *filter_value,
                   const char *source)
{
        return same(ix->column, column) && same(ix->source, source) &&
               same(ix->filter_column, filter_column) &&
               (!filter_column || same(ix->filter_value, filter_value));
}

uint64_t sort_index_covered(const struct sort_index *ix, uint64_t view_version)
{
        /* Not built_rows: they count the rows of a job that is out too,
         * which entries do not hold until it is installed. */
        return ix->built && ix->view_version == view_version ? ix->covered : 0;
}

static void drop_view(struct sort_index *ix)
{
        for (size_t s = 0; s < ix->nslots; s++) {
                free(ix->mirrors[s].ptr);
                free(ix->mirrors[s].len);
        }
        free(ix->mirrors);
        free(ix->built_rows);
        free(ix->entries);
        struct string_block *b = ix->strings;
        while (b) {
                struct string_block *next = b->next;
                free(b);
                b = next;
        }
        ix->mirrors      = NULL;
        ix->built_rows   = NULL;
        ix->entries      = NULL;
        ix->strings      = NULL;
        ix->string_bytes = 0;
        ix->n            = 0;
        ix->covered      = 0;
        ix->nslots       = 0;
        ix->built        = false;
}

void sort_index_destroy(struct sort_index *ix)
{
        if (!ix) {
                return;
        }
        drop_view(ix);
        free(ix->column);
        free(ix->filter_column);
        free(ix->filter_value);
        free(ix->source);
        free(ix);
}

const char *sort_index_column(const struct sort_index *ix)
{
        return ix->column;
}

bool sort_index_busy(const struct sort_index *ix)
{
        return ix->busy;
}

uint64_t sort_index_rows(const struct sort_index *ix, uint64_t view_version)
{
        return ix->built && ix->view_version == view_version ? ix->n : 0;
}

size_t sort_index_memory(const struct sort_index *ix)
{
        size_t m = sizeof(*ix) + ix->n * sizeof(struct sort_entry) +
                   ix->string_bytes +
                   ix->nslots * (sizeof(uint32_t) + sizeof(struct text_mirror));
        for (size_t s = 0; s < ix->nslots; s++) {
                m += ix->mirrors[s].cap * (sizeof(char *) + sizeof(uint32_t));
        }
        return m;
}

size_t sort_job_memory(const struct sort_job *j)
{
        return sizeof(*j) +
               (j->nfresh + j->nbase + j->nfresh) * sizeof(struct sort_entry);
}

struct sort_index *sort_job_index(const struct sort_job *j)
{
        return j->ix;
}

static const char *copy_string(struct sort_index *ix, const char *s, size_t len)
{
        struct string_block *b = ix->strings;
        if (!b || b->cap - b->used < len + 1) {
                size_t cap =
                    len + 1 > STRING_BLOCK_SIZE ? len + 1 : STRING_BLOCK_SIZE;
                b = malloc(sizeof(*b) + cap);
                if (!b) {
                        return NULL;
                }
                b->next     = ix->strings;
                b->used     = 0;
                b->cap      = cap;
                ix->strings = b;
                ix->string_bytes += sizeof(*b) + cap;
        }
        char *p = b->data + b->used;
        memcpy(p, s, len);
        p[len] = '\0';
        b->used += len + 1;
        return p;
}

/* Copies the strings the column of one slot gained since the last job. */
static int mirror_strings(struct sort_index *ix, struct text_mirror *m,
                          const struct column *c)
{
        uint32_t count = intern_count(c->strings);
        if (count <= m->count) {
                return 0;
        }
        if (count + 1 > m->cap) {
                uint32_t cap = m->cap ? m->cap : 64;
                while (cap < count + 1) {
                        cap *= 2;
                }
                const char **p = realloc(m->ptr, cap * sizeof(*p));
                if (!p) {
                        return -1;
                }
                m->ptr       = p;
                uint32_t *ln = realloc(m->len, cap * sizeof(*ln));
                if (!ln) {
                        return -1;
                }
                m->len = ln;
                m->cap = cap;
        }
        for (uint32_t id = m->count + 1; id <= count; id++) {
                size_t len;
                const char *s = intern_get(c->strings, id, &len);
                m->ptr[id]    = copy_string(ix, s, len);
                if (!m->ptr[id]) {
                        return -1;
                }
                m->len[id] = (uint32_t)len;
                m->count   = id;
        }
        return 0;
}

/* Starts the index over for a new set of slots. */
static int reset_view(struct sort_index *ix, size_t nslots,
                      uint64_t view_version)
{
        drop_view(ix);
        ix->built_rows = calloc(nslots + 1, sizeof(*ix->built_rows));
        ix->mirrors    = calloc(nslots + 1, sizeof(*ix->mirrors));
        if (!ix->built_rows || !ix->mirrors) {
                drop_view(ix);
                return -1;
        }
        ix->nslots       = nslots;
        ix->view_version = view_version;
        ix->built        = true;
        return 0;
}

/* A big number's key: a 128-bit key when it fits at the key scale (up to
 * about 1.7e20 with 18 decimals), else its class by sign with the
 * canonical decimal text of its magnitude (copied into the index), so that
 * giants sort exactly among themselves. A text that is no number (never
 * stored so) sorts as null. @returns 0, or -1 when memory runs out. */
static int big_key(struct sort_index *ix, const struct column *c, int64_t v,
                   struct sort_entry *e)
{
        size_t len;
        const char *s     = column_big_text(c, v, &len);
        struct exact x    = EXACT_ZERO;
        struct wire_buf b = {0};
        int rc            = 0;
        if (exact_set_text(&x, s, len) != 0) {
                exact_clear(&x);
                return 0; /* stays SORT_NULL */
        }
        if (exact_to_dec(&x, SORT_KEY_SCALE, &e->key.num) == 0) {
                e->cls = SORT_NUMBER;
        } else if (exact_format(&x, &b) != 0) {
                rc = -1;
        } else {
                bool neg        = b.len > 0 && b.data[0] == '-';
                e->cls          = neg ? SORT_BIG_NEG : SORT_BIG_POS;
                e->key.text.len = b.len - neg;
                e->key.text.ptr = copy_string(ix, b.data + neg, b.len - neg);
                rc              = e->key.text.ptr ? 0 : -1;
        }
        wire_buf_finish(&b);
        exact_clear(&x);
        return rc;
}

static int key_of(struct sort_index *ix, const struct column *c,
                  const struct text_mirror *m, uint32_t row,
                  struct sort_entry *e)
{
        e->cls = SORT_NULL;
        if (!c) {
                return 0;
        }
        if (c->kind == COLUMN_TEXT) {
                uint32_t id = column_text(c, row);
                if (id != 0) {
                        e->cls          = SORT_TEXT;
                        e->key.text.ptr = m->ptr[id];
                        e->key.text.len = m->len[id];
                }
        } else if (column_is_numeric(c)) {
                int64_t v = column_num(c, row);
                if (column_is_big(v)) {
                        return big_key(ix, c, v, e);
                }
                if (v != COLUMN_NULL_NUM) {
                        e->cls = SORT_NUMBER;
                        e->key.num =
                            (dec128)v * column_pow10(SORT_KEY_SCALE - c->scale);
                }
        }
        return 0;
}

/* Whether the index takes the rows of slot s (its source's, or all). */
static bool takes_slot(const struct sort_index *ix,
                       const char *const *slot_names, size_t s)
{
        return !ix->source || strcmp(slot_names[s], ix->source) == 0;
}

struct sort_job *sort_index_prepare(struct sort_index *ix,
                                    struct generation *const *slots,
                                    const char *const *slot_names,
                                    size_t nslots, uint64_t view_version)
{
        struct sort_job *j = calloc(1, sizeof(*j));
        if (!j) {
                return NULL;
        }
        j->ix           = ix;
        j->view_version = view_version;
        if (!ix->built || ix->view_version != view_version) {
                if (reset_view(ix, nslots, view_version) != 0) {
                        free(j);
                        return NULL;
                }
                j->rebuild = true;
        }
        size_t m = 0;
        for (size_t s = 0; s < nslots; s++) {
                if (takes_slot(ix, slot_names, s)) {
                        m += slots[s]->rows - ix->built_rows[s];
                }
        }
        j->fresh = malloc((m ? m : 1) * sizeof(*j->fresh));
        if (!j->fresh) {
                free(j);
                return NULL;
        }
        for (size_t s = 0; s < nslots; s++) {
                const struct generation *g = slots[s];
                if (!takes_slot(ix, slot_names, s)) {
                        /* Looked at, and filtered out: another source. */
                        ix->built_rows[s] = g->rows;
                        continue;
                }
                const struct column *c =
                    ix->column ? generation_column(g, ix->column) : NULL;
                struct text_mirror *tm = &ix->mirrors[s];
                if (c && c->kind == COLUMN_TEXT &&
                    mirror_strings(ix, tm, c) != 0) {
                        free(j->fresh);
                        free(j);
                        drop_view(ix); /* its strings may be half copied */
                        return NULL;
                }
                /* A filtered index: the id of the value in this slot (0:
                 * not there yet, so no row of it matches). */
                const struct column *fc =
                    ix->filter_column ? generation_column(g, ix->filter_column)
                                      : NULL;
                uint32_t fid = fc && fc->kind == COLUMN_TEXT
                                   ? intern_find(fc->strings, ix->filter_value,
                                                 strlen(ix->filter_value))
                                   : 0;
                for (uint32_t r = ix->built_rows[s]; r < g->rows; r++) {
                        if (ix->filter_column &&
                            (!fid || column_text(fc, r) != fid)) {
                                continue;
                        }
                        struct sort_entry *e = &j->fresh[j->nfresh++];
                        memset(e, 0, sizeof(*e));
                        if (ix->column && key_of(ix, c, tm, r, e) != 0) {
                                free(j->fresh);
                                free(j);
                                drop_view(ix);
                                return NULL;
                        }
                        e->ref =
                            ((uint64_t)s << AGG_REF_SLOT_SHIFT) | (uint64_t)r;
                        e->record = generation_record(g, r);
                }
                ix->built_rows[s] = g->rows;
        }
        for (size_t s = 0; s < nslots; s++) {
                j->covered += ix->built_rows[s];
        }
        j->base  = ix->entries;
        j->nbase = ix->n;
        ix->busy = true;
        return j;
}

static int cmp_text(const struct sort_entry *a, const struct sort_entry *b)
{
        size_t la = a->key.text.len, lb = b->key.text.len;
        size_t n = la < lb ? la : lb;
        int c    = n ? memcmp(a->key.text.ptr, b->key.text.ptr, n) : 0;
        return c ? c : (la > lb) - (la < lb);
}

/* Compares two magnitudes written as decimal text ("123.45", no sign,
 * no leading zeros): integer digits first, then the fraction digit by
 * digit (a missing digit is a 0, so "1.5" equals "1.50"). */
static int cmp_magnitude(const char *x, size_t xl, const char *y, size_t yl)
{
        /* (Zero may be no text at all: x or y NULL with length 0.) */
        const char *xd = xl ? memchr(x, '.', xl) : NULL;
        const char *yd = yl ? memchr(y, '.', yl) : NULL;
        size_t xi = xd ? (size_t)(xd - x) : xl, yi = yd ? (size_t)(yd - y) : yl;
        if (xi != yi) {
                return xi > yi ? 1 : -1;
        }
        int c = xi ? memcmp(x, y, xi) : 0;
        if (c) {
                return c > 0 ? 1 : -1;
        }
        size_t xf = xd ? xl - xi - 1 : 0, yf = yd ? yl - yi - 1 : 0;
        for (size_t i = 0; i < xf || i < yf; i++) {
                char dx = i < xf ? xd[1 + i] : '0';
                char dy = i < yf ? yd[1 + i] : '0';
                if (dx != dy) {
                        return dx > dy ? 1 : -1;
                }
        }
        return 0;
}

/* Table order of two keys alone (0: they tie). */
static int cmp_keys(const struct sort_entry *a, const struct sort_entry *b)
{
        if (a->cls != b->cls) {
                return (int)a->cls - (int)b->cls;
        }
        switch (a->cls) {
        case SORT_NUMBER:
                return (a->key.num > b->key.num) - (a->key.num < b->key.num);
        case SORT_TEXT:
                return cmp_text(a, b);
        case SORT_BIG_POS:
        case SORT_BIG_NEG: {
                int c = cmp_magnitude(a->key.text.ptr, a->key.text.len,
                                      b->key.text.ptr, b->key.text.len);
                return a->cls == SORT_BIG_NEG ? -c : c;
        }
        default:
                return 0;
        }
}

static int cmp_entries(const struct sort_entry *a, const struct sort_entry *b)
{
        int c = cmp_keys(a, b);
        if (c) {
                return c;
        }
        /* Ties: file order (source = slot, then record). */
        uint64_t sa = a->ref >> AGG_REF_SLOT_SHIFT;
        uint64_t sb = b->ref >> AGG_REF_SLOT_SHIFT;
        if (sa != sb) {
                return (sa > sb) - (sa < sb);
        }
        return (a->record > b->record) - (a->record < b->record);
}

static int cmp_qsort(const void *a, const void *b)
{
        return cmp_entries(a, b);
}

int sort_job_run(struct sort_job *j)
{
        qsort(j->fresh, j->nfresh, sizeof(*j->fresh), cmp_qsort);
        if (j->rebuild || j->nbase == 0) {
                j->result  = j->fresh;
                j->nresult = j->nfresh;
                j->fresh   = NULL;
                j->ok      = true;
                return 0;
        }
        size_t n  = j->nbase + j->nfresh;
        j->result = malloc(n * sizeof(*j->result));
        if (!j->result) {
                return -1;
        }
        size_t a = 0, b = 0, o = 0;
        while (a < j->nbase && b < j->nfresh) {
                j->result[o++] = cmp_entries(&j->base[a], &j->fresh[b]) <= 0
                                     ? j->base[a++]
                                     : j->fresh[b++];
        }
        while (a < j->nbase) {
                j->result[o++] = j->base[a++];
        }
        while (b < j->nfresh) {
                j->result[o++] = j->fresh[b++];
        }
        j->nresult = n;
        free(j->fresh);
        j->fresh = NULL;
        j->ok    = true;
        return 0;
}

void sort_index_install(struct sort_job *j)
{
        struct sort_index *ix = j->ix;
        ix->busy              = false;
        if (j->ok && ix->built && ix->view_version == j->view_version) {
                free(ix->entries);
                ix->entries = j->result;
                ix->n       = j->nresult;
                ix->covered = j->covered;
        } else {
                /* The rows of this job are not in the index: start over. */
                free(j->result);
                drop_view(ix);
        }
        free(j->fresh);
        free(j);
}

/* The first entry in [lo, hi) whose key is not below (past_equal false)
 * or above (true) the key of *k. */
static size_t key_bound(const struct sort_entry *e, size_t lo, size_t hi,
                        const struct sort_entry *k, bool past_equal)
{
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c      = cmp_keys(&e[mid], k);
                if (c < 0 || (past_equal && c == 0)) {
                        lo = mid + 1;
                } else {
                        hi = mid;
                }
        }
        return lo;
}

/* How many entries have a key (nulls sit at the end). */
static size_t nonnull_count(const struct sort_index *ix)
{
        size_t lo = 0, hi = ix->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (ix->entries[mid].cls == SORT_NULL) {
                        hi = mid;
                } else {
                        lo = mid + 1;
                }
        }
        return lo;
}

size_t sort_index_page(const struct sort_index *ix, bool desc, uint64_t offset,
                       size_t limit, uint64_t *refs)
{
        /* Nulls sit at the end, in file order. Descending order reverses
         * the order of the keys, not of the rows that tie: each run of equal
         * keys keeps file order, so ties read the same in both orders. */
        const struct sort_entry *e = ix->entries;
        size_t nonnull = nonnull_count(ix), out = 0;
        uint64_t p = offset;
        while (desc && p < nonnull && out < limit) {
                /* The run of keys equal to the one at mirrored position q,
                 * [g0, g1), starts at descending position nonnull - g1. */
                size_t q  = nonnull - 1 - (size_t)p;
                size_t g0 = key_bound(e, 0, q, &e[q], false);
                size_t g1 = key_bound(e, q + 1, nonnull, &e[q], true);
                for (size_t i = g0 + ((size_t)p - (nonnull - g1));
                     i < g1 && out < limit; i++, p++) {
                        refs[out++] = e[i].ref;
                }
        }
        for (; p < ix->n && out < limit; p++) {
                refs[out++] = e[p].ref;
        }
        return out;
}

int64_t sort_index_position(const struct sort_index *ix, bool desc,
                            uint64_t ref, uint64_t *hint)
{
        const struct sort_entry *e = ix->entries;
        size_t h = *hint < ix->n ? (size_t)*hint : ix->n ? ix->n - 1 : 0;
        size_t i = SIZE_MAX;

        /* Outward from the hint: a row moves by the rows inserted before
         * it, and the next chunk's last row is a chunk away. */
        for (size_t d = 0; i == SIZE_MAX && (d <= h || h + d < ix->n); d++) {
                if (h + d < ix->n && e[h + d].ref == ref) {
                        i = h + d;
                } else if (d <= h && e[h - d].ref == ref) {
                        i = h - d;
                }
        }
        if (i == SIZE_MAX) {
                return -1;
        }
        *hint = i;
        if (!desc || e[i].cls == SORT_NULL) {
                return (int64_t)i;
        }
        /* As in sort_index_page: the run of equal keys [g0, g1) starts at
         * descending position nonnull - g1, in file order within. */
        size_t nonnull = nonnull_count(ix);
        size_t g0      = key_bound(e, 0, i, &e[i], false);
        size_t g1      = key_bound(e, i + 1, nonnull, &e[i], true);
        return (int64_t)((nonnull - g1) + (i - g0));
}
