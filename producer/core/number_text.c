/* SPDX-License-Identifier: MIT */
#include "number_text.h"

#include <string.h>
#include <strings.h>

/* Markers spreadsheets and databases write for "no value". */
static const char *const missing_markers[] = {
    "-",    "--",   "N/A",  "NA",   "n/a",  "NaN",     "nan",
    "null", "NULL", "None", "#N/A", "#N/D", "#DIV/0!", "#VALUE!",
    "?",    ".",    "n/d",  "N/D",  "s/d",
};

/* The unit symbols of number_plain and their names in the state file; a
 * symbol that ends another ("$" in "R$") comes after it. The order is part
 * of the state file's format only through the codes. */
static const struct {
        const char *symbol;
        const char *code;
        bool after_only; /* "12%", never "%12" */
        bool point;      /* written with a decimal point: "$1,234" is 1234 */
} units[NUMBER_UNITS] = {
    {"R$", "BRL", false, false},      {"US$", "USD", false, true},
    {"$", "DOLLAR", false, true},     {"\xE2\x82\xAC", "EUR", false, false},
    {"\xC2\xA3", "GBP", false, true}, {"\xC2\xA5", "YEN", false, false},
    {"%", "PERCENT", true, false},
};

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static size_t digits(const char *s, size_t len, size_t i)
{
        size_t start = i;

        while (i < len && is_digit(s[i])) {
                i++;
        }
        return i - start;
}

/* Integer part with '.' thousands groups: 1-3 digits, then ".ddd" groups.
 * Returns its length, or 0 when s[i..] does not start like that with at
 * least one group. */
static size_t grouped(const char *s, size_t len, size_t i, char sep)
{
        size_t start  = i;
        size_t n      = digits(s, len, i);
        size_t groups = 0;

        if (n == 0 || n > 3) {
                return 0;
        }
        i += n;
        while (i + 4 <= len && s[i] == sep && digits(s, len, i + 1) >= 3 &&
               (i + 4 == len || !is_digit(s[i + 4]))) {
                i += 4;
                groups++;
        }
        return groups ? i - start : 0;
}

/* Length of a whole exponent part "e[+-]digits" at s[i] ending the cell
 * with |exponent| <= NUMBER_EXP_MAX, else 0. Without a point in the
 * mantissa the sign is required: Python, R, C and Excel write "1e-05",
 * "1e+16", while "12E45" without one is more likely a code than a number. */
static size_t exponent_at(const char *s, size_t len, size_t i, bool point)
{
        size_t start    = i, n;
        unsigned long e = 0;

        if (i >= len || (s[i] != 'e' && s[i] != 'E')) {
                return 0;
        }
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
                i++;
        } else if (!point) {
                return 0;
        }
        n = digits(s, len, i);
        if (n == 0 || i + n != len || n > 4) {
                return 0;
        }
        for (size_t k = i; k < len; k++) {
                e = e * 10 + (unsigned long)(s[k] - '0');
        }
        return e <= NUMBER_EXP_MAX ? len - start : 0;
}

/* Rewrites a point decimal in scientific notation ("-1.25e-3") as plain
 * digits ("-0.00125") into out. @returns the length written. */
