"""The demo firm's BigTime seed: wire shape, references, determinism, and wire -> view.

The inverse mapping below is written independently of the renderer: it reads the seed the way
a BigTime client would (ids resolved through the records and lists, custom fields by name)
and must give back ``firm.bigtime_view`` exactly -- so every planted disagreement is on the
BigTime side of the wire.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from recon.sandbox.bigtime import catalogue as cat
from recon.sandbox.bigtime import guesses
from recon.sandbox.bigtime.catalogue import RESOURCES
from recon.sandbox.firm import ENTITIES, Firm, canon_str, generate
from recon.sandbox.firm.bigtime_lists import Lookup
from recon.sandbox.firm.bigtime_time import TimeRecords
from recon.sandbox.firm.columns import conform

Seed = dict[str, Any]
#: Seed key -> the sandbox catalogue's resource its records are; nested lists -> theirs.
RECORD_RESOURCE = {
    "client": "client", "project": "project", "staff": "staff", "time": "time",
    "invoice": "invoice", "task": "task", "project_team": "team_member",
}  # fmt: skip
NESTED = {"UdfList": "udf", "Lines": "invoice_line"}
#: Reference targets that are records (the rest are lists of ``guesses.LISTS``).
RECORD_REFS = {"client": "client", "project": "project", "staff": "staff", "task": "task",
               "invoice": "invoice"}  # fmt: skip
PLAIN = (str, int, bool, Decimal, type(None))
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate(seed=7, scale=1)


@pytest.fixture(scope="module")
def seed(firm: Firm) -> Seed:
    return firm.bigtime_seed()


@pytest.fixture(scope="module")
def times(seed: Seed) -> list[dict[str, Any]]:
    return list(seed["time"])


def _sid_of(name: str) -> str:
    return RESOURCES[RECORD_RESOURCE[name]].id_field


def _records(seed: Seed, times: list[dict[str, Any]]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, resource name, record) for every record of the seed, nested ones included."""
    for key, res in RECORD_RESOURCE.items():
        for rec in times if key == "time" else seed[key]:
            yield key, res, rec
            for field, nested in NESTED.items():
                for item in rec.get(field) or []:
                    yield f"{key}.{field}", nested, item
    for name, items in seed["lists"].items():
        for item in items:
            yield f"lists.{name}", "picklist_item", item
    for name, items in seed["udf_definitions"].items():
        for item in items:
            yield f"udf_definitions.{name}", "udf", item


