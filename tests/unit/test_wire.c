/* SPDX-License-Identifier: MIT */
#include "common/wire.h"

#include <string.h>

#include "check.h"

static void test_row_roundtrip(void)
{
        const char *names[] = {"id",    "nome",  "idade", "cidade",
                               "valor", "ativo", "obs"};
        struct value values[7];
        struct wire_buf b    = {0};
        struct wire_object o = {0};

        values[0] = (struct value){.type = VALUE_INT, .as.i = 8};
        values[1] =
            (struct value){.type = VALUE_TEXT, .as.text = {"Ro\"berto\n", 9}};
        values[2] = (struct value){.type = VALUE_INT, .as.i = 45};
        values[3] =
            (struct value){.type = VALUE_TEXT, .as.text = {"São Luís", 10}};
        values[4] = (struct value){.type = VALUE_DECIMAL, .as.d = {27550, 2}};
        values[5] = (struct value){.type = VALUE_BOOL, .as.b = true};
        values[6] = (struct value){.type = VALUE_NULL};

        CHECK_EQ_INT(wire_encode_row(&b, names, values, 7), 0);
        CHECK_EQ_STR(b.data, "{\"id\":8,\"nome\":\"Ro\\\"berto\\n\","
                             "\"idade\":45,\"cidade\":\"São Luís\","
                             "\"valor\":275.50,\"ativo\":true,\"obs\":null}");

        CHECK_EQ_INT(wire_decode_object(&o, b.data, b.len), WIRE_OK);
        CHECK_EQ_INT(o.count, 7);
        CHECK_EQ_STR(o.fields[1].name, "nome");
        CHECK_EQ_MEM(o.fields[1].value.as.text.ptr,
                     o.fields[1].value.as.text.len, "Ro\"berto\n");
        CHECK_EQ_INT(o.fields[4].value.type, VALUE_DECIMAL);
        CHECK_EQ_INT(o.fields[4].value.as.d.mantissa, 27550);
        CHECK_EQ_INT(o.fields[4].value.as.d.scale, 2);
        CHECK_EQ_INT(o.fields[5].value.type, VALUE_BOOL);
        CHECK_EQ_INT(o.fields[6].value.type, VALUE_NULL);
        CHECK(wire_object_get(&o, "cidade") == &o.fields[3]);
        CHECK(wire_object_get(&o, "missing") == NULL);

        wire_object_finish(&o);
        wire_buf_finish(&b);
}

static void test_control(void)
{
        struct wire_buf b     = {0};
        struct wire_object o  = {0};
        struct wire_control c = {
            .kind        = WIRE_SNAPSHOT_COMPLETE,
            .source      = "data/input.csv",
            .generation  = 3,
            .last_record = 10,
            .row_count   = 9,
            .producer    = "0123456789abcdef",
        };

        CHECK_EQ_INT(wire_encode_control(&b, &c), 0);
        CHECK_EQ_INT(wire_decode_object(&o, b.data, b.len), WIRE_OK);
        CHECK_EQ_MEM(wire_object_get(&o, "producer")->value.as.text.ptr,
                     wire_object_get(&o, "producer")->value.as.text.len,
                     "0123456789abcdef");
        CHECK_EQ_MEM(wire_object_get(&o, "__control")->value.as.text.ptr,
                     wire_object_get(&o, "__control")->value.as.text.len,
                     "snapshot_complete");
        CHECK_EQ_INT(wire_object_get(&o, "row_count")->value.as.i, 9);
        wire_object_finish(&o);
        wire_buf_finish(&b);
}

