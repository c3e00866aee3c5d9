"""POST /api/roles: choosing the columns of the dashboard's roles at run time."""

import decimal
import json

from dashboard_helpers import SEED_ROWS, get, produce_generation, snapshot_when, start_dashboard

D = decimal.Decimal


def post(url, headers=None):
    status, body = get(url, method="POST", headers=headers)
    return status, json.loads(body, parse_float=D)


def test_roles_chosen_at_run_time_apply_to_cards_and_categories(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS, 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 8 and s["catchup"]["done"], "8 rows")

    # The page sends its own Origin; the answer is the snapshot with the roles.
    status, s = post(url + "/api/roles?value=idade&category=nome&age=id",
                     {"Origin": url})
    assert status == 200, s
    assert s["roles"] == {"value": "idade", "category": "nome", "age": "id", "label": "nome"}
    assert s["cards"]["total_value"] == sum(r["idade"] for r in SEED_ROWS) == 228
    assert s["cards"]["mean_age"] == D("4.5")  # ids 1..8
    assert s["categories"]["column"] == "nome"
    assert {c["name"]: c["sum"] for c in s["categories"]["items"]}["Hugo"] == 25
    # The table's default sort follows the value role.
    status, rows = get(url + "/api/rows?size=1")
    assert status == 200 and json.loads(rows)["sort"] == "idade"

    # A column that does not fit the role falls back to automatic.
    status, s = post(url + "/api/roles?value=cidade")
    assert status == 200 and s["roles"]["value"] == "valor"
    # Empty means automatic again; roles not given are left as they are.
    status, s = post(url + "/api/roles?category=&age=")
    assert status == 200
    assert s["roles"] == {"value": "valor", "category": "cidade", "age": "idade", "label": "nome"}
    assert s["cards"]["total_value"] == D("3901.51")
    # Percent-encoded names are decoded.
    status, s = post(url + "/api/roles?label=cid%61de")
    assert status == 200 and s["roles"]["label"] == "cidade"


def test_roles_refuses_cross_origin_bad_queries_and_get(broker, topic, procs):
    produce_generation(broker.bootstrap, topic, 1, SEED_ROWS[:2], 1)
    _, url = start_dashboard(procs, broker.bootstrap, topic)
    snapshot_when(url, lambda s: s["count"] == 2, "2 rows")
    status, body = post(url + "/api/roles?value=idade", {"Origin": "http://evil.example"})
    assert status == 403 and "error" in body
    for q in ("", "colour=red", "value=idade&x=1", "value=" + "a" * 300):
        status, body = post(url + "/api/roles?" + q)
        assert status == 400 and "error" in body, q
    status, _ = get(url + "/api/roles?value=idade")
    assert status == 405
    # Nothing above changed anything.
    s = snapshot_when(url, lambda s: True, "snapshot")
    assert s["roles"]["value"] == "valor"