# --- the inverse mapping: wire -> canonical ----------------------------------------------------
class Wire:
    """Resolves the seed's ids the way a client pulling BigTime would."""

    def __init__(self, seed: Seed, times: list[dict[str, Any]]) -> None:
        self.seed, self.times = seed, times
        self.lists = {n: {i["Id"]: i for i in items} for n, items in seed["lists"].items()}
        self.clients = {c["SystemId"]: c for c in seed["client"]}
        self.projects = {p["SystemId"]: p for p in seed["project"]}
        self.staff = {s["StaffSID"]: s for s in seed["staff"]}
        self.invoices = {i["Sid"]: i for i in seed["invoice"]}

    def item(self, name: str, sid: int | None, field: str) -> Any:
        return None if sid is None else self.lists[name][sid][field]

    def employee_id(self, staff_sid: int | None) -> str | None:
        return None if staff_sid is None else udf(self.staff[staff_sid], "Employee ID")

    def canonical(self) -> dict[str, pd.DataFrame]:
        rows = {
            "customer": [self.customer(c) for c in self.seed["client"]],
            "project": [self.project(p) for p in self.seed["project"]],
            "employee": [self.employee(s) for s in self.seed["staff"]],
            "time_entry": [self.time_entry(t) for t in self.times],
            "invoice": [self.invoice(i) for i in self.seed["invoice"]],
            "payment": [
                {"invoice_no": i["InvoiceNbr"], "paid_amount": i["PaidAmt"]}
                for i in self.seed["invoice"]
                if i["PaidAmt"] != 0
            ],
            "expense": [self.expense(e) for e in self.seed["expense"]],
            **self.reference_lists(),
        }
        return {e: conform(e, pd.DataFrame(r, columns=ENTITIES[e].names)) for e, r in rows.items()}

    def customer(self, c: dict[str, Any]) -> dict[str, Any]:
        return {"customer_id": c["ClientId"], "name": c["Nm"], "status": status(c["IsInactive"]),
                "address1": c["Address"], "city": c["City"], "state": c["State"],
                "zip": c["Zip"], "phone": c["MainPH"]}  # fmt: skip

    def project(self, p: dict[str, Any]) -> dict[str, Any]:
        team = [m for m in self.seed["project_team"] if m["ProjectSid"] == p["SystemId"]]
        leads = [m[cat.TEAM_STAFF_FIELD] for m in team if m[cat.TEAM_LEAD_FIELD]]
        assert len(leads) <= 1, p
        po_amount = udf(p, "PO Amount")
        return {
            "project_id": p["ProjectCode"], "name": p["Nm"],
            "customer_id": self.clients[p["ClientId"]]["ClientId"],
            "project_type": self.item("projecttype", p["TypeId"], "Name"),
            "status": status(p["IsInactive"]),
            "department_id": self.item("costcentera", p["CostCenterA"], "Code"),
            "location_id": self.item("costcenterb", p["CostCenterB"], "Code"),
            "class_id": self.item("class", p["QBClassDefault"], "Code"),
            "manager_id": self.employee_id(leads[0] if leads else None),
            "begin_date": day(p["StartDt"]), "end_date": day(p["EndDt"]),
            "term_name": self.item("term", p["DefaultInvoiceTermSid"], "Name"),
            "po_number": udf(p, "PO Number"),
            "po_amount": None if po_amount is None else Decimal(po_amount),
            "so_number": udf(p, "SO Number"), "description": p["Notes"],
        }  # fmt: skip

    def employee(self, s: dict[str, Any]) -> dict[str, Any]:
        return {
            "employee_id": udf(s, "Employee ID"), "first_name": s["FName"],
            "last_name": s["SName"], "email": s["EMail"], "title": s["Title"],
            "department_id": self.item("costcentera", s["CostCenterA"], "Code"),
            "location_id": self.item("costcenterb", s["CostCenterB"], "Code"),
            "class_id": self.item("class", s["IAClassDefaultId"], "Code"),
            "manager_id": self.employee_id(s["ManagerID"]),
            "start_date": day(s["Start_dt"]), "end_date": day(s["Term_dt"]),
            "status": status(s["IsInactive"]),
        }  # fmt: skip

    def time_entry(self, t: dict[str, Any]) -> dict[str, Any]:
        return {
            "entry_id": str(t["SID"]), "employee_id": self.employee_id(t["StaffSID"]),
            "entry_date": day(t["Dt"]),
            "project_id": self.projects[t["ProjectSID"]]["ProjectCode"],
            "time_type": self.item("laborcode", t["BudgCatID"], "Name"),
            "hours": t["Hours_IN"], "billable": not t["NoCharge"], "bill_rate": t["BillRate"],
            "notes": t["Notes"],
        }  # fmt: skip

    def expense(self, e: dict[str, Any]) -> dict[str, Any]:
        return {
            "entry_id": str(e["SID"]), "employee_id": self.employee_id(e["StaffSID"]),
            "expense_date": day(e["Dt"]),
            "project_id": self.projects[e["ProjectSID"]]["ProjectCode"],
            "expense_type": self.item("expensecode", e["CatSID"], "Name"),
            "amount": e["CostIN"], "billable": not e["NoCharge"],
            "paid_by_company": e["PaidByCo"], "report_id": str(e["RptSID"]), "notes": e["Nt"],
        }  # fmt: skip

    def invoice(self, i: dict[str, Any]) -> dict[str, Any]:
        return {
            "invoice_no": i["InvoiceNbr"], "customer_id": self.clients[i["ClientSid"]]["ClientId"],
            "project_id": self.projects[i["ProjectSid"]]["ProjectCode"],
            "invoice_date": day(i["InvoiceDt"]), "due_date": day(i["InvoiceDtDue"]),
            "term_name": self.item("term", i["TermsSid"], "Name"), "total": i["TotalAmt"],
        }  # fmt: skip

    def reference_lists(self) -> dict[str, list[dict[str, Any]]]:
        spec = {  # entity -> (list, {canonical column: item field})
            "vendor": ("vendor", {"vendor_id": "Code", "name": "Name"}),
            "department": ("costcentera", {"department_id": "Code", "name": "Name"}),
            "location": ("costcenterb", {"location_id": "Code", "name": "Name"}),
            "class": ("class", {"class_id": "Code", "name": "Name"}),
            "project_type": ("projecttype", {"name": "Name"}),
            "time_type": ("laborcode", {"name": "Name"}),
            "expense_type": ("expensecode", {"expense_type": "Name", "description": "Description",
                                             "gl_account_no": "AcctNbr"}),
            "item": ("item", {"item_id": "Code", "name": "Name"}),
            "gl_account": ("glaccount", {"account_no": "Code", "title": "Name"}),
            "checking_account": ("checkingaccount", {"account_id": "Code", "bank_name": "Name",
                                                     "gl_account_no": "AcctNbr"}),
            "credit_card": ("creditcard", {"card_id": "Code", "description": "Name",
                                           "card_type": "CardType"}),
            "ar_term": ("term", {"name": "Name", "description": "Description",
                                 "due_days": "DueDays"}),
        }  # fmt: skip
        return {
            entity: [
                {
                    **{col: item[f] for col, f in fields.items()},
                    "status": status(item["IsInactive"]),
                }
                for item in self.seed["lists"][name]
            ]
            for entity, (name, fields) in spec.items()
        }