static void test_reset_dialect(void)
{
        struct wire_buf b     = {0};
        struct wire_control c = {
            .kind         = WIRE_RESET,
            .source       = "s.csv",
            .generation   = 2,
            .columns_json = "[]",
            .dialect_json = "{\"delimiter\":\";\"}",
        };

        CHECK_EQ_INT(wire_encode_control(&b, &c), 0);
        CHECK_EQ_STR(b.data, "{\"__control\":\"reset\",\"source\":\"s.csv\","
                             "\"source_id\":\"08b9bb649612e35b\","
                             "\"generation\":2,\"columns\":[],"
                             "\"dialect\":{\"delimiter\":\";\"}}");
        wire_buf_finish(&b);
}

static void test_decode_errors(void)
{
        static const struct {
                const char *json;
                enum wire_err err;
        } cases[] = {
            {"{}", WIRE_OK},
            {" {\"a\" : 1 } ", WIRE_OK},
            {"{\"a\":\"\\u00e9\\ud83d\\ude00\"}", WIRE_OK},
            {"", WIRE_ERR_SYNTAX},
            {"{", WIRE_ERR_SYNTAX},
            {"{\"a\":1,}", WIRE_ERR_SYNTAX},
            {"{\"a\":1} x", WIRE_ERR_SYNTAX},
            {"[1,2]", WIRE_ERR_NOT_OBJECT},
            {"42", WIRE_ERR_NOT_OBJECT},
            {"{\"a\":{\"b\":1}}", WIRE_ERR_NESTED},
            {"{\"a\":[1]}", WIRE_ERR_NESTED},
            {"{\"a\":1e999}", WIRE_OK},
            {"{\"a\":01}", WIRE_ERR_NUMBER},
            {"{\"a\":1.}", WIRE_ERR_NUMBER},
            {"{\"a\":-}", WIRE_ERR_NUMBER},
            {"{\"a\":+1}", WIRE_ERR_SYNTAX},
            {"{\"a\":\"\\ud83d\"}", WIRE_ERR_SYNTAX},
            {"{\"a\":\"x\ny\"}", WIRE_ERR_SYNTAX},
            {"{\"a\":tru}", WIRE_ERR_SYNTAX},
        };
        struct wire_object o = {0};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                enum wire_err err = wire_decode_object(&o, cases[i].json,
                                                       strlen(cases[i].json));
                if (err != cases[i].err) {
                        fprintf(stderr, "decode(%s) = %s, want %s\n",
                                cases[i].json, wire_strerror(err),
                                wire_strerror(cases[i].err));
                        check_failures++;
                }
        }
        const char *emoji = "{\"a\":\"\\u00e9\\ud83d\\ude00\"}";
        CHECK_EQ_INT(wire_decode_object(&o, emoji, strlen(emoji)), WIRE_OK);
        CHECK_EQ_MEM(o.fields[0].value.as.text.ptr,
                     o.fields[0].value.as.text.len, "é😀");
        wire_object_finish(&o);
}

/* Integers and decimals of any length cross the wire with every digit. */
static void test_bignum_roundtrip(void)
{
        static const char *const numbers[] = {
            "12345678901234567890",
            "-99999999999999999999999999999999.999999",
            "0.0000000000000000000001",
            "92233720368547758.08",
            "1e400",
        };
        const char *names[5] = {"a", "b", "c", "d", "e"};
        struct value values[5];
        struct wire_buf b    = {0};
        struct wire_object o = {0};

        for (size_t i = 0; i < 5; i++) {
                CHECK_EQ_INT(value_parse_json_number(
                                 numbers[i], strlen(numbers[i]), &values[i]),
                             0);
                CHECK_EQ_INT(values[i].type, VALUE_BIGNUM);
        }
        CHECK_EQ_INT(wire_encode_row(&b, names, values, 5), 0);
        CHECK_EQ_STR(b.data, "{\"a\":12345678901234567890,"
                             "\"b\":-99999999999999999999999999999999.999999,"
                             "\"c\":0.0000000000000000000001,"
                             "\"d\":92233720368547758.08,\"e\":1e400}");
        CHECK_EQ_INT(wire_decode_object(&o, b.data, b.len), WIRE_OK);
        CHECK_EQ_INT(o.count, 5);
        for (size_t i = 0; i < 5; i++) {
                const struct value *v = &o.fields[i].value;
                CHECK_EQ_INT(v->type, VALUE_BIGNUM);
                CHECK_EQ_MEM(v->as.big.ptr, v->as.big.len, numbers[i]);
                /* The text lives in the object, not in the input. */
                CHECK(v->as.big.ptr < b.data ||
                      v->as.big.ptr >= b.data + b.len);
        }
        wire_object_finish(&o);
        wire_buf_finish(&b);
}