static size_t expand_exponent(const char *s, size_t len, char *out)
{
        char mant[NUMBER_EXP_MAX * 2];
        size_t i = 0, o = 0, m = 0, frac = 0;
        long e   = 0, point;
        bool neg = false, seen_point = false;

        if (s[i] == '-' || s[i] == '+') {
                neg = s[i] == '-';
                i++;
        }
        for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
                if (s[i] == '.') {
                        seen_point = true;
                } else {
                        mant[m++] = s[i]; /* classify: at most EXP_MAX */
                        frac += seen_point;
                }
        }
        i++; /* 'e' */
        bool eneg = s[i] == '-';
        if (s[i] == '-' || s[i] == '+') {
                i++;
        }
        for (; i < len; i++) {
                e = e * 10 + (s[i] - '0');
        }
        e = eneg ? -e : e;
        /* The point after `point` digits of mant (may be <0 or > m). */
        point = (long)m - (long)frac + e;
        if (neg) {
                out[o++] = '-';
        }
        if (point <= 0) {
                out[o++] = '0';
                out[o++] = '.';
                for (long k = point; k < 0; k++) {
                        out[o++] = '0';
                }
                memcpy(out + o, mant, m);
                o += m;
        } else if ((size_t)point >= m) {
                memcpy(out + o, mant, m);
                o += m;
                for (size_t k = m; k < (size_t)point; k++) {
                        out[o++] = '0';
                }
        } else {
                memcpy(out + o, mant, (size_t)point);
                o += (size_t)point;
                out[o++] = '.';
                memcpy(out + o, mant + point, m - (size_t)point);
                o += m - (size_t)point;
        }
        /* Leading zeros of the integer part ("00.5", "0012"): one stays. */
        size_t lead = neg ? 1 : 0, z = lead;
        while (z + 1 < o && out[z] == '0' && out[z + 1] != '.') {
                z++;
        }
        if (z > lead) {
                memmove(out + lead, out + z, o - z);
                o -= z - lead;
        }
        return o;
}

/* Spaces and tabs around a number are not part of it: "1, 2.5" written by
 * hand, or " 2.5" padded by a database export, is 2.5 (as spreadsheets and
 * pandas read it), not text that makes its column text. */
static void trim_blanks(const char **s, size_t *len)
{
        while (*len > 0 && (**s == ' ' || **s == '\t')) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
                (*len)--;
        }
}

/* Length of a blank, or a no-break space (U+00A0, U+202F) at s[i]. */
static size_t space_at(const char *s, size_t len, size_t i)
{
        if (i < len && (s[i] == ' ' || s[i] == '\t')) {
                return 1;
        }
        if (i + 2 <= len && memcmp(s + i, "\xC2\xA0", 2) == 0) {
                return 2;
        }
        if (i + 3 <= len && memcmp(s + i, "\xE2\x80\xAF", 3) == 0) {
                return 3;
        }
        return 0;
}

/* Length of a blank or a no-break space ending s[0..len). */
static size_t space_before(const char *s, size_t len)
{
        for (size_t n = 1; n <= 3 && n <= len; n++) {
                if (space_at(s, len, len - n) == n) {
                        return n;
                }
        }
        return 0;
}

/* The symbol starting s (front) or ending it: its unit, or 0. */
static int unit_at(const char *s, size_t len, bool front, size_t *sym_len)
{
        for (int k = 0; k < NUMBER_UNITS; k++) {
                size_t n = strlen(units[k].symbol);
                if (n <= len && !(front && units[k].after_only) &&
                    memcmp(front ? s : s + len - n, units[k].symbol, n) == 0) {
                        *sym_len = n;
                        return k + 1;
                }
        }
        return 0;
}

/* A cell with a unit symbol: its number with its sign into out; the
 * unit, or 0 (out untouched). */
static int split_unit(const char *s, size_t len, char *out, size_t *out_len)
{
        bool minus = false, paren = false;
        size_t n = 0, sp;
        int unit;

        trim_blanks(&s, &len);
        if (len >= 2 && s[0] == '(' && s[len - 1] == ')') {
                paren = true;
                s++;
                len -= 2;
                trim_blanks(&s, &len);
        }
        if (len > 0 && s[0] == '-') {
                minus = true;
                s++;
                len--;
        }
        if ((unit = unit_at(s, len, true, &n)) != 0) {
                s += n;
                len -= n;
                sp = space_at(s, len, 0);
                s += sp;
                len -= sp;
                if (!minus && len > 0 && s[0] == '-') {
                        minus = true; /* "R$ -1,00" */
                        s++;
                        len--;
                }
        } else if ((unit = unit_at(s, len, false, &n)) != 0) {
                len -= n;
                len -= space_before(s, len);
        }
        /* An accounting format's zero: the symbol and a dash ("R$ -",
         * "$ - ", "- €"). */
        trim_blanks(&s, &len);
        if (unit && !paren &&
            ((len == 0 && minus) || (len == 1 && s[0] == '-' && !minus))) {
                out[0]   = '0';
                *out_len = 1;
                return unit;
        }
        /* The number itself: starts with a digit or a point, no sign. */
        if (unit == 0 || len == 0 || (minus && paren) ||
            !(is_digit(s[0]) || s[0] == '.' || s[0] == ',')) {
                return 0;
        }
        n = 0;
        if (minus || paren) {
                out[n++] = '-';
        }
        memcpy(out + n, s, len);
        *out_len = n + len;
        return unit;
}

