/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_TEXT_DECODER_H
#define PRODUCER_TEXT_DECODER_H

/*
 * Converts a file's text to UTF-8 (pure: no I/O). Two kinds of encodings:
 *
 * - ASCII-based ones (Windows-1252, ISO-8859-x, anything iconv knows that
 *   keeps ASCII bytes as they are): delimiters, quotes and newlines are the
 *   same bytes as in ASCII, so records are found in the file's own bytes
 *   and each record is converted whole (text_decoder_convert).
 * - UTF-16 LE/BE: converted as a stream (text_decoder_utf16), cut after
 *   every CR or LF so the caller knows which file bytes each line came
 *   from and can keep byte offsets of the file.
 *
 * Windows-1252 and ISO-8859-1 use built-in tables (every byte maps to a
 * character, so no record is ever lost to a decoding error); other names
 * go through iconv.
 */

#include <stdbool.h>
#include <stddef.h>

enum text_encoding_kind {
        TEXT_UTF8 = 0,
        TEXT_UTF16LE,
        TEXT_UTF16BE,
        TEXT_SINGLE_BYTE, /* any ASCII-based encoding */
};

struct text_decoder;

/**
 * @brief Creates a decoder for an encoding name (any case; "UTF-8",
 *        "UTF-16LE", "UTF-16BE", "WINDOWS-1252"/"CP1252",
 *        "ISO-8859-1"/"LATIN1", or any name iconv knows).
 * @returns the decoder (caller owns), or NULL with errstr filled.
 */
struct text_decoder *text_decoder_create(const char *name, char *errstr,
                                         size_t errstr_size);
void text_decoder_destroy(struct text_decoder *d);

enum text_encoding_kind text_decoder_kind(const struct text_decoder *d);
/** @returns the canonical name ("UTF-8", "WINDOWS-1252", ...). */
const char *text_decoder_name(const struct text_decoder *d);

/** @brief Forgets partial characters (start of a new file). */
void text_decoder_reset(struct text_decoder *d);

/**
 * @brief Forgets partial characters before reading from another place in
 * the file. A leading U+FEFF is a byte order mark, and dropped, only at the
 * file's start; elsewhere it is text (a zero-width no-break space) and kept.
 */
void text_decoder_seek(struct text_decoder *d, bool at_file_start);

/**
 * @brief Converts a whole piece of an ASCII-based encoding to UTF-8 into
 *        *buf (grown as needed, caller frees). A byte the encoding does not
 *        define becomes an invalid UTF-8 byte (0xFF), so the record is
 *        rejected by the UTF-8 check instead of changed silently.
 * @returns the output length, or -1 on out of memory.
 */
long text_decoder_convert(struct text_decoder *d, const char *in, size_t len,
                          char **buf, size_t *cap);

/**
 * @brief Converts UTF-16 to UTF-8, at most out_cap bytes of output (at least
 *        8), stopping right after a CR or LF. A BOM at the file's start is
 *        dropped; a code unit cut by the chunk's end is kept for the next
 *        call; an unpaired surrogate becomes 0xFF (invalid UTF-8).
 * @returns the output length; *used gets the input bytes consumed.
 */
size_t text_decoder_utf16(struct text_decoder *d, const char *in, size_t len,
                          size_t *used, char *out, size_t out_cap);

/** @brief Input bytes held for the next call (part of a code unit or a
 *         high surrogate waiting for its pair): 0 to 3. */
size_t text_decoder_pending(const struct text_decoder *d);

/**
 * @brief At the end of a UTF-16 file for good: a code unit cut by the end
 *        (an odd last byte) or a high surrogate with nothing after it is
 *        text that cannot be read, and becomes one 0xFF (invalid UTF-8), so
 *        the record holding it is reported, not dropped. *held gets how
 *        many input bytes that stands for.
 * @returns the output length (0 when nothing is held; out_cap >= 1).
 */
size_t text_decoder_utf16_finish(struct text_decoder *d, size_t *held,
                                 char *out, size_t out_cap);

#endif