static void test_headers(void)
{
        uint64_t v;
        enum wire_kind k;

        CHECK_EQ_INT(wire_parse_u64("18446744073709551615", 20, &v), 0);
        CHECK(v == UINT64_MAX);
        CHECK_EQ_INT(wire_parse_u64("18446744073709551616", 20, &v), -1);
        CHECK_EQ_INT(wire_parse_u64("", 0, &v), -1);
        CHECK_EQ_INT(wire_kind_parse("reset", 5, &k), 0);
        CHECK_EQ_INT(k, WIRE_RESET);
        CHECK_EQ_INT(wire_kind_parse("rese", 4, &k), -1);
        CHECK_EQ_INT(wire_kind_parse("rejected", 8, &k), 0);
        CHECK_EQ_INT(k, WIRE_REJECTED);
        CHECK_EQ_STR(wire_kind_name(WIRE_REJECTED), "rejected");
}

static void test_source_id(void)
{
        char hex[WIRE_SOURCE_ID_HEX + 1];
        uint64_t v;

        /* Fixed forever: producers of every version and readers must agree
         * (docs/wire-format.md gives this example). */
        CHECK(wire_source_id("data/input.csv", 14) == 0x0e13739a7e7c45e2ULL);
        CHECK(wire_source_id("/data/input.csv", 15) == 0x884a41d04c13d376ULL);
        wire_hex64(0x0e13739a7e7c45e2ULL, hex);
        CHECK_EQ_STR(hex, "0e13739a7e7c45e2");
        wire_hex64(0, hex);
        CHECK_EQ_STR(hex, "0000000000000000");
        CHECK_EQ_INT(wire_parse_hex64("0e13739a7e7c45e2", 16, &v), 0);
        CHECK(v == 0x0e13739a7e7c45e2ULL);
        CHECK_EQ_INT(wire_parse_hex64("0E13739A7E7C45E2", 16, &v), -1);
        CHECK_EQ_INT(wire_parse_hex64("0e13739a7e7c45e", 15, &v), -1);
        CHECK_EQ_INT(wire_parse_hex64("0e13739a7e7c45g2", 16, &v), -1);

        /* Control messages, dead letters and status records carry it. */
        struct wire_buf b = {0};
        CHECK_EQ_INT(wire_buf_append_source_id(&b, "data/input.csv", 14), 0);
        CHECK_EQ_STR(b.data, ",\"source_id\":\"0e13739a7e7c45e2\"");
        wire_buf_reset(&b);
        struct wire_control c = {
            .kind = WIRE_RESET, .source = "data/input.csv", .generation = 7};
        CHECK_EQ_INT(wire_encode_control(&b, &c), 0);
        CHECK_EQ_STR(b.data, "{\"__control\":\"reset\",\"source\":"
                             "\"data/input.csv\",\"source_id\":"
                             "\"0e13739a7e7c45e2\",\"generation\":7}");
        wire_buf_finish(&b);
}

