"""Helpers for the dashboard's integration tests: messages in the wire format
(docs/wire-format.md) produced with Debian's kcat, independent of csv-producer."""

import decimal
import json
import subprocess
import urllib.error
import urllib.request

from conftest import DASHBOARD, free_port, source_id, wait_until

SOURCE = "data/input.csv"

# The seed's eight rows (its screenshot: R$ 3.901,51 total, 28.5 mean age).
SEED_ROWS = [
    {"id": 1, "nome": "Ana", "idade": 23, "cidade": "São Paulo", "valor": "100.00"},
    {"id": 2, "nome": "Bruno", "idade": 35, "cidade": "Rio de Janeiro", "valor": "200.50"},
    {"id": 3, "nome": "Carla", "idade": 28, "cidade": "Belo Horizonte", "valor": "150.75"},
    {"id": 4, "nome": "Diego", "idade": 42, "cidade": "Salvador", "valor": "300.25"},
    {"id": 5, "nome": "Elisa", "idade": 12, "cidade": "Brasília", "valor": "450.00"},
    {"id": 6, "nome": "Fábio", "idade": 27, "cidade": "Boa Vista", "valor": "500.01"},
    {"id": 7, "nome": "Gabi", "idade": 36, "cidade": "Campina Grande", "valor": "1000.00"},
    {"id": 8, "nome": "Hugo", "idade": 25, "cidade": "Pouso Alegre", "valor": "1200.00"},
]


def row_json(row):
    """A row as the producer writes it: decimals keep their digits."""
    parts = []
    for k, v in row.items():
        if isinstance(v, str) and k == "valor":
            parts.append(f'{json.dumps(k)}:{v}')
        else:
            parts.append(f'{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}')
    return "{" + ",".join(parts) + "}"


def produce(bootstrap, topic, value, key, headers, partition):
    argv = ["kcat", "-P", "-b", bootstrap, "-t", topic, "-k", key, "-p", str(partition)]
    for k, v in headers.items():
        argv += ["-H", f"{k}={v}"]
    subprocess.run(argv, input=value.encode(), check=True, timeout=60)


def wire_id(gen, source, record=0, offset=0, schema="0123456789abcdef", kind="row"):
    """A csv.id header value (wire format v3: the source by its id)."""
    return f"v3;{kind};{gen};{record};{offset};{schema};{source_id(source)}"


def wire_id_v2(gen, source, record=0, offset=0, schema="0123456789abcdef"):
    """A csv.id header value of wire format v2 (the source itself, last),
    which a v2 producer wrote beside a csv.kind header."""
    return f"v2;{gen};{record};{offset};{schema};{source}"


def row_headers(gen, source, record, offset, kind="row", version=3):
    if version == 2:
        return {"csv.kind": kind, "csv.id": wire_id_v2(gen, source, record, offset)}
    return {"csv.id": wire_id(gen, source, record, offset, kind=kind)}


def produce_row(bootstrap, topic, gen, record, row, partition=0, source=SOURCE, version=3):
    produce(bootstrap, topic, row_json(row), str(row.get("id", f"{gen}:{record}")),
            row_headers(gen, source, record, record * 10, version=version), partition)


def control_value(kind, gen, source=SOURCE, last=0, count=0, version=3):
    """A reset or snapshot-complete value; v3 names the source's id too."""
    named = {"source": source}
    if version == 3:
        named["source_id"] = source_id(source)
    if kind == "reset":
        return json.dumps({"__control": "reset", **named, "generation": gen,
                           "reason": "test", "columns": [{"name": "id", "type": "integer"}]})
    return json.dumps({"__control": "snapshot_complete", **named, "generation": gen,
                       "last_record": last, "row_count": count})


def produce_control(bootstrap, topic, kind, gen, partitions, last=0, count=0,
                    source=SOURCE, version=3):
    value = control_value(kind, gen, source, last, count, version)
    key = "__reset__" if kind == "reset" else "__snapshot_complete__"
    for p in range(partitions):
        produce(bootstrap, topic, value, key, row_headers(gen, source, 0, 0, kind, version), p)


def produce_generation(bootstrap, topic, gen, rows, partitions, source=SOURCE, version=3):
    """reset on every partition, rows spread over partitions, complete."""
    produce_control(bootstrap, topic, "reset", gen, partitions, source=source, version=version)
    for i, row in enumerate(rows, start=1):
        produce_row(bootstrap, topic, gen, i, row, i % partitions, source, version)
    produce_control(bootstrap, topic, "snapshot_complete", gen, partitions,
                    last=len(rows), count=len(rows), source=source, version=version)


def produce_dead_letter(bootstrap, topic, gen, source, record, line, offset, reason, raw):
    """A dead letter on <topic>.dlq as csv-producer writes it."""
    value = json.dumps({"source": source, "source_id": source_id(source),
                        "generation": gen, "record": record, "line": line,
                        "offset": offset, "reason": reason, "raw": raw})
    produce(bootstrap, topic + ".dlq", value, source,
            row_headers(gen, source, record, offset, "rejected"), 0)


def start_dashboard(procs, bootstrap, topic, extra=(), name="dashboard"):
    port = free_port()
    p = procs([DASHBOARD, "-b", bootstrap, "-t", topic, "--listen", f"127.0.0.1:{port}",
               *extra], name)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: serving(url), what="dashboard /healthz")
    return p, url


def serving(url):
    """The first snapshot is out: /healthz answers 200, or 503 with a reason
    (Kafka unreachable, topic missing...), not "starting"."""
    status, body = get(url + "/healthz")
    return status in (200, 503) and json.loads(body)["status"] != "starting"


def get(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_json(url):
    status, body = get(url)
    assert status == 200, (status, body)
    return json.loads(body, parse_float=decimal.Decimal)


def snapshot_when(url, pred, what):
    return wait_until(lambda: (lambda s: s if pred(s) else None)(get_json(url + "/api/snapshot")),
                      what=what)