def udf(record: dict[str, Any], name: str) -> Any:
    (value,) = [u["Value"] for u in record["UdfList"] if u["Name"] == name]
    return value


def status(inactive: bool) -> str:
    return "inactive" if inactive else "active"


def day(text: str | None) -> pd.Timestamp | None:
    return None if text is None else pd.Timestamp(text)


def _sorted(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.sort_values(key, kind="stable").reset_index(drop=True)


# --- tests -----------------------------------------------------------------------------------
def test_wire_maps_back_to_the_bigtime_view_exactly(
    firm: Firm, seed: Seed, times: list[dict[str, Any]]
):
    back = Wire(seed, times).canonical()
    assert set(back) == set(ENTITIES)
    for entity, spec in ENTITIES.items():
        pd.testing.assert_frame_equal(
            _sorted(back[entity], spec.key),
            _sorted(firm.bigtime_view[entity], spec.key),
            obj=entity,
        )


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [("staff", "ManagerID", None), ("project", "CostCenterB", 1), ("client", "Zip", "00000")],
)
def test_the_inverse_notices_one_changed_value(
    firm: Firm, times: list[dict[str, Any]], key: str, field: str, value: object
):
    changed = firm.bigtime_seed()
    record = next(r for r in changed[key] if r[field] != value)
    record[field] = value
    back = Wire(changed, times).canonical()
    entity = {"staff": "employee", "client": "customer"}.get(key, key)
    spec = ENTITIES[entity]
    with pytest.raises(AssertionError):
        pd.testing.assert_frame_equal(
            _sorted(back[entity], spec.key), _sorted(firm.bigtime_view[entity], spec.key)
        )


def test_every_planted_item_reads_back_on_the_bigtime_side(
    firm: Firm, seed: Seed, times: list[dict[str, Any]]
):
    back = Wire(seed, times).canonical()
    seen = Counter()
    for item in firm.manifest:
        spec = ENTITIES[item.entity]
        frame = back[item.entity].set_index(spec.key)
        if item.kind == "missing_in_bigtime":
            assert item.key not in frame.index, item
        else:
            assert item.key in frame.index, item
        if item.kind == "field_mismatch":
            kind = spec.col(item.field).kind
            assert canon_str(frame.loc[item.key, item.field], kind) == item.bigtime_value, item
        seen[item.kind] += 1
    assert set(seen) == {"missing_in_bigtime", "missing_in_intacct", "field_mismatch"}


def test_every_reference_resolves(seed: Seed, times: list[dict[str, Any]]):
    ids = {n: {r[_sid_of(n)] for r in seed[n]} for n in RECORD_REFS}
    ids |= {n: {i["Id"] for i in items} for n, items in seed["lists"].items()}
    assert set(guesses.LISTS) <= set(seed["lists"])
    checked = Counter()
    for _, res, rec in _records(seed, times):
        for key, value in rec.items():
            field = RESOURCES[res].field(key)
            if field is None or field.kind != "ref" or value is None:
                continue
            assert value in ids[field.ref], (res, key, value)
            checked[field.ref] += 1
    for team in seed["project_team"]:
        assert team["ProjectSid"] in ids["project"]
    # Every kind of reference the seed carries was actually exercised.
    assert {"client", "project", "staff", "task", "invoice", "class", "term", "projecttype",
            "laborcode", "costcentera", "costcenterb", "glaccount"} <= set(checked)  # fmt: skip


