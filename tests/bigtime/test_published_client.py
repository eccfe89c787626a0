"""The sandbox answers the requests a published client sends, as that client reads them.

bigtime-api-python (PyPI 0.0.3, GitHub N3RM/pybt) ran against the real API; its 0.0.3 fixes
come from that (docs/specs/bigtime-evidence.md §1, §2.4, §2.5, §2.7, §2.11). Against the
sandbox it failed on the date format and on ``View``. The requests and reads below are
written from the evidence file -- the package is not installed -- and mirror what it does:

- headers ``X-auth-ApiToken`` / ``X-auth-realm`` (§2.1), the realm also as the tenant id;
- ``GET /project?show_inactive=true`` (an underscore name the API ignores, §2.4), then
  ``models.Project``: ``date.fromisoformat(StartDt)`` and ``float(BasicRate)``, unguarded;
- ``GET /project/team/{id}`` read as ``ProjectTeamMember(staffsid, ContactRole, TeamLead,
  StaffNm, **kwargs)`` (§2.5);
- ``GET /time/Sheet/{id}?startdt&enddt&view=ViewChoices.DETAILED`` -- the enum's repr, as
  requests encodes it (§2.7) -- then each entry's ``Dt`` as a date;
- ``GET /staff`` read as ``User(StaffSID, FName, SName, ...)`` (§2.2);
- ``GET /picklist/FieldValues/LookupClientContactType`` (§2.11);
- ``POST /expense/reportbyfilter?mindate&maxdate&view`` (query parameters, §2.10);
- ``GET /invoice/history?startDt&endDt`` with dates read by ``date.fromisoformat``.

Citations: "§N" is docs/specs/bigtime-evidence.md.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests

from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.bigtime.conftest import DemoSeed

VIEW_DETAILED = "ViewChoices.DETAILED"  # str() of bigtime-api-python's enum member


def project_model(
    SystemId: int,  # the API's key names, as the model takes them
    Nm: str,
    StartDt: str | None = None,
    BasicRate: Any = None,
    **kwargs: Any,
) -> tuple[date | None, float]:
    """What ``models.Project.__init__`` does with the two fields that broke (§2.4)."""
    start = date.fromisoformat(StartDt) if StartDt else StartDt
    return start, float(BasicRate)  # TypeError on null, as in 0.0.3


def team_member_model(
    staffsid: int | None = None,
    ContactRole: int | None = None,
    TeamLead: bool = False,
    StaffNm: str | None = None,
    **kwargs: Any,
) -> tuple[int | None, str | None, bool]:
    return staffsid, StaffNm, TeamLead


class PublishedClient:
    """The request shapes of bigtime-api-python's rest adapter."""

    def __init__(self, sandbox: BigtimeSandbox, realm: str) -> None:
        self.url = sandbox.url
        self.http = requests.Session()
        self.http.headers.update({"X-auth-ApiToken": creds.API_TOKEN, "X-auth-realm": realm})

    def get(self, path: str, **params: Any) -> Any:
        resp = self.http.get(self.url + path, params=params, timeout=30)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:200])
        return resp.json()  # the package reads plain JSON (floats)

    def post(self, path: str, **params: Any) -> Any:
        resp = self.http.post(self.url + path, params=params, timeout=30)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[:200])
        return resp.json()


@pytest.fixture(params=[creds.FIRM, creds.TENANT_ID], ids=["firm-id", "tenant-id"])
def published(request: pytest.FixtureRequest, bt_sandbox: BigtimeSandbox) -> PublishedClient:
    bt_sandbox.faults.clear()
    return PublishedClient(bt_sandbox, request.param)


def test_projects_read_as_bigtime_api_python_reads_them(published: PublishedClient) -> None:
    projects = published.get("/project", show_inactive="true")
    assert projects
    for item in projects:
        start, rate = project_model(**item)
        assert isinstance(start, date) and rate >= 0
    sid = projects[0]["SystemId"]
    detail = published.get(f"/project/detail/{sid}", view="Basic", showallcontacts="false")
    project_model(**detail)
    team = [team_member_model(**m) for m in published.get(f"/project/team/{sid}")]
    assert team and all(s is not None and name for s, name, _ in team)
    assert sum(lead for _, _, lead in team) == 1


def test_time_sheet_with_the_enum_view(published: PublishedClient, demo_seed: DemoSeed) -> None:
    staffer = demo_seed.time[0]["StaffSID"]
    sheet = published.get(
        f"/time/Sheet/{staffer}", startdt="2025-01-01", enddt="2025-01-31", view=VIEW_DETAILED
    )
    assert sheet
    for entry in sheet:
        assert date(2025, 1, 1) <= date.fromisoformat(entry["Dt"]) <= date(2025, 1, 31)
        assert isinstance(entry["Hours_IN"], int | float)
    by_project = published.get(
        f"/time/ByProject/{sheet[0]['ProjectSID']}", startdt="2025-01-01", enddt="2025-01-31",
        view=VIEW_DETAILED, isapproved="false",
    )  # fmt: skip
    assert all(date.fromisoformat(e["Dt"]) for e in by_project)


def test_staff_picklists_expenses_and_invoices(published: PublishedClient) -> None:
    staff = published.get("/staff", show_inactive="false")
    assert all({"StaffSID", "FName", "SName"} <= set(s) for s in staff)
    assert all(date.fromisoformat(s["Start_dt"]) for s in staff if s["Start_dt"])
    assert published.get("/picklist/FieldValues/LookupClientContactType") == []
    types = published.get("/picklist/FieldValues/LookupProjectType", showinactive="false")
    assert all(int(t["Id"]) > 0 for t in types)  # GLLPS: int(t["Id"]) (§2.11)
    expenses = published.post(
        "/expense/reportbyfilter", mindate="2025-01-01", maxdate="2025-12-31", view="Basic"
    )
    # pybt sends the names as query parameters: the sandbox reads them there too (issue 16:
    # the demo firm's year of expenses, every one with the evidence's fields).
    assert expenses and all({"ProjectSID", "CostIN", "Dt", "CatNm"} <= set(e) for e in expenses)
    history = published.get("/invoice/history", startDt="2025-01-01", endDt="2025-12-31")
    assert history
    for invoice in history:
        assert date.fromisoformat(invoice["InvoiceDt"]).year == 2025
        assert f"{invoice['InvoiceAmt']:,.2f}"  # GLLPS bt_probe_lines (§2.9)
        assert Decimal(str(invoice["TotalAmt"])) >= 0
