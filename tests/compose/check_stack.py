"""Checks of the running compose stack for tests/compose/run.sh.

    check_stack.py dashboard-equals URL CSV TIMEOUT_S
        waits until URL/api/snapshot shows exactly the CSV file: the same
        row count and, per numeric column, the same exact sum
    check_stack.py console-rows CSV < OUTPUT
        OUTPUT is kafka-console-consumer's (print.key, print.headers): every
        row of the CSV appears with headers, its key and the same values as
        JSON, and no row appears twice

Standard library only; the file's numbers come from tests/integration/csvfile.py
(Python's csv module and exact decimals, not the project's code). Exits 0 on
success, 1 with the reason on stderr.
"""

from __future__ import annotations

import decimal
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from csvfile import expected_snapshot, read_rows, snapshot_sums  # noqa: E402


def dashboard_equals(url: str, csv_path: str, timeout_s: float) -> int:
    want = expected_snapshot(csv_path)
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/snapshot", timeout=5) as r:
                snap = json.loads(r.read())
            got = snapshot_sums(snap)
            sums = {c: got.get(c) for c in want["sums"]}
            if snap["count"] == want["count"] and sums == want["sums"]:
                print(f"dashboard shows {snap['count']} rows, sums {sums}")
                return 0
            last = f"count {snap['count']} (want {want['count']}), sums {sums} (want {want['sums']})"
        except (OSError, ValueError, KeyError, urllib.error.URLError) as e:
            last = repr(e)
        time.sleep(0.2)
    print(f"dashboard did not match {csv_path} within {timeout_s:.0f}s: {last}", file=sys.stderr)
    return 1


def _same(value, text: str) -> bool:
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, (int, decimal.Decimal)):
        try:
            return decimal.Decimal(text) == value
        except decimal.InvalidOperation:
            return False
    return str(value) == text


def console_rows(csv_path: str, output: str) -> int:
    want = {r["id"]: r for r in read_rows(csv_path)}
    seen: dict[str, dict] = {}
    for line in output.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        headers, key, value = parts
        if key.startswith("__") and key.endswith("__"):
            continue  # control messages (__reset__, __snapshot_complete__, ...)
        if not headers or headers == "NO_HEADERS":
            print(f"row {key} printed without headers: {line[:200]}", file=sys.stderr)
            return 1
        if key in seen:
            print(f"row {key} printed twice", file=sys.stderr)
            return 1
        seen[key] = json.loads(value, parse_float=decimal.Decimal)
    missing = sorted(set(want) - set(seen), key=int)
    if missing:
        print(f"rows missing from the console consumer: {missing[:20]}", file=sys.stderr)
        return 1
    for key, row in want.items():
        got = seen[key]
        bad = [c for c in row if c not in got or not _same(got[c], row[c])]
        if bad:
            print(f"row {key}: columns {bad} differ: {got} vs {row}", file=sys.stderr)
            return 1
    print(f"console consumer printed all {len(want)} rows with key and headers")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "dashboard-equals":
        return dashboard_equals(argv[1], argv[2], float(argv[3]))
    if len(argv) == 2 and argv[0] == "console-rows":
        return console_rows(argv[1], sys.stdin.read())
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
