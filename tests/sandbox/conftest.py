"""Fixtures for the Intacct sandbox tests: a seeded sandbox on loopback and raw-XML helpers.

Requests are built with lxml's element API (``lxml.builder.E``) and sent with ``requests``
over real HTTP on 127.0.0.1; responses are parsed with the project's hardened parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests
from lxml import etree
from lxml.builder import E

from recon.intacct import xmlsafe
from recon.sandbox import intacct as creds
from recon.sandbox.intacct.server import IntacctSandbox
from tests.clock import FakeClock

LOGIN = (creds.USER_ID, creds.COMPANY_ID, creds.USER_PASSWORD)
SENDER = (creds.SENDER_ID, creds.SENDER_PASSWORD)


def request_xml(
    *functions: etree._Element,
    session: str | None = None,
    login: tuple[str, str, str] | None = LOGIN,
    locationid: str | None = None,
    sender: tuple[str, str] = SENDER,
    uniqueid: str | None = "false",
    transaction: str | None = None,
    controlid: str = "ctl-1",
    policyid: str | None = None,
    function_ids: list[str] | None = None,
) -> bytes:
    """A complete ``<request>``; functions get controlids f0, f1, ... unless given."""
    control = E.control(E.senderid(sender[0]), E.password(sender[1]), E.controlid(controlid))
    if uniqueid is not None:
        control.append(E.uniqueid(uniqueid))
    control.append(E.dtdversion("3.0"))
    if policyid is not None:
        control.append(E.policyid(policyid))
    if session is not None:
        auth = E.authentication(E.sessionid(session))
    else:
        assert login is not None
        fields = [E.userid(login[0]), E.companyid(login[1]), E.password(login[2])]
        if locationid is not None:
            fields.append(E.locationid(locationid))
        auth = E.authentication(E.login(*fields))
    ids = function_ids or [f"f{i}" for i in range(len(functions))]
    content = E.content(
        *(E.function(f, controlid=cid) for f, cid in zip(functions, ids, strict=True))
    )
    operation = E.operation(auth, content)
    if transaction is not None:
        operation.set("transaction", transaction)
    return etree.tostring(E.request(control, operation), xml_declaration=True, encoding="UTF-8")


class Client:
    """Raw HTTP access to a sandbox, returning parsed response roots."""

    def __init__(self, sandbox: IntacctSandbox) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()

    def post(self, body: bytes) -> requests.Response:
        return self.http.post(
            self.sandbox.url, data=body, headers={"Content-Type": "application/xml"}, timeout=30
        )

    def send(self, body: bytes) -> etree._Element:
        resp = self.post(body)
        assert resp.status_code == 200, resp.text
        return xmlsafe.parse(resp.content)

    def call(self, *functions: etree._Element, **kw: object) -> etree._Element:
        return self.send(request_xml(*functions, **kw))  # type: ignore[arg-type]

    def results(self, *functions: etree._Element, **kw: object) -> list[etree._Element]:
        return self.call(*functions, **kw).findall("operation/result")

    def one(self, function: etree._Element, **kw: object) -> etree._Element:
        (result,) = self.results(function, **kw)
        return result

    def ok(self, function: etree._Element, **kw: object) -> etree._Element:
        """The ``<data>`` of a successful single function."""
        result = self.one(function, **kw)
        assert result.findtext("status") == "success", etree.tostring(result)
        return result.find("data")

    def session(self) -> str:
        data = self.ok(E.getAPISession())
        return data.findtext("api/sessionid")


def errornos(el: etree._Element) -> list[str]:
    return [e.findtext("errorno") for e in el.iterfind(".//errormessage/error")]


def texts(el: etree._Element, path: str) -> list[str]:
    return [x.text or "" for x in el.iterfind(path)]


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A seeding frame: every value a string, missing ones empty."""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    return pd.DataFrame([[r.get(c, "") for c in cols] for r in rows], columns=cols, dtype=object)