def test_time_refs_agree_with_their_project(seed: Seed, times: list[dict[str, Any]]):
    task_project = {t["TaskSid"]: t["ProjectSid"] for t in seed["task"]}
    invoice = {i["Sid"]: i for i in seed["invoice"]}
    project_class = {p["SystemId"]: p["QBClassDefault"] for p in seed["project"]}
    for t in times:
        if t["TaskSID"] is not None:
            assert task_project[t["TaskSID"]] == t["ProjectSID"], t
        assert t["QBClass"] == project_class[t["ProjectSID"]]
        assert t["IsInvoiced"] is (t["InvoiceSID"] is not None)
        if t["IsInvoiced"]:
            inv = invoice[t["InvoiceSID"]]
            assert inv["ProjectSid"] == t["ProjectSID"] and not t["NoCharge"]
            assert inv["InvoiceDt"][:7] == t["Dt"][:7]
    assert any(t["IsInvoiced"] for t in times) and any(t["TaskSID"] for t in times)


def test_sids_are_unique_and_positive(seed: Seed, times: list[dict[str, Any]]):
    for name in ("client", "project", "staff", "invoice", "task"):
        sids = [r[_sid_of(name)] for r in seed[name]]
        assert len(set(sids)) == len(sids) and min(sids) > 0, name
    sids = [t["SID"] for t in times]
    assert len(set(sids)) == len(sids) and min(sids) > 0  # seeded time is submitted
    for name, items in seed["lists"].items():
        assert [i["Id"] for i in items] == list(range(1, len(items) + 1)), name
    for inv in seed["invoice"]:
        assert [line["LineNbr"] for line in inv["Lines"]] == list(range(1, len(inv["Lines"]) + 1))
    pairs = [(m["ProjectSid"], m[cat.TEAM_STAFF_FIELD]) for m in seed["project_team"]]
    assert len(set(pairs)) == len(pairs)


def test_field_names_are_known_and_canonical(seed: Seed, times: list[dict[str, Any]]):
    shapes: dict[str, set[tuple[str, ...]]] = {}
    for where, res, rec in _records(seed, times):
        keys = [k for k in rec if not (res == "team_member" and k == "ProjectSid")]
        for key in keys:
            assert RESOURCES[res].canonical(key) == key, (where, key)
        shapes.setdefault(where, set()).add(tuple(rec))
    # The records of one kind all carry the same fields.
    assert all(len(s) == 1 for s in shapes.values()), {
        k: v for k, v in shapes.items() if len(v) > 1
    }
    assert "ProjectSid" in next(iter(shapes["project_team"]))
    assert seed["vocabulary"] and all(
        set(v) == {guesses.VOCABULARY_ID_KEY, guesses.VOCABULARY_NAME_KEY}
        for v in seed["vocabulary"]
    )


def test_values_are_plain_and_typed_by_kind(seed: Seed, times: list[dict[str, Any]]):
    for _, res, rec in _records(seed, times):
        for key, value in rec.items():
            field = RESOURCES[res].field(key)
            if field is None or field.kind == "list":
                continue
            assert type(value) in PLAIN, (res, key, type(value))  # no numpy scalars
            if value is None:
                continue
            kind = field.kind
            if kind in ("sid", "ref", "int"):
                assert type(value) is int, (res, key, value)
            elif kind in ("money", "hours"):
                assert isinstance(value, Decimal) and value.as_tuple().exponent == -2, (res, key)
            elif kind == "bool":
                assert type(value) is bool, (res, key, value)
            elif kind == "date":
                assert DATE.fullmatch(value), (res, key, value)
            elif kind == "datetime":
                assert DATETIME.fullmatch(value), (res, key, value)
            else:
                assert isinstance(value, str), (res, key, value)


