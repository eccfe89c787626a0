"""Helpers for the BigTime sandbox tests: a small hand-made firm and a raw HTTP client.

The fixtures live in :mod:`tests.sandbox.bigtime_fixtures` (test modules load them with
``pytest_plugins``). Every request goes over real HTTP on 127.0.0.1 with plain
``requests``; answers are decoded with ``parse_float=Decimal`` as the client does, so
money stays exact.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import requests

from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime.server import BigtimeSandbox

API_KEY_HEADERS = {"X-Auth-ApiToken": creds.API_TOKEN, "X-Auth-Realm": creds.FIRM}
D = Decimal


def _item(i: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"Id": i, "Name": name, "IsInactive": False, **extra}


def demo_seed() -> dict[str, Any]:
    """A small firm: every part of the contract's ``BigtimeSeed`` with a few records."""
    return {
        "lists": {
            "costcentera": [
                _item(1, "Consulting", Code="D1"),
                _item(2, "Audit", Code="D2", IsInactive=True),
            ],
            "costcenterb": [_item(1, "Head office", Code="HQ")],
            "costcenterc": [_item(1, "N/A")],
            "class": [_item(1, "Advisory", Code="CL1"), _item(2, "Legacy", IsInactive=True)],
            "projecttype": [_item(1, "Fixed fee"), _item(2, "Time and materials")],
            "laborcode": [_item(1, "Senior work", Group="Labor"), _item(2, "Junior work")],
            "expensecode": [_item(1, "Travel", AcctNbr="6100")],
            "term": [_item(1, "Net 30", DueDays=30), _item(2, "Net 60", DueDays=60)],
            "glaccount": [_item(1, "Consulting revenue", Code="4000", AcctNbr="4000")],
            "creditcard": [_item(1, "Company Visa", Code="CC1", CardType="Visa")],
            "vendor": [_item(1, "Contractor Co", Code="V1")],
            "item": [_item(1, "Consulting service", Code="I1")],
            "checkingaccount": [_item(1, "Operating", Code="BA1", AcctNbr="1010")],
        },
        "udf_definitions": {
            "project": [
                {"Sid": 1, "Name": "PO Number"},
                {"Sid": 2, "Name": "PO Amount"},
                {"Sid": 3, "Name": "SO Number"},
            ],
            "staff": [{"Sid": 11, "Name": "Employee ID"}],
        },
        "vocabulary": [
            {"id": "PROJECT", "name": "engagement"},
            {"id": "CLIENT", "name": "customer"},
        ],
        "client": [
            {"SystemId": 1, "ClientId": "C1", "Nm": "Acme Corp", "IsInactive": False},
            {"SystemId": 2, "ClientId": "C2", "Nm": "Beta LLC", "QBCustomerId": "BETA"},
            {"SystemId": 3, "ClientId": "C3", "Nm": "Gamma Ltd", "IsInactive": True},
        ],
        "staff": [
            {
                "StaffSID": 1,
                "FName": "Ann",
                "SName": "Lee",
                "EMail": creds.USER_ID,
                "Start_dt": "2020-01-06",
                "IAEmployeeId": "E1",
                "CostCenterA": 1,
                "UdfList": [{"Sid": 11, "Value": "E1"}],
            },
            {"StaffSID": 2, "FName": "Bo", "SName": "Chan", "EMail": "bo@demo.example"},
            {
                "StaffSID": 3,
                "FName": "Cy",
                "SName": "Dee",
                "EMail": "cy@demo.example",
                "IsInactive": True,
                "ManagerID": 1,
            },
        ],
        "project": [
            {
                "SystemId": 1,
                "ProjectCode": "P1",
                "Nm": "Audit 2024",
                "ClientId": 1,
                "TypeId": 1,
                "StartDt": "2024-01-01",
                "CostCenterA": 1,
                "QBClassDefault": 1,
                "DefaultInvoiceTermSid": 1,
                "UdfList": [{"Sid": 1, "Value": "PO-77"}, {"Name": "SO Number", "Value": "SO-9"}],
            },
            {"SystemId": 2, "ProjectCode": "P2", "Nm": "Tax 2024", "ClientId": 2},
            {
                "SystemId": 3,
                "ProjectCode": "P3",
                "Nm": "Old job",
                "ClientId": 1,
                "IsInactive": True,
            },
        ],
        "project_team": [
            {"ProjectSid": 1, "StaffSid": 1, "ContactRole": 1, "TeamLead": True},
            {"ProjectSid": 1, "StaffSid": 2, "ContactRole": 2, "TeamLead": False},
        ],
        "task": [
            {"TaskSid": 1, "ProjectSid": 1, "TaskNm": "Fieldwork", "TaskGroup": "Audit"},
            {"TaskSid": 2, "ProjectSid": 1, "TaskNm": "Review", "IsArchived": True},
        ],
        "invoice": [
            {
                "Sid": 1,
                "InvoiceNbr": "INV-1",
                "ClientSid": 1,
                "ProjectSid": 1,
                "InvoiceDt": "2024-02-01",
                "InvoiceDtDue": "2024-03-02",
                "TermsSid": 1,
                "Subtotal": D("1500.00"),
                "SalesTaxAmt": D("0.00"),
                "TotalAmt": D("1500.00"),
                "PaidAmt": D("500.25"),
                "Status": 2,
                "StatusTxt": "Sent",
                "Lines": [
                    {
                        "LineNbr": 1,
                        "Nm": "Fieldwork",
                        "Quantity": D("7.5"),
                        "Rate": D("150.00"),
                        "Amt": D("1125.00"),
                        "QBClassSid": 1,
                        "AcctSid": 1,
                        "ProjectSid": 1,
                    },
                    {
                        "LineNbr": 2,
                        "Nm": "Review",
                        "Quantity": D("2.5"),
                        "Rate": D("150.00"),
                        "Amt": D("375.00"),
                        "AcctSid": 1,
                        "ProjectSid": 1,
                    },
                ],
            },
            {
                "Sid": 2,
                "InvoiceNbr": "INV-2",
                "ClientSid": 2,
                "ProjectSid": 2,
                "InvoiceDt": "2024-03-15",
                "TotalAmt": D("99.99"),
                "Lines": [],
            },
        ],
        "time": list(demo_time()),
    }


