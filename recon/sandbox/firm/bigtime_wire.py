"""Render the BigTime view of the firm as BigTime wire records: the sandbox's ``BigtimeSeed``.

``render_seed`` turns ``Firm.bigtime_view`` (plus Intacct-only detail where BigTime holds
more: invoice lines, staff cost and bill rates) into the seed dict of the BigTime contract:
every record in BigTime's Detailed shape with the spellings of the sandbox's catalogue
(``recon.sandbox.bigtime.catalogue``), dates ``"YYYY-MM-DD"``, money and hours ``Decimal``,
ids ``int``, missing ``None``. A client pulling the seeded sandbox and mapping wire ->
canonical gets ``bigtime_view`` back exactly.

Read-only denormalised fields (``ProjectNm``, ``ClientNm``, ``SourceNm``, ``BudgCatNm``,
``FullName``, project ``DisplayName``, team ``StaffNm``, invoice ``DName``...) are left to the
sandbox, which derives them as BigTime would.
Time entries are a lazy :class:`~recon.sandbox.firm.bigtime_time.TimeRecords` sequence
(see there); everything else is a plain list of dicts.

SIDs are deterministic: clients from 101, projects from 1001, staff from 21, invoices from
5001, tasks from 70001, list items from 1 per list -- each in the view's key order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pandas as pd

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses
from recon.sandbox.firm import reference as ref
from recon.sandbox.firm.bigtime_lists import (
    Lookup,
    Record,
    View,
    dates,
    decimals,
    inactive,
    list_lookups,
    records,
    render_lists,
    texts,
)
from recon.sandbox.firm.bigtime_time import TimeRecords, time_records
from recon.sandbox.firm.columns import ENTITIES
from recon.sandbox.firm.expenses import bigtime_expenses

Streams = Callable[[str], np.random.Generator]

FIRST_SID = {"client": 101, "project": 1001, "staff": 21, "invoice": 5001, "task": 70001}
#: BigTime resource -> the canonical entity whose key order numbers its records.
SID_SOURCES = (("client", "customer"), ("project", "project"), ("staff", "employee"),
               ("invoice", "invoice"))  # fmt: skip
#: Custom fields BigTime's Intacct integration creates (docs/specs/bigtime-rest-api.md §4.11), with
#: their UDF ids.
PROJECT_UDFS = ((1, cat.UDF_PO_NUMBER), (2, cat.UDF_PO_AMOUNT),
                (3, cat.UDF_SO_NUMBER))  # fmt: skip
STAFF_UDFS = ((11, cat.UDF_EMPLOYEE_ID),)
#: The demo firm's lexicon (GET /settings/vocabulary): ids as in the spec's example
#: (docs/specs/bigtime-rest-api.md §4.11).
VOCABULARY = (("PROJECT", "engagement"), ("CLIENT", "client"), ("STAFF", "staffer"),
              ("LABOR_CODE", "service"), ("PRJ_TASK", "task"))  # fmt: skip
COUNTRY = "US"
# --- UNCERTAIN codes: docs/specs/bigtime-rest-api.md §4.2, §4.7, §4.9 name the fields, not values
#: Team ``ContactRole`` ids (LookupProjectTeamRoles values are firm-defined).
ROLE_PROJECT_MANAGER, ROLE_STAFF = 1, 2
#: Invoice ``Status``/``StatusTxt`` once sent, and ``PostedStatus`` (posted to accounting).
INVOICE_SENT, INVOICE_PARTIAL, INVOICE_PAID = (2, "Sent"), (3, "Partially Paid"), (4, "Paid")
POSTED, NOT_POSTED = 1, 0
#: Task ``CurrentStatus`` of an open task and of one on a closed project (also archived).
TASK_OPEN, TASK_DONE = 1, 3
#: Tasks of a client engagement: (TaskNm, TaskGroup); each project takes the first 2..4.
TASK_PLAN = (("Planning", "Planning"), ("Fieldwork", "Execution"),
             ("Reporting", "Execution"), ("Engagement Management", "Administration"))  # fmt: skip
TASK_BUDGET_RATE = Decimal("200.00")  # blended $/h of a task's fee budget
ADJUSTMENT_LINE = "Fee adjustment"  # invoice line making the lines add up to TotalAmt
ZERO = Decimal("0.00")


def render_seed(view: View, intacct_view: View, detail: View, streams: Streams) -> dict[str, Any]:
    """The ``BigtimeSeed`` dict of the BigTime contract for the firm's BigTime view.

    Parameters
    ----------
    view:
        ``Firm.bigtime_view`` (canonical frames per entity).
    intacct_view:
        ``Firm.intacct_view``; only says which invoices were posted to Intacct and which
        staffers are linked to an Intacct employee.
    detail:
        ``Firm.intacct_detail`` (invoice lines, staff cost rates).
    streams:
        Seeded random streams by name (``sizing.stream`` bound to the firm's seed/scale);
        teams and tasks draw from their own streams.
    """
    lists = render_lists(view)
    look = list_lookups(lists)
    for name, entity in SID_SOURCES:
        keys, first = view[entity][ENTITIES[entity].key], FIRST_SID[name]
        look[name] = Lookup(name, keys.tolist(), range(first, first + len(keys)))
    tasks = _tasks(view["project"], look, streams("bigtime.tasks"))
    return {
        "client": _clients(view["customer"]),
        "project": _projects(view["project"], look),
        "project_team": _teams(view, look, streams("bigtime.teams")),
        "staff": _staff(view["employee"], intacct_view["employee"], detail["employee"], look),
        "time": time_records(view, detail, look, tasks),
        "invoice": _invoices(view, intacct_view, detail["invoice_line"], look),
        "task": tasks,
        "expense": bigtime_expenses(view, look),
        "lists": lists,
        "udf_definitions": {
            "project": [{"Sid": s, "Name": n} for s, n in PROJECT_UDFS],
            "staff": [{"Sid": s, "Name": n} for s, n in STAFF_UDFS],
        },
        "vocabulary": [
            {guesses.VOCABULARY_ID_KEY: i, guesses.VOCABULARY_NAME_KEY: n} for i, n in VOCABULARY
        ],
    }


def copy_seed(seed: Mapping[str, Any]) -> dict[str, Any]:
    """A copy a caller may change freely: every record dict and nested list is new.

    Values are immutable (str, int, bool, Decimal, None); time records are generated afresh
    on every read, so the :class:`TimeRecords` object is shared.
    """
    out: dict[str, Any] = {}
    for name, value in seed.items():
        if isinstance(value, TimeRecords):
            out[name] = value
        elif isinstance(value, dict):
            out[name] = {k: [_copy(r) for r in items] for k, items in value.items()}
        else:
            out[name] = [_copy(r) for r in value]
    return out


def _copy(record: Record) -> Record:
    return {k: [dict(x) for x in v] if isinstance(v, list) else v for k, v in record.items()}


def _stamps(days: pd.Series, minute: int) -> list[str | None]:
    """``DtCreated``: the record reached BigTime at ``minute`` past midnight of ``days``."""
    clock = f"T{minute // 60:02d}:{minute % 60:02d}:00"
    return [None if d is None else d + clock for d in dates(days).tolist()]


# --- master data ------------------------------------------------------------------------------
def _clients(v: pd.DataFrame) -> list[Record]:
    name = texts(v["name"])
    # The demo firm's clients all reached BigTime in its first sync (before 2025).
    created = _stamps(pd.Series(pd.Timestamp("2024-01-08"), index=v.index), 7 * 60)
    first = FIRST_SID["client"]
    return records(len(v), {
        "SystemId": list(range(first, first + len(v))), "ClientId": texts(v["customer_id"]),
        "Nm": name, "DisplayName": name, "Address": texts(v["address1"]),
        "City": texts(v["city"]), "State": texts(v["state"]), "Zip": texts(v["zip"]),
        "Country": COUNTRY, "MainPH": texts(v["phone"]), "IsInactive": inactive(v["status"]),
        "Notes": None, "QBCustomerId": None,
        "CostCenterA": None, "CostCenterB": None, "CostCenterC": None,
        "DtCreated": created, "DtModified": created,
    })  # fmt: skip


def _udfs(defs: tuple[tuple[int, str], ...], columns: list[list[Any]]) -> list[list[Record]]:
    return [
        [
            {"Sid": sid, "Name": name, "Value": value}
            for (sid, name), value in zip(defs, row, strict=True)
        ]
        for row in zip(*columns, strict=True)
    ]


def _projects(v: pd.DataFrame, look: Mapping[str, Lookup]) -> list[Record]:
    name = texts(v["name"])
    po_amount = [None if x is None else f"{x:.2f}" for x in decimals(v["po_amount"])]
    created = _stamps(v["begin_date"].clip(upper=pd.Timestamp("2025-12-16")), 8 * 60)  # type: ignore[call-overload]  # pandas-stubs: no Timestamp bound
    first = FIRST_SID["project"]
    return records(len(v), {
        "SystemId": list(range(first, first + len(v))), "ProjectCode": texts(v["project_id"]),
        "Nm": name, "ClientId": look["client"](v["customer_id"]),
        "TypeId": look["projecttype"](v["project_type"]),
        "StartDt": dates(v["begin_date"]), "EndDt": dates(v["end_date"]),
        "IsInactive": inactive(v["status"]), "Notes": texts(v["description"]),
        "CostCenterA": look["costcentera"](v["department_id"]),
        "CostCenterB": look["costcenterb"](v["location_id"]), "CostCenterC": None,
        "QBClassDefault": look["class"](v["class_id"]),
        "DefaultInvoiceTermSid": look["term"](v["term_name"]), "QBCustomerId": None,
        "UdfList": _udfs(PROJECT_UDFS, [texts(v["po_number"]), po_amount, texts(v["so_number"])]),
        "DtCreated": created, "DtModified": created,
    })  # fmt: skip


def _staff(
    v: pd.DataFrame, in_intacct: pd.DataFrame, rates: pd.DataFrame, look: Mapping[str, Lookup]
) -> list[Record]:
    emp_id = texts(v["employee_id"])
    # The live staff list carries the hourly cost (CostFactor) and billing rates
    # (docs/specs/bigtime-evidence.md §2.2); the demo firm's standard bill rate is its Rate1
    # (which slot a firm uses is its own).
    by_employee = rates.set_index("employee_id").reindex(v["employee_id"])
    # The Intacct link exists only for staffers that reached Intacct (one was hired in BigTime).
    linked = texts(v["employee_id"].where(v["employee_id"].isin(in_intacct["employee_id"])))
    created = _stamps(v["start_date"].clip(lower=pd.Timestamp("2024-01-08")), 8 * 60 + 30)  # type: ignore[call-overload]  # pandas-stubs: no Timestamp bound
    first = FIRST_SID["staff"]
    return records(len(v), {
        "StaffSID": list(range(first, first + len(v))), "FName": texts(v["first_name"]),
        "SName": texts(v["last_name"]), "Title": texts(v["title"]), "EMail": texts(v["email"]),
        "Phone_Cell": None, "ManagerID": look["staff"](v["manager_id"]),
        "IsInactive": inactive(v["status"]),
        "Start_dt": dates(v["start_date"]), "Term_dt": dates(v["end_date"]),
        "CostFactor": decimals(by_employee["cost_rate"]),
        "Rate1": decimals(by_employee["bill_rate"]),
        "CostCenterA": look["costcentera"](v["department_id"]),
        "CostCenterB": look["costcenterb"](v["location_id"]), "CostCenterC": None,
        "IAEmployeeId": linked, "IAClassDefaultId": look["class"](v["class_id"]),
        "UdfList": _udfs(STAFF_UDFS, [emp_id]),
        "DtCreated": created, "DtModified": created,
    })  # fmt: skip


def _teams(view: View, look: Mapping[str, Lookup], rng: np.random.Generator) -> list[Record]:
    """Per project: the manager as team lead, then 1-3 staff (preferably who logged time)."""
    proj, emp = view["project"], view["employee"]
    worked = (
        view["time_entry"][["project_id", "employee_id"]].drop_duplicates()
        .sort_values(["project_id", "employee_id"]).groupby("project_id")["employee_id"]
        .agg(list).to_dict()
    )  # fmt: skip
    active = sorted(emp.loc[emp["status"] == "active", "employee_id"].tolist())
    teams: list[list[str]] = []
    for pid, lead in zip(proj["project_id"], proj["manager_id"], strict=True):
        pool = [e for e in worked.get(pid, []) if e != lead]
        if len(pool) < 3:  # too few staff logged time here: add other active staff
            taken = {*pool, lead}
            pool += [e for e in active if e not in taken]
        picks = rng.choice(len(pool), size=min(int(rng.integers(1, 4)), len(pool)), replace=False)
        teams.append([lead, *sorted(pool[i] for i in picks)] if pd.notna(lead) else [])
    sizes = [len(t) for t in teams]
    return records(sum(sizes), {
        "ProjectSid": np.repeat(look["project"](proj["project_id"]), sizes),
        cat.TEAM_STAFF_FIELD: look["staff"]([e for t in teams for e in t]),
        "ContactRole": [ROLE_PROJECT_MANAGER if i == 0 else ROLE_STAFF for n in sizes
                        for i in range(n)],
        cat.TEAM_LEAD_FIELD: [i == 0 for n in sizes for i in range(n)],
    })  # fmt: skip


def _tasks(
    proj: pd.DataFrame, look: Mapping[str, Lookup], rng: np.random.Generator
) -> list[Record]:
    """2-4 tasks per client engagement (internal projects have none), in project order."""
    out: list[Record] = []
    sids = look["project"](proj["project_id"])
    classes = look["class"](proj["class_id"])
    client = (proj["project_type"] != "Internal").to_numpy()
    closed = (proj["status"] == "inactive").to_numpy()
    for row, code in enumerate(proj["project_id"]):
        if not client[row]:
            continue
        for i in range(int(rng.integers(2, len(TASK_PLAN) + 1))):
            hours = Decimal(int(rng.integers(4, 41)) * 5).quantize(ZERO)
            out.append({
                "TaskSid": FIRST_SID["task"] + len(out), "ProjectSid": sids[row],
                "TaskNm": TASK_PLAN[i][0], "TaskGroup": TASK_PLAN[i][1],
                "TaskId": f"{code}-T{i + 1}",
                "CurrentStatus": TASK_DONE if closed[row] else TASK_OPEN,
                "BudgetHours": hours, "BudgetFees": (hours * TASK_BUDGET_RATE).quantize(ZERO),
                "DefaultQBClass": classes[row], "NoCharge": False, "IsArchived": bool(closed[row]),
            })  # fmt: skip
    return out


# --- invoices ---------------------------------------------------------------------------------
def _invoices(
    view: View, intacct_view: View, lines: pd.DataFrame, look: Mapping[str, Lookup]
) -> list[Record]:
    """Invoice headers with lines; PaidAmt from the BigTime payment view (0.00 if none)."""
    inv = view["invoice"]
    pay = view["payment"]
    paid = dict(zip(pay["invoice_no"], pay["paid_amount"], strict=True))
    paid_amt = [paid.get(k, ZERO) for k in inv["invoice_no"]]
    total = cast(list[Decimal], decimals(inv["total"]))  # every invoice has a total
    status = [_status(p, t) for p, t in zip(paid_amt, total, strict=True)]
    posted = inv["invoice_no"].isin(intacct_view["invoice"]["invoice_no"]).to_numpy()
    month = inv["invoice_date"].dt.strftime("%B %Y").tolist()
    heads = records(len(inv), {
        "Sid": look["invoice"](inv["invoice_no"]), "InvoiceNbr": texts(inv["invoice_no"]),
        "ClientSid": look["client"](inv["customer_id"]),
        "ProjectSid": look["project"](inv["project_id"]),
        "InvoiceDt": dates(inv["invoice_date"]), "InvoiceDtDue": dates(inv["due_date"]),
        "TermsSid": look["term"](inv["term_name"]),
        "Subtotal": total, "SalesTaxAmt": ZERO, "TotalAmt": total, "PaidAmt": paid_amt,
        "Status": [s[0] for s in status], "StatusTxt": [s[1] for s in status],
        "PostedStatus": np.where(posted, POSTED, NOT_POSTED),
        "Note1": [f"Professional services, {m}" for m in month],
    })  # fmt: skip
    by_invoice = _lines(view, lines, look)
    revenue = look["glaccount"].one(ref.REVENUE_ACCOUNT)
    for head in heads:
        own = by_invoice.get(head["InvoiceNbr"], [])
        head["Lines"] = _balanced(head, own, revenue)
    return heads


def _status(paid: Decimal, total: Decimal) -> tuple[int, str]:
    if paid >= total:
        return INVOICE_PAID
    return INVOICE_PARTIAL if paid > 0 else INVOICE_SENT


def _lines(view: View, lines: pd.DataFrame, look: Mapping[str, Lookup]) -> dict[str, list[Record]]:
    """Lines of the truth (one per invoice and labor code) for the invoices BigTime holds."""
    inv = view["invoice"].set_index("invoice_no")
    lines = lines[lines["invoice_no"].isin(inv.index)].reset_index(drop=True)
    project = inv["project_id"].reindex(lines["invoice_no"]).reset_index(drop=True)
    proj_class = view["project"].set_index("project_id")["class_id"]
    hours = decimals(lines["hours"])
    amount = cast(list[Decimal], decimals(lines["amount"]))  # every line has an amount
    rows = records(len(lines), {
        "LineNbr": lines["line_no"], "InvoiceSid": look["invoice"](lines["invoice_no"]),
        "Nm": texts(lines["time_type"]), "Nt": [f"{h} h" for h in hours],
        "Quantity": hours,
        # Several staff at different rates share a line: the rate shown is the blend.
        "Rate": [(a / h).quantize(ZERO) if h else a for a, h in zip(amount, hours, strict=True)],
        "Amt": amount, "QBClassSid": look["class"](proj_class.reindex(project)),
        "AcctSid": look["glaccount"].one(ref.REVENUE_ACCOUNT),
        "ProjectSid": look["project"](project),
    })  # fmt: skip
    out: dict[str, list[Record]] = {}
    for number, row in zip(lines["invoice_no"], rows, strict=True):
        out.setdefault(number, []).append(row)
    return out


def _balanced(head: Record, lines: list[Record], revenue: int | None) -> list[Record]:
    """``lines`` plus, when BigTime's total was changed by hand, a line for the difference."""
    diff = head["TotalAmt"] - sum((line["Amt"] for line in lines), ZERO)
    if not diff:
        return lines
    base = lines[-1] if lines else {"QBClassSid": None, "ProjectSid": head["ProjectSid"]}
    number = max((line["LineNbr"] for line in lines), default=0) + 1
    return [*lines, {
        "LineNbr": number, "InvoiceSid": head["Sid"], "Nm": ADJUSTMENT_LINE,
        "Nt": None, "Quantity": Decimal("1.00"), "Rate": diff, "Amt": diff,
        "QBClassSid": base["QBClassSid"], "AcctSid": revenue, "ProjectSid": base["ProjectSid"],
    }]  # fmt: skip