/* Length of a no-break space (U+00A0, U+202F) at s[i]: what spreadsheets
 * put between thousands. A plain blank is not one: "123 456 789" is as
 * likely a phone number or a code, and stays text. */
static size_t group_space_at(const char *s, size_t len, size_t i)
{
        size_t n = space_at(s, len, i);
        return n > 1 ? n : 0;
}

/* Digits grouped by threes with no-break spaces, as fr-FR and other
 * locales write thousands ("1 234 567,89"): the separators removed
 * into out (which may be s). @returns the new length, or 0 when s is not
 * so grouped (at least one separator, a sign first at most, a decimal part
 * after the last group at most). */
static size_t ungroup(const char *s, size_t len, char *out)
{
        size_t i = 0, o = 0, n, sp, groups = 0;

        if (len > 0 && s[0] == '-') {
                out[o++] = '-';
                i++;
        }
        n = digits(s, len, i);
        if (n == 0 || n > 3) {
                return 0;
        }
        memmove(out + o, s + i, n);
        o += n;
        i += n;
        while ((sp = group_space_at(s, len, i)) != 0 &&
               digits(s, len, i + sp) == 3) {
                memmove(out + o, s + i + sp, 3);
                o += 3;
                i += sp + 3;
                groups++;
        }
        if (groups == 0 || (i < len && !((s[i] == ',' || s[i] == '.') &&
                                         digits(s, len, i + 1) == len - i - 1 &&
                                         len - i - 1 > 0))) {
                return 0;
        }
        memmove(out + o, s + i, len - i);
        return o + len - i;
}

int number_plain(const char *s, size_t len, char *out, size_t *out_len,
                 int *unit)
{
        size_t n = 0, g;

        *unit = split_unit(s, len, out, &n);
        if (*unit == 0) {
                trim_blanks(&s, &len);
                if (!memchr(s, '\xC2', len) && !memchr(s, '\xE2', len)) {
                        return 0;
                }
                memcpy(out, s, len);
                n = len;
        }
        g = ungroup(out, n, out);
        if (g == 0 && *unit == 0) {
                return 0;
        }
        *out_len = g ? g : n;
        return 1;
}

const char *number_unit_symbol(int unit)
{
        return unit >= 1 && unit <= NUMBER_UNITS ? units[unit - 1].symbol : "";
}

bool number_unit_point(int unit)
{
        return unit >= 1 && unit <= NUMBER_UNITS && units[unit - 1].point;
}

const char *number_unit_code(int unit)
{
        return unit >= 1 && unit <= NUMBER_UNITS ? units[unit - 1].code : "";
}

int number_unit_of_code(const char *code, size_t len)
{
        for (int k = 0; k < NUMBER_UNITS; k++) {
                if (strlen(units[k].code) == len &&
                    memcmp(units[k].code, code, len) == 0) {
                        return k + 1;
                }
        }
        return -1;
}

int number_parse_bool(const char *s, size_t len, bool *out)
{
        trim_blanks(&s, &len);
        return value_parse_bool(s, len, out);
}

static bool is_missing(const char *s, size_t len)
{
        for (size_t k = 0;
             k < sizeof(missing_markers) / sizeof(*missing_markers); k++) {
                if (strlen(missing_markers[k]) == len &&
                    memcmp(missing_markers[k], s, len) == 0) {
                        return true;
                }
        }
        return false;
}

