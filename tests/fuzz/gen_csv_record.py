#!/usr/bin/env python3
"""Writes structured inputs for the csv_record fuzz target: files built
from the pieces real CSV files are made of (quotes, CR, LF, CRLF, U+FEFF,
byte order marks, UTF-16 LE/BE, legacy bytes, records over the size
limit, Excel's sep= line), each with the target's two option bytes.

libFuzzer mutates bytes; these start it where the bugs were found
(a resume before a U+FEFF in UTF-16, an odd last byte of a UTF-16 file).

usage: gen_csv_record.py DIR COUNT SEED
"""
import random
import sys

TEXT = ['a', 'b', 'id', '1', '2.50', '-3', '1e5', 'NaN', '', ',', ',', ';',
        '\t', '|', '"', '"', '""', '\n', '\n', '\r', '\r\n', '\r\n',
        '\ufeff', 'é', 'ß', 'x' * 70, 'y' * 300, 'sep=;\n', 'sep=,\r\n', ' ',
        'true', '\u2028', '\U0001F600', '\x00', 'R$ ', '$', '€', '\u00a0',
        '(', ')', '-R$ 1.234,56', '1,234.50']
RAW = [b'\xe9', b'\x00', b'\xff\xfe', b'\xfe\xff', b'\xef\xbb\xbf', b'\xc3',
       b'\x80', b'\xd8\x3d']
BOMS = {'utf-16-le': b'\xff\xfe', 'utf-16-be': b'\xfe\xff'}


def one(rng):
    options = rng.randrange(64)
    seed = rng.randrange(256)
    parts = [rng.choice(TEXT) for _ in range(rng.randrange(1, 80))]
    if options & 16 or rng.random() < 0.15:
        enc = rng.choice(sorted(BOMS))
        body = ''.join(parts).encode(enc, 'surrogatepass')
        if rng.random() < 0.5:
            body = BOMS[enc] + body
        if rng.random() < 0.1:
            body = body[:-1]
    else:
        body = b''.join(t.encode() if rng.random() > 0.1 else rng.choice(RAW)
                        for t in parts)
    return bytes([options, seed]) + body


def main():
    out, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    for i in range(count):
        with open(f'{out}/gen-{seed}-{i:05d}', 'wb') as f:
            f.write(one(rng))


if __name__ == '__main__':
    main()
