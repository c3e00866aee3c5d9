"""A CSV without a header line (an application's log, rotated by logrotate):
`--columns` names the columns, and every line is a row. Without it the
first line of each rotated file would be taken for a header and never sent.
"""

import json
import os

from test_producer_basic import (append, consume, controls, rows_of,
                                 start_producer, values, wait_rows,
                                 wait_snapshot)
from conftest import wait_until

COLUMNS = "id,nome,valor"


def test_every_line_is_a_row_across_crash_and_rotation(broker, topic, procs, tmp_path):
    csv = tmp_path / "app.log.csv"
    state = tmp_path / "state"
    append(csv, "1,Ana,10.50\n2,Bia,20.00\n", "w")
    p = start_producer(procs, broker, topic, csv, state, "--columns", COLUMNS)
    gen, msgs = wait_snapshot(broker, topic)
    reset = json.loads(controls(msgs, "reset")[0]["value"])
    assert [c["name"] for c in reset["columns"]] == ["id", "nome", "valor"]
    assert [c["type"] for c in reset["columns"]] == ["integer", "text", "decimal"]
    first = min(rows_of(msgs), key=lambda m: m["id"]["record"])
    assert first["id"]["record"] == 1 and first["id"]["offset"] == 0
    assert first["key"] == "1"

    # A crash after the position was saved, a line written meanwhile, a
    # restart: the producer resumes (no header bytes to read again) and
    # sends only the new line.
    wait_until(lambda: any("\noffset=24\n" in f.read_text(errors="replace")
                           for f in state.glob("*.state")),
               what="the position after line 2 saved")
    p.kill()
    append(csv, "3,Caio,30.25\n")
    p = start_producer(procs, broker, topic, csv, state, "--columns", COLUMNS,
                       name="producer-2")
    msgs = wait_rows(broker, topic, 3)
    assert len(rows_of(msgs)) == 3, "each line exactly once"
    assert values(rows_of(msgs)) == [
        {"id": 1, "nome": "Ana", "valor": 10.50},
        {"id": 2, "nome": "Bia", "valor": 20.00},
        {"id": 3, "nome": "Caio", "valor": 30.25}]

    # logrotate's "create": the file is renamed and a new, header-less one
    # appears. Its first line is a row of the new generation.
    os.rename(csv, tmp_path / "app.log.csv.1")
    append(csv, "4,Dani,40.00\n", "w")
    gen2, msgs = wait_snapshot(broker, topic, after_generation=gen,
                               what="generation of the new file")
    assert values(rows_of(msgs, gen2)) == [{"id": 4, "nome": "Dani", "valor": 40.00}]
    append(csv, "5,Eva,50.00\n")
    msgs = wait_until(lambda: (lambda m: m if len(rows_of(m, gen2)) >= 2 else None)(
        consume(broker, topic)), what="append to the new file")
    assert values(rows_of(msgs, gen2))[1] == {"id": 5, "nome": "Eva", "valor": 50.00}
    assert len(rows_of(msgs, gen)) == 3, "the old file's rows were not sent again"
    assert "event=bad_header" not in p.output()


def test_a_rotated_file_without_header_line_is_said(broker, topic, procs, tmp_path):
    """Without --columns, a new file whose first line is a row loses that
    row to the header: not silently."""
    csv = tmp_path / "app.csv"
    append(csv, "id,nome,valor\n1,Ana,10.50\n", "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state")
    gen, _ = wait_snapshot(broker, topic)
    os.rename(csv, tmp_path / "app.csv.1")
    append(csv, "2,Bia,20.00\n3,Caio,30.25\n", "w")
    wait_snapshot(broker, topic, after_generation=gen, what="the new file")
    wait_until(lambda: "event=header_looks_like_row" in p.output(),
               what="the warning")
    assert "--columns" in p.output()
    assert p.output().count("event=header_looks_like_row") == 1, p.output()


def test_a_line_of_the_wrong_width_goes_to_the_dlq(broker, topic, procs, tmp_path):
    csv = tmp_path / "in.csv"
    append(csv, "1,Ana,10\n2,Bia\n3,Caio,30\n", "w")
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--columns", COLUMNS, "--exit-at-eof")
    assert p.wait() == 0, p.output()
    msgs = consume(broker, topic)
    assert [v["id"] for v in values(rows_of(msgs))] == [1, 3]
    dlq = [json.loads(m["value"]) for m in consume(broker, topic + ".dlq")]
    assert [(d["line"], d["reason"]) for d in dlq] == [
        (2, "field count 2, header has 3")]


def test_bad_columns_flag_exits_2_naming_it(tmp_path):
    import subprocess
    from conftest import PRODUCER
    r = subprocess.run([PRODUCER, "--columns", "id,,valor", "-f",
                        str(tmp_path / "x.csv")], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert '--columns "id,,valor": column 2 has no name' in r.stderr
