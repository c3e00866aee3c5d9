/* SPDX-License-Identifier: MIT */
#ifndef PRODUCER_CHECKPOINT_H
#define PRODUCER_CHECKPOINT_H

/*
 * The state file's content (pure encode/decode). A checkpoint says how far
 * a source has been read AND acknowledged by Kafka, plus enough of the
 * file's identity to tell, at the next start, whether the file is still the
 * one that was read:
 *
 *   csv-producer-state 2
 *   source=/data/input.csv
 *   generation=1764370000000
 *   offset=412          byte offset of the next record to send
 *   line=13             its line number
 *   next_record=12      its record number
 *   row_count=11        good rows among the records before it
 *   reset_done=1        the generation's reset marker is stored
 *   snapshot_done=0     its snapshot-complete marker is stored
 *   deleted=0           the generation is the empty one of a deleted file
 *   dev=2049 ino=1234 size=9000 mtime_ns=... ctime_ns=... racy=0
 *                       the file's stat, taken before its bytes were read
 *   head_len=25         the header bytes [0, head_len)
 *   fp_len=8192 fp_hash=...    fingerprint of [0, fp_len): every byte
 *                       the generation may have sent lies below fp_len
 *   fp_fold_len=0 fp_fold=...  its last block boundary (file_identity.h)
 *   types=integer,text,...      inferred column types
 *
 * The generation is written BEFORE anything of it is produced, and fp_len
 * covers a chunk BEFORE any record of it is produced, so a crash at any
 * instant leaves a state that names the newest generation and every byte
 * that may be on the topic.
 *
 * On disk the text sits in one of the two equal slots of the state file
 * (half of its size each, 4 KiB unless the text needs more), behind a
 * one-line slot header with a sequence number, the text's length and a
 * checksum:
 *
 *   csv-producer-slot 0000000000000007 000001c2 9a3f...\n<text>
 *
 * A save overwrites the slot that does not hold the newest valid copy and
 * needs one fdatasync (no temporary file, rename or directory fsync); a
 * save torn by a crash or a power cut fails its checksum and the other
 * slot, the previous save, counts. A file that is plain text (written
 * before slots) is read as one copy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHECKPOINT_SOURCE_MAX 1024
/* The type list of the widest header typing takes (TYPING_MAX_COLUMNS,
 * 1,024) when every column is "decimal:comma," (14 bytes): 8,192 held only
 * ~580 such columns, and a wider file lost its types at a restart. */
#define CHECKPOINT_TYPES_MAX 16384
#define CHECKPOINT_TOPIC_MAX 256 /* Kafka topic names: 249 bytes */

struct checkpoint {
        char source[CHECKPOINT_SOURCE_MAX];
        char topic[CHECKPOINT_TOPIC_MAX]; /* "": written before topics */
        uint64_t generation;
        uint64_t offset;
        uint64_t line;
        uint64_t next_record;
        uint64_t row_count;
        bool reset_done;
        bool snapshot_done;
        bool deleted;
        uint64_t dev;
        uint64_t ino;
        uint64_t size;
        uint64_t mtime_ns;
        uint64_t ctime_ns;
        bool racy;
        uint64_t head_len;
        uint64_t fp_len;
        uint64_t fp_hash;
        uint64_t fp_fold_len;
        uint64_t fp_fold;
        char types[CHECKPOINT_TYPES_MAX];
        uint64_t reading; /* hash of the options that decide what a row
                             holds (delimiter, encoding, ...); 0: unknown */
};

/** @brief A checkpoint at the start of nothing (generation 0). */
void checkpoint_init(struct checkpoint *c);

/**
 * @brief Writes c as text into buf.
 * @returns the length written, or -1 if size is too small.
 */
int checkpoint_encode(const struct checkpoint *c, char *buf, size_t size);

/**
 * @brief Parses state-file text.
 * @returns 0, or -1 with errstr saying what is wrong.
 */
int checkpoint_decode(struct checkpoint *c, const char *text, size_t len,
                      char *errstr, size_t errstr_size);

/* A slot: header line, then the text; the state file holds two of one
 * size, a multiple of CHECKPOINT_SLOT_MIN up to CHECKPOINT_SLOT_MAX (the
 * longest text: 1,024 columns of the widest type). */
#define CHECKPOINT_SLOT_MIN    4096
#define CHECKPOINT_SLOT_MAX    20480
#define CHECKPOINT_SLOT_HEADER 61 /* "csv-producer-slot " + 16+1+8+1+16+1 */

/**
 * @brief Seals the text of text_len bytes that the caller wrote at
 *        slot + CHECKPOINT_SLOT_HEADER: writes the slot header (sequence
 *        seq, the length, the checksum) in front of it.
 * @returns the slot's used length, or 0 if it does not fit the largest
 *          slot.
 */
size_t checkpoint_slot_seal(char *slot, size_t text_len, uint64_t seq);

/**
 * @brief Checks the slot at slot (avail bytes readable from there).
 * @returns 0 with *text, *text_len and *seq set when its header and
 *          checksum hold, -1 otherwise (never written, torn, damaged).
 */
int checkpoint_slot_open(const char *slot, size_t avail, const char **text,
                         size_t *text_len, uint64_t *seq);

/**
 * @brief The copy of the state a state file of len bytes holds (two slots
 *        of len / 2 bytes): the valid slot with the higher sequence, or the
 *        whole file when it is plain text (written before slots). *slot: 0
 *        or 1, -1 for plain text.
 * @returns 0 with *text, *text_len (and *seq, 0 for plain text) set; -1
 *          when the file has slots but none is valid.
 */
int checkpoint_slots_pick(const char *file, size_t len, const char **text,
                          size_t *text_len, uint64_t *seq, int *slot);

/** @brief 64-bit FNV-1a hash (for short names, not file content). */
uint64_t checkpoint_hash(const void *data, size_t len);

#endif
