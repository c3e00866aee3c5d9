"""What a CSV file should look like on the dashboard, computed independently.

The tests compare the dashboard's numbers with these, computed here with
Python's csv module and exact decimals, not with the project's own code.
"""

import csv
import decimal
import io


def read_rows(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _number(text):
    try:
        return decimal.Decimal(text)
    except decimal.InvalidOperation:
        return None


def expected_snapshot(path):
    """count, and per numeric column the exact sum as a Decimal."""
    rows = read_rows(path)
    sums = {}
    if rows:
        for col in rows[0].keys():
            values = [_number(r[col]) for r in rows if r[col] != ""]
            if values and all(v is not None for v in values):
                sums[col] = sum(values, decimal.Decimal(0))
    return {"count": len(rows), "sums": sums}


def snapshot_sums(snapshot):
    """The dashboard's per-column sums as Decimals (exact: parsed from text)."""
    out = {}
    for name, col in snapshot.get("columns", {}).items():
        if "sum" in col and col["sum"] is not None:
            out[name] = decimal.Decimal(str(col["sum"]))
    return out


def append(path, text):
    """Appends text with one write(), as a user's `echo >>` does."""
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()


def write_rows(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
