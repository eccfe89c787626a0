"""Each injected fault x (read, write): reads recover, no write applies twice, and every
failure reaches the caller as a clear exception of the recon tree.

Writes are settled the way the push will settle them: resend with the SAME function
control id; ``ReplayRefusedError`` on the resend means the first send was applied.
"""

from __future__ import annotations

import uuid

import pytest

from recon.errors import (
    RateLimitedError,
    ReconError,
    ReplayRefusedError,
    WriteOutcomeUnknown,
)
from recon.intacct.filters import F

READ_RECOVERS = [
    ("latency", {"seconds": 0.05}),
    ("rate_limit", {"retry_after": 0}),
    ("bad_gateway", {}),
    ("drop", {"when": "before"}),
    ("drop", {"when": "after"}),
    ("truncate", {}),
    ("expire_session", {}),
]


@pytest.mark.parametrize(("kind", "params"), READ_RECOVERS, ids=lambda v: str(v))
def test_reads_recover(client, sandbox, kind, params) -> None:
    expected = client.count("DEPARTMENT")
    sandbox.faults.add(kind, count=2, only="read", **params)
    assert client.count("DEPARTMENT") == expected
    fired = sandbox.counters.snapshot().get(f"fault:{kind}", 0)
    assert fired >= 1


@pytest.mark.parametrize(("kind", "params"), READ_RECOVERS, ids=lambda v: str(v))
def test_concurrent_paged_reads_recover(client, sandbox, kind, params) -> None:
    """Pages after the first are fetched by workers and parsed by the reader: a fault only
    the XML tells of (expired session, GW-0010) must still be retried like a whole read."""

    def pages():  # type: ignore[no-untyped-def]
        return client.query("CUSTOMER", ["RECORDNO", "CUSTOMERID"], pagesize=200, concurrency=3)

    def ids(pages) -> list[str]:  # type: ignore[no-untyped-def]
        return [r.findtext("CUSTOMERID") or "" for p in pages for r in p.records()]

    expected = ids(pages())
    assert len(expected) > 2000  # a dozen pages, several waves
    reading = pages()
    got = ids([next(reading)])  # offset 0 answered: what follows goes through the workers
    # One expiry event (a second would expire the fresh session too); others strike twice.
    sandbox.faults.add(kind, count=1 if kind == "expire_session" else 2, only="read", **params)
    got += ids(reading)
    assert got == expected
    assert sandbox.counters.snapshot().get(f"fault:{kind}", 0) >= 1


def test_read_is_retried_on_524(client, sandbox) -> None:
    """Issue 12: a single 524 on a read failed the whole reconcile; a read is safe to resend."""
    expected = client.count("DEPARTMENT")  # signed in
    before = sandbox.counters.snapshot().get("query", 0)
    sandbox.faults.add("timeout_524", count=1, only="read")
    assert client.count("DEPARTMENT") == expected
    assert sandbox.counters.snapshot().get("query", 0) == before + 2
    assert sandbox.counters.snapshot().get("fault:timeout_524") == 1


# (kind, params, exception on first send, was the first send applied?)
WRITE_CASES = [
    ("rate_limit", {"retry_after": 0}, RateLimitedError, False),
    ("bad_gateway", {}, WriteOutcomeUnknown, False),
    ("timeout_524", {}, WriteOutcomeUnknown, True),
    ("drop", {"when": "before"}, WriteOutcomeUnknown, False),
    ("drop", {"when": "after"}, WriteOutcomeUnknown, True),
    ("truncate", {}, WriteOutcomeUnknown, True),
]


@pytest.mark.parametrize(("kind", "params", "error", "applied"), WRITE_CASES, ids=lambda v: str(v))
def test_writes_apply_exactly_once(client, sandbox, kind, params, error, applied) -> None:
    client.count("DEPARTMENT")  # sign in before the fault is armed
    dept = f"F{uuid.uuid4().hex[:8].upper()}"
    record = [{"DEPARTMENTID": dept, "TITLE": f"Fault {kind}", "STATUS": "active"}]
    controlid = f"fault-{uuid.uuid4()}"
    sandbox.faults.add(kind, count=1, only="write", **params)

    with pytest.raises(error) as exc:
        client.create("DEPARTMENT", record, controlid=controlid)
    assert isinstance(exc.value, ReconError)
    assert str(exc.value)  # a message the caller can show
    assert client.count("DEPARTMENT", F("DEPARTMENTID") == dept) == (1 if applied else 0)

    # Settle: resend with the same control id.
    if applied:
        with pytest.raises(ReplayRefusedError):
            client.create("DEPARTMENT", record, controlid=controlid)
    else:
        client.create("DEPARTMENT", record, controlid=controlid)
    assert client.count("DEPARTMENT", F("DEPARTMENTID") == dept) == 1


def test_write_after_expired_session_relogs_and_applies_once(client, sandbox) -> None:
    client.count("DEPARTMENT")
    dept = f"S{uuid.uuid4().hex[:8].upper()}"
    sandbox.faults.add("expire_session", count=1, only="write")
    client.create(
        "DEPARTMENT", [{"DEPARTMENTID": dept, "TITLE": "After expiry"}], controlid=f"s-{dept}"
    )
    assert client.count("DEPARTMENT", F("DEPARTMENTID") == dept) == 1


def test_write_latency_is_only_slower(client, sandbox) -> None:
    dept = f"L{uuid.uuid4().hex[:8].upper()}"
    sandbox.faults.add("latency", count=1, only="write", seconds=0.05)
    client.create("DEPARTMENT", [{"DEPARTMENTID": dept, "TITLE": "Slow"}], controlid=f"l-{dept}")
    assert client.count("DEPARTMENT", F("DEPARTMENTID") == dept) == 1
