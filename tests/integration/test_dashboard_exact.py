"""Exact numbers at any magnitude and scale, through a real broker: values
that do not fit a 64-bit mantissa at the column's scale (issue 10) are
summed, shown, sorted and exported with every digit; a number too long to
use is counted as invalid and its row kept."""

import decimal
import urllib.parse

from conftest import wait_until
from dashboard_helpers import get, get_json, produce_generation, start_dashboard

VALUES = ["99999999999999.99", "0.000001", "123456789012345678901234567890", "-1.5"]


def test_big_and_small_numbers_add_up_exactly(broker, topic, procs):
    decimal.getcontext().prec = 2000  # Python's own sums exact, too
    rows = [{"id": i + 1, "cidade": "Recife", "valor": v} for i, v in enumerate(VALUES)]
    rows.append({"id": 5, "cidade": "Natal", "valor": "1" + "0" * 1200})
    produce_generation(broker.bootstrap, topic, 1, rows, broker.partitions)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snap = wait_until(lambda: (lambda s: s if s["count"] == 5 else None)(
        get_json(url + "/api/snapshot")), what="five rows")
    col = snap["columns"]["valor"]
    want = sum(decimal.Decimal(v) for v in VALUES)
    assert col["count"] == 4
    assert decimal.Decimal(str(col["sum"])) == want
    assert str(col["min"]) == "-1.50" or decimal.Decimal(str(col["min"])) == decimal.Decimal("-1.5")
    assert decimal.Decimal(str(col["max"])) == decimal.Decimal(VALUES[2])
    assert col["invalid"] == 1
    cats = get_json(url + "/api/categories")["categories"]["items"]
    recife = [c for c in cats if c["name"] == "Recife"][0]
    assert decimal.Decimal(str(recife["sum"])) == want
    # Sorted by value, with every digit.
    page = get_json(url + "/api/rows?" + urllib.parse.urlencode(
        {"sort": "valor", "order": "asc", "size": 10}))
    vi = [c["name"] for c in page["columns"]].index("valor")
    got = [r[vi] for r in page["rows"]]
    assert [decimal.Decimal(str(v)) for v in got[:4]] == sorted(
        decimal.Decimal(v) for v in VALUES)
    assert got[4] is None  # the unusable number: its row is kept
    status, body = get(url + "/api/export.csv?sort=valor&order=asc")
    assert status == 200
    assert b"123456789012345678901234567890" in body and b"0.000001" in body
