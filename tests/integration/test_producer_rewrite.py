"""Every way a file gets rewritten starts a new generation: a reset on every
partition, the file's whole current content, then snapshot-complete."""

import json
import os
import time

import pytest

from conftest import wait_until
from test_producer_basic import (HEADER, ROWS3, append, consume, controls, rows_of,
                                 start_producer, values, wait_snapshot)

NEW = ("10,Ana Costa,29,Salvador,1200.00\n"
       "11,Carlos Souza,51,Curitiba,3100.25\n")


def rewrite(path, kind):
    new = HEADER + NEW
    if kind == "truncate":
        os.truncate(path, 0)
        time.sleep(0.3)  # let the producer see the empty file first
        append(path, new)
    elif kind == "in_place":
        # Overwrite from byte 0 without truncating (same inode, longer file).
        longer = HEADER + NEW + "12,Juliana Lima,24,Porto Alegre,450.90\n" * 2
        with open(path, "r+", encoding="utf-8") as f:
            f.write(longer)
        return longer
    elif kind == "redirect":
        with open(path, "w", encoding="utf-8") as f:  # what `>` does: O_TRUNC
            f.write(new)
    elif kind == "rename_replace":
        tmp = path.with_name(".input.csv.swp")
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, path)
    elif kind == "delete_recreate":
        os.unlink(path)
        time.sleep(0.3)
        path.write_text(new, encoding="utf-8")
    return new


def expected_rows(text):
    out = []
    for line in text.splitlines()[1:]:
        i, nome, idade, cidade, valor = line.split(",")
        out.append({"id": int(i), "nome": nome, "idade": int(idade),
                    "cidade": cidade, "valor": float(valor)})
    return out


@pytest.mark.parametrize("kind", ["truncate", "in_place", "redirect",
                                  "rename_replace", "delete_recreate"])
def test_rewrite_starts_new_generation(broker, topic, procs, tmp_path, kind):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen1, msgs = wait_snapshot(broker, topic, what="first generation")
    content = rewrite(csv, kind)
    gen2, msgs = wait_snapshot(broker, topic, after_generation=gen1,
                               what=f"generation after {kind}")
    assert gen2 > gen1
    snap = [json.loads(m["value"]) for m in controls(msgs, "snapshot_complete")
            if m["id"]["generation"] == gen2][0]
    if kind == "truncate":
        # The producer saw the empty file: an empty snapshot, then appends.
        assert snap["row_count"] == 0
        assert json.loads(controls(msgs, "reset")[-1]["value"])["reason"] == "truncated"
        msgs = wait_until(lambda: (lambda m: m if len(rows_of(m, gen2)) >= 2 else None)(
            consume(broker, topic)), what="rows after truncate")
    else:
        assert snap["row_count"] == len(expected_rows(content))
    assert values(rows_of(msgs, gen2)) == expected_rows(content)
    # In each partition the reset comes before the generation's rows.
    for m in rows_of(msgs, gen2):
        reset = [r for r in controls(msgs, "reset") if r["partition"] == m["partition"]
                 and r["id"]["generation"] == gen2]
        assert reset and reset[0]["offset"] < m["offset"]
    # The old generation's rows were not re-sent.
    assert len(rows_of(msgs, gen1)) == 3

    # Appends after the rewrite continue the new generation.
    append(csv, "20,Gil Rocha,35,Natal,2.50\n")
    wait_until(lambda: any(json.loads(m["value"])["id"] == 20
                           for m in rows_of(consume(broker, topic), gen2)),
               what="append after rewrite")


def test_header_change_resets_with_new_columns(broker, topic, procs, tmp_path):
    csv = tmp_path / "input.csv"
    append(csv, HEADER + ROWS3, "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen1, _ = wait_snapshot(broker, topic)
    with open(csv, "w", encoding="utf-8") as f:
        f.write("id,produto,quantidade\n1,Notebook,2\n2,Mouse,5\n")
    gen2, msgs = wait_snapshot(broker, topic, after_generation=gen1)
    reset = json.loads([m for m in controls(msgs, "reset")
                        if m["id"]["generation"] == gen2][0]["value"])
    assert [c["name"] for c in reset["columns"]] == ["id", "produto", "quantidade"]
    assert values(rows_of(msgs, gen2)) == [{"id": 1, "produto": "Notebook", "quantidade": 2},
                                           {"id": 2, "produto": "Mouse", "quantidade": 5}]
    schemas = {m["id"]["schema"] for m in rows_of(msgs, gen1)}
    assert schemas.isdisjoint({m["id"]["schema"] for m in rows_of(msgs, gen2)})
