"""Fault injection: every kind, counts, read/write targeting, the HTTP switch, counters."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from lxml import etree
from lxml.builder import E

from recon.intacct import xmlsafe
from recon.sandbox.faults import FaultPlan, RemoteFaults
from recon.sandbox.intacct.server import IntacctSandbox
from tests.sandbox.conftest import Client, errornos, request_xml
from tests.waiting import Gate, wait_for

READ = E.readByName(E.object("CLASS"), E.keys("K1"))


def create_class(cid: str) -> etree._Element:
    return E.create(E.CLASS(E.CLASSID(cid), E.NAME(f"Class {cid}")))


def exists(client: Client, cid: str) -> bool:
    return client.ok(E.readByName(E.object("CLASS"), E.keys(cid))).get("count") == "1"


def test_rate_limit_429_then_normal(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("rate_limit", count=1, retry_after=3)
    resp = client.post(request_xml(create_class("K1")))
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "3"
    root = xmlsafe.parse(resp.content)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/errorno") == "GW-0010"
    assert not exists(client, "K1")  # not applied, and the fault was one-shot
    assert client.post(request_xml(create_class("K1"))).status_code == 200


def test_bad_gateway_is_not_applied(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("bad_gateway", count=1)
    resp = client.post(request_xml(create_class("K2")))
    assert resp.status_code == 502
    assert not exists(client, "K2")


def test_524_is_applied_and_has_no_body(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("timeout_524", count=1)
    resp = client.post(request_xml(create_class("K3")))
    assert resp.status_code == 524
    assert resp.content == b""
    assert exists(client, "K3")


@pytest.mark.parametrize(("when", "applied"), [("before", False), ("after", True)])
def test_dropped_connection(
    client: Client, sandbox: IntacctSandbox, when: str, applied: bool
) -> None:
    sandbox.faults.add("drop", count=1, when=when)
    with pytest.raises(requests.ConnectionError):
        requests.post(sandbox.url, data=request_xml(create_class("K4")), timeout=10)
    assert exists(client, "K4") is applied


def test_truncated_body_is_applied(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("truncate", count=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.post(sandbox.url, data=request_xml(create_class("K5")), timeout=10)
    assert exists(client, "K5")


def test_expired_session(client: Client, sandbox: IntacctSandbox) -> None:
    sid = client.session()
    sandbox.faults.add("expire_session", count=1)
    root = client.call(READ, session=sid)
    assert root.findtext("operation/authentication/status") == "failure"
    assert errornos(root) == ["XL03000006"]
    fresh = client.session()  # a new login works again
    assert client.call(READ, session=fresh).findtext("operation/authentication/status") == "success"


def test_latency_holds_the_answer_back(client: Client, sandbox: IntacctSandbox) -> None:
    fired = sandbox.counters.snapshot().get("fault:latency", 0)
    sandbox.sleep = gate = Gate()
    sandbox.faults.add("latency", seconds=0.3, count=1)
    with ThreadPoolExecutor(1) as pool:
        try:
            held = pool.submit(client.call, READ)
            wait_for(gate.entered, "the latency fault to hold the request")
            assert not held.done()  # no answer while the fault waits
        finally:
            gate.open()
        assert held.result().findtext("control/status") == "success"
    client.call(READ)
    assert gate.asked == [0.3]  # count=1: only the first request waited
    assert sandbox.counters.snapshot().get("fault:latency", 0) == fired + 1


def test_latency_does_not_block_other_requests(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.sleep = gate = Gate()
    sandbox.faults.add("latency", seconds=1.0, count=1)
    with ThreadPoolExecutor(1) as pool:
        try:
            held = pool.submit(requests.post, sandbox.url, data=request_xml(READ), timeout=60)
            wait_for(gate.entered, "the latency fault to hold the request")
            client.call(READ)  # answered while the first request is held
            assert not held.done()
        finally:
            gate.open()
        assert held.result().status_code == 200


def test_only_writes_and_count(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("bad_gateway", count=2, only="write")
    assert client.post(request_xml(READ)).status_code == 200  # reads pass
    assert client.post(request_xml(create_class("K6"))).status_code == 502
    assert client.post(request_xml(READ)).status_code == 200
    assert client.post(request_xml(create_class("K6"))).status_code == 502
    assert client.post(request_xml(create_class("K6"))).status_code == 200  # count used up
    assert sandbox.faults.rules() == []


def test_only_reads(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("rate_limit", only="read")
    assert client.post(request_xml(create_class("K7"))).status_code == 200
    assert client.post(request_xml(READ)).status_code == 429
    assert client.post(request_xml(READ)).status_code == 429  # no count: until cleared
    sandbox.faults.clear()
    assert client.post(request_xml(READ)).status_code == 200


def test_http_switch_and_counters(client: Client, sandbox: IntacctSandbox) -> None:
    remote = RemoteFaults(sandbox.url)
    added = remote.add("bad_gateway", count=1, only="write")
    assert added[0]["kind"] == "bad_gateway" and added[0]["count"] == 1
    assert [r["kind"] for r in remote.rules()] == ["bad_gateway"]
    assert client.post(request_xml(create_class("K8"))).status_code == 502
    remote.add("rate_limit")
    remote.clear()
    assert remote.rules() == []
    remote.counters(reset=True)
    client.call(READ, E.getAPISession())
    client.call(READ)
    counts = remote.counters()
    assert counts == {"readByName": 2, "getAPISession": 1}
    bad = requests.post(
        sandbox.base_url + "/__sandbox__/faults", json={"kind": "explode"}, timeout=10
    )
    assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]


def test_fault_counter_records_fired_faults(client: Client, sandbox: IntacctSandbox) -> None:
    sandbox.faults.add("timeout_524", count=1)
    client.post(request_xml(READ))
    assert sandbox.counters.snapshot()["fault:timeout_524"] == 1


def test_shared_plan_object(tmp_path) -> None:
    plan = FaultPlan()
    with IntacctSandbox(tmp_path, faults=plan) as sb:
        assert sb.faults is plan
        plan.add("bad_gateway", count=1)
        assert Client(sb).post(request_xml(READ)).status_code == 502


def test_plan_validation_and_first_response_fault_wins() -> None:
    plan = FaultPlan()
    with pytest.raises(ValueError):
        plan.add("nope")
    with pytest.raises(ValueError):
        plan.add("drop", when="sometime")
    with pytest.raises(ValueError):
        plan.apply_json([{"kind": "latency"}, {"kind": "bad"}])
    assert plan.rules() == []  # nothing added from a bad batch
    plan.add("rate_limit", count=1)
    plan.add("bad_gateway", count=1)
    plan.add("latency", seconds=0.5, count=1)
    first = plan.draw("read")
    assert first.response is not None and first.response.kind == "rate_limit"
    assert first.latency == 0.5
    second = plan.draw("write")
    assert second.response is not None and second.response.kind == "bad_gateway"
    assert plan.draw("read").response is None
