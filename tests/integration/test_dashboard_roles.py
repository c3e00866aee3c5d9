"""Per-viewer roles: each request may choose the columns of the dashboard's
roles (?value=&category=&age=&label=); the defaults (flags, else automatic)
stay as they are for everyone else. The old global POST /api/roles is gone."""

import decimal
import json

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
