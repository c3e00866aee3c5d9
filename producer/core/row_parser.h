/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_ROW_PARSER_H
#define PRODUCER_ROW_PARSER_H

/*
 * Streaming CSV record parser (pure: no I/O, wraps libcsv).
 *
 * Bytes are fed in chunks of any size. A record is reported only once its
 * terminating newline has been seen; a partial last line waits in the
 * parser. The first record of a file is the header (a UTF-8 BOM before it
 * is skipped). Every record carries its byte offsets, first line number and
 * record number, so a caller can checkpoint and resume exactly.
 *
 * Record boundaries are found here with a quote-aware scan, then libcsv
 * splits the complete record into fields. Blank lines are skipped.
 *
 * Dialect and encoding are detected at the start of every file (after
 * create and reset), from the bytes held until the first line is complete
 * (sniffer.h): byte order mark, delimiter, quote, LF/CRLF/CR and Excel's
 * "sep=X" line. Options force them. Records always come out as UTF-8:
 * UTF-16 is converted as a stream; a file without BOM whose text is not
 * valid UTF-8 is read as Windows-1252 or, when its accented letters are
 * where Mac OS Roman has them, as MACINTOSH (or the forced encoding),
 * record by record; UTF-16 without a BOM is recognised by its NUL bytes.
 * Offsets, lines and checkpoints stay those of the file's bytes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum row_err {
        ROW_OK = 0,
        ROW_ERR_FIELD_COUNT, /* field count differs from the header's */
        ROW_ERR_UTF8,        /* invalid UTF-8 */
        ROW_ERR_NUL,         /* a NUL byte */
        ROW_ERR_TOO_LONG,    /* longer than max_record_bytes */
        ROW_ERR_NOMEM,
        ROW_ERR_UNTERMINATED, /* a quoted field never closed: the record is
                               * its first lines up to the quote's line */
};

struct row_field {
        const char *ptr; /* unquoted content, not NUL-terminated */
        size_t len;
};

struct row_record {
        bool is_header;
        enum row_err err;
        uint64_t record; /* 1 = first record after the header, 0 = header */
        uint64_t line;   /* line number of the record's first line (1-based) */
        uint64_t offset; /* byte offset of the first byte */
        uint64_t end_offset; /* byte offset just after the terminator */
        uint64_t end_line;   /* line number at end_offset */
        const char *raw;     /* the record's bytes, terminator included */
        bool raw_converted;  /* raw is UTF-8 converted from the file's
                              * encoding (its length then differs) */
        size_t raw_len; /* may be shorter than the record if it was too long */
        const struct row_field *fields; /* NULL when err != ROW_OK */
        size_t field_count;
        size_t
            header_count; /* number of header columns (0 before the header) */
        size_t err_pos;   /* byte index in raw of a UTF-8/NUL error */
        uint64_t quote_line; /* ROW_ERR_UNTERMINATED: line of the quote */
        /* Set on the one record where the parser decided the file is not
         * UTF-8 (a log line for the user), else NULL. */
        const char *encoding_notice;
};

/* Most names --columns may give (the producer reads no more columns). */
#define ROW_PARSER_MAX_GIVEN_COLUMNS 1024

/**
 * @brief Checks a --columns list: one or more names, comma-separated, none
 *        empty, at most ROW_PARSER_MAX_GIVEN_COLUMNS.
 * @returns the number of names, or 0 with the reason in err.
 */
size_t row_parser_check_columns(const char *columns, char *err,
                                size_t err_size);

/** Called once per record; the record and its pointers are valid only
 *  during the call. Return 0 to continue, non-zero to stop feeding. */
typedef int (*row_parser_record_cb)(const struct row_record *rec, void *ctx);

struct row_parser_options {
        char delimiter;          /* 0: detect (',' ';' TAB '|') */
        size_t max_record_bytes; /* 0: 1 MiB */
        char quote;              /* 0: detect ('"' or '\'') */
        const char *encoding;    /* NULL: detect (BOM, UTF-8, Windows-1252) */
        /* "a,b,c": the file has no header line; these are its column names
         * and its first line is record 1. NULL: the first line is the
         * header. */
        const char *columns;
};

struct row_parser;

/**
 * @brief Creates a parser positioned at the start of a file (offset 0,
 *        line 1, expecting the header). opts may be NULL for defaults.
 * @returns the parser (caller owns; row_parser_destroy), or NULL on OOM.
 */
struct row_parser *row_parser_create(const struct row_parser_options *opts);
void row_parser_destroy(struct row_parser *p);

/** @brief Changes the record size limit (0: 1 MiB), before feeding. */
void row_parser_set_max_record_bytes(struct row_parser *p, size_t max);

/** @brief Back to the start of a (new) file: drops buffered bytes and the
 *         header. */
void row_parser_reset(struct row_parser *p);

