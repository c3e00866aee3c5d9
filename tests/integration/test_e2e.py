"""End to end: file -> csv-producer -> real Kafka -> consumer-dashboard -> API.

The dashboard's count and per-column sums must equal the file's exactly, after
the initial load and after appends.
"""

import json
import decimal

from conftest import DASHBOARD, PRODUCER, free_port, http_json, wait_until
from csvfile import append, expected_snapshot, snapshot_sums, write_rows

SEED_HEADER = ["id", "nome", "idade", "cidade", "valor"]
SEED_ROWS = [
    [1, "João Silva", 28, "São Paulo", "1500.50"],
    [2, "Maria Santos", 34, "Rio de Janeiro", "2300.75"],
    [3, "Pedro Oliveira", 45, "Belo Horizonte", "980.25"],
    [4, "Ana Costa", 23, "Salvador", "1750.00"],
    [5, "Carlos Souza", 52, "Fortaleza", "3200.10"],
]


def start_stack(procs, broker, topic, csv_path, state_dir):
    port = free_port()
    procs([PRODUCER, "-b", broker.bootstrap, "-t", topic, "-f", csv_path,
           "--state-dir", state_dir], "producer")
    procs([DASHBOARD, "-b", broker.bootstrap, "-t", topic,
           "--listen", f"127.0.0.1:{port}"], "dashboard")
    return f"http://127.0.0.1:{port}"


def matches_file(url, csv_path):
    def check():
        snap = http_json(url + "/api/snapshot")
        want = expected_snapshot(csv_path)
        got = snapshot_sums(snap)
        if snap["count"] != want["count"]:
            return False
        return all(got.get(c) == s for c, s in want["sums"].items())
    return check


def test_snapshot_equals_file_after_load_and_appends(broker, topic, procs, tmp_path):
    csv_path = tmp_path / "input.csv"
    write_rows(csv_path, SEED_HEADER, SEED_ROWS)
    url = start_stack(procs, broker, topic, csv_path, tmp_path / "state")

    wait_until(matches_file(url, csv_path), what="snapshot equal to the initial file")
    snap = http_json(url + "/api/snapshot")
    assert snap["count"] == 5
    assert decimal.Decimal(str(snap["columns"]["valor"]["sum"])) == decimal.Decimal("9731.60")
    assert decimal.Decimal(str(snap["columns"]["idade"]["sum"])) == 182

    append(csv_path, "6,Roberto,45,Fortaleza,275.50\n7,Lúcia,31,Recife,0.10\n")
    wait_until(matches_file(url, csv_path), what="snapshot equal to the file after appends")

    # A partial line is not a record until its newline arrives.
    append(csv_path, "8,Ana,31,Rec")
    append(csv_path, "ife,120.00\n")
    wait_until(matches_file(url, csv_path), what="snapshot after a line written in two parts")
    snap = http_json(url + "/api/snapshot")
    assert snap["count"] == 8
    assert decimal.Decimal(str(snap["columns"]["valor"]["sum"])) == decimal.Decimal("10127.20")


def test_topic_holds_readable_json_rows(broker, topic, procs, tmp_path):
    from conftest import kcat_consume

    csv_path = tmp_path / "input.csv"
    write_rows(csv_path, SEED_HEADER, SEED_ROWS[:2])
    start_stack(procs, broker, topic, csv_path, tmp_path / "state")

    def rows():
        msgs = [m for m in kcat_consume(broker.bootstrap, topic)
                if m["kind"] == "row"]
        return msgs if len(msgs) >= 2 else None

    msgs = sorted(wait_until(rows, what="two rows on the topic"), key=lambda m: m["key"])
    assert [m["key"] for m in msgs] == ["1", "2"]
    assert json.loads(msgs[0]["value"]) == {
        "id": 1, "nome": "João Silva", "idade": 28, "cidade": "São Paulo", "valor": 1500.5}
    assert '"valor":1500.50' in msgs[0]["value"]


def test_a_first_value_that_is_not_a_number_keeps_the_column_numeric(
        broker, topic, procs, tmp_path):
    """The file's first valor is "N/A" (the producer types the column as
    decimal from its sample and sends that cell as text): the dashboard takes
    the column type from the reset message, so valor stays the value column
    and its total is the sum of the numbers."""
    csv_path = tmp_path / "input.csv"
    rows = [[1, "Ana", 30, "Recife", "N/A"]]
    rows += [[i, f"P{i}", 20 + i, "Natal", f"{i}.25"] for i in range(2, 40)]
    write_rows(csv_path, SEED_HEADER, rows)
    url = start_stack(procs, broker, topic, csv_path, tmp_path / "state")
    snap = wait_until(lambda: (lambda s: s if s["count"] == 39 else None)(
        http_json(url + "/api/snapshot")), what="39 rows")
    valor = snap["columns"]["valor"]
    assert valor["type"] == "decimal"
    assert valor["count"] == 38 and valor["invalid"] == 1
    want = sum(decimal.Decimal(f"{i}.25") for i in range(2, 40))
    assert decimal.Decimal(str(valor["sum"])) == want
    assert snap["roles"]["value"] == "valor"
    assert decimal.Decimal(str(snap["cards"]["total_value"])) == want