unsigned number_classify(const char *s, size_t len)
{
        size_t i = 0;
        size_t n, g;
        unsigned r = 0;
        bool b;

        trim_blanks(&s, &len);
        if (len == 0) {
                return 0;
        }
        if (value_parse_bool(s, len, &b) == 0) {
                return NUM_BOOL;
        }
        if (is_missing(s, len)) {
                return NUM_MISSING;
        }
        if (i < len && (s[i] == '-' || s[i] == '+')) {
                i++;
        }
        n = digits(s, len, i);
        if (n > 1 && s[i] == '0') {
                /* "007", "00.5": an identifier, whatever follows. */
                size_t k = i + n;
                if (k == len || s[k] == '.' || s[k] == ',') {
                        return NUM_LEADING_0;
                }
                return 0;
        }
        /* Point reading: digits [. digits] (either side may be empty, not
         * both) [e [+-] digits]. */
        if (i + n == len && n > 0) {
                r |= NUM_INT_POINT | NUM_INT_COMMA;
        } else if (i + n < len &&
                   (s[i + n] == '.' || s[i + n] == 'e' || s[i + n] == 'E')) {
                size_t f = s[i + n] == '.' ? digits(s, len, i + n + 1) : 0;
                size_t k = i + n + (s[i + n] == '.' ? 1 + f : 0);
                /* With an exponent, a mantissa of at most NUMBER_EXP_MAX
                 * digits (a double has 17). */
                if (n + f > 0 &&
                    (k == len ||
                     (n + f <= NUMBER_EXP_MAX &&
                      exponent_at(s, len, k, s[i + n] == '.') > 0))) {
                        r |= NUM_DEC_POINT;
                }
        }
        /* Comma reading: digits or thousands groups, [, digits]. */
        /* Thousands reading: ',' groups, [. digits]. */
        g = grouped(s, len, i, ',');
        if (g > 0 && i + g == len) {
                r |= NUM_INT_THOUS;
        } else if (g > 0 && s[i + g] == '.') {
                size_t f = digits(s, len, i + g + 1);
                if (f > 0 && i + g + 1 + f == len) {
                        r |= NUM_DEC_THOUS;
                }
        }
        g = grouped(s, len, i, '.');
        if (g == 0) {
                g = n;
        }
        if (g > 0 && i + g == len && g != n) {
                r |= NUM_INT_COMMA;
        } else if (g > 0 && i + g < len && s[i + g] == ',') {
                size_t f = digits(s, len, i + g + 1);
                if (f > 0 && i + g + 1 + f == len) {
                        r |= NUM_DEC_COMMA;
                }
        }
        return r;
}

int number_parse(const char *s, size_t len, enum number_style style, char *out,
                 struct value *v)
{
        static const unsigned readings[] = {
            [NUMBER_POINT] = NUM_INT_POINT | NUM_DEC_POINT,
            [NUMBER_COMMA] = NUM_INT_COMMA | NUM_DEC_COMMA,
            [NUMBER_THOUSANDS] =
                NUM_INT_POINT | NUM_DEC_POINT | NUM_INT_THOUS | NUM_DEC_THOUS,
        };
        unsigned r;
        size_t i = 0, o = 0;
        char point = style == NUMBER_COMMA ? ',' : '.';

        trim_blanks(&s, &len);
        r = number_classify(s, len);

        if (!(r & readings[style])) {
                return -1;
        }
        if (style != NUMBER_COMMA &&
            (memchr(s, 'e', len) || memchr(s, 'E', len))) {
                o = expand_exponent(s, len, out);
                return value_parse_json_number(out, o, v);
        }
        if (s[i] == '-' || s[i] == '+') {
                if (s[i] == '-') {
                        out[o++] = '-';
                }
                i++;
        }
        if (i < len && s[i] == point) {
                out[o++] = '0'; /* ".5" */
        }
        for (; i < len; i++) {
                if (is_digit(s[i])) {
                        out[o++] = s[i];
                } else if (s[i] == point) {
                        if (i + 1 < len) {
                                out[o++] = '.'; /* "3." drops the point */
                        }
                }
                /* else: a thousands separator, dropped */
        }
        /* "-0" is 0, "-.5" is -0.5: the text is a JSON number either way. */
        return value_parse_json_number(out, o, v);
}