static void test_id_roundtrip(void)
{
        struct wire_id in = {
            .kind       = WIRE_ROW,
            .generation = 1764370000000,
            .record     = 8,
            .offset     = 412,
            .schema     = 0x0123456789abcdefULL,
            .source_id  = 0x0e13739a7e7c45e2ULL,
        };
        struct wire_id out;
        char buf[WIRE_ID_MAX];
        unsigned version = 0;
        size_t n;

        n = wire_id_encode(&in, buf, sizeof(buf));
        CHECK_EQ_MEM(
            buf, n,
            "v3;row;1764370000000;8;412;0123456789abcdef;0e13739a7e7c45e2");
        CHECK_EQ_INT(wire_id_decode(buf, n, &out, &version), WIRE_OK);
        CHECK_EQ_INT(version, 3);
        CHECK_EQ_INT(out.kind, WIRE_ROW);
        CHECK(out.generation == in.generation);
        CHECK(out.record == 8);
        CHECK(out.offset == 412);
        CHECK(out.schema == in.schema);
        CHECK(out.source_id == in.source_id);
        CHECK(out.source == NULL && out.source_len == 0);

        /* Every kind, the dead letter's included. */
        static const enum wire_kind kinds[] = {
            WIRE_ROW, WIRE_RESET, WIRE_SNAPSHOT_COMPLETE, WIRE_REJECTED};
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
                in.kind = kinds[i];
                n       = wire_id_encode(&in, buf, sizeof(buf));
                CHECK(n > 0);
                CHECK_EQ_INT(wire_id_decode(buf, n, &out, &version), WIRE_OK);
                CHECK_EQ_INT(out.kind, kinds[i]);
        }

        /* The longest kind and the largest numbers fit WIRE_ID_MAX
         * exactly. */
        in.kind       = WIRE_SNAPSHOT_COMPLETE;
        in.generation = in.record = in.offset = in.schema = in.source_id =
            UINT64_MAX;
        CHECK(wire_id_encode(&in, buf, sizeof(buf)) == sizeof(buf));
        CHECK_EQ_INT(wire_id_decode(buf, sizeof(buf), &out, &version), WIRE_OK);
        CHECK(out.generation == UINT64_MAX && out.record == UINT64_MAX &&
              out.offset == UINT64_MAX && out.schema == UINT64_MAX &&
              out.source_id == UINT64_MAX);
        /* One byte short: nothing written, 0 returned. */
        CHECK(wire_id_encode(&in, buf, sizeof(buf) - 1) == 0);

        /* A control message: record and offset 0. */
        in = (struct wire_id){.kind = WIRE_RESET, .generation = 5};
        n  = wire_id_encode(&in, buf, sizeof(buf));
        CHECK_EQ_MEM(buf, n,
                     "v3;reset;5;0;0;0000000000000000;0000000000000000");
}

/* Version 2 (the source itself last) is still read, and still written by
 * wire_id_encode_v2 for tests and tools. */
static void test_id_v2(void)
{
        struct wire_id in = {
            .generation = 1764370000000,
            .record     = 8,
            .offset     = 412,
            .schema     = 0x0123456789abcdefULL,
            .source     = "data/a;b,c=d.csv",
            .source_len = 16,
        };
        struct wire_id out;
        char buf[WIRE_ID_V2_FIXED_MAX + 16];
        unsigned version = 0;
        size_t n;

        n = wire_id_encode_v2(&in, buf, sizeof(buf));
        CHECK_EQ_MEM(
            buf, n, "v2;1764370000000;8;412;0123456789abcdef;data/a;b,c=d.csv");
        CHECK_EQ_INT(wire_id_decode(buf, n, &out, &version), WIRE_OK);
        CHECK_EQ_INT(version, 2);
        CHECK(out.generation == in.generation);
        CHECK(out.record == 8);
        CHECK(out.offset == 412);
        CHECK(out.schema == in.schema);
        CHECK(out.source_id == 0);
        CHECK_EQ_MEM(out.source, out.source_len, "data/a;b,c=d.csv");

        /* The largest numbers fit the fixed part exactly. */
        in.generation = in.record = in.offset = in.schema = UINT64_MAX;
        CHECK(wire_id_encode_v2(&in, buf, sizeof(buf)) == sizeof(buf));
        CHECK_EQ_INT(wire_id_decode(buf, sizeof(buf), &out, &version), WIRE_OK);
        CHECK(out.generation == UINT64_MAX && out.record == UINT64_MAX &&
              out.offset == UINT64_MAX && out.schema == UINT64_MAX);
        CHECK(wire_id_encode_v2(&in, buf, sizeof(buf) - 1) == 0);

        /* Any byte in the source, not UTF-8 included. */
        const char odd[] = "v2;5;1;0;0000000000000000;/d/\xff\xfe;x";
        CHECK_EQ_INT(wire_id_decode(odd, sizeof(odd) - 1, &out, &version),
                     WIRE_OK);
        CHECK_EQ_MEM(out.source, out.source_len, "/d/\xff\xfe;x");
}

