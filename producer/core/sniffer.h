/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_SNIFFER_H
#define PRODUCER_SNIFFER_H

/*
 * CSV dialect detection (pure): from the first bytes of a file, which
 * encoding its byte order mark names, which delimiter, quote character and
 * line ending it uses, and whether it starts with Excel's "sep=X" line.
 * The way DuckDB's sniffer and Python's csv.Sniffer do it: every candidate
 * delimiter splits a sample of records, and the one that gives the same
 * field count (more than one) on the most records wins. A header that no
 * candidate splits makes a one-column file (SNIFF_NO_DELIMITER): the
 * commas of its text stay text.
 */

#include <stdbool.h>
#include <stddef.h>

/* Bytes of the file's start looked at (more bytes are ignored). */
#define SNIFF_SAMPLE_BYTES (64u * 1024u)
/* Records of the sample split by each candidate delimiter. */
#define SNIFF_SAMPLE_RECORDS 100
/* A file's first bytes are held until they hold this many line ends (or
 * SNIFF_HOLD_BYTES, or the caller says no more bytes are coming): the
 * dialect is detected from their start, column types from all of them. */
#define SNIFF_READY_LINES 1001
#define SNIFF_HOLD_BYTES  (1024u * 1024u)

/* The delimiter of a one-column file: none (a NUL byte, which no valid
 * record holds). */
#define SNIFF_NO_DELIMITER '\0'

enum sniff_bom {
        SNIFF_BOM_NONE = 0,
        SNIFF_BOM_UTF8,
        SNIFF_BOM_UTF16LE,
        SNIFF_BOM_UTF16BE,
};

/* What a sample's bytes are, without a byte order mark. */
enum sniff_text {
        SNIFF_TEXT_ASCII = 0, /* only ASCII: any ASCII-based encoding */
        SNIFF_TEXT_UTF8,      /* UTF-8: at least as many multi-byte
                               * characters as invalid bytes */
        SNIFF_TEXT_OTHER,     /* a legacy 8-bit encoding */
};

struct sniff_dialect {
        char delimiter; /* ',' ';' '\t' '|', a forced one, or
                         * SNIFF_NO_DELIMITER (one column) */
        char quote;     /* '"' or '\'' */
        char eol;       /* '\n' (LF and CRLF) or '\r' (CR only) */
        bool crlf;      /* lines end in CRLF (eol is then '\n') */
        size_t skip;    /* bytes of a leading "sep=X" line, 0 if none */
        bool delimiter_detected; /* false: forced, or the default ','
                                  * of an empty sample */
};

/**
 * @brief Names the byte order mark at the start of buf, if any.
 * @returns the mark; *len gets its length in bytes (0 for none).
 */
enum sniff_bom sniff_bom(const char *buf, size_t len, size_t *bom_len);

/* Bytes of a sample looked at to recognise UTF-16 without a byte order
 * mark. */
#define SNIFF_UTF16_SAMPLE_BYTES 4096u

/**
 * @brief Recognises UTF-16 written without a byte order mark (some exports
 *        and PowerShell's Out-File do that): CSV text is mostly ASCII, and
 *        each ASCII character of UTF-16 is its byte beside a NUL byte. The
 *        sample (the file's first bytes) must hold an aligned line end
 *        code unit, a NUL in at least a quarter of its code units, all on
 *        one side of them, and hardly any on the other side.
 * @returns SNIFF_BOM_UTF16LE or SNIFF_BOM_UTF16BE for the byte order found,
 *          SNIFF_BOM_NONE for anything else (UTF-8 with a stray NUL too).
 */
enum sniff_bom sniff_utf16(const char *buf, size_t len);

/* The 8-bit encodings a text that is not UTF-8 may be read as. */
enum sniff_legacy {
        SNIFF_LEGACY_WINDOWS_1252 = 0, /* Windows, Excel for Windows */
        SNIFF_LEGACY_MAC_ROMAN,        /* Mac OS Roman: Excel for Mac */
};

/**
 * @brief Tells Windows-1252 from Mac OS Roman in text that is not UTF-8.
 *        Inside words (an ASCII letter on both sides), Mac OS Roman has its
 *        lower-case accented letters at 0x80-0x9F ("S\x8Bo" is São), where
 *        Windows-1252 has symbols or nothing; Windows-1252 has its accented
 *        letters at 0xC0-0xFF. The one with more such bytes wins; a tie
 *        (no accented letter inside a word) is Windows-1252.
 */
enum sniff_legacy sniff_legacy(const char *buf, size_t len);

/**
 * @brief Tells ASCII, UTF-8 and legacy 8-bit text apart in a sample. An
 *        incomplete character cut by the sample's end does not count.
 */
enum sniff_text sniff_text(const char *buf, size_t len);

/**
 * @brief Detects the dialect of a sample of UTF-8 (or ASCII-based) text, the
 *        start of a file without its byte order mark. forced_delimiter and
 *        forced_quote (0: detect) win over detection.
 * @returns the dialect (never fails: an empty sample gives the defaults).
 */
struct sniff_dialect sniff_detect(const char *buf, size_t len,
                                  char forced_delimiter, char forced_quote);

/**
 * @brief Writes the dialect as log-friendly text, e.g.
 *        delimiter=";" quote="\"" newline=crlf sep_line=yes
 *        (delimiter=none for one column).
 */
void sniff_describe(const struct sniff_dialect *d, char *buf, size_t size);

/**
 * @brief Writes the dialect as a JSON object for the reset message, e.g.
 *        {"delimiter":";","quote":"\"","newline":"crlf","sep_line":true}
 *        ("delimiter":null for one column).
 */
void sniff_json(const struct sniff_dialect *d, const char *encoding, char *buf,
                size_t size);

#endif
