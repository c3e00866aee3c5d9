/* SPDX-License-Identifier: MIT */
/* typing: inference, widening, bad values, --schema and the state-file
 * round trip of inferred types. */
#include <string.h>

#include "check.h"
#include "common/wire.h"
#include "typing.h"

#define NCOLS 5

static void fields_of(const char *const *cells, struct row_field *f)
{
        for (size_t i = 0; i < NCOLS; i++) {
                f[i].ptr = cells[i];
                f[i].len = strlen(cells[i]);
        }
}

static const char *const header[NCOLS] = {"id", "nome", "idade", "ativo",
                                          "valor"};

/* A typing of the header hdr with the types its sample rows give (with
 * no rows, each column is typed by its first value). */
static struct typing *sampled(const char *const *hdr,
                              const char *const (*rows)[NCOLS], size_t n,
                              bool decimal_point)
{
        struct typing *t = typing_create();
        struct row_field f[NCOLS];

        typing_set_decimal_point(t, decimal_point);
        fields_of(hdr, f);
        CHECK_EQ_INT(typing_set_header(t, f, NCOLS), 0);
        for (size_t r = 0; r < n; r++) {
                fields_of(rows[r], f);
                typing_observe(t, f, NCOLS);
        }
        if (n > 0) {
                typing_infer(t);
        }
        return t;
}

/* Encodes one record with the typing's current columns. */
static int encode(struct typing *t, const char *const *cells, char *out,
                  size_t size, char *reason)
{
        struct row_field f[NCOLS];
        struct value v[NCOLS];
        struct wire_buf b = {0};
        int rc;

        fields_of(cells, f);
        rc = typing_apply(t, f, NCOLS, v, reason, 128);
        if (rc == 0) {
                wire_encode_row(&b, typing_column_names(t), v, NCOLS);
                snprintf(out, size, "%.*s", (int)b.len, b.data);
        }
        wire_buf_finish(&b);
        return rc;
}