static void test_id_errors(void)
{
        static const char *const bad[] = {
            "",
            "v",
            "v2",
            "v2;",
            "x2;1;2;3;0123456789abcdef;s",
            "v;1;2;3;0123456789abcdef;s",
            "v2;1;2;3;0123456789abcdef;",  /* empty source */
            "v2;1;2;3;0123456789abcde;s",  /* 15 hex digits */
            "v2;1;2;3;0123456789abcdeg;s", /* not hex */
            "v2;1;2;3;0123456789ABCDEF;s", /* upper case */
            "v2;1;2;3;0123456789abcdef",   /* no source field */
            "v2;-1;2;3;0123456789abcdef;s",
            "v2;;2;3;0123456789abcdef;s",
            "v2;1;2;+3;0123456789abcdef;s",
            "v2;18446744073709551616;2;3;0123456789abcdef;s",
            "v2;1;2;3",
            "v3;",
            "v3;row",
            "v3;row;1;2;3;0123456789abcdef",
            "v3;row;1;2;3;0123456789abcdef;",
            "v3;row;1;2;3;0123456789abcdef;0e13739a7e7c45e",   /* 15 */
            "v3;row;1;2;3;0123456789abcdef;0e13739a7e7c45e2;", /* more */
            "v3;row;1;2;3;0123456789abcdef;0e13739a7e7c45e2x",
            "v3;row;1;2;3;0123456789abcdef;0E13739A7E7C45E2",
            "v3;row;1;2;3;0123456789abcdef;data/input.csv",
            "v3;rows;1;2;3;0123456789abcdef;0e13739a7e7c45e2",
            "v3;;1;2;3;0123456789abcdef;0e13739a7e7c45e2",
            "v3;row;1;2;0123456789abcdef;0e13739a7e7c45e2",
            "v3;row;-1;2;3;0123456789abcdef;0e13739a7e7c45e2",
            "v3;row;1;2;3;0123456789abcde;f0e13739a7e7c45e2",
            "v3;1;2;3;0123456789abcdef;0e13739a7e7c45e2", /* v2 fields */
        };
        struct wire_id id;
        unsigned version = 0;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                CHECK_EQ_INT(
                    wire_id_decode(bad[i], strlen(bad[i]), &id, &version),
                    WIRE_ERR_ID);
        }
        /* Another version is named, whatever follows. */
        CHECK_EQ_INT(wire_id_decode("v4;anything", 11, &id, &version),
                     WIRE_ERR_VERSION);
        CHECK_EQ_INT(version, 4);
        CHECK_EQ_INT(wire_id_decode("v1;", 3, &id, &version), WIRE_ERR_VERSION);
        CHECK_EQ_INT(version, 1);
        CHECK_EQ_STR(wire_strerror(WIRE_ERR_ID), "malformed csv.id header");
}

int main(void)
{
        test_row_roundtrip();
        test_control();
        test_reset_dialect();
        test_decode_errors();
        test_bignum_roundtrip();
        test_headers();
        test_source_id();
        test_id_roundtrip();
        test_id_v2();
        test_id_errors();
        return check_exit();
}
