/* SPDX-License-Identifier: MIT */
#include "exact.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

/* Digits of the largest power of ten a dec128 holds (10^38). */
#define DEC128_POW10_MAX 38
/* An exponent beyond this is refused before any arithmetic. */
#define EXPONENT_MAX 100000

static int pow10_128(unsigned digits, dec128 *out)
{
        dec128 p = 1;
        for (unsigned i = 0; i < digits; i++) {
                if (__builtin_mul_overflow(p, (dec128)10, &p)) {
                        return -1;
                }
        }
        *out = p;
        return 0;
}

/* m * 10^digits, with overflow check. */
static int scale_up(dec128 m, unsigned digits, dec128 *out)
{
        dec128 p;
        if (digits > DEC128_POW10_MAX || pow10_128(digits, &p) != 0) {
                return m == 0 ? (*out = 0, 0) : -1;
        }
        return __builtin_mul_overflow(m, p, out) ? -1 : 0;
}

static void mpz_from_dec128(mpz_ptr z, dec128 m)
{
        udec128 u = m < 0 ? (udec128)0 - (udec128)m : (udec128)m;
        mpz_set_ui(z, (unsigned long)(uint64_t)(u >> 64));
        mpz_mul_2exp(z, z, 64);
        mpz_add_ui(z, z, (unsigned long)(uint64_t)u);
        if (m < 0) {
                mpz_neg(z, z);
        }
}

/* The mantissa of e at scale `scale` (>= e->scale) into z. */
static void mantissa_at(mpz_ptr z, const struct exact *e, unsigned scale)
{
        if (e->big) {
                mpz_set(z, (mpz_srcptr)e->big);
        } else {
                mpz_from_dec128(z, e->m);
        }
        if (scale > e->scale) {
                mpz_t p;
                mpz_init(p);
                mpz_ui_pow_ui(p, 10, scale - e->scale);
                mpz_mul(z, z, p);
                mpz_clear(p);
        }
}

static bool too_long(mpz_srcptr z, unsigned scale)
{
        size_t digits = mpz_sizeinbase(z, 10);
        return scale > EXACT_MAX_DIGITS ||
               (digits > scale ? digits : scale) > EXACT_MAX_DIGITS;
}

/* Puts z / 10^scale into e (taking z's value). */
static int set_big(struct exact *e, mpz_ptr z, unsigned scale)
{
        if (!e->big) {
                mpz_ptr b = malloc(sizeof(__mpz_struct));
                if (!b) {
                        return -1;
                }
                mpz_init(b);
                e->big = b;
        }
        mpz_swap((mpz_ptr)e->big, z);
        e->m      = 0;
        e->scale  = scale;
        e->is_set = true;
        return 0;
}

void exact_clear(struct exact *e)
{
        if (e->big) {
                mpz_clear((mpz_ptr)e->big);
                free(e->big);
        }
        *e = EXACT_ZERO;
}

void exact_set_dec(struct exact *e, dec128 m, unsigned scale)
{
        exact_clear(e);
        e->m      = m;
        e->scale  = scale;
        e->is_set = true;
}

int exact_copy(struct exact *e, const struct exact *o)
{
        if (e == o) {
                return 0;
        }
        if (!o->big) {
                exact_set_dec(e, o->m, o->scale);
                e->is_set = o->is_set;
                return 0;
        }
        mpz_t z;
        mpz_init_set(z, (mpz_srcptr)o->big);
        int rc = set_big(e, z, o->scale);
        mpz_clear(z);
        return rc;
}

int exact_set_text(struct exact *e, const char *s, size_t len)
{
        size_t i = 0;
        bool neg = i < len && s[i] == '-';
        i += neg;
        /* Room for the digits and the zeros of a positive exponent. */
        char *digits = malloc(len + EXACT_MAX_DIGITS + 2);
        if (!digits) {
                return -1;
        }
        size_t nd = 0, frac = 0, int_digits = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
                if (nd || s[i] != '0') {
                        digits[nd++] = s[i];
                }
                int_digits++;
                i++;
        }
        if (i < len && s[i] == '.') {
                i++;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        if (nd || s[i] != '0') {
                                digits[nd++] = s[i];
                        }
                        frac++;
                        i++;
                }
        }
        long exp = 0;
        if (i < len && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                bool eneg    = i < len && (s[i] == '-' || s[i] == '+')
                                   ? s[i++] == '-'
                                   : false;
                size_t start = i;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                        if (exp < EXPONENT_MAX) {
                                exp = exp * 10 + (s[i] - '0');
                        }
                        i++;
                }
                if (i == start) {
                        free(digits);
                        return -1;
                }
                exp = eneg ? -exp : exp;
        }
        long scale = (long)frac - exp;
        if (i != len || int_digits == 0 || exp >= EXPONENT_MAX ||
            exp <= -EXPONENT_MAX || scale > EXACT_MAX_DIGITS ||
            (long)nd - (scale > 0 ? 0 : scale) > EXACT_MAX_DIGITS) {
                free(digits);
                return -1;
        }
        /* A negative scale is trailing zeros of an integer. */
        while (scale < 0 && nd) {
                digits[nd++] = '0';
                scale++;
        }
        if (scale < 0) {
                scale = 0; /* zero with a positive exponent */
        }
        digits[nd] = '\0';
        int rc     = 0;
        if (nd <= DEC128_POW10_MAX) {
                dec128 m = 0;
                for (size_t k = 0; k < nd; k++) {
                        m = m * 10 + (digits[k] - '0');
                }
                exact_set_dec(e, neg ? -m : m, (unsigned)scale);
        } else {
                mpz_t z;
                mpz_init_set_str(z, digits, 10);
                if (neg) {
                        mpz_neg(z, z);
                }
                rc = set_big(e, z, (unsigned)scale);
                mpz_clear(z);
        }
        free(digits);
        return rc;
}