static void test_inference(void)
{
        struct typing *t = typing_create();
        struct row_field h[NCOLS];
        char out[256], reason[128], types[256];
        const char *r1[] = {"1", "Ana", "30", "true", "275.50"};
        const char *r2[] = {"2", "Bia", "", "FALSE", "10"};
        const char *r3[] = {"3", "Cid", "abc", "true", "1"};
        const char *r4[] = {"4.5", "Dan", "40", "false", "0.01"};

        fields_of(header, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(encode(t, r1, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"nome\":\"Ana\",\"idade\":30,"
                          "\"ativo\":true,\"valor\":275.50}");
        CHECK_EQ_INT(encode(t, r2, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"nome\":\"Bia\",\"idade\":null,"
                          "\"ativo\":false,\"valor\":10}");
        /* A non-number in an integer column is sent as text, counted ... */
        CHECK_EQ_INT(encode(t, r3, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":3,\"nome\":\"Cid\",\"idade\":\"abc\","
                          "\"ativo\":true,\"valor\":1}");
        CHECK_EQ_INT(typing_last_misfits(t), 1);
        CHECK_EQ_INT(typing_column_misfits(t, 2), 1);
        CHECK_EQ_INT(typing_column_type(t, 2), VALUE_INT);
        /* ... and an integer column widens to decimal. */
        CHECK_EQ_INT(encode(t, r4, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":4.5,\"nome\":\"Dan\",\"idade\":40,"
                          "\"ativo\":false,\"valor\":0.01}");
        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types, "decimal,text,integer,boolean,decimal");

        /* Round trip of the inferred types into a fresh header. */
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(typing_decode_types(t, types), 0);
        CHECK_EQ_INT(typing_column_type(t, 0), VALUE_DECIMAL);
        CHECK_EQ_INT(typing_column_type(t, 3), VALUE_BOOL);
        CHECK_EQ_INT(typing_decode_types(t, "integer,text"), -1);
        typing_destroy(t);
}

/* Numbers of any length keep every digit in integer and decimal columns. */
static void test_big_numbers(void)
{
        struct typing *t = typing_create();
        struct row_field h[NCOLS];
        char out[256], reason[128];
        const char *r1[] = {"12345678901234567890", "Ana", "30", "true", "1.5"};
        const char *r2[] = {"7", "Bia", "31", "false",
                            "99999999999999999999.99"};
        const char *r3[] = {"-98765432109876543210", "Cid", "32", "true",
                            "0.0000000000000000000001"};

        fields_of(header, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(encode(t, r1, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":12345678901234567890,\"nome\":\"Ana\","
                          "\"idade\":30,\"ativo\":true,\"valor\":1.5}");
        CHECK_EQ_INT(typing_column_type(t, 0), VALUE_INT);
        CHECK_EQ_INT(encode(t, r2, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":7,\"nome\":\"Bia\",\"idade\":31,"
                          "\"ativo\":false,"
                          "\"valor\":99999999999999999999.99}");
        CHECK_EQ_INT(encode(t, r3, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":-98765432109876543210,\"nome\":\"Cid\","
                          "\"idade\":32,\"ativo\":true,"
                          "\"valor\":0.0000000000000000000001}");
        CHECK_EQ_INT(typing_column_type(t, 0), VALUE_INT);
        CHECK_EQ_INT(typing_column_type(t, 4), VALUE_DECIMAL);
        typing_destroy(t);
}

static void test_schema(void)
{
        struct typing *t = typing_create();
        struct row_field h[NCOLS];
        char out[256], reason[128], err[128];
        const char *r1[] = {"007", "123", "30", "x", "5"};
        const char *r2[] = {"1.5", "Ana", "30", "x", "5"};

        fields_of(header, h);
        CHECK_EQ_INT(typing_set_schema(t, "id:int,nome:text,valor:decimal", err,
                                       sizeof(err)),
                     0);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(encode(t, r1, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":7,\"nome\":\"123\",\"idade\":30,"
                          "\"ativo\":\"x\",\"valor\":5}");
        /* A schema-fixed integer does not widen: 1.5 is sent as text. */
        CHECK_EQ_INT(encode(t, r2, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":\"1.5\",\"nome\":\"Ana\",\"idade\":30,"
                          "\"ativo\":\"x\",\"valor\":5}");
        CHECK_EQ_INT(typing_column_misfits(t, 0), 1);
        CHECK_EQ_INT(typing_check_schema(t, err, sizeof(err)), 0);
        CHECK_EQ_INT(typing_set_schema(t, "id:int,nme:text", err, sizeof(err)),
                     0);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(typing_check_schema(t, err, sizeof(err)), -1);
        CHECK_EQ_STR(err, "--schema: column nme is not in the header");
        CHECK_EQ_INT(typing_set_schema(t, "id:float", err, sizeof(err)), -1);
        CHECK_EQ_INT(typing_set_schema(t, "id", err, sizeof(err)), -1);
        typing_destroy(t);
}

/* Types come from a sample: missing-value markers do not vote, leading
 * zeros make text, a decimal comma is detected per column. */
static void test_sample(void)
{
        static const char *const hdr[NCOLS]    = {"id", "cep", "valor", "qtd",
                                                  "preco"};
        static const char *const rows[][NCOLS] = {
            {"1", "01310100", "1.234,56", "N/A", "1.5"},
            {"2", "20040002", "-", "3", "2"},
            {"3", "70040010", "275,50", "-", "NaN"},
            {"4", "", "1.000", "1.234", "0.25"},
        };
        struct typing *t = sampled(hdr, rows, 4, false);
        struct row_field h[NCOLS];
        char out[256], reason[128], types[256];

        fields_of(hdr, h);
        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        /* A decimal comma in one column settles the file's convention. */
        CHECK_EQ_STR(types, "integer:comma,text,decimal:comma,integer:comma,"
                            "decimal");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"cep\":\"01310100\",\"valor\":1234.56,"
                          "\"qtd\":\"N/A\",\"preco\":1.5}");
        CHECK_EQ_INT(encode(t, rows[2], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":3,\"cep\":\"70040010\",\"valor\":275.50,"
                          "\"qtd\":\"-\",\"preco\":\"NaN\"}");
        /* Which values of the last record did not fit (the text column's
         * text does fit). */
        CHECK(!typing_last_misfit(t, 0) && !typing_last_misfit(t, 1) &&
              !typing_last_misfit(t, 2));
        CHECK(typing_last_misfit(t, 3) && typing_last_misfit(t, 4));
        CHECK_EQ_INT(encode(t, rows[3], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":4,\"cep\":null,\"valor\":1000,"
                          "\"qtd\":1234,\"preco\":0.25}");
        CHECK(!typing_last_misfit(t, 3) && !typing_last_misfit(t, 4));
        CHECK_EQ_INT(typing_column_misfits(t, 3), 2);
        CHECK_EQ_INT(typing_column_misfits(t, 4), 1);

        /* The comma survives the state file. */
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(typing_decode_types(t, types), 0);
        CHECK(typing_column_comma(t, 2));
        CHECK(!typing_column_comma(t, 4));
        typing_destroy(t);
}

/* '.' thousands without a decimal comma ("12.345.678", Excel pt-BR's
 * integer format "#.##0") settle the column's convention: its "1.234" is
 * 1234, not 1.234 (was sent as 1.234, silently). */
static void test_thousands_only(void)
{
        static const char *const hdr[NCOLS]    = {"id", "valor", "ip", "preco",
                                                  "x"};
        static const char *const rows[][NCOLS] = {
            {"1", "1.234", "10.0.0.1", "1.5", "a"},
            {"2", "12.345.678", "192.168.1.1", "2.5", "b"},
            {"3", "999", "8.8.8.8", "3", "c"},
        };
        struct typing *t = sampled(hdr, rows, 3, false);
        char out[256], reason[128], types[256];

        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        /* preco's numbers are mostly point decimals: it keeps the point. */
        CHECK_EQ_STR(types, "integer:comma,integer:comma,text,decimal,text");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":1234,\"ip\":\"10.0.0.1\","
                          "\"preco\":1.5,\"x\":\"a\"}");
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":12345678,"
                          "\"ip\":\"192.168.1.1\",\"preco\":2.5,\"x\":\"b\"}");
        typing_destroy(t);

        /* Without a sample, such a first value decides the same way. */
        t = sampled(hdr, NULL, 0, false);
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":12345678,"
                          "\"ip\":\"192.168.1.1\",\"preco\":2.5,\"x\":\"b\"}");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":1234,\"ip\":\"10.0.0.1\","
                          "\"preco\":1.5,\"x\":\"a\"}");
        typing_destroy(t);
}

/* pandas writes floats in scientific notation ("1e-05", "2.5e+20"): they
 * are numbers with all their digits, not text (the column became text). */
static void test_scientific(void)
{
        static const char *const hdr[NCOLS]    = {"id", "a", "b", "c", "d"};
        static const char *const rows[][NCOLS] = {
            {"1", "0.1", "1e-05", "1.5E1", "x"},
            {"2", "2.5e+20", "-3.2e-07", "12.5e-1", "1e"},
            {"3", "1.7976931348623157e+308", ".5e1", "5.e2", "12E45"},
        };
        struct typing *t = sampled(hdr, rows, 3, false);
        char out[1024], reason[128], types[256];

        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types, "integer,decimal,decimal,decimal,text");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"a\":0.1,\"b\":0.00001,\"c\":15,"
                          "\"d\":\"x\"}");
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"a\":250000000000000000000,"
                          "\"b\":-0.00000032,\"c\":1.25,\"d\":\"1e\"}");
        CHECK_EQ_INT(encode(t, rows[2], out, sizeof(out), reason), 0);
        CHECK(strncmp(out, "{\"id\":3,\"a\":17976931348623157000", 32) == 0);
        CHECK(strstr(out, "0000,\"b\":5,\"c\":500,\"d\":\"12E45\"}") != NULL);
        CHECK_EQ_INT(strlen(out) - strlen("{\"id\":3,\"a\":") -
                         strlen(",\"b\":5,\"c\":500,\"d\":\"12E45\"}"),
                     309);
        typing_destroy(t);

        /* Without a sample (tailing), the first value decides alike. */
        t = sampled(hdr, NULL, 0, false);
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"a\":250000000000000000000,"
                          "\"b\":-0.00000032,\"c\":1.25,\"d\":\"1e\"}");
        typing_destroy(t);
}

/* "1, 2.5" written by hand: the numbers have a space before them. They are
 * numbers (the column became text); text keeps its spaces. */
static void test_spaces_around_numbers(void)
{
        static const char *const hdr[NCOLS]    = {"id", "valor", "nome", "cep",
                                                  "q"};
        static const char *const rows[][NCOLS] = {
            {"1", " 2.5", " Ana", " 01310100", "3 "},
            {"2", " 10", " Bia", " 20040002", " 4"},
        };
        struct typing *t = sampled(hdr, rows, 2, false);
        char out[256], reason[128], types[256];

        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types, "integer,decimal,text,text,integer");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":2.5,\"nome\":\" Ana\","
                          "\"cep\":\" 01310100\",\"q\":3}");
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":10,\"nome\":\" Bia\","
                          "\"cep\":\" 20040002\",\"q\":4}");
        typing_destroy(t);

        /* Booleans too, whether the sample or the first value types the
         * column (found by the csv_record fuzz target: "true " was a
         * boolean of no value read, true or false by chance). */
        static const char *const bools[][NCOLS] = {
            {"1", "true ", " FALSE", "x", "\ttrue"},
            {"2", " false", "true\t", "y", "false "},
        };
        for (size_t n = 0; n <= 2; n += 2) { /* typed by value, by sample */
                t = sampled(hdr, bools, n, false);
                CHECK_EQ_INT(encode(t, bools[0], out, sizeof(out), reason), 0);
                CHECK_EQ_STR(out, "{\"id\":1,\"valor\":true,\"nome\":false,"
                                  "\"cep\":\"x\",\"q\":true}");
                CHECK_EQ_INT(encode(t, bools[1], out, sizeof(out), reason), 0);
                CHECK_EQ_STR(out, "{\"id\":2,\"valor\":false,\"nome\":true,"
                                  "\"cep\":\"y\",\"q\":false}");
                typing_destroy(t);
        }
}

