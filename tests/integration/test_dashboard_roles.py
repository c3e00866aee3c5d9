"""Per-viewer roles: each request may choose the columns of the dashboard's
roles (?value=&category=&age=&label=); the defaults (flags, else automatic)
stay as they are for everyone else. The old global POST /api/roles is gone."""

import decimal
import json
from concurrent.futures import ThreadPoolExecutor

from conftest import wait_until
from dashboard_helpers import SEED_ROWS, get, produce_generation, snapshot_when, start_dashboard

D = decimal.Decimal


def get_json(url):
    status, body = get(url)
    return status, json.loads(body, parse_float=D)


def test_roles_per_request_apply_to_cards_categories_and_rows(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS, 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 8 and s["catchup"]["done"], "8 rows")

    status, s = get_json(url + "/api/snapshot?value=idade&category=nome&age=id")
    assert status == 200, s
    assert s["roles"] == {"value": "idade", "category": "nome", "age": "id", "label": "nome"}
    assert s["cards"]["total_value"] == sum(r["idade"] for r in SEED_ROWS) == 228
    assert s["cards"]["mean_age"] == D("4.5")  # ids 1..8
    assert s["categories"]["column"] == "nome"
    assert {c["name"]: c["sum"] for c in s["categories"]["items"]}["Hugo"] == 25
    status, cats = get_json(url + "/api/categories?category=nome&value=idade")
    assert status == 200 and cats["categories"]["column"] == "nome"
    # The table's default sort follows the request's value role.
    status, rows = get_json(url + "/api/rows?size=1&value=idade")
    assert status == 200 and rows["sort"] == "idade"

    # Nobody else's view changed.
    status, s = get_json(url + "/api/snapshot")
    assert s["roles"] == {"value": "valor", "category": "cidade", "age": "idade", "label": "nome"}
    assert s["cards"]["total_value"] == D("3901.51")
    status, rows = get_json(url + "/api/rows?size=1")
    assert rows["sort"] == "valor"

    # A column that does not fit the role falls back to automatic; empty is
    # automatic; percent-encoded names are decoded.
    status, s = get_json(url + "/api/snapshot?value=cidade&category=&label=cid%61de")
    assert status == 200
    assert s["roles"] == {"value": "valor", "category": "cidade", "age": "idade", "label": "cidade"}


def test_roles_bad_queries_and_the_old_global_endpoint(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS[:2], 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 2, "2 rows")
    for q in ("colour=red", "value=idade&x=1", "value=" + "a" * 300):
        status, body = get_json(url + "/api/snapshot?" + q)
        assert status == 400 and "error" in body, q
    status, body = get_json(url + "/api/categories?page=1")
    assert status == 400
    for method in ("POST", "GET"):
        status, body = get(url + "/api/roles?value=idade", method=method)
        assert status == 410 and b"per viewer" in body
    s = snapshot_when(url, lambda s: True, "snapshot")
    assert s["roles"]["value"] == "valor"


def timeline_figures(s):
    """Rows and the exact value sum in the snapshot's time chart."""
    p = s["timeline"]["per_second"]
    return sum(p["rows"]), sum(v for v in p["values"] if v is not None)


def test_time_chart_follows_the_viewers_value_column_and_source(broker, topic, procs):
    # The dashboard first, so the rows are read seconds after they were
    # written (the chart covers the last two minutes of Kafka timestamps).
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    other = [{"id": 9, "nome": "Iara", "idade": 1000, "cidade": "Natal", "valor": "0.01"}]
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS, 1)
    produce_generation(broker.bootstrap, topic, 1, other, 1, source="data/other.csv")

    def wait(query, rows):
        def ready():
            status, s = get_json(url + "/api/snapshot" + query)
            return s if status == 200 and timeline_figures(s)[0] == rows else None
        return wait_until(ready, what=f"{rows} rows in the time chart of '{query}'")

    s = wait("", 9)
    assert s["timeline"]["value"] == "valor"
    assert timeline_figures(s) == (9, D("3901.52"))  # exact: 3901.51 + 0.01
    assert s["timeline"]["per_second"]["values_unavailable"] is None

    # A viewer's own value column: the chart sums that column.
    s = wait("?value=idade", 9)
    assert s["timeline"]["value"] == "idade"
    assert timeline_figures(s) == (9, 228 + 1000)

    # One source: its rows and sums alone.
    s = wait("?value=idade&source=data%2Finput.csv", 8)
    assert timeline_figures(s) == (8, 228)
    s = wait("?source=data%2Fother.csv", 1)
    assert timeline_figures(s) == (1, D("0.01"))


def view_counts(url):
    """(rendered, shared) viewer snapshots, from /metrics."""
    status, body = get(url + "/metrics")
    assert status == 200
    m = dict(line.split() for line in body.decode().splitlines()
             if line.startswith("dashboard_view_snapshots_"))
    return (int(m["dashboard_view_snapshots_rendered_total"]),
            int(m["dashboard_view_snapshots_shared_total"]))


def test_viewers_of_one_view_share_its_render_between_publishes(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS, 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 8 and s["catchup"]["done"], "8 rows")
    assert view_counts(url) == (0, 0)
    # Twenty viewers of one view at once (the dashboard publishes at most
    # ten times a second, once a second when nothing changes).
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: get_json(url + "/api/snapshot?value=idade&category=nome"),
                                range(20)))
    for status, s in answers:
        assert status == 200 and s["roles"]["value"] == "idade"
        assert s["cards"]["total_value"] == 228
    # /metrics is written at each publish.
    rendered, shared = wait_until(lambda: (lambda c: c if sum(c) == 20 else None)(view_counts(url)),
                                  what="20 viewer snapshots counted")
    assert shared >= 1 and rendered < 20, (rendered, shared)
    # Another view is rendered for itself, never answered with this one's.
    status, s = get_json(url + "/api/snapshot?value=valor&category=nome")
    assert status == 200 and s["roles"]["value"] == "valor"
    assert s["cards"]["total_value"] == D("3901.51")
