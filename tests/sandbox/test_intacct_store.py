"""Store, query language and value conversion units; caches; seeding at scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree
from lxml.builder import E

from recon.errors import ConfigError
from recon.sandbox.intacct import catalogue, querylang, values
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.intacct.store import IntacctStore
from tests.sandbox.conftest import Client, frame, texts

CUSTOMER = catalogue.get("CUSTOMER")


# --- values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "wire", "stored"),
    [
        ("date", "03/01/2024", "2024-03-01"),
        ("datetime", "03/01/2024 13:05:09", "2024-03-01 13:05:09"),
        ("datetime", "03/01/2024", "2024-03-01 00:00:00"),
        ("money", "12.5", "12.50"),
        ("money", "-3", "-3.00"),
        ("qty", "7.25", "7.25"),
        ("bool", "TRUE", "true"),
        ("status", "Inactive", "inactive"),
        ("text", "  keep spaces  ", "  keep spaces  "),
        ("text", "", None),
    ],
)
def test_to_storage_and_back(kind: str, wire: str, stored: str | None) -> None:
    assert values.to_storage(kind, wire) == stored  # type: ignore[arg-type]
    if stored is not None and kind in ("date", "datetime"):
        assert values.to_wire(kind, stored).startswith(wire[:10])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "wire"),
    [
        ("date", "2024-03-01"),
        ("date", "02/30/2024"),
        ("money", "abc"),
        ("money", "NaN"),
        ("bool", "yes"),
        ("int", "1.5"),
    ],
)
def test_to_storage_rejects(kind: str, wire: str) -> None:
    with pytest.raises(ValueError):
        values.to_storage(kind, wire)  # type: ignore[arg-type]


# --- query language ---------------------------------------------------------------------


def test_query_string_parses_to_canonical_tree() -> None:
    pred = querylang.parse_query_string(
        "NOT (status = 'T' and NAME like 'O\\'Brien%') or RECORDNO in (1, 2)", CUSTOMER
    )
    assert pred == querylang.Or(
        (
            querylang.Not(
                querylang.And(
                    (querylang.Cmp("STATUS", "=", "active"), querylang.Like("NAME", "O'Brien%"))
                )
            ),
            querylang.In("RECORDNO", ("1", "2")),
        )
    )
    sql, params = querylang.to_sql(pred, CUSTOMER)
    assert params == ["active", "O'Brien*", "1", "2"]
    assert "GLOB" in sql and "NOT" in sql


def test_same_filter_from_both_languages_gives_same_tree() -> None:
    from_string = querylang.parse_query_string(
        "WHENMODIFIED >= '01/31/2024 00:00:00' AND STATUS = 'T'", CUSTOMER
    )
    xml = E.filter(
        E(
            "and",
            E.greaterthanorequalto(E.field("WHENMODIFIED"), E.value("01/31/2024 00:00:00")),
            E.equalto(E.field("STATUS"), E.value("active")),
        )
    )
    assert querylang.parse_filter(xml, CUSTOMER) == from_string


@pytest.mark.parametrize(
    "text", ["NAME = 'x", "NAME = 'x' AND", "NAME", "NAME == 'x'", "= 'x'", "NAME IS 'x'"]
)
def test_query_string_errors(text: str) -> None:
    with pytest.raises(querylang.QueryError):
        querylang.parse_query_string(text, CUSTOMER)


def test_unknown_fields_are_collected() -> None:
    with pytest.raises(querylang.UnknownFieldsError) as info:
        querylang.parse_query_string("FOO = 'x' AND BAR = 'y' AND NAME = 'z'", CUSTOMER)
    assert info.value.fields == ["FOO", "BAR"]


def test_glob_escapes_its_own_specials() -> None:
    _, params = querylang.to_sql(querylang.Like("NAME", "a*b?[c]%_"), CUSTOMER)
    assert params == ["a[*]b[?][[]c]*?"]


# --- store ------------------------------------------------------------------------------


def test_seed_rejects_bad_frames(tmp_path: Path) -> None:
    store = IntacctStore(tmp_path)
    assert store.is_empty()
    bad = {
        "unknown object": {"NOPE": frame([{"RECORDNO": "1"}])},
        "unknown column": {"CLASS": frame([{"RECORDNO": "1", "CLASSID": "K", "COLOUR": "red"}])},
        "no recordno": {"CLASS": frame([{"CLASSID": "K"}])},
        "bad date": {"PROJECT": frame([{"RECORDNO": "1", "BEGINDATE": "2024-01-01"}])},
    }
    for name, frames in bad.items():
        with pytest.raises(ConfigError):
            store.seed(frames)
        assert store.is_empty(), name
    store.seed({"CLASS": frame([{"RECORDNO": "5", "CLASSID": "K", "NAME": "k"}])})
    with pytest.raises(ConfigError):  # RECORDNO already there
        store.seed({"CLASS": frame([{"RECORDNO": "5", "CLASSID": "L", "NAME": "l"}])})
    assert not store.is_empty()
    assert store.count("CLASS") == 1
    store.close()


def test_caches_follow_writes(client: Client) -> None:
    read = E.read(E.object("PROJECT"), E.keys("2"))
    assert client.ok(read).findtext("PROJECT/NAME") == "Project 2"
    query = E.query(
        E.object("PROJECT"),
        E.select(E.field("PROJECTID")),
        E.filter(E.equalto(E.field("STATUS"), E.value("active"))),
    )
    before = texts(client.ok(query), "PROJECT/PROJECTID")
    client.ok(E.update(E.PROJECT(E.RECORDNO("2"), E.NAME("Fresh"), E.STATUS("inactive"))))
    assert client.ok(read).findtext("PROJECT/NAME") == "Fresh"
    after = texts(client.ok(query), "PROJECT/PROJECTID")
    assert after == [p for p in before if p != "P02"]


def test_read_of_a_document_shows_new_lines(client: Client) -> None:
    read = E.read(E.object("TIMESHEET"), E.keys("1"))
    assert len(client.ok(read).findall("TIMESHEET/TIMESHEETENTRIES/TIMESHEETENTRY")) == 2
    # The seeded sheet is Approved, which refuses updates: a new (Draft) one is updated.
    first = E.TIMESHEETENTRIES(E.TIMESHEETENTRY(E.ENTRYDATE("01/05/2024"), E.QTY("1")))
    sheet = E.TIMESHEET(E.EMPLOYEEID("E2"), E.BEGINDATE("01/01/2024"), first)
    recno = client.ok(E.create(sheet)).findtext("timesheet/RECORDNO") or ""
    read = E.read(E.object("TIMESHEET"), E.keys(recno))
    assert texts(client.ok(read), "TIMESHEET/TIMESHEETENTRIES/TIMESHEETENTRY/QTY") == ["1"]
    entries = E.TIMESHEETENTRIES(E.TIMESHEETENTRY(E.ENTRYDATE("01/05/2024"), E.QTY("3")))
    client.ok(E.update(E.TIMESHEET(E.RECORDNO(recno), entries)))
    assert texts(client.ok(read), "TIMESHEET/TIMESHEETENTRIES/TIMESHEETENTRY/QTY") == ["3"]


def _entries(n: int) -> pd.DataFrame:
    rec = np.arange(1, n + 1)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rec % 365, unit="D")
    return pd.DataFrame(
        {
            "RECORDNO": rec.astype(str),
            "TIMESHEETKEY": (rec // 20 + 1).astype(str),
            "EMPLOYEEID": np.char.add("E", (rec % 50).astype(str)),
            "STATE": "Approved",
            "ENTRYDATE": days.strftime("%m/%d/%Y"),
            "QTY": "7.5",
            "PROJECTID": np.char.add("P", (rec % 300).astype(str)),
            "BILLABLE": np.where(rec % 2 == 0, "true", "false"),
            "DESCRIPTION": "Client work",
            "WHENMODIFIED": days.strftime("%m/%d/%Y 17:00:00"),
        }
    )


def test_a_large_table_seeds_and_pages(tmp_path: Path) -> None:
    n = 200_000
    with IntacctSandbox(tmp_path) as sb:
        # Speed is measured by benchmarks/, not asserted here; this checks the large path.
        sb.store.seed({"TIMESHEETENTRY": _entries(n)})
        client = Client(sb)
        fields = [
            "RECORDNO",
            "EMPLOYEEID",
            "ENTRYDATE",
            "QTY",
            "PROJECTID",
            "BILLABLE",
            "WHENMODIFIED",
        ]

        def page(offset: int) -> etree._Element:
            el = E.query(
                E.object("TIMESHEETENTRY"),
                E.select(*(E.field(f) for f in fields)),
                E.filter(E.greaterthanorequalto(E.field("WHENMODIFIED"), E.value("07/01/2024"))),
                E.orderby(E.order(E.field("RECORDNO"), E.ascending())),
                E.pagesize("2000"),
                E.offset(str(offset)),
            )
            return client.ok(el)

        first = page(0)
        expected = sum(1 for r in range(1, n + 1) if r % 365 >= 182)
        assert first.get("totalcount") == str(expected)
        assert first.get("count") == "2000"
        second = page(2000)  # the filtered list is cached; only this page is rendered
        recnos = [int(x) for x in texts(second, "TIMESHEETENTRY/RECORDNO")]
        assert recnos == sorted(recnos) and len(recnos) == 2000
        assert int(texts(first, "TIMESHEETENTRY/RECORDNO")[-1]) < recnos[0]
        again = page(2000)  # served from the caches: the same records
        assert texts(again, "TIMESHEETENTRY/RECORDNO") == texts(second, "TIMESHEETENTRY/RECORDNO")