/* A header wider than typing takes: every record is refused with that
 * reason (it said "field count 5000, header has 0"). */
static void test_too_wide(void)
{
        static struct row_field h[TYPING_MAX_COLUMNS + 1];
        struct typing *t = typing_create();
        struct value v[TYPING_MAX_COLUMNS + 1];
        char reason[128];

        for (size_t i = 0; i <= TYPING_MAX_COLUMNS; i++) {
                h[i].ptr = "c";
                h[i].len = 1;
        }
        CHECK_EQ_INT(typing_set_header(t, h, TYPING_MAX_COLUMNS + 1), -1);
        CHECK_EQ_INT(typing_set_header(t, NULL, 0), 0);
        CHECK_EQ_INT(typing_apply(t, h, TYPING_MAX_COLUMNS + 1, v, reason,
                                  sizeof(reason)),
                     -1);
        CHECK_EQ_STR(reason, "the header has 1025 columns, more than the 1024 "
                             "csv-producer reads");
        /* A narrower header later (a rewrite) is read again. */
        CHECK_EQ_INT(typing_set_header(t, h, 2), 0);
        CHECK_EQ_INT(typing_apply(t, h, 3, v, reason, sizeof(reason)), -1);
        CHECK_EQ_STR(reason, "field count 3, header has 2");
        typing_destroy(t);
}

