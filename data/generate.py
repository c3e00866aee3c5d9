#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Synthetic CSV rows for demos, tests and benchmarks (standard library only).

    python3 data/generate.py --shape person --count 1000 --rate 50 --output data/input.csv

Shapes follow the original seed: person (id,nome,idade,cidade,valor),
transaction (+ tipo_transacao,email,telefone) and sales (+ produto,
quantidade,vendedor). ids are unique and increasing (continuing after the
largest id already in the file with --append); valor has two decimals.
Each row is written with one write() and flushed, so a watcher never sees
half a line. --rate is rows per second (0: as fast as possible), --count 0
runs until interrupted.
"""

import argparse
import os
import random
import sys
import time

FIRST = ["João", "Maria", "Pedro", "Ana", "Carlos", "Juliana", "Fernanda",
         "Roberto", "Lucas", "Beatriz", "Rafael", "Camila", "Gabriel",
         "Larissa", "Mateus", "Patrícia", "Thiago", "Aline", "Bruno", "Letícia"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Lima",
        "Alves", "Ferreira", "Rodrigues", "Gomes", "Martins", "Araújo",
        "Ribeiro", "Carvalho", "Rocha", "Almeida", "Nascimento"]
CITIES = ["São Paulo", "Rio de Janeiro", "Belo Horizonte", "Salvador",
          "Fortaleza", "Brasília", "Curitiba", "Recife", "Porto Alegre",
          "Manaus", "Belém", "Goiânia", "Campinas", "São Luís", "Maceió",
          "Natal", "Teresina", "João Pessoa", "Florianópolis", "Vitória"]
TX_TYPES = ["Compra", "Venda", "Transferência", "Pagamento", "Recebimento"]
PRODUCTS = ["Notebook", "Smartphone", "Tablet", "Monitor", "Teclado",
            "Mouse", "Fone de ouvido", "Smartwatch", "Câmera", "Impressora"]

SHAPES = {
    # columns, (idade min, max), (valor min, max)
    "person": (["id", "nome", "idade", "cidade", "valor"], (18, 80), (50, 2000)),
    "transaction": (["id", "nome", "idade", "cidade", "valor", "tipo_transacao",
                     "email", "telefone"], (18, 65), (10, 5000)),
    "sales": (["id", "nome", "idade", "cidade", "valor", "produto", "quantidade",
               "vendedor"], (16, 70), (25, 3000)),
}


def ascii_fold(s):
    table = str.maketrans("áàâãéêíóôõúçÁÉÍÓÚÇ", "aaaaeeioooucAEIOUC")
    return s.translate(table).lower()


def make_row(shape, rid, rng):
    cols, (amin, amax), (vmin, vmax) = SHAPES[shape]
    first, last = rng.choice(FIRST), rng.choice(LAST)
    nome = f"{first} {last}"
    cents = rng.randint(vmin * 100, vmax * 100)
    row = [str(rid), nome, str(rng.randint(amin, amax)), rng.choice(CITIES),
           f"{cents // 100}.{cents % 100:02d}"]
    if shape == "transaction":
        row += [rng.choice(TX_TYPES),
                f"{ascii_fold(first)}.{ascii_fold(last)}{rng.randint(1, 99)}@example.com",
                f"({rng.randint(11, 99)}) 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"]
    elif shape == "sales":
        row += [rng.choice(PRODUCTS), str(rng.randint(1, 5)),
                f"{rng.choice(FIRST)} {rng.choice(LAST)}"]
    assert len(row) == len(cols)
    return ",".join(row) + "\n"


def last_id(path):
    """The largest id in an existing file (first column), or 0."""
    best = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                head = line.split(",", 1)[0]
                if head.isdigit():
                    best = max(best, int(head))
    except FileNotFoundError:
        pass
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", choices=sorted(SHAPES), default="person")
    ap.add_argument("--count", type=int, default=100, help="rows; 0 = forever")
    ap.add_argument("--rate", type=float, default=0, help="rows/s; 0 = max")
    ap.add_argument("--output", default="-", help="file, or - for stdout")
    ap.add_argument("--append", action="store_true",
                    help="append to the file (ids continue after its last)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--header", choices=["auto", "always", "never"], default="auto",
                    help="auto: write the header unless appending to a non-empty file")
    ap.add_argument("--start-id", type=int, default=None)
    args = ap.parse_args(argv)
    if args.count < 0 or args.rate < 0:
        ap.error("--count and --rate must be >= 0")

    rng = random.Random(args.seed)
    to_stdout = args.output == "-"
    exists = not to_stdout and os.path.exists(args.output) and os.path.getsize(args.output) > 0
    if args.start_id is not None:
        rid = args.start_id
    else:
        rid = (last_id(args.output) + 1) if (args.append and exists) else 1
    header = args.header == "always" or (args.header == "auto" and not (args.append and exists))

    if to_stdout:
        fd = sys.stdout.fileno()
    else:
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if args.append else os.O_TRUNC)
        fd = os.open(args.output, flags, 0o644)
    try:
        if header:
            os.write(fd, (",".join(SHAPES[args.shape][0]) + "\n").encode())
        interval = 1.0 / args.rate if args.rate > 0 else 0
        next_t = time.monotonic()
        written = 0
        batch = []
        while args.count == 0 or written < args.count:
            line = make_row(args.shape, rid, rng)
            rid += 1
            written += 1
            if interval:
                next_t += interval
                delay = next_t - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                os.write(fd, line.encode())  # one write per row: whole lines
            else:
                batch.append(line)
                if len(batch) >= 4096:
                    os.write(fd, "".join(batch).encode())
                    batch.clear()
        if batch:
            os.write(fd, "".join(batch).encode())
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        if not to_stdout:
            os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
