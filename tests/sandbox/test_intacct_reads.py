"""readByQuery, readMore, query, read, readByName over HTTP (docs/specs/intacct-xml-api.md §3)."""

from __future__ import annotations

import pytest
from lxml import etree
from lxml.builder import E

from recon.sandbox.intacct.server import IntacctSandbox
from tests.sandbox.conftest import Client, FakeClock, errornos, frame, texts


def rbq(
    obj: str, query: str = "", pagesize: int | None = None, fields: str | None = None
) -> etree._Element:
    el = E.readByQuery(E.object(obj), E.query(query))
    if pagesize is not None:
        el.append(E.pagesize(str(pagesize)))
    if fields is not None:
        el.append(E.fields(fields))
    return el


def ids(client: Client, obj: str, query: str, field: str) -> list[str]:
    data = client.ok(rbq(obj, query, pagesize=1000))
    return texts(data, f"{obj.lower()}/{field}")


# --- readByQuery / readMore -------------------------------------------------------------


def test_readbyquery_paging_with_readmore(client: Client) -> None:
    data = client.ok(rbq("PROJECT", pagesize=5, fields="RECORDNO,PROJECTID,NAME"))
    assert dict(data.attrib) == {
        "listtype": "project",
        "count": "5",
        "totalcount": "12",
        "numremaining": "7",
        "resultId": data.get("resultId"),
    }
    assert list(data.attrib) == ["listtype", "count", "totalcount", "numremaining", "resultId"]
    rid = data.get("resultId")
    assert len(rid) > 20
    seen = texts(data, "project/PROJECTID")
    assert [c.tag for c in data[0]] == ["RECORDNO", "PROJECTID", "NAME"]
    remaining = []
    while True:
        more = client.ok(E.readMore(E.resultId(rid)))
        assert more.get("resultId") == rid and more.get("totalcount") == "12"
        seen += texts(more, "project/PROJECTID")
        remaining.append(int(more.get("numremaining")))
        if more.get("numremaining") == "0":
            break
    assert remaining == [2, 0]
    assert seen == [f"P{i:02d}" for i in range(1, 13)]
    # a finished result id is gone
    result = client.one(E.readMore(E.resultId(rid)))
    assert result.findtext("status") == "failure"


def test_readmore_is_a_snapshot(client: Client) -> None:
    data = client.ok(rbq("PROJECT", "STATUS = 'T'", pagesize=2))
    total = int(data.get("totalcount"))
    client.ok(E.create(E.PROJECT(E.PROJECTID("P99"), E.NAME("New"), E.PROJECTCATEGORY("Contract"))))
    more = client.ok(E.readMore(E.resultId(data.get("resultId"))))
    assert more.get("totalcount") == str(total)  # the new project is not in this result set


def test_readmore_by_object_continues_last_query(client: Client) -> None:
    sid = client.session()
    first = client.ok(rbq("PROJECT", pagesize=10), session=sid)
    more = client.ok(E.readMore(E.object("PROJECT")), session=sid)
    assert more.get("resultId") == first.get("resultId")
    assert more.get("count") == "2"


def test_readmore_expired_and_unknown_ids(client: Client, clock: FakeClock) -> None:
    data = client.ok(rbq("PROJECT", pagesize=3))
    rid = data.get("resultId")
    clock.advance(60)  # used within the TTL (120 s): still valid, and the TTL restarts
    assert client.ok(E.readMore(E.resultId(rid))).get("count") == "3"
    clock.advance(121)
    result = client.one(E.readMore(E.resultId(rid)))
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["readMore failed"]
    assert result.findtext(".//description2") == (
        f"Attempt to readMore with an invalid or expired resultId: {rid}"
    )
    unknown = client.one(E.readMore(E.resultId("nope")))
    assert unknown.findtext(".//description2").endswith("resultId: nope")


def test_readmore_ttl_is_configurable(tmp_path, clock: FakeClock) -> None:
    with IntacctSandbox(tmp_path, clock=clock, readmore_ttl=5) as sb:
        sb.store.seed(
            {
                "CLASS": frame(
                    [{"RECORDNO": str(i), "CLASSID": f"K{i}", "NAME": "x"} for i in range(1, 4)]
                )
            }
        )
        client = Client(sb)
        rid = client.ok(rbq("CLASS", pagesize=1)).get("resultId")
        clock.advance(6)
        assert errornos(client.one(E.readMore(E.resultId(rid)))) == ["readMore failed"]


def test_readbyquery_single_page_and_empty(client: Client) -> None:
    data = client.ok(rbq("CUSTOMER", "CUSTOMERID = 'C1'"))
    assert (data.get("numremaining"), data.get("resultId"), data.get("count")) == ("0", "", "1")
    empty = client.ok(rbq("DEPARTMENT", "DEPARTMENTID = 'none'"))
    assert dict(empty.attrib) == {
        "listtype": "department",
        "count": "0",
        "totalcount": "0",
        "numremaining": "0",
        "resultId": "",
    }
    assert len(empty) == 0