def demo_frames() -> dict[str, pd.DataFrame]:
    """A small hand-made firm: enough to exercise references, lines and filters."""
    return {
        "LOCATION": frame(
            [{"RECORDNO": "1", "LOCATIONID": "HQ", "NAME": "Head office", "STATUS": "active"}]
        ),
        "DEPARTMENT": frame(
            [{"RECORDNO": "1", "DEPARTMENTID": "D1", "TITLE": "Consulting", "STATUS": "active"}]
        ),
        "ARTERM": frame([{"RECORDNO": "1", "NAME": "N30", "STATUS": "active"}]),
        "TIMETYPE": frame([{"RECORDNO": "1", "NAME": "Salary", "STATUS": "active"}]),
        "PROJECTTYPE": frame([{"RECORDNO": "1", "NAME": "Fixed", "STATUS": "active"}]),
        "CUSTOMER": frame(
            [
                {
                    "RECORDNO": "1",
                    "CUSTOMERID": "C1",
                    "NAME": "Acme Corp",
                    "STATUS": "active",
                    "DISPLAYCONTACT.EMAIL1": "ap@acme.example",
                    "TERMNAME": "N30",
                    "WHENMODIFIED": "01/15/2024 08:00:00",
                },
                {
                    "RECORDNO": "2",
                    "CUSTOMERID": "C2",
                    "NAME": "Jane's Deli",
                    "STATUS": "active",
                    "ONHOLD": "true",
                    "WHENMODIFIED": "02/01/2024 12:30:00",
                },
                {
                    "RECORDNO": "3",
                    "CUSTOMERID": "C3",
                    "NAME": "beta llc",
                    "STATUS": "inactive",
                    "ONHOLD": "false",
                    "WHENMODIFIED": "03/10/2024 17:45:00",
                },
            ]
        ),
        "EMPLOYEE": frame(
            [
                {
                    "RECORDNO": "1",
                    "EMPLOYEEID": "E1",
                    "CONTACT.CONTACTNAME": "Ann Lee",
                    "STATUS": "active",
                },
                {
                    "RECORDNO": "2",
                    "EMPLOYEEID": "E2",
                    "CONTACT.CONTACTNAME": "Bo Chan",
                    "STATUS": "active",
                },
            ]
        ),
        "PROJECT": frame(
            [
                {
                    "RECORDNO": str(i),
                    "PROJECTID": f"P{i:02d}",
                    "NAME": f"Project {i}",
                    "PROJECTCATEGORY": "Contract",
                    "STATUS": "active" if i % 3 else "inactive",
                    "CUSTOMERID": "C1" if i % 2 else "C2",
                    "BUDGETAMOUNT": f"{i * 1000}.00",
                    "BEGINDATE": f"{(i % 12) + 1:02d}/01/2024",
                }
                for i in range(1, 13)
            ]
        ),
        "TIMESHEET": frame(
            [
                {
                    "RECORDNO": "1",
                    "EMPLOYEEID": "E1",
                    "BEGINDATE": "01/01/2024",
                    "ENDDATE": "01/07/2024",
                    "STATE": "Approved",
                }
            ]
        ),
        "TIMESHEETENTRY": frame(
            [
                {
                    "RECORDNO": "1",
                    "TIMESHEETKEY": "1",
                    "LINENO": "1",
                    "EMPLOYEEID": "E1",
                    "STATE": "Approved",
                    "ENTRYDATE": "01/02/2024",
                    "QTY": "7.5",
                    "PROJECTID": "P01",
                    "TIMETYPE": "Salary",
                    "BILLABLE": "true",
                },
                {
                    "RECORDNO": "2",
                    "TIMESHEETKEY": "1",
                    "LINENO": "2",
                    "EMPLOYEEID": "E1",
                    "STATE": "Approved",
                    "ENTRYDATE": "01/03/2024",
                    "QTY": "8",
                    "PROJECTID": "P03",
                    "TIMETYPE": "Salary",
                    "BILLABLE": "false",
                },
            ]
        ),
        "ARINVOICE": frame(
            [
                {
                    "RECORDNO": "1",
                    "RECORDID": "INV-001",
                    "CUSTOMERID": "C1",
                    "CUSTOMERNAME": "Acme Corp",
                    "STATE": "Posted",
                    "RAWSTATE": "A",
                    "WHENCREATED": "02/01/2024",
                    "TOTALENTERED": "1500.00",
                    "TOTALPAID": "0.00",
                    "TOTALDUE": "1500.00",
                    "TERMNAME": "N30",
                }
            ]
        ),
        "ARINVOICEITEM": frame(
            [
                {
                    "RECORDNO": "1",
                    "RECORDKEY": "1",
                    "LINE_NO": "1",
                    "AMOUNT": "1000.00",
                    "ACCOUNTNO": "4000",
                },
                {
                    "RECORDNO": "2",
                    "RECORDKEY": "1",
                    "LINE_NO": "2",
                    "AMOUNT": "500.00",
                    "ACCOUNTNO": "4000",
                },
            ]
        ),
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(tmp_path: Path, clock: FakeClock) -> Iterator[IntacctSandbox]:
    sb = IntacctSandbox(tmp_path / "data", clock=clock, session_ttl=600, readmore_ttl=120)
    sb.store.seed(demo_frames())
    with sb:
        yield sb


@pytest.fixture
def client(sandbox: IntacctSandbox) -> Client:
    return Client(sandbox)
