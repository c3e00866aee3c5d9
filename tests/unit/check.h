/* SPDX-License-Identifier: MIT */
#ifndef TESTS_CHECK_H
#define TESTS_CHECK_H

/*
 * Minimal assertions for the unit tests. A failed check prints both values
 * with file:line and counts as a failure; check_exit() turns the count into
 * the process status that meson test reads.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                            \
        do {                                                                   \
                if (!(cond)) {                                                 \
                        fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, \
                                __LINE__, #cond);                              \
                        check_failures++;                                      \
                }                                                              \
        } while (0)

#define CHECK_EQ_INT(a, b)                                                     \
        do {                                                                   \
                long long check_a_ = (long long)(a);                           \
                long long check_b_ = (long long)(b);                           \
                if (check_a_ != check_b_) {                                    \
                        fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",     \
                                __FILE__, __LINE__, #a, #b, check_a_,          \
                                check_b_);                                     \
                        check_failures++;                                      \
                }                                                              \
        } while (0)

#define CHECK_EQ_STR(a, b)                                                     \
        do {                                                                   \
                const char *check_a_ = (a);                                    \
                const char *check_b_ = (b);                                    \
                if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_)) {    \
                        fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", \
                                __FILE__, __LINE__, #a, #b,                    \
                                check_a_ ? check_a_ : "(null)",                \
                                check_b_ ? check_b_ : "(null)");               \
                        check_failures++;                                      \
                }                                                              \
        } while (0)

#define CHECK_EQ_MEM(a, alen, b)                                               \
        do {                                                                   \
                size_t check_l_ = (alen);                                      \
                if (check_l_ != strlen(b) || memcmp((a), (b), check_l_)) {     \
                        fprintf(stderr, "%s:%d: %s == \"%s\": \"%.*s\"\n",     \
                                __FILE__, __LINE__, #a, (b), (int)check_l_,    \
                                (const char *)(a));                            \
                        check_failures++;                                      \
                }                                                              \
        } while (0)

static inline int check_exit(void)
{
        if (check_failures) {
                fprintf(stderr, "%d check(s) failed\n", check_failures);
                return 1;
        }
        return 0;
}

#endif
