"""Request envelopes and function builders (docs/specs/intacct-xml-api.md §1.2-§4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from recon.errors import ConfigError
from recon.intacct import request as rq
from recon.intacct import uncertain, xmlsafe
from recon.intacct.filters import F

SENDER = rq.Sender("mysender", "senderpw")
LOGIN = rq.LoginAuth("xml_gateway", "ACME", "userpw", "E100")


def roundtrip(el: etree._Element) -> etree._Element:
    """Serialise and parse back through the hardened parser, as the gateway would read it."""
    return xmlsafe.parse(xmlsafe.to_bytes(el))


def test_envelope_matches_spec_example() -> None:
    fn = rq.get_api_session(controlid="f1")
    root = roundtrip(rq.build_request(SENDER, LOGIN, [fn], controlid="1700000000"))
    assert root.tag == "request"
    assert [c.tag for c in root] == ["control", "operation"]
    control = root.find("control")
    assert [c.tag for c in control] == [
        "senderid", "password", "controlid", "uniqueid", "dtdversion", "includewhitespace",
    ]  # fmt: skip
    assert [c.text for c in control] == [
        "mysender", "senderpw", "1700000000", "false", "3.0", "false",
    ]  # fmt: skip
    op = root.find("operation")
    assert op.get("transaction") == "false"
    assert [c.tag for c in op] == ["authentication", "content"]
    login = op.find("authentication/login")
    assert [(c.tag, c.text) for c in login] == [
        ("userid", "xml_gateway"), ("companyid", "ACME"), ("password", "userpw"),
        ("locationid", "E100"),
    ]  # fmt: skip
    func = op.find("content/function")
    assert func.get("controlid") == "f1"
    assert [c.tag for c in func] == ["getAPISession"]


def test_session_auth_uniqueid_and_transaction() -> None:
    fns = [rq.read_more("RID", controlid="a"), rq.read_more("RID2", controlid="b")]
    root = rq.build_request(SENDER, rq.SessionAuth("sess.."), fns, uniqueid=True, transaction=True)
    assert root.findtext("control/uniqueid") == "true"
    assert root.find("operation").get("transaction") == "true"
    auth = root.find("operation/authentication")
    assert [(c.tag, c.text) for c in auth] == [("sessionid", "sess..")]
    assert [f.get("controlid") for f in root.iterfind("operation/content/function")] == ["a", "b"]
    assert root.findtext("control/controlid")  # a generated request control id


def test_login_without_entity_has_no_locationid() -> None:
    root = rq.build_request(SENDER, rq.LoginAuth("u", "c", "p"), [rq.get_api_session()])
    assert root.find("operation/authentication/login/locationid") is None


def test_a_function_can_be_sent_twice() -> None:
    fn = rq.read_more("RID", controlid="x")
    first = rq.build_request(SENDER, LOGIN, [fn])
    second = rq.build_request(SENDER, LOGIN, [fn])
    for root in (first, second):
        assert root.findtext("operation/content/function/readMore/resultId") == "RID"


def test_credentials_repr_hides_passwords() -> None:
    text = repr(SENDER) + repr(LOGIN) + repr(rq.SessionAuth("sess-secret"))
    assert "senderpw" not in text and "userpw" not in text and "sess-secret" not in text


def test_read_by_query_body() -> None:
    fn = rq.read_by_query("PROJECT", "NAME = 'a<b&c'", ["RECORDNO", "PROJECTID"], 500, "q1")
    body = roundtrip(fn.to_element())[0]
    assert body.tag == "readByQuery"
    assert {c.tag: c.text for c in body} == {
        "object": "PROJECT", "fields": "RECORDNO,PROJECTID", "query": "NAME = 'a<b&c'",
        "pagesize": "500", "returnFormat": "xml",
    }  # fmt: skip
    assert b"a&lt;b&amp;c" in xmlsafe.to_bytes(fn.to_element())
    assert roundtrip(rq.read_by_query("X").to_element()).findtext("readByQuery/fields") == "*"


@pytest.mark.parametrize("size", [0, 1001, True, "10"])
def test_read_by_query_pagesize_bounds(size: object) -> None:
    with pytest.raises(ConfigError):
        rq.read_by_query("PROJECT", pagesize=size)  # type: ignore[arg-type]


def test_query_body_in_full() -> None:
    flt = (F("STATUS") == "active") & (F("TOTALDUE") > Decimal("0"))
    fn = rq.query("CUSTOMER", ["RECORDNO", "CUSTOMERID"], flt, ["RECORDNO"], 2000, 4000, True, "q2")
    body = roundtrip(fn.to_element())[0]
    assert [c.tag for c in body] == [
        "object", "select", "filter", "orderby", "options", "pagesize", "offset",
    ]  # fmt: skip
    assert [f.text for f in body.find("select")] == ["RECORDNO", "CUSTOMERID"]
    assert body.find("filter/and/greaterthan/value").text == "0"
    assert body.findtext("options/caseinsensitive") == "true"
    assert (body.findtext("pagesize"), body.findtext("offset")) == ("2000", "4000")


def test_query_reuses_a_caller_orderby_element() -> None:
    from recon.intacct.filters import orderby

    order = orderby("NAME")
    a = rq.query("X", ["NAME"], orderby=order)
    b = rq.query("X", ["NAME"], orderby=order)
    assert a.body.find("orderby") is not None and b.body.find("orderby") is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"select": []},
        {"select": "NAME"},
        {"select": ["*"]},
        {"select": ["NAME"], "pagesize": 2001},
        {"select": ["NAME"], "offset": -1},
    ],
)
def test_query_misuse(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        rq.query("CUSTOMER", **kwargs)  # type: ignore[arg-type]


def test_read_and_read_by_name() -> None:
    body = rq.read("PROJECT", [1423, "1424"], controlid="r").body
    assert (body.tag, body.findtext("keys"), body.findtext("fields")) == ("read", "1423,1424", "*")
    body = rq.read_by_name("PROJECT", ["P1234"], ["NAME"]).body
    assert (body.tag, body.findtext("keys"), body.findtext("fields")) == (
        "readByName", "P1234", "NAME",
    )  # fmt: skip
    rq.read("PROJECT", range(uncertain.MAX_READ_KEYS))
    for bad in ([], range(uncertain.MAX_READ_KEYS + 1), ["a,b"], [" a"], "123", [True], [1.0]):
        with pytest.raises(ConfigError):
            rq.read("PROJECT", bad)  # type: ignore[arg-type]


def test_create_nests_dotted_fields_and_owned_lines() -> None:
    record = {
        "CUSTOMERID": "C1234",
        "NAME": "SaaS & Co",
        "DISPLAYCONTACT.PRINTAS": "SaaS Corporation",
        "DISPLAYCONTACT.EMAIL1": "ap@saas.example",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Leeds",
        "CREDITLIMIT": Decimal("1000.00"),
        "ONHOLD": False,
        "TERMNAME": None,
    }
    fn = rq.create("CUSTOMER", [record, {"CUSTOMERID": "C2", "NAME": "Two"}], "c1")
    assert fn.is_write and fn.name == "create" and fn.controlid == "c1"
    body = roundtrip(fn.to_element())[0]
    first, second = list(body)
    assert (first.tag, second.tag) == ("CUSTOMER", "CUSTOMER")
    assert [c.tag for c in first] == [
        "CUSTOMERID", "NAME", "DISPLAYCONTACT", "CREDITLIMIT", "ONHOLD", "TERMNAME",
    ]  # fmt: skip
    contact = first.find("DISPLAYCONTACT")
    assert [c.tag for c in contact] == ["PRINTAS", "EMAIL1", "MAILADDRESS"]
    assert contact.findtext("MAILADDRESS/CITY") == "Leeds"
    assert first.findtext("NAME") == "SaaS & Co"
    assert (first.findtext("CREDITLIMIT"), first.findtext("ONHOLD")) == ("1000.00", "false")
    assert first.find("TERMNAME").text is None  # empty element clears the field


def test_create_timesheet_lines_from_schema() -> None:
    sheet = {
        "EMPLOYEEID": "E1",
        "BEGINDATE": date(2024, 1, 1),
        "TIMESHEETENTRIES": [
            {"ENTRYDATE": date(2024, 1, 2), "QTY": Decimal("1.25"), "PROJECTID": "P1"},
            {"ENTRYDATE": date(2024, 1, 3), "QTY": Decimal("8")},
        ],
    }
    body = rq.create("TIMESHEET", [sheet], "t1").body
    entries = body.find("TIMESHEET/TIMESHEETENTRIES")
    assert [e.tag for e in entries] == ["TIMESHEETENTRY", "TIMESHEETENTRY"]
    assert entries[0].findtext("ENTRYDATE") == "01/02/2024"
    assert entries[0].findtext("QTY") == "1.25"
    # A list under a name the schema does not know repeats that element (xmltodict style).
    body = rq.update("X", [{"RECORDNO": 1, "TAG": ["a", "b"]}], "u1").body
    assert [t.text for t in body.iterfind("X/TAG")] == ["a", "b"]


def test_update_and_delete() -> None:
    body = rq.update("PROJECT", [{"PROJECTID": "P1234", "NAME": "hello world"}], "u1").body
    assert body.tag == "update" and body.findtext("PROJECT/NAME") == "hello world"
    fn = rq.delete("CUSTOMER", [112, "113"], "d1")
    assert fn.is_write
    assert (fn.body.findtext("object"), fn.body.findtext("keys")) == ("CUSTOMER", "112,113")


@pytest.mark.parametrize("controlid", [None, "", "   ", "x" * 257, 12, "a\x00b"])
def test_writes_require_a_usable_controlid(controlid: object) -> None:
    for build in (
        lambda: rq.create("CUSTOMER", [{"CUSTOMERID": "C"}], controlid),  # type: ignore[arg-type]
        lambda: rq.update("CUSTOMER", [{"CUSTOMERID": "C"}], controlid),  # type: ignore[arg-type]
        lambda: rq.delete("CUSTOMER", [1], controlid),  # type: ignore[arg-type]
    ):
        with pytest.raises(ConfigError):
            build()


def test_controlid_of_256_is_accepted() -> None:
    assert rq.create("CUSTOMER", [{"CUSTOMERID": "C"}], "x" * 256).controlid == "x" * 256


@pytest.mark.parametrize(
    "records",
    [
        [],
        {"CUSTOMERID": "C"},
        [{"CUSTOMERID": "C"}] * (uncertain.MAX_RECORDS_PER_WRITE + 1),
        [{"BAD NAME": 1}],
        [{"A": 1, "A.B": 2}],
        [{"A.B": 1, "A": {"B": 2}}],
        [{"A": 1.5}],
        [{"A": "nul\x00byte"}],
    ],
)
def test_write_records_are_validated(records: object) -> None:
    with pytest.raises(ConfigError):
        rq.create("CUSTOMER", records, "c1")  # type: ignore[arg-type]


def test_build_request_needs_functions() -> None:
    with pytest.raises(ConfigError):
        rq.build_request(SENDER, LOGIN, [])