def test_readbyquery_default_and_max_pagesize(client: Client) -> None:
    assert client.ok(rbq("PROJECT")).get("count") == "12"  # default 100
    for bad in (0, 1001):
        result = client.one(rbq("PROJECT", pagesize=bad))
        assert result.findtext("status") == "failure"


def test_readbyquery_renders_nested_fields_and_empty_elements(client: Client) -> None:
    data = client.ok(rbq("CUSTOMER", "CUSTOMERID = 'C1'"))
    record = data.find("customer")
    assert record.findtext("DISPLAYCONTACT/EMAIL1") == "ap@acme.example"
    assert record.find("DISPLAYCONTACT/MAILADDRESS/CITY") is not None
    assert record.find("PARENTID").text is None  # empty value, empty element
    assert record.findtext("WHENMODIFIED") == "01/15/2024 08:00:00"


def test_readbyquery_unknown_object(client: Client) -> None:
    result = client.one(rbq("BADOBJECT"))
    assert errornos(result) == ["Query Failed"]
    assert result.findtext(".//description2") == "Object definition BADOBJECT not found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("STATUS = 'T'", ["C1", "C2"]),
        ("STATUS = 'F'", ["C3"]),
        ("ONHOLD = 'T'", ["C2"]),
        ("NAME = 'Jane\\'s Deli'", ["C2"]),
        ("NAME like 'Ac%'", ["C1"]),
        ("NAME like 'ac%'", []),  # case-sensitive
        ("NAME not like '%e%'", []),
        ("CUSTOMERID in ('C1','C3')", ["C1", "C3"]),
        ("CUSTOMERID not in ('C1','C3')", ["C2"]),
        ("TERMNAME IS NULL", ["C2", "C3"]),
        ("TERMNAME IS NOT NULL", ["C1"]),
        ("NOT STATUS = 'T'", ["C3"]),
        ("WHENMODIFIED >= '02/01/2024 00:00:00'", ["C2", "C3"]),
        ("WHENMODIFIED > '02/01/2024'", ["C2", "C3"]),  # date-aware, not text order
        ("WHENMODIFIED < '12/31/2023 23:59:59'", []),
        ("(CUSTOMERID = 'C1' OR CUSTOMERID = 'C3') AND STATUS = 'T'", ["C1"]),
        ("CUSTOMERID = 'C1' OR CUSTOMERID = 'C3' AND STATUS = 'T'", ["C1"]),
        ("RECORDNO >= 2", ["C2", "C3"]),
        ("RECORDNO != 2", ["C1", "C3"]),
        ("RECORDNO<>2", ["C1", "C3"]),
    ],
)
def test_readbyquery_query_language(client: Client, query: str, expected: list[str]) -> None:
    assert ids(client, "CUSTOMER", query, "CUSTOMERID") == expected


def test_readbyquery_numeric_and_date_comparisons(client: Client) -> None:
    # BUDGETAMOUNT 1000..12000: numeric order, not text order ("9000.00" > "10000.00" as text)
    assert ids(client, "PROJECT", "BUDGETAMOUNT > 9000", "PROJECTID") == ["P10", "P11", "P12"]
    assert ids(client, "PROJECT", "BEGINDATE >= '11/01/2024'", "PROJECTID") == ["P10", "P11"]


def test_readbyquery_timesheet_state_codes(client: Client) -> None:
    assert ids(client, "TIMESHEETENTRY", "STATE = 'A'", "RECORDNO") == ["1", "2"]
    assert ids(client, "TIMESHEETENTRY", "STATE = 'S'", "RECORDNO") == []
    assert ids(client, "TIMESHEETENTRY", "BILLABLE = 'T'", "RECORDNO") == ["1"]


@pytest.mark.parametrize("query", ["STATUS = ", "STATUS = 'T' AND", "(STATUS = 'T'", "STATUS 'T'"])
def test_readbyquery_syntax_errors(client: Client, query: str) -> None:
    result = client.one(rbq("CUSTOMER", query))
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["Query Failed"]


def test_readbyquery_bad_date_and_unknown_field(client: Client) -> None:
    bad_date = client.one(rbq("CUSTOMER", "WHENMODIFIED > '2024-01-01'"))
    assert errornos(bad_date) == ["Query Failed"]
    unknown = client.one(rbq("CUSTOMER", "NOPE = 'x'"))
    assert unknown.findtext("status") == "failure"
    assert "NOPE" in unknown.findtext(".//description2")
    unknown_select = client.one(rbq("CUSTOMER", fields="RECORDNO,NOPE"))
    assert unknown_select.findtext("status") == "failure"


