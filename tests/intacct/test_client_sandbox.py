"""The real client against the Intacct sandbox over HTTP on loopback (no mocks)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pandas as pd
import pytest

from recon.config import IntacctProfile, Secret, sandbox_profile
from recon.connect import intacct_client
from recon.errors import (
    AuthenticationError,
    ControlError,
    FunctionError,
    ReplayRefusedError,
)
from recon.intacct import extract
from recon.intacct import request as rq
from recon.intacct.filters import F
from recon.intacct.frames import pages_to_frame
from tests.intacct.conftest import N_CUSTOMERS, customer_frame


def _ids(pages) -> list[str]:
    out: list[str] = []
    for page in pages:
        out.extend(rec.findtext("CUSTOMERID") for rec in page.records())
    return out


def _cid() -> str:
    return f"t-{uuid.uuid4()}"


def test_session_is_made_once_and_reused(client, sandbox) -> None:
    before = sandbox.counters.snapshot().get("getAPISession", 0)
    assert client.count("DEPARTMENT") == 2
    assert client.count("ARTERM") == 1
    assert sandbox.counters.snapshot().get("getAPISession", 0) == before + 1
    assert client.session is not None and client.session.endpoint == sandbox.url


def test_read_by_query_pages_through_readmore(client) -> None:
    pages = list(client.read_by_query("CUSTOMER", "", ["RECORDNO", "CUSTOMERID"], pagesize=100))
    assert len(pages) == -(-N_CUSTOMERS // 100)
    assert [p.numremaining for p in pages][-1] == 0
    ids = _ids(pages)
    assert len(ids) == N_CUSTOMERS == len(set(ids))


def test_read_by_query_filter_with_apostrophe_is_quoted(client) -> None:
    frame = customer_frame()
    name = frame.loc[frame["NAME"].str.contains("O'Hara"), "NAME"].iloc[0]
    from recon.intacct.quoting import cond

    pages = list(client.read_by_query("CUSTOMER", cond("NAME", "=", name), ["CUSTOMERID"]))
    assert _ids(pages) == frame.loc[frame["NAME"] == name, "CUSTOMERID"].tolist()


@pytest.mark.parametrize("concurrency", [1, 4])
def test_query_offset_paging_is_complete_and_ordered(client, concurrency) -> None:
    pages = list(
        client.query("CUSTOMER", ["RECORDNO", "CUSTOMERID"], pagesize=250, concurrency=concurrency)
    )
    assert [p.offset for p in pages] == list(range(0, N_CUSTOMERS, 250))
    assert _ids(pages) == customer_frame()["CUSTOMERID"].tolist()


def test_query_filter_matches_python_evaluation(client) -> None:
    frame = customer_frame()
    expected = frame[(frame["STATUS"] == "active") & frame["NAME"].str.startswith("B")]
    flt = (F("STATUS") == "active") & F("NAME").like("B%")
    pages = list(client.query("CUSTOMER", ["RECORDNO", "CUSTOMERID", "NAME"], filter=flt))
    assert sorted(_ids(pages)) == sorted(expected["CUSTOMERID"])
    assert client.count("CUSTOMER", flt) == len(expected)


def test_read_and_read_by_name(client) -> None:
    page = client.read_by_name("CUSTOMER", ["C00003", "C00005"], ["RECORDNO", "CUSTOMERID", "NAME"])
    assert sorted(_ids([page])) == ["C00003", "C00005"]
    page = client.read("CUSTOMER", ["7"])
    rec = page.records()[0]
    assert rec.findtext("CUSTOMERID") == "C00007"
    assert rec.findtext("DISPLAYCONTACT/EMAIL1") == "ap7@example.com"  # nested on read
    assert client.read_by_name("CUSTOMER", ["NOPE"]).count == 0


def test_create_update_delete_and_incremental_read(client) -> None:
    mark = datetime.now().replace(microsecond=0)
    created = client.create(
        "CUSTOMER",
        [
            {"CUSTOMERID": "NEW-1", "NAME": "New One", "STATUS": "active", "TERMNAME": "N30"},
            {"CUSTOMERID": "NEW-2", "NAME": "New Two", "DISPLAYCONTACT.EMAIL1": "two@x.example"},
        ],
        controlid=_cid(),
    )
    ids = dict((cid, rec) for rec, cid in created.records)
    assert set(ids) == {"NEW-1", "NEW-2"}
    client.update("CUSTOMER", [{"CUSTOMERID": "C00042", "NAME": "Renamed"}], controlid=_cid())
    changed = {
        rec.findtext("CUSTOMERID")
        for page in client.query(
            "CUSTOMER", ["CUSTOMERID", "WHENMODIFIED"], filter=client.modified_since(mark)
        )
        for rec in page.records()
    }
    assert changed == {"NEW-1", "NEW-2", "C00042"}
    two = client.read_by_name("CUSTOMER", ["NEW-2"]).records()[0]
    assert two.findtext("DISPLAYCONTACT/EMAIL1") == "two@x.example"
    client.delete("CUSTOMER", [ids["NEW-1"], ids["NEW-2"]], controlid=_cid())
    assert client.read_by_name("CUSTOMER", ["NEW-1", "NEW-2"]).count == 0
    client.update("CUSTOMER", [{"CUSTOMERID": "C00042", "NAME": "Bcme 42 Ltd"}], controlid=_cid())


def test_duplicate_id_is_a_function_error(client) -> None:
    with pytest.raises(FunctionError) as exc:
        client.create("CUSTOMER", [{"CUSTOMERID": "C00001", "NAME": "Dup"}], controlid=_cid())
    assert "BL34000061" in exc.value.errornos
    assert "already exists" in str(exc.value)


def test_delete_missing_record_is_a_function_error(client) -> None:
    with pytest.raises(FunctionError, match="Cannot find"):
        client.delete("CUSTOMER", ["999999"], controlid=_cid())


def test_replayed_controlid_is_refused_and_applies_once(client) -> None:
    controlid = _cid()
    client.create("CUSTOMER", [{"CUSTOMERID": "ONCE-1", "NAME": "Once"}], controlid=controlid)
    with pytest.raises(ReplayRefusedError):
        client.create("CUSTOMER", [{"CUSTOMERID": "ONCE-1", "NAME": "Once"}], controlid=controlid)
    assert client.count("CUSTOMER", F("CUSTOMERID") == "ONCE-1") == 1


def test_transaction_rolls_back_every_function(client) -> None:
    good = rq.create("CUSTOMER", [{"CUSTOMERID": "TX-1", "NAME": "Tx"}], _cid())
    bad = rq.create("CUSTOMER", [{"CUSTOMERID": "C00002", "NAME": "Dup"}], _cid())
    results = client.execute_writes([good, bad], transaction=True)
    assert [r.status for r in results] == ["aborted", "failure"]
    assert "XL03000009" in results[1].errors[-1].errorno
    assert client.read_by_name("CUSTOMER", ["TX-1"]).count == 0


def test_expired_session_means_one_fresh_login(client, sandbox) -> None:
    n = client.count("CUSTOMER")
    logins = sandbox.counters.snapshot().get("getAPISession", 0)
    sandbox.faults.add("expire_session", count=1)
    assert client.count("CUSTOMER") == n
    assert sandbox.counters.snapshot().get("getAPISession", 0) == logins + 1


def _profile(sandbox, **changes: str) -> IntacctProfile:
    base = sandbox_profile(sandbox.url).intacct
    fields = {
        "endpoint": base.endpoint,
        "sender_id": base.sender_id,
        "company_id": base.company_id,
        "user_id": base.user_id,
        "sender_password": base.sender_password,
        "user_password": base.user_password,
    }
    for key, value in changes.items():
        fields[key] = Secret(value) if key.endswith("password") else value
    return IntacctProfile(**fields)


@pytest.mark.parametrize(
    ("changes", "error", "fragment"),
    [
        ({"sender_password": "wrong-sender-pw"}, ControlError, "sender"),
        ({"sender_id": "nobody"}, ControlError, "sender"),
        ({"sender_id": "recon-unauthorised"}, AuthenticationError, "authoriz"),
        ({"user_password": "wrong-user-pw"}, AuthenticationError, "user"),
        ({"company_id": "NOCOMPANY"}, AuthenticationError, "company"),
    ],
)
def test_setup_mistakes_get_a_clear_message(sandbox, changes, error, fragment) -> None:
    with intacct_client(_profile(sandbox, **changes)) as bad:
        with pytest.raises(error) as exc:
            bad.count("CUSTOMER")
    message = str(exc.value)
    assert fragment.lower() in message.lower()
    for secret in ("wrong-sender-pw", "wrong-user-pw", "sandbox-sender"):
        assert secret not in message


@pytest.mark.parametrize(("pagesize", "calls"), [(250, 10), (1000, 4)])
def test_expect_many_pages_are_complete_and_bounded(client, sandbox, pagesize, calls) -> None:
    flt = F("CUSTOMERID") <= f"C{N_CUSTOMERS:05d}"  # the seeded rows only
    before = sandbox.counters.snapshot().get("query", 0)
    pages = list(
        client.query(
            "CUSTOMER",
            ["RECORDNO", "CUSTOMERID"],
            filter=flt,
            pagesize=pagesize,
            concurrency=4,
            expect_many=True,
        )
    )
    assert _ids(pages) == customer_frame()["CUSTOMERID"].tolist()
    # 10 pages of 250: no call wasted; 3 pages of 1,000: one empty speculative call
    assert sandbox.counters.snapshot().get("query", 0) - before == calls


def test_query_pages_take_the_flat_path_and_type_as_the_general_path(
    client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pull's pages are read in one pass over the parser's tree (extract's flat path),
    and the typed frame is the one a dict per record gives for the same records."""
    fields = ["RECORDNO", "CUSTOMERID", "NAME", "STATUS", "TOTALDUE", "WHENMODIFIED"]
    pages = list(client.query("CUSTOMER", fields, pagesize=500, concurrency=2))
    flat_columns, flat_pages = extract._flat_columns, []

    def spy(*args):  # type: ignore[no-untyped-def]
        found = flat_columns(*args)
        flat_pages.append(found is not None)
        return found

    monkeypatch.setattr(extract, "_flat_columns", spy)
    flat = pages_to_frame(pages, "CUSTOMER", fields)
    assert len(pages) >= 5 and flat_pages == [True] * len(pages)
    assert len(flat) == sum(page.count for page in pages) >= N_CUSTOMERS  # others add some
    monkeypatch.setattr(extract, "_flat_columns", lambda *args: None)
    pd.testing.assert_frame_equal(flat, pages_to_frame(pages, "CUSTOMER", fields))