int exact_add(struct exact *e, const struct exact *o)
{
        if (!o->is_set) {
                return 0;
        }
        unsigned t = e->scale > o->scale ? e->scale : o->scale;
        if (!e->big && !o->big) {
                dec128 a, b, sum;
                if (scale_up(e->m, t - e->scale, &a) == 0 &&
                    scale_up(o->m, t - o->scale, &b) == 0 &&
                    !__builtin_add_overflow(a, b, &sum)) {
                        exact_set_dec(e, sum, t);
                        return 0;
                }
        }
        mpz_t x, y;
        mpz_init(x);
        mpz_init(y);
        mantissa_at(x, e, t);
        mantissa_at(y, o, t);
        mpz_add(x, x, y);
        int rc = too_long(x, t) ? -1 : set_big(e, x, t);
        mpz_clear(x);
        mpz_clear(y);
        return rc;
}

int exact_add_dec(struct exact *e, dec128 m, unsigned scale)
{
        dec128 sum;
        /* The usual case (a running sum of one column's numbers): same
         * scale, no overflow. */
        if (!e->big && e->is_set && e->scale == scale &&
            !__builtin_add_overflow(e->m, m, &sum)) {
                e->m = sum;
                return 0;
        }
        struct exact o = EXACT_ZERO;
        exact_set_dec(&o, m, scale);
        return exact_add(e, &o);
}

int exact_cmp(const struct exact *a, const struct exact *b)
{
        unsigned t = a->scale > b->scale ? a->scale : b->scale;
        if (!a->big && !b->big) {
                dec128 x, y;
                if (scale_up(a->m, t - a->scale, &x) == 0 &&
                    scale_up(b->m, t - b->scale, &y) == 0) {
                        return (x > y) - (x < y);
                }
        }
        mpz_t x, y;
        mpz_init(x);
        mpz_init(y);
        mantissa_at(x, a, t);
        mantissa_at(y, b, t);
        int c = mpz_cmp(x, y);
        mpz_clear(x);
        mpz_clear(y);
        return (c > 0) - (c < 0);
}

int exact_min(struct exact *e, const struct exact *o)
{
        if (!o->is_set || (e->is_set && exact_cmp(o, e) >= 0)) {
                return 0;
        }
        return exact_copy(e, o);
}

int exact_max(struct exact *e, const struct exact *o)
{
        if (!o->is_set || (e->is_set && exact_cmp(o, e) <= 0)) {
                return 0;
        }
        return exact_copy(e, o);
}

int exact_to_dec(const struct exact *e, unsigned scale, dec128 *out)
{
        if (e->scale > scale) {
                return -1;
        }
        if (!e->big) {
                return scale_up(e->m, scale - e->scale, out);
        }
        mpz_t z;
        mpz_init(z);
        mantissa_at(z, e, scale);
        int rc = -1;
        if (mpz_sizeinbase(z, 2) <= 126) {
                mpz_t hi;
                mpz_init(hi);
                mpz_abs(hi, z);
                uint64_t lo = (uint64_t)mpz_get_ui(hi);
                mpz_tdiv_q_2exp(hi, hi, 64);
                dec128 v = (dec128)(((udec128)mpz_get_ui(hi) << 64) | lo);
                *out     = mpz_sgn(z) < 0 ? -v : v;
                mpz_clear(hi);
                rc = 0;
        }
        mpz_clear(z);
        return rc;
}

/* The decimal digits of |e|'s mantissa (malloc'ed) and its sign. */
static char *mantissa_digits(const struct exact *e, bool *neg)
{
        if (e->big) {
                *neg    = mpz_sgn((mpz_srcptr)e->big) < 0;
                char *s = mpz_get_str(NULL, 10, (mpz_srcptr)e->big);
                if (s && *neg) {
                        memmove(s, s + 1, strlen(s)); /* drop the '-' */
                }
                return s;
        }
        udec128 u = e->m < 0 ? (udec128)0 - (udec128)e->m : (udec128)e->m;
        *neg      = e->m < 0;
        char tmp[DEC128_POW10_MAX + 2];
        int n = 0;
        do {
                tmp[n++] = (char)('0' + (int)(u % 10));
                u /= 10;
        } while (u);
        char *s = malloc((size_t)n + 1);
        if (!s) {
                return NULL;
        }
        for (int i = 0; i < n; i++) {
                s[i] = tmp[n - 1 - i];
        }
        s[n] = '\0';
        return s;
}

int exact_format(const struct exact *e, struct wire_buf *out)
{
        bool neg;
        char *d = mantissa_digits(e, &neg);
        if (!d) {
                return -1;
        }
        size_t n = strlen(d);
        int rc = neg && strcmp(d, "0") != 0 ? wire_buf_append(out, "-", 1) : 0;
        if (e->scale == 0) {
                rc |= wire_buf_append(out, d, n);
        } else if (n > e->scale) {
                rc |= wire_buf_append(out, d, n - e->scale);
                rc |= wire_buf_append(out, ".", 1);
                rc |= wire_buf_append(out, d + n - e->scale, e->scale);
        } else {
                rc |= wire_buf_append(out, "0.", 2);
                for (size_t k = n; k < e->scale; k++) {
                        rc |= wire_buf_append(out, "0", 1);
                }
                rc |= wire_buf_append(out, d, n);
        }
        free(d);
        return rc;
}

double exact_to_double(const struct exact *e)
{
        struct wire_buf b = {0};
        double v          = 0;
        if (exact_format(e, &b) == 0 && wire_buf_append(&b, "", 1) == 0) {
                v = strtod(b.data, NULL);
        }
        wire_buf_finish(&b);
        return v;
}
