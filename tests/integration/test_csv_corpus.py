"""Every file of the CSV corpus (tests/data/csv) through the real producer
and a real broker: what arrives on the topic and its dead-letter topic must
be exactly the case's expected.json (issue 10).

Numbers are compared by their text, so 1500.50 must arrive as 1500.50 and a
20-digit integer with all its digits.
"""

import json
import shutil

import pytest

from conftest import ROOT, WAIT_S, kcat_consume
from test_producer_basic import consume, controls, rows_of, start_producer, values

CORPUS = ROOT / "tests" / "data" / "csv"
CASES = sorted(p.name[:-len(".csv")] for p in CORPUS.glob("*.csv"))


def exact(text):
    """JSON with every number kept as its text."""
    num = lambda s: ("number", s)  # noqa: E731
    return json.loads(text, parse_float=num, parse_int=num)


def expected_of(name):
    return exact((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", CASES)
def test_corpus_file_arrives_exactly(broker, topic, procs, tmp_path, name):
    want = expected_of(name)
    csv = tmp_path / f"{name}.csv"
    shutil.copyfile(CORPUS / f"{name}.csv", csv)
    p = start_producer(procs, broker, topic, csv, tmp_path / "state",
                       "--exit-at-eof", *want["args"])
    status = p.wait(WAIT_S)
    assert status == 0, p.output()

    if "log" in want:
        assert want["log"] in p.output(), p.output()

    msgs = kcat_consume(broker.bootstrap, topic)
    got_rows = [exact(m["value"]) for m in
                sorted(rows_of(msgs), key=lambda m: m["id"]["record"])]
    assert got_rows == want["rows"], p.output()
    assert len(values(rows_of(msgs))) == len(want["rows"])

    reset = json.loads(controls(msgs, "reset")[0]["value"])
    if "columns" in want:
        assert exact(controls(msgs, "reset")[0]["value"])["columns"] == want["columns"]
    if "dialect" in want:
        for k, v in want["dialect"].items():
            assert reset["dialect"][k] == v, reset["dialect"]

    dlq = [json.loads(m["value"]) for m in consume(broker, topic + ".dlq")]
    dlq.sort(key=lambda d: d["line"])
    assert len(dlq) == len(want["dlq"]), dlq
    for got, exp in zip(dlq, want["dlq"]):
        assert got["line"] == int(exp["line"][1]), (got, exp)
        assert got["reason"].startswith(exp["reason"]), (got, exp)


def test_excel_ptbr_sample_of_data_dir(broker, topic, procs, tmp_path):
    """data/excel-ptbr.csv (what CSV_FILE=... deploy/demo.sh can show) has
    the rows of data/input.csv, valor times 13.37, written by Excel pt-BR."""
    import csv as csvmod
    from decimal import Decimal
    src = list(csvmod.DictReader(open(ROOT / "data" / "input.csv", encoding="utf-8")))
    csv = tmp_path / "excel-ptbr.csv"
    shutil.copyfile(ROOT / "data" / "excel-ptbr.csv", csv)
    p = start_producer(procs, broker, topic, csv, tmp_path / "state", "--exit-at-eof")
    assert p.wait(WAIT_S) == 0, p.output()
    got = [exact(m["value"]) for m in
           sorted(rows_of(kcat_consume(broker.bootstrap, topic)),
                  key=lambda m: m["id"]["record"])]
    assert [g["nome"] for g in got] == [r["nome"] for r in src]
    assert [Decimal(g["valor"][1]) for g in got] == \
        [(Decimal(r["valor"]) * Decimal("13.37")).quantize(Decimal("0.01")) for r in src]


def test_dialect_while_tailing_waits_for_the_header_line(broker, topic, procs, tmp_path):
    """Tailing: a header still being written ("id" of "id,valor") is not
    taken for a one-column header; a real one-column file keeps the commas
    of its text (issue 10)."""
    from conftest import free_port, wait_until
    from test_producer_basic import append, metrics, wait_rows

    port = free_port()
    csv = tmp_path / "growing.csv"
    append(csv, "id", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--metrics-listen", f"127.0.0.1:{port}")
    wait_until(lambda: metrics(port)["csv_producer_file_offset_bytes"] == 2,
               what="the first bytes of the header read")
    append(csv, ",valor\n1,2.50\n")
    msgs = wait_rows(broker, topic, 1)
    assert [exact(m["value"]) for m in rows_of(msgs)] == [
        {"id": ("number", "1"), "valor": ("number", "2.50")}]

    one = tmp_path / "comentarios.csv"
    append(one, "comentario\n", "w")
    start_producer(procs, broker, topic + ".one", one, tmp_path / "state1",
                   name="producer-one")
    append(one, "Olá, tudo bem\nBom dia; até logo\n")
    msgs = wait_rows(broker, topic + ".one", 2)
    assert sorted(json.loads(m["value"])["comentario"] for m in rows_of(msgs)) == [
        "Bom dia; até logo", "Olá, tudo bem"]
    assert consume(broker, topic + ".one.dlq") == []