# --- query ------------------------------------------------------------------------------


def q(
    obj: str, fields: list[str], filt: etree._Element | None = None, **kw: object
) -> etree._Element:
    el = E.query(E.object(obj), E.select(*(E.field(f) for f in fields)))
    if filt is not None:
        el.append(E.filter(filt))
    for name in ("orderby", "options"):
        if name in kw:
            el.append(kw[name])  # type: ignore[arg-type]
    for name in ("pagesize", "offset"):
        if name in kw:
            el.append(E(name, str(kw[name])))
    return el


def leaf(op: str, field: str, *values: str) -> etree._Element:
    return E(op, E.field(field), *(E.value(v) for v in values))


def order(*spec: tuple[str, bool]) -> etree._Element:
    return E.orderby(
        *(E.order(E.field(f), E.descending() if d else E.ascending()) for f, d in spec)
    )


def qids(client: Client, obj: str, filt: etree._Element | None, **kw: object) -> list[str]:
    data = client.ok(q(obj, ["RECORDNO"], filt, **kw))
    return texts(data, f"{obj}/RECORDNO")


def test_query_response_shape_and_dotted_fields(client: Client) -> None:
    data = client.ok(
        q(
            "CUSTOMER",
            ["RECORDNO", "DISPLAYCONTACT.EMAIL1", "STATUS"],
            leaf("equalto", "CUSTOMERID", "C1"),
        )
    )
    assert list(data.attrib.items()) == [
        ("listtype", "CUSTOMER"),
        ("totalcount", "1"),
        ("offset", "0"),
        ("count", "1"),
        ("numremaining", "0"),
    ]
    record = data.find("CUSTOMER")
    assert [c.tag for c in record] == ["RECORDNO", "DISPLAYCONTACT.EMAIL1", "STATUS"]
    assert record.findtext("DISPLAYCONTACT.EMAIL1") == "ap@acme.example"
    assert record.findtext("STATUS") == "active"


@pytest.mark.parametrize(
    ("filt", "expected"),
    [
        (leaf("equalto", "STATUS", "active"), ["1", "2"]),
        (leaf("notequalto", "STATUS", "active"), ["3"]),
        (leaf("equalto", "ONHOLD", "true"), ["2"]),
        (leaf("like", "NAME", "%Corp"), ["1"]),
        (leaf("notlike", "NAME", "%Corp"), ["2", "3"]),
        (leaf("in", "CUSTOMERID", "C2", "C3"), ["2", "3"]),
        (leaf("notin", "CUSTOMERID", "C2", "C3"), ["1"]),
        (leaf("isnull", "TERMNAME"), ["2", "3"]),
        (leaf("isnotnull", "TERMNAME"), ["1"]),
        (leaf("greaterthanorequalto", "WHENMODIFIED", "02/01/2024 12:30:00"), ["2", "3"]),
        (leaf("lessthan", "WHENMODIFIED", "02/01/2024"), ["1"]),
        (leaf("between", "WHENMODIFIED", "01/01/2024", "02/28/2024"), ["1", "2"]),
        (E("and", leaf("equalto", "STATUS", "active"), leaf("like", "NAME", "J%")), ["2"]),
        (
            E(
                "or",
                leaf("equalto", "CUSTOMERID", "C3"),
                E("and", leaf("equalto", "STATUS", "active"), leaf("equalto", "ONHOLD", "true")),
            ),
            ["2", "3"],
        ),
    ],
)
def test_query_filters(client: Client, filt: etree._Element, expected: list[str]) -> None:
    assert qids(client, "CUSTOMER", filt) == expected


def test_query_case_insensitive_option(client: Client) -> None:
    filt = leaf("equalto", "NAME", "ACME CORP")
    assert qids(client, "CUSTOMER", filt) == []
    options = E.options(E.caseinsensitive("true"))
    assert qids(client, "CUSTOMER", filt, options=options) == ["1"]
    assert qids(
        client,
        "CUSTOMER",
        leaf("like", "NAME", "BETA%"),
        options=E.options(E.caseinsensitive("true")),
    ) == ["3"]


def test_query_orderby_offset_and_paging(client: Client) -> None:
    desc = qids(client, "PROJECT", None, orderby=order(("BUDGETAMOUNT", True)))
    assert desc == [str(i) for i in range(12, 0, -1)]  # numeric order
    by_date = qids(client, "PROJECT", None, orderby=order(("BEGINDATE", False)))
    assert by_date[:2] == ["12", "1"]  # 01/01/2024 (P12) then 02/01/2024 (P01)
    data = client.ok(
        q("PROJECT", ["RECORDNO"], orderby=order(("RECORDNO", False)), pagesize=5, offset=10)
    )
    assert (
        data.get("totalcount"),
        data.get("offset"),
        data.get("count"),
        data.get("numremaining"),
    ) == ("12", "10", "2", "0")
    data = client.ok(
        q("PROJECT", ["RECORDNO"], orderby=order(("RECORDNO", False)), pagesize=5, offset=0)
    )
    assert data.get("numremaining") == "7"
    assert client.ok(q("PROJECT", ["RECORDNO"])).get("count") == "12"  # default pagesize 100


