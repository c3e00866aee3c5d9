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
static size_t grouped(const char *s, size_t len, size_t i)
{
        size_t start  = i;
        size_t n      = digits(s, len, i);
        size_t groups = 0;

        if (n == 0 || n > 3) {
                return 0;
        }
        i += n;
        while (i + 4 <= len && s[i] == '.' && digits(s, len, i + 1) >= 3 &&
               (i + 4 == len || !is_digit(s[i + 4]))) {
                i += 4;
                groups++;
        }
        return groups ? i - start : 0;
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
         * both). */
        if (i + n == len && n > 0) {
                r |= NUM_INT_POINT | NUM_INT_COMMA;
        } else if (i + n < len && s[i + n] == '.') {
                size_t f = digits(s, len, i + n + 1);
                if (i + n + 1 + f == len && n + f > 0) {
                        r |= NUM_DEC_POINT;
                }
        }
        /* Comma reading: digits or thousands groups, [, digits]. */
        g = grouped(s, len, i);
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

int number_parse(const char *s, size_t len, bool comma, char *out,
                 struct value *v)
{
        unsigned r = number_classify(s, len);
        size_t i = 0, o = 0;
        char point = comma ? ',' : '.';

        if (!(r & (comma ? (NUM_INT_COMMA | NUM_DEC_COMMA)
                         : (NUM_INT_POINT | NUM_DEC_POINT)))) {
                return -1;
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
