"""Aimed fault rules: targeting, schedules, odds, bookkeeping, validation, detail counters.

Every test talks real HTTP to a sandbox on loopback; rules are switched over the admin
endpoints (:class:`RemoteFaults`) as an outside tester would. Nothing sleeps or times.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import requests
from lxml import etree
from lxml.builder import E

from recon.bigtime.client import BigTimeClient, BigTimeCredentials, BigTimeSettings
from recon.sandbox import bigtime as bt_creds
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.faults import FaultPlan, RemoteFaults, RequestInfo, settable_fields
from recon.sandbox.intacct.server import IntacctSandbox
from tests.sandbox.bigtime_helpers import Api, login, session_api
from tests.sandbox.conftest import Client, request_xml

pytest_plugins = ["tests.sandbox.bigtime_fixtures"]

QUERY_CUSTOMER = E.query(E.object("CUSTOMER"), E.select(E.field("RECORDNO")))
QUERY_PROJECT = E.query(E.object("PROJECT"), E.select(E.field("RECORDNO")))
READ_CLASS = E.readByName(E.object("CLASS"), E.keys("K1"))


def update_customer() -> etree._Element:
    return E.update(E.CUSTOMER(E.RECORDNO("1"), E.NAME("Acme Holdings")))


def update_project() -> etree._Element:
    return E.update(E.PROJECT(E.RECORDNO("2"), E.NAME("Fresh")))


def statuses(send: Callable[[], requests.Response], n: int) -> list[int]:
    return [send().status_code for _ in range(n)]


def fired_at(codes: list[int], status: int) -> list[int]:
    """1-based numbers of the requests answered ``status``."""
    return [i for i, code in enumerate(codes, 1) if code == status]


def admin(sandbox: BigtimeSandbox | IntacctSandbox) -> RemoteFaults:
    return RemoteFaults(sandbox.url)


# --- targeting ------------------------------------------------------------------------------


def test_method_and_path_aim_at_one_bigtime_endpoint(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    (rule,) = remote.add("bad_gateway", method="post", path="/CLIENT/detail/*")
    assert (rule["method"], rule["path"]) == ("POST", "/CLIENT/detail/*")
    assert bt_api.get("/client/detail/1").status_code == 200  # GET: other method
    assert bt_api.post("/client/detail", {"Nm": "New Co"}).status_code == 200  # create path
    assert bt_api.post("/project/detail/1", {"Nm": "Other"}).status_code == 200
    assert bt_api.post("/client/detail/1", {"Nm": "Acme Holdings"}).status_code == 502
    assert bt_api.post("/Client/Detail/2?View=Basic", {"Nm": "Beta"}).status_code == 502
    assert bt_api.ok("GET", "/client/detail/1")["Nm"] == "Acme Corp"  # 502: not applied
    (listed,) = remote.rules()
    assert (listed["matched"], listed["fired"]) == (2, 2)


def test_path_glob_ignores_the_query_string(bt_api: Api) -> None:
    admin(bt_api.sandbox).add("server_error", path="/time/Sheet/*", count=1)
    dates = {"StartDt": "2024-01-01", "EndDt": "2024-01-31"}
    assert bt_api.get("/client").status_code == 200
    assert bt_api.get("/time/sheet/1", **dates).status_code == 500
    assert bt_api.get("/time/sheet/1", **dates).status_code == 200  # count used up


def test_function_and_object_aim_at_one_intacct_function(
    client: Client, sandbox: IntacctSandbox
) -> None:
    remote = admin(sandbox)
    remote.add("bad_gateway", function="UPDATE", object="customer")
    assert client.post(request_xml(QUERY_CUSTOMER)).status_code == 200  # object, not function
    assert client.post(request_xml(update_project())).status_code == 200  # function only
    # update + CUSTOMER in one request, but not in the same function: no match.
    assert client.post(request_xml(update_project(), QUERY_CUSTOMER)).status_code == 200
    assert client.post(request_xml(update_customer())).status_code == 502
    assert client.post(request_xml(QUERY_PROJECT, update_customer())).status_code == 502
    (rule,) = remote.rules()
    assert (rule["matched"], rule["fired"]) == (2, 2)


def test_function_alone_object_alone_and_the_gateway_path(
    client: Client, sandbox: IntacctSandbox
) -> None:
    remote = admin(sandbox)
    remote.add("rate_limit", function="getAPISession")
    remote.add("server_error", object="PROJECT")
    remote.add("timeout_524", path="/ia/*")  # Intacct's path is "/": never matches
    assert client.post(request_xml(QUERY_CUSTOMER)).status_code == 200
    assert client.post(request_xml(E.getAPISession())).status_code == 429
    assert client.post(request_xml(QUERY_PROJECT)).status_code == 500
    assert client.post(request_xml(update_project())).status_code == 500
    assert [r["matched"] for r in remote.rules()] == [1, 2, 0]
    remote.clear()
    remote.add("timeout_524", method="POST", path="/", count=1)
    assert client.post(request_xml(READ_CLASS)).status_code == 524


def test_function_rules_never_match_bigtime(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    remote.add("server_error", function="query")
    remote.add("server_error", object="CLIENT")
    assert bt_api.get("/client").status_code == 200
    assert bt_api.post("/client/detail", {"Nm": "New Co"}).status_code == 200
    assert [(r["matched"], r["fired"]) for r in remote.rules()] == [(0, 0), (0, 0)]


# --- schedules ------------------------------------------------------------------------------


def test_skip_then_every_nth_request(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    remote.add("server_error", method="GET", skip=2, every=3)
    codes = statuses(lambda: bt_api.get("/client"), 12)
    assert fired_at(codes, 500) == [5, 8, 11]
    assert bt_api.post("/client/detail", {"Nm": "New Co"}).status_code == 200  # not a GET
    (rule,) = remote.rules()
    assert (rule["matched"], rule["fired"], rule["count"]) == (12, 3, None)


def test_count_is_used_up_by_firing_only(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    (added,) = remote.add("bad_gateway", every=2, count=2)
    codes = statuses(lambda: bt_api.get("/client"), 3)
    assert fired_at(codes, 502) == [2]
    (rule,) = remote.rules()  # three matched, one fired: one firing left
    assert (rule["matched"], rule["fired"], rule["count"]) == (3, 1, 1)
    codes += statuses(lambda: bt_api.get("/client"), 5)
    assert fired_at(codes, 502) == [2, 4]  # the second firing used it up
    assert remote.rules() == []
    (kept,) = remote.rules(all=True)  # the record of the used-up rule
    assert kept["id"] == added["id"]
    assert (kept["matched"], kept["fired"], kept["count"]) == (4, 2, 0)
    remote.clear()
    assert remote.rules(all=True) == []


def test_history_lists_active_and_used_up_rules_over_http(bt_sandbox: BigtimeSandbox) -> None:
    remote = admin(bt_sandbox)
    remote.add("latency", seconds=0, count=1)
    remote.add("rate_limit", method="DELETE")
    Api(bt_sandbox).get("/client")
    url = bt_sandbox.base_url + "/__sandbox__/faults"
    listed = requests.get(url, params={"all": "1"}, timeout=10).json()
    assert [(r["kind"], r["count"], r["matched"], r["fired"]) for r in listed] == [
        ("latency", 0, 1, 1),
        ("rate_limit", None, 0, 0),
    ]
    assert [r["kind"] for r in requests.get(url, timeout=10).json()] == ["rate_limit"]


def test_a_shadowed_response_rule_does_not_see_the_request(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    remote.add("bad_gateway", count=1)
    remote.add("server_error", every=2)
    codes = statuses(lambda: bt_api.get("/client"), 3)
    assert codes == [502, 200, 500]  # the server_error rule saw requests 2 and 3 only
    (rule,) = remote.rules()
    assert (rule["matched"], rule["fired"]) == (2, 1)


# --- probability ----------------------------------------------------------------------------

RUN = 40


def odds_run(api: Api, **rule: Any) -> list[int]:
    """Which of RUN requests a fresh ``rule`` fires on (then the rule is cleared)."""
    remote = admin(api.sandbox)
    remote.clear()
    remote.add("server_error", **rule)
    codes = statuses(lambda: api.get("/client"), RUN)
    (listed,) = remote.rules()
    assert (listed["matched"], listed["fired"]) == (RUN, len(fired_at(codes, 500)))
    remote.clear()
    return fired_at(codes, 500)


def test_probability_is_reproducible_by_seed(bt_api: Api) -> None:
    first = odds_run(bt_api, probability=0.5, seed=7)
    assert odds_run(bt_api, probability=0.5, seed=7) == first
    rng = random.Random(7)  # the rule's own generator, drawn once per matching request
    assert first == [i for i in range(1, RUN + 1) if rng.random() < 0.5]
    assert 0 < len(first) < RUN
    assert odds_run(bt_api, probability=0.5, seed=8) != first
    assert odds_run(bt_api, probability=1) == list(range(1, RUN + 1))


def test_probability_draws_only_for_requests_the_schedule_picked(bt_api: Api) -> None:
    got = odds_run(bt_api, probability=0.5, seed=3, every=2)
    rng = random.Random(3)
    assert got == [i for i in range(2, RUN + 1, 2) if rng.random() < 0.5]


# --- validation -----------------------------------------------------------------------------

BAD_RULES = [
    ({"kind": "bad_gateway", "every": 0}, "every must be a whole number >= 1"),
    ({"kind": "bad_gateway", "every": 1.5}, "every must be a whole number >= 1"),
    ({"kind": "bad_gateway", "skip": -1}, "skip must be a whole number >= 0"),
    ({"kind": "bad_gateway", "probability": 0}, "0 < probability <= 1"),
    ({"kind": "bad_gateway", "probability": 1.5}, "0 < probability <= 1"),
    ({"kind": "bad_gateway", "probability": "half"}, "0 < probability <= 1"),
    ({"kind": "bad_gateway", "seed": "x"}, "seed must be a whole number"),
    ({"kind": "bad_gateway", "method": ""}, "method must be a non-empty string"),
    ({"kind": "bad_gateway", "path": 3}, "path must be a non-empty string"),
    ({"kind": "bad_gateway", "refuse_key": True}, "refuse_key applies to expire_session"),
    ({"kind": "expire_session", "refuse_key": "yes"}, "refuse_key must be true or false"),
    ({"kind": "bad_gateway", "evry": 3}, "unknown fault field 'evry'"),
]


@pytest.mark.parametrize(("rule", "message"), BAD_RULES, ids=[m for _, m in BAD_RULES])
def test_bad_rules_are_400_with_the_reason(
    bt_sandbox: BigtimeSandbox, rule: dict[str, Any], message: str
) -> None:
    url = bt_sandbox.base_url + "/__sandbox__/faults"
    resp = requests.post(url, json=[{"kind": "latency"}, rule], timeout=10)
    assert resp.status_code == 400
    assert message in resp.json()["error"]
    assert requests.get(url, params={"all": "1"}, timeout=10).json() == []  # none added


def test_unknown_field_lists_the_known_ones(sandbox: IntacctSandbox) -> None:
    url = sandbox.base_url + "/__sandbox__/faults"
    resp = requests.post(url, json={"kind": "drop", "functoin": "query"}, timeout=10)
    error = resp.json()["error"]
    assert resp.status_code == 400 and "'functoin'" in error
    assert all(name in error for name in settable_fields())
    with pytest.raises(ValueError, match="unknown fault field 'bogus'"):
        FaultPlan().add("latency", bogus=1)


def test_a_listed_rule_can_be_posted_back(bt_sandbox: BigtimeSandbox) -> None:
    remote = admin(bt_sandbox)
    (rule,) = remote.add("rate_limit", path="/client", every=2, probability=0.5, seed=4)
    Api(bt_sandbox).get("/client")
    (listed,) = remote.rules()
    assert listed["matched"] == 1
    (again,) = remote.add(**listed)  # id, matched and fired are the plan's: ignored
    assert again["id"] != rule["id"] and (again["matched"], again["fired"]) == (0, 0)
    assert {k: again[k] for k in ("path", "every", "probability", "seed")} == {
        "path": "/client",
        "every": 2,
        "probability": 0.5,
        "seed": 4,
    }


def test_a_bare_category_draw_matches_no_aimed_rule() -> None:
    plan = FaultPlan()
    plan.add("bad_gateway", method="GET")
    plan.add("server_error", only="read", skip=1)
    assert plan.draw("read").response is None  # method unknown; server_error skips one
    second = plan.draw(RequestInfo("read", "get", "/client"))
    assert second.response is not None and second.response.kind == "bad_gateway"


# --- counters -------------------------------------------------------------------------------


def test_intacct_counts_requests_and_functions_by_object(
    client: Client, sandbox: IntacctSandbox
) -> None:
    remote = admin(sandbox)
    remote.counters(reset=True)
    client.post(request_xml(READ_CLASS))
    client.post(request_xml(QUERY_CUSTOMER, QUERY_PROJECT))
    client.post(request_xml(update_customer()))
    client.post(request_xml(E.getAPISession()))
    remote.rules()  # admin requests are not counted
    remote.add("bad_gateway", function="update", count=1)
    assert client.post(request_xml(update_project())).status_code == 502  # never ran
    classic = {
        "readByName": 1,
        "query": 2,
        "update": 1,
        "getAPISession": 1,
        "fault:bad_gateway": 1,
    }
    assert remote.counters() == classic
    assert remote.counters(all=True) == {
        **classic,
        "readByName CLASS": 1,
        "query CUSTOMER": 1,
        "query PROJECT": 1,
        "update CUSTOMER": 1,
        "http:requests": 5,
        "http:read": 3,
        "http:write": 2,
    }
    assert sandbox.counters.snapshot(all=True) == remote.counters(reset=True, all=True)
    assert remote.counters(all=True) == {}


def test_bigtime_counts_http_requests_read_and_write(bt_api: Api) -> None:
    remote = admin(bt_api.sandbox)
    remote.counters(reset=True)
    bt_api.get("/client")
    bt_api.get("/client/detail/1")
    bt_api.post("/client/detail", {"Nm": "New Co"})
    login(bt_api.sandbox)  # POST /session is a read
    bt_api.get("/nowhere")
    remote.rules()  # admin requests are not counted
    remote.add("server_error", method="DELETE", count=1)
    assert bt_api.delete("/client/detail/3").status_code == 500
    classic = {
        "GET /client": 1,
        "GET /client/detail": 1,
        "POST /client/detail": 1,
        "POST /session": 1,
        "GET (unknown)": 1,
        "DELETE /client/detail": 1,
        "fault:server_error": 1,
    }
    assert remote.counters() == classic
    assert remote.counters(all=True) == {
        **classic,
        "http:requests": 6,
        "http:read": 4,
        "http:write": 2,
    }


# --- expire_session in both BigTime sign-in styles -------------------------------------------


def test_refuse_key_refuses_one_api_key_request(bt_sandbox: BigtimeSandbox) -> None:
    api = Api(bt_sandbox)
    unknown = Api(bt_sandbox, {"X-Auth-ApiToken": "not-a-key", "X-Auth-Realm": bt_creds.FIRM})
    refused_as_unknown = unknown.get("/client")
    user = session_api(bt_sandbox)
    admin(bt_sandbox).add("expire_session", refuse_key=True, count=1)
    refused = api.get("/client")
    assert refused.status_code == 401 == refused_as_unknown.status_code
    assert refused.content == refused_as_unknown.content  # the body an unknown key gets
    assert api.get("/client").status_code == 200  # the key works again
    assert user.get("/client").status_code == 401  # and sessions did expire
    assert bt_sandbox.counters.snapshot()["fault:expire_session"] == 1


def test_refuse_key_aimed_at_a_later_request(bt_api: Api) -> None:
    admin(bt_api.sandbox).add("expire_session", refuse_key=True, path="/client/detail/*", skip=1)
    codes = [bt_api.get(p).status_code for p in ("/client", "/client/detail/1", "/client")]
    codes.append(bt_api.get("/client/detail/2").status_code)
    assert codes == [200, 200, 200, 401]


def test_refuse_key_in_session_mode_expires_the_session_and_relogin_works(
    bt_sandbox: BigtimeSandbox,
) -> None:
    user = session_api(bt_sandbox)
    assert user.get("/client").status_code == 200
    admin(bt_sandbox).add("expire_session", refuse_key=True, count=1)
    assert user.get("/client").status_code == 401  # the session it fired on is gone
    assert session_api(bt_sandbox).get("/client").status_code == 200


def test_the_client_signs_in_again_after_expire_session(bt_sandbox: BigtimeSandbox) -> None:
    creds = BigTimeCredentials(user_id=bt_creds.USER_ID, password=bt_creds.USER_PASSWORD)
    with BigTimeClient(creds, BigTimeSettings(base_url=bt_sandbox.url)) as bt:
        listed = bt.clients()
        assert bt.session is not None
        first = bt.session.token
        admin(bt_sandbox).add("expire_session", refuse_key=True, method="GET", count=1)
        assert bt.clients() == listed  # a 401, one fresh sign-in, the request resent
        assert bt.session.token != first
    assert bt_sandbox.counters.snapshot()["POST /session"] == 2