def test_query_limits(client: Client) -> None:
    for kw in ({"pagesize": 2001}, {"pagesize": 0}, {"offset": -1}):
        result = client.one(q("PROJECT", ["RECORDNO"], **kw))
        assert result.findtext("status") == "failure", kw
    too_many = leaf("in", "PROJECTID", *[f"X{i}" for i in range(1001)])
    assert client.one(q("PROJECT", ["RECORDNO"], too_many)).findtext("status") == "failure"
    assert client.ok(q("PROJECT", ["RECORDNO"], pagesize=2000)).get("count") == "12"


def test_query_unknown_field_and_object(client: Client) -> None:
    result = client.one(q("CUSTOMER", ["RECORDNO", "BASEUOM"]))
    assert result.findtext("status") == "failure"
    assert errornos(result) == ["XL03000006"]
    assert (
        result.findtext(".//description2")
        == "The following fields cannot be queried: [ customer: [BASEUOM] ]"
    )
    in_filter = client.one(q("CUSTOMER", ["RECORDNO"], leaf("equalto", "NOPE", "x")))
    assert "NOPE" in in_filter.findtext(".//description2")
    bad_object = client.one(q("NOPE", ["RECORDNO"]))
    assert "Object definition NOPE not found" in bad_object.findtext(".//description2")


def test_query_malformed_filters(client: Client) -> None:
    for filt in (
        E("and", leaf("equalto", "STATUS", "active")),
        leaf("between", "RECORDNO", "1"),
        E.nosuchop(E.field("NAME")),
    ):
        result = client.one(q("CUSTOMER", ["RECORDNO"], filt))
        assert result.findtext("status") == "failure"


def test_query_count_aggregate(client: Client) -> None:
    el = E.query(
        E.object("PROJECT"),
        E.select(E.field("CUSTOMERID"), E.count("RECORDNO"), E.sum("BUDGETAMOUNT")),
    )
    el.append(order(("CUSTOMERID", False)))
    data = client.ok(el)
    rows = [
        (r.findtext("CUSTOMERID"), r.findtext("COUNT.RECORDNO"), r.findtext("SUM.BUDGETAMOUNT"))
        for r in data
    ]
    assert rows == [("C1", "6", "36000.00"), ("C2", "6", "42000.00")]
    assert data.get("totalcount") == "2"


# --- read / readByName ------------------------------------------------------------------


def test_read_by_recordno_with_owned_lines(client: Client) -> None:
    data = client.ok(E.read(E.object("ARINVOICE"), E.keys("1"), E.fields("*")))
    assert dict(data.attrib) == {"listtype": "ARINVOICE", "count": "1"}
    invoice = data.find("ARINVOICE")
    assert invoice.findtext("RECORDID") == "INV-001"
    assert texts(invoice, "ARINVOICEITEMS/ARINVOICEITEM/AMOUNT") == ["1000.00", "500.00"]
    sheet = client.ok(E.read(E.object("TIMESHEET"), E.keys("1"))).find("TIMESHEET")
    assert texts(sheet, "TIMESHEETENTRIES/TIMESHEETENTRY/RECORDNO") == ["1", "2"]


def test_read_several_keys_missing_skipped_and_fields(client: Client) -> None:
    data = client.ok(E.read(E.object("PROJECT"), E.keys("3,1,999"), E.fields("PROJECTID,NAME")))
    assert data.get("count") == "2"
    assert texts(data, "PROJECT/PROJECTID") == ["P03", "P01"]
    assert [c.tag for c in data[0]] == ["PROJECTID", "NAME"]


def test_read_key_limit(client: Client) -> None:
    keys = ",".join(str(i) for i in range(1, 102))
    assert client.one(E.read(E.object("PROJECT"), E.keys(keys))).findtext("status") == "failure"


def test_read_by_name(client: Client) -> None:
    data = client.ok(E.readByName(E.object("CUSTOMER"), E.keys("C2,C1")))
    assert texts(data, "CUSTOMER/CUSTOMERID") == ["C2", "C1"]
    assert data.find("CUSTOMER/DISPLAYCONTACT/EMAIL1") is not None
    missing = client.ok(E.readByName(E.object("CUSTOMER"), E.keys("NOPE")))
    assert dict(missing.attrib) == {"listtype": "CUSTOMER", "count": "0"}