/**
 * @brief Continues at a record boundary after the header has been parsed
 *        (used to resume from a checkpoint or rewind): buffered bytes are
 *        dropped and the next byte fed is taken to be at offset, on line
 *        line, starting record number next_record.
 */
void row_parser_seek(struct row_parser *p, uint64_t offset, uint64_t line,
                     uint64_t next_record);

/**
 * @brief Feeds the next len bytes of the file. Complete records are passed
 *        to cb in order.
 * @returns 0, or the non-zero value cb returned (the remaining bytes of the
 *          chunk are then not consumed: the caller must seek before feeding
 *          again), -1 on out of memory, or ROW_PARSER_LINE_GREW.
 */
int row_parser_feed(struct row_parser *p, const char *buf, size_t len,
                    row_parser_record_cb cb, void *ctx);

/**
 * @brief Says that no more bytes are available for now. Bytes held to
 *        detect the dialect are parsed once they hold a line end (when
 *        final, a file shorter than its first line is sniffed as it is:
 *        while tailing, a header still being written waits). When final (end of
 * the file for good,
 *        --exit-at-eof), a held last record is reported too: without its
 *        newline as a record, or, when a quoted field is still open, as a
 *        ROW_ERR_UNTERMINATED record made of its lines up to the quote's
 *        line, after which parsing resumes on the next line.
 * @returns as row_parser_feed.
 */
int row_parser_end(struct row_parser *p, bool final, row_parser_record_cb cb,
                   void *ctx);

/* row_parser_feed's result when the last record, sent by
 * row_parser_flush_held without its line end, gets more bytes than that
 * line end: the record sent was only part of its line. The caller starts
 * the file over (reset) instead of feeding on. */
#define ROW_PARSER_LINE_GREW (-2)

/**
 * @brief Reports the held last record without its line end (a file a
 *        writer left without a final newline, idle for a while) when it
 *        can be a whole record: the header is known, no quoted field is
 *        open, it has the header's field count, it does not end in a CR
 *        (LF files), it is not UTF-16, and it is within the size limit
 *        even with a line end. From then on the next bytes fed must be
 *        its line end (LF, CRLF, or CR in a CR-only file), taken without
 *        a record; any other byte makes row_parser_feed return
 *        ROW_PARSER_LINE_GREW. row_parser_seek back to the record's end
 *        (a rewind) expects the line end again.
 * @returns as row_parser_feed (0 when nothing was held or it cannot be a
 *          record yet).
 */
int row_parser_flush_held(struct row_parser *p, row_parser_record_cb cb,
                          void *ctx);

/**
 * @brief After row_parser_seek on a resume: before holds the file's bytes
 *        just before the seek offset (up to 2). When they do not end a
 *        line, the record before was sent without its line end
 *        (row_parser_flush_held in an earlier run): the parser then
 *        expects that line end as after row_parser_flush_held.
 */
void row_parser_resume_unterminated(struct row_parser *p, const char *before,
                                    size_t len);

/** @returns true once the dialect of the current file is known. */
bool row_parser_sniffed(const struct row_parser *p);
/**
 * @brief The file's first bytes the dialect was detected from (the whole
 *        file when it is short; SNIFF_READY_LINES lines otherwise), for a
 *        second parser to infer column types from. Valid until the next
 *        reset or feed.
 * @returns their length (0 before detection); *buf points to them.
 */
size_t row_parser_sample(const struct row_parser *p, const char **buf);
/**
 * @brief Writes the detected dialect and encoding as log text and as a JSON
 *        object (either buffer may be NULL).
 */
void row_parser_dialect(const struct row_parser *p, char *text,
                        size_t text_size, char *json, size_t json_size);
/** @returns the line of a quoted field held open, or 0 if none. */
uint64_t row_parser_open_quote_line(const struct row_parser *p);

/** @returns the offset of the first byte not yet part of a reported record. */
uint64_t row_parser_record_start(const struct row_parser *p);
/** @returns true once the header has been reported. */
bool row_parser_has_header(const struct row_parser *p);
/** @returns the number of bytes held for an incomplete record. */
size_t row_parser_pending_bytes(const struct row_parser *p);
/** @returns true when the held bytes end inside a quoted field (an open
 *           quote), false when they only lack their newline. */
bool row_parser_in_quote(const struct row_parser *p);
/** @returns the number the next record will get. */
uint64_t row_parser_next_record(const struct row_parser *p);

const char *row_parser_strerror(enum row_err err);

/** @returns the index of the first byte of s that is not valid UTF-8, or
 *           len when all of s is valid. */
size_t row_parser_utf8_check(const char *s, size_t len);

/**
 * @brief Writes a human-readable reason for a bad record, e.g.
 *        "field count 4, header has 5".
 */
void row_parser_describe(const struct row_record *rec, char *buf, size_t size);

#endif