/* Duplicate and empty header names become unique. */
static void test_header_names(void)
{
        static const char *const hdr[NCOLS] = {"valor", "valor", "", "valor_2",
                                               ""};
        struct typing *t                    = typing_create();
        struct row_field h[NCOLS];

        fields_of(hdr, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_STR(typing_column_name(t, 0), "valor");
        CHECK_EQ_STR(typing_column_name(t, 1), "valor_2");
        CHECK_EQ_STR(typing_column_name(t, 2), "column_3");
        CHECK_EQ_STR(typing_column_name(t, 3), "valor_2_2");
        CHECK_EQ_STR(typing_column_name(t, 4), "column_5");
        CHECK_EQ_INT(typing_renamed(t), 4);
        typing_destroy(t);
}

/* Two files joined (`cat a.csv b.csv`): the second header, even with its
 * BOM, is refused with a reason (it goes to the dead-letter topic), not
 * sent as a row of text that turns the numeric columns to text. */
static void test_header_again(void)
{
        struct typing *t = typing_create();
        struct row_field h[NCOLS];
        struct value v[NCOLS];
        char reason[128]        = "";
        const char *bom[NCOLS]  = {"\xEF\xBB\xBFid", "nome", "idade", "ativo",
                                   "valor"};
        const char *near[NCOLS] = {"id", "nome", "idade", "ativo", "valor2"};
        const char *r1[]        = {"1", "Ana", "30", "true", "275.50"};

        fields_of(header, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        CHECK_EQ_INT(typing_apply(t, h, NCOLS, v, reason, sizeof(reason)), -1);
        CHECK(strstr(reason, "the header line again") == reason);
        fields_of(bom, h);
        CHECK_EQ_INT(typing_apply(t, h, NCOLS, v, reason, sizeof(reason)), -1);
        fields_of(near, h);
        CHECK_EQ_INT(typing_apply(t, h, NCOLS, v, reason, sizeof(reason)), 0);
        fields_of(r1, h);
        CHECK_EQ_INT(typing_apply(t, h, NCOLS, v, reason, sizeof(reason)), 0);
        typing_destroy(t);

        /* In the sample the types are read from, it counts for nothing:
         * the columns stay numbers. */
        char types[256];
        t = typing_create();
        fields_of(header, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        fields_of(r1, h);
        typing_observe(t, h, NCOLS);
        fields_of(header, h);
        for (int i = 0; i < 3; i++) {
                typing_observe(t, h, NCOLS);
        }
        typing_infer(t);
        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types, "integer,text,integer,boolean,decimal");
        typing_destroy(t);
}

/* Excel en-US with a #,##0 format: quoted "1,234" and "1,234.56". A
 * decimal point anywhere in the file ("2.50") says "1,234" is 1234, not
 * 1.234; with nothing to tell, a decimal comma stays the reading. */
static void test_thousands_with_point(void)
{
        static const char *const hdr[NCOLS]    = {"id", "qtd", "preco", "total",
                                                  "nota"};
        static const char *const rows[][NCOLS] = {
            {"1", "1,234", "2.50", "1,234.56", "x"},
            {"2", "12", "3.75", "12,500", "y"},
            {"3", "12,500", "1.00", "1,000,000", "z"},
        };
        static const char *const bare[][NCOLS] = {
            {"1", "1,234", "2", "3", "x"},
            {"2", "12", "3", "4", "y"},
        };
        struct typing *t = sampled(hdr, rows, 3, false);
        struct row_field h[NCOLS];
        char out[256], reason[128], types[256];

        fields_of(hdr, h);
        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types, "integer,integer:thousands,decimal,"
                            "decimal:thousands,text");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"qtd\":1234,\"preco\":2.50,"
                          "\"total\":1234.56,\"nota\":\"x\"}");
        CHECK_EQ_INT(encode(t, rows[2], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":3,\"qtd\":12500,\"preco\":1.00,"
                          "\"total\":1000000,\"nota\":\"z\"}");
        CHECK_EQ_INT(typing_last_misfits(t), 0);

        /* The state file's types line keeps the reading. */
        struct typing *u = typing_create();
        CHECK_EQ_INT(typing_set_header(u, h, NCOLS), 0);
        CHECK_EQ_INT(typing_decode_types(u, types), 0);
        CHECK_EQ_INT(encode(u, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"qtd\":12,\"preco\":3.75,"
                          "\"total\":12500,\"nota\":\"y\"}");
        typing_destroy(u);
        typing_destroy(t);

        /* Nothing else in the file tells: "1,234" is a decimal comma. */
        t = sampled(hdr, bare, 2, false);
        CHECK_EQ_INT(encode(t, bare[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"qtd\":1.234,\"preco\":2,"
                          "\"total\":3,\"nota\":\"x\"}");
        CHECK_EQ_STR(typing_comma_guess(t), "qtd"); /* said, not silent */
        typing_destroy(t);

        /* --decimal-point: ',' separates thousands. */
        t = sampled(hdr, bare, 2, true);
        CHECK(typing_comma_guess(t) == NULL);
        typing_destroy(t);
        /* ... in a --schema column too. */
        t = typing_create();
        char err[128];
        CHECK_EQ_INT(typing_set_schema(t, "qtd:int", err, sizeof(err)), 0);
        typing_set_decimal_point(t, true);
        struct row_field hf[NCOLS];
        fields_of(hdr, hf);
        CHECK_EQ_INT(typing_set_header(t, hf, NCOLS), 0);
        CHECK_EQ_INT(encode(t, bare[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"qtd\":1234,\"preco\":2,"
                          "\"total\":3,\"nota\":\"x\"}");
        typing_destroy(t);

        /* The evidence settles it: no guess. */
        t = sampled(hdr, rows, 1, false);
        CHECK(typing_comma_guess(t) == NULL);
        typing_destroy(t);
}

/* A header taken from a row ("1,Ana,30,true,275.50" as names): its
 * numbers stand where the rows have numbers. Real names, and numbers for
 * names over text columns, do not count. */
static void test_numbers_as_names(void)
{
        struct typing *t = typing_create();
        struct row_field h[NCOLS];
        const char *row[NCOLS]  = {"1", "Ana", "30", "true", "275.50"};
        const char *r2[NCOLS]   = {"2", "Bia", "41", "false", "12.00"};
        const char *yrs[NCOLS]  = {"regiao", "2019", "2020", "x", "y"};
        const char *vals[NCOLS] = {"Norte", "Sul", "Leste", "1", "2"};

        fields_of(row, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        fields_of(r2, h);
        typing_observe(t, h, NCOLS);
        typing_infer(t);
        CHECK_EQ_INT(typing_numbers_as_names(t), 3); /* 1, 30, 275.50 */

        fields_of(header, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        fields_of(r2, h);
        typing_observe(t, h, NCOLS);
        typing_infer(t);
        CHECK_EQ_INT(typing_numbers_as_names(t), 0);

        fields_of(yrs, h);
        CHECK_EQ_INT(typing_set_header(t, h, NCOLS), 0);
        fields_of(vals, h);
        typing_observe(t, h, NCOLS);
        typing_infer(t);
        CHECK_EQ_INT(typing_numbers_as_names(t), 0); /* text under 2019 */
        typing_destroy(t);
}

static bool holds(const struct wire_buf *b, const char *text)
{
        return memmem(b->data, b->len, text, strlen(text)) != NULL;
}

/* Currency-formatted cells, as Excel and LibreOffice write them "as
 * shown": the column's symbol is read and said in the columns, its
 * numbers summable; a cell with another currency stays text, exactly. */
static void test_currency(void)
{
        static const char *const hdr[NCOLS] = {"id", "valor", "preco", "euro",
                                               "misto"};
        static const char *const rows[][NCOLS] = {
            {"1", "R$ 1.234,56", "$1,234.50", "1.234,56 \xE2\x82\xAC",
             "R$ 1,00"},
            {"2", "-R$ 2,50", "($5.00)", "-0,99\xC2\xA0\xE2\x82\xAC", "$2.00"},
            {"3", "R$ -0,01", " $0.10 ", "7 \xE2\x82\xAC", "3"},
        };
        struct typing *t = sampled(hdr, rows, 3, false);
        struct row_field h[NCOLS];
        struct wire_buf cols = {0};
        char out[256], reason[128], types[256];

        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        /* misto: two currencies, so none; its numbers are the plain ones */
        CHECK_EQ_STR(types, "integer:comma,decimal:unit=BRL:comma,"
                            "decimal:unit=DOLLAR:thousands,"
                            "decimal:unit=EUR:comma,decimal:comma");
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":1234.56,\"preco\":1234.50,"
                          "\"euro\":1234.56,\"misto\":\"R$ 1,00\"}");
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":-2.50,\"preco\":-5.00,"
                          "\"euro\":-0.99,\"misto\":\"$2.00\"}");
        CHECK_EQ_INT(encode(t, rows[2], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":3,\"valor\":-0.01,\"preco\":0.10,"
                          "\"euro\":7,\"misto\":3}");
        CHECK_EQ_INT(typing_last_misfits(t), 0);
        /* Another currency, or a symbol with no number: text, counted. */
        static const char *const odd[NCOLS] = {"4", "$ 3,00", "R$", "3,5 EUR",
                                               "x"};
        CHECK_EQ_INT(encode(t, odd, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":4,\"valor\":\"$ 3,00\",\"preco\":\"R$\","
                          "\"euro\":\"3,5 EUR\",\"misto\":\"x\"}");
        CHECK_EQ_INT(typing_last_misfits(t), 4);
        /* Excel's accounting format writes a zero as the symbol and a
         * dash. */
        static const char *const zero[NCOLS] = {"6", " R$ -   ", "$ -",
                                                "- \xE2\x82\xAC", "-"};
        CHECK_EQ_INT(encode(t, zero, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":6,\"valor\":0,\"preco\":0,"
                          "\"euro\":0,\"misto\":\"-\"}");
        /* A plain number in a currency column is its number. */
        static const char *const bare[NCOLS] = {"5", "10,5", "7", "8", "y"};
        CHECK_EQ_INT(encode(t, bare, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":5,\"valor\":10.5,\"preco\":7,"
                          "\"euro\":8,\"misto\":\"y\"}");
        /* The reset's columns say the symbol. */
        CHECK_EQ_INT(typing_columns_json(t, &cols), 0);
        CHECK(holds(&cols, "{\"name\":\"valor\",\"type\":\"decimal\","
                           "\"unit\":\"R$\"}"));
        CHECK(holds(&cols, "{\"name\":\"misto\",\"type\":\"decimal\"}"));
        wire_buf_finish(&cols);

        /* The state file keeps the symbols, and the schema id counts them. */
        struct typing *u = typing_create();
        fields_of(hdr, h);
        CHECK_EQ_INT(typing_set_header(u, h, NCOLS), 0);
        uint64_t plain_id = typing_schema_id(u);
        CHECK_EQ_INT(typing_decode_types(u, types), 0);
        CHECK(typing_schema_id(u) == typing_schema_id(t));
        CHECK(typing_schema_id(u) != plain_id);
        CHECK_EQ_INT(encode(u, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":-2.50,\"preco\":-5.00,"
                          "\"euro\":-0.99,\"misto\":\"$2.00\"}");
        CHECK_EQ_INT(typing_decode_types(u, "integer,decimal:unit=XYZ,text,"
                                            "text,text"),
                     -1);
        typing_destroy(u);
        typing_destroy(t);

        /* Percentages and fr-FR thousands (a no-break space, U+202F or a
         * blank between groups of three). */
        static const char *const fr_hdr[NCOLS]    = {"id", "taux", "montant",
                                                     "nom", "code"};
        static const char *const fr_rows[][NCOLS] = {
            {"1", "12,5%",
             "1\xC2\xA0"
             "234,56",
             "Ana 12 345", "123 45"},
            {"2", "-3 %",
             "12\xE2\x80\xAF"
             "345\xE2\x80\xAF"
             "678,9",
             "Bia", "234 56"},
            {"3", "100%", "7,5", "Cid", "345 67"},
        };
        t = sampled(fr_hdr, fr_rows, 3, false);
        CHECK_EQ_INT(typing_encode_types(t, types, sizeof(types)), 0);
        CHECK_EQ_STR(types,
                     "integer:comma,decimal:unit=PERCENT:comma,decimal:comma,"
                     "text,text");
        CHECK_EQ_INT(encode(t, fr_rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"taux\":12.5,\"montant\":1234.56,"
                          "\"nom\":\"Ana 12 345\",\"code\":\"123 45\"}");
        CHECK_EQ_INT(encode(t, fr_rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"taux\":-3,\"montant\":12345678.9,"
                          "\"nom\":\"Bia\",\"code\":\"234 56\"}");
        /* "1 23" or "12 3456" are not groups of three, and plain blanks
         * ("123 456 789", a phone number) do not group: text, exactly. */
        static const char *const odd_fr[NCOLS] = {"4", "%5", "1 23", "x", "y"};
        CHECK_EQ_INT(encode(t, odd_fr, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":4,\"taux\":\"%5\",\"montant\":\"1 23\","
                          "\"nom\":\"x\",\"code\":\"y\"}");
        static const char *const phone[NCOLS] = {"5", "1%", "123 456 789", "x",
                                                 "y"};
        CHECK_EQ_INT(encode(t, phone, out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":5,\"taux\":1,\"montant\":\"123 456 789\","
                          "\"nom\":\"x\",\"code\":\"y\"}");
        typing_destroy(t);

        /* "$1,234" alone: a dollar's numbers have a decimal point, so it
         * is 1234, not a guessed 1.234. */
        static const char *const usd[][NCOLS] = {
            {"1", "$1,234", "x", "y", "z"},
            {"2", "$12,500", "x", "y", "z"},
        };
        t = sampled(hdr, usd, 2, false);
        CHECK(typing_comma_guess(t) == NULL);
        CHECK_EQ_INT(encode(t, usd[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":1234,\"preco\":\"x\","
                          "\"euro\":\"y\",\"misto\":\"z\"}");
        typing_destroy(t);

        /* No sample (a file that starts as a header alone): the first
         * value decides, symbol included. */
        t = sampled(hdr, NULL, 0, false);
        CHECK_EQ_INT(encode(t, rows[0], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":1,\"valor\":1234.56,\"preco\":1234.50,"
                          "\"euro\":1234.56,\"misto\":1.00}");
        CHECK_EQ_INT(encode(t, rows[1], out, sizeof(out), reason), 0);
        CHECK_EQ_STR(out, "{\"id\":2,\"valor\":-2.50,\"preco\":-5.00,"
                          "\"euro\":-0.99,\"misto\":\"$2.00\"}");
        typing_destroy(t);
}

int main(void)
{
        test_currency();
        test_numbers_as_names();
        test_thousands_with_point();
        test_sample();
        test_thousands_only();
        test_scientific();
        test_spaces_around_numbers();
        test_too_wide();
        test_header_names();
        test_header_again();
        test_inference();
        test_big_numbers();
        test_schema();
        return check_exit();
}