def test_invoice_lines_sum_to_the_bigtime_total(firm: Firm, seed: Seed):
    totals = dict(zip(firm.bigtime_view["invoice"]["invoice_no"],
                      firm.bigtime_view["invoice"]["total"], strict=True))  # fmt: skip
    adjusted = {i.key for i in firm.manifest if i.flavour == "invoice_total"}
    assert adjusted
    for inv in seed["invoice"]:
        assert inv["Lines"], inv["InvoiceNbr"]
        assert sum(line["Amt"] for line in inv["Lines"]) == inv["TotalAmt"], inv["InvoiceNbr"]
        assert inv["TotalAmt"] == inv["Subtotal"] == totals[inv["InvoiceNbr"]]
        assert all(line["InvoiceSid"] == inv["Sid"] for line in inv["Lines"])
        has_adjustment = any(line["Nm"] == "Fee adjustment" for line in inv["Lines"])
        assert has_adjustment is (inv["InvoiceNbr"] in adjusted), inv["InvoiceNbr"]


def test_invoice_status_and_posting_follow_payments(firm: Firm, seed: Seed):
    posted = set(firm.intacct_view["invoice"]["invoice_no"])
    for inv in seed["invoice"]:
        paid, total = inv["PaidAmt"], inv["TotalAmt"]
        expected = "Paid" if paid >= total else "Partially Paid" if paid > 0 else "Sent"
        assert inv["StatusTxt"] == expected
        assert inv["PostedStatus"] == (1 if inv["InvoiceNbr"] in posted else 0)
    assert Counter(i["StatusTxt"] for i in seed["invoice"]).keys() == {
        "Paid", "Partially Paid", "Sent"}  # fmt: skip


def test_time_amounts_follow_hours_and_rate(times: list[dict[str, Any]]):
    for t in times:
        billable = not t["NoCharge"]
        assert t["HoursBillable"] == (t["Hours_IN"] if billable else Decimal("0.00"))
        assert t["ChargeBillable"] == (t["HoursBillable"] * t["BillRate"]).quantize(Decimal("0.01"))
        assert t["IsSubmitted"] is True and t["IsApproved"] is True


def test_project_teams_have_the_manager_as_lead(seed: Seed):
    teams: dict[int, list[dict[str, Any]]] = {}
    for m in seed["project_team"]:
        teams.setdefault(m["ProjectSid"], []).append(m)
    assert set(teams) == {p["SystemId"] for p in seed["project"]}
    for members in teams.values():
        assert 2 <= len(members) <= 4
        assert [m[cat.TEAM_LEAD_FIELD] for m in members].count(True) == 1
    assert {len(m) for m in teams.values()} == {2, 3, 4}


def test_same_seed_gives_the_same_seed_dict(seed: Seed):
    again = generate(seed=7, scale=1).bigtime_seed()
    assert again == seed
    other = generate(seed=8, scale=1).bigtime_seed()
    assert other["project_team"] != seed["project_team"]


def test_callers_cannot_change_the_cached_seed(firm: Firm):
    first = firm.bigtime_seed()
    first["client"][0]["Nm"] = "changed"
    first["project"][0]["UdfList"][0]["Value"] = "changed"
    first["invoice"][0]["Lines"].clear()
    first["time"][0]["Hours_IN"] = Decimal("99.00")
    fresh = firm.bigtime_seed()
    assert fresh["client"][0]["Nm"] != "changed"
    assert fresh["project"][0]["UdfList"][0]["Value"] != "changed"
    assert fresh["invoice"][0]["Lines"]
    assert fresh["time"][0]["Hours_IN"] != Decimal("99.00")


def test_time_records_read_like_a_list(seed: Seed, times: list[dict[str, Any]]):
    records = seed["time"]
    assert isinstance(records, TimeRecords) and len(records) == len(times) > 20_000
    assert records[0] == times[0] and records[-1] == times[-1]
    assert records[5:9] == times[5:9] and records[10:2:-3] == times[10:2:-3]
    batches = list(records.batches(7_000))
    assert [len(b) for b in batches[:-1]] == [7_000] * (len(batches) - 1)
    assert [r for b in batches for r in b] == times == list(records)  # re-iterable
    assert records == times and records != times[:-1]


def test_lookup_refuses_unknown_keys_and_passes_missing_ones():
    look = Lookup("class", ["A", "B"], [1, 2])
    assert look(pd.Series(["B", None, "A"], dtype="str")).tolist() == [2, None, 1]
    with pytest.raises(KeyError, match="unknown"):
        look(["C"])
    with pytest.raises(KeyError, match="duplicate"):
        Lookup("class", ["A", "A"], [1, 2])


def test_resources_named_in_the_seed_exist():
    for res in {*RECORD_RESOURCE.values(), *NESTED.values(), "picklist_item"}:
        assert cat.resource(res).name == res
