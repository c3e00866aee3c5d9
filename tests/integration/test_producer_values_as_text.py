"""Values of a typed column sent as text are counted per source and column on
the producer's /metrics (csv_producer_column_values_as_text_total), and the
total (csv_producer_values_as_text_total) is their sum (issue 10, item 5).
"""

import re

from conftest import free_port, http_get, wait_until
from test_producer_basic import append, start_producer, wait_rows

SAMPLE = re.compile(r'^csv_producer_column_values_as_text_total'
                    r'\{source="((?:[^"\\]|\\.)*)",column="((?:[^"\\]|\\.)*)"\} (\d+)$')


def scrape(port):
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    per_column, total = {}, None
    for line in body.decode().splitlines():
        m = SAMPLE.match(line)
        if m:
            per_column[(m.group(1), m.group(2))] = int(m.group(3))
        elif line.startswith("csv_producer_values_as_text_total "):
            total = int(line.split()[1])
    return per_column, total


def test_values_kept_as_text_are_counted_per_column(broker, topic, procs, tmp_path):
    csv = tmp_path / "vendas.csv"
    port = free_port()
    # The sample types valor as decimal and qtd as integer; the markers and
    # "n/d" arrive as text. obs is a text column: its text is no misfit.
    append(csv, "id,valor,qtd,obs\n"
                "1,10.50,3,ok\n2,N/A,4,x\n3,-,,y\n4,NaN,n/d,z\n5,20.25,7,w\n", "w")
    start_producer(procs, broker, topic, csv, tmp_path / "state",
                   "--metrics-listen", f"127.0.0.1:{port}")
    wait_rows(broker, topic, 5)
    src = str(csv)
    want = {(src, "valor"): 3, (src, "qtd"): 1}
    got = wait_until(lambda: (lambda s: s if s[0] == want else None)(scrape(port)),
                     what="per-column counts after the initial load")
    assert got[1] == 4

    append(csv, "6,sem valor,8,v\n7,1.5,muitos,u\n")
    want = {(src, "valor"): 4, (src, "qtd"): 2}
    got = wait_until(lambda: (lambda s: s if s[0] == want else None)(scrape(port)),
                     what="per-column counts after appends")
    assert got[1] == 6