def demo_time() -> Iterator[dict[str, Any]]:
    """Seven submitted entries: Ann on P1 in January, Bo on P2 in January and March."""
    rows = [
        (101, "2024-01-02", 1, 1, D("7.5"), 1, 1, 1),
        (102, "2024-01-02", 1, 1, D("0.25"), 1, None, None),
        (103, "2024-01-03", 1, 1, D("8"), 2, 1, None),
        (104, "2024-01-31", 1, 1, D("1.75"), 1, None, None),
        (105, "2024-02-01", 1, 1, D("3"), 1, None, None),
        (201, "2024-01-02", 2, 2, D("6.5"), 2, None, None),
        (202, "2024-03-15", 2, 2, D("2"), 2, None, None),
    ]
    for sid, dt, staff, project, hours, labor, task, invoice in rows:
        yield {
            "SID": sid,
            "Dt": dt,
            "StaffSID": staff,
            "ProjectSID": project,
            "Hours_IN": hours,
            "BudgCatID": labor,
            "TaskSID": task,
            "QBClass": 1,
            "Notes": f"entry {sid}",
            "NoCharge": False,
            "IsApproved": True,
            "InvoiceSID": invoice,
            "HoursBillable": hours,
            "BillRate": D("150.00"),
            "ChargeBillable": (hours * D("150.00")).quantize(D("0.01")),
            "CostRate": D("60.00"),
        }


class Api:
    """Raw HTTP access to a BigTime sandbox; paths are relative to the API root."""

    def __init__(self, sandbox: BigtimeSandbox, headers: dict[str, str] | None = None) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()
        self.http.headers.update(API_KEY_HEADERS if headers is None else headers)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.http.request(method, self.sandbox.url + path, timeout=30, **kw)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        data = None if body is None else json.dumps(body, default=str)
        headers = {"Content-Type": "application/json"}
        return self.request("POST", path, data=data, params=params, headers=headers)

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded answer of a call that must succeed (200)."""
        if method == "GET":
            resp = self.get(path, **params)
        elif method == "POST":
            resp = self.post(path, body, **params)
        else:
            resp = self.delete(path)
        assert resp.status_code == 200, (resp.status_code, resp.text)
        return decode(resp)


def decode(resp: requests.Response) -> Any:
    return json.loads(resp.content, parse_float=Decimal)


def message(resp: requests.Response) -> str:
    """The ``Message`` of an error answer (the body must be that JSON object)."""
    body = decode(resp)
    assert set(body) == {"Message"}, body
    return body["Message"]


def login(sandbox: BigtimeSandbox, **body: Any) -> requests.Response:
    fields = {"UserId": creds.USER_ID, "Pwd": creds.USER_PASSWORD, **body}
    return requests.post(sandbox.url + "/session", json=fields, timeout=30)


def session_api(sandbox: BigtimeSandbox) -> Api:
    resp = login(sandbox)
    assert resp.status_code == 200, resp.text
    token = resp.json()["token"]
    return Api(sandbox, {"X-Auth-Token": token, "X-Auth-Realm": creds.FIRM})
