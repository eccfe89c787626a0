"""The demo firm generator: determinism, size, wire frames, and views == truth + manifest.

The view comparison below is an independent keyed diff (pandas merge per entity): it must
find every planted item and nothing else.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from recon.errors import ConfigError
from recon.sandbox.firm import ENTITIES, Firm, Planted, canon_str, generate, time_entry_count
from recon.sandbox.intacct.catalogue import OBJECTS, TIMESHEETENTRY_LINK_FIELD
from recon.sandbox.intacct.guesses import TIMESHEETENTRY_PARENT_KEY

FLAVOURS = {
    "missing", "renamed", "case_only", "whitespace_only", "manager", "cost_center", "class",
    "status", "hours_quarter", "wrong_project", "invoice_total", "payment_missing",
}  # fmt: skip
WIRE = {
    "date": r"\d{2}/\d{2}/\d{4}",
    "datetime": r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}",
    "money": r"-?\d+\.\d{2}",
    "qty": r"\d+\.\d{2}",
    "int": r"-?\d+",
    "bool": r"true|false",
    "status": r"active|inactive",
}


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate(seed=7, scale=1)


@pytest.fixture(scope="module")
def wire(firm: Firm) -> dict[str, pd.DataFrame]:
    return firm.intacct_frames()


def _cents(values: pd.Series) -> pd.Series:
    return (values.map(Decimal) * 100).map(int).astype("int64")


# --- determinism and size --------------------------------------------------------------------
def test_same_seed_and_scale_give_identical_firm(firm: Firm, wire: dict[str, pd.DataFrame]):
    again = generate(seed=7, scale=1)
    for name in ENTITIES:
        pd.testing.assert_frame_equal(again.intacct_view[name], firm.intacct_view[name])
        pd.testing.assert_frame_equal(again.bigtime_view[name], firm.bigtime_view[name])
    assert again.manifest == firm.manifest
    assert again.manifest_records() == firm.manifest_records()
    again_wire = again.intacct_frames()
    for name in OBJECTS:
        pd.testing.assert_frame_equal(again_wire[name], wire[name])


def test_another_seed_gives_another_firm(firm: Firm):
    other = generate(seed=8, scale=1)
    assert other.intacct_view["customer"]["name"].tolist() != (
        firm.intacct_view["customer"]["name"].tolist()
    )
    assert len(other.bigtime_view["time_entry"]) != len(firm.bigtime_view["time_entry"])
    assert [p.key for p in other.manifest] != [p.key for p in firm.manifest]


def test_sizes_at_scale_1(firm: Firm):
    view = firm.intacct_view
    assert 38 <= len(view["customer"]) <= 45
    assert 115 <= len(view["project"]) <= 125
    assert 33 <= len(view["employee"]) <= 40
    assert 12 <= len(view["vendor"]) <= 18
    assert 22_000 <= len(view["time_entry"]) <= 28_000
    assert len(view["invoice"]) > 500
    assert 30 <= len(firm.manifest) <= 56  # 49, and 6 expenses (issue 16)
    assert 400 <= len(view["expense"]) <= 700
    for name in ("department", "location", "class", "project_type", "time_type",
                 "expense_type", "item", "gl_account", "checking_account", "credit_card",
                 "ar_term"):  # fmt: skip
        assert len(view[name]) >= 2, name
    paid = firm.intacct_view["payment"].set_index("invoice_no")["paid_amount"]
    total = firm.intacct_view["invoice"].set_index("invoice_no")["total"]
    full = (paid == total.reindex(paid.index)).sum()
    assert full > 0.7 * len(paid) and full < len(paid)  # most paid in full, some partially
    assert 0.05 * len(total) < len(total) - len(paid) < 0.5 * len(total)  # recent ones open


def test_scale_40_reaches_a_million_entries_and_counts_are_exact(firm: Firm):
    assert time_entry_count(7, 1) == len(firm.bigtime_view["time_entry"])
    assert time_entry_count(7, 40) >= 1_000_000


def test_planted_items_grow_gently_with_scale(firm: Firm):
    bigger = generate(seed=7, scale=2)
    assert len(firm.manifest) < len(bigger.manifest) < 3 * len(firm.manifest)
    assert _diff(bigger) == _manifest_set(bigger)


@pytest.mark.parametrize("bad", [{"scale": 0}, {"seed": -1}, {"scale": True}, {"seed": 1.5}])
def test_bad_arguments_are_refused(bad: dict[str, object]):
    with pytest.raises(ConfigError):
        generate(**bad)  # type: ignore[arg-type]


# --- canonical views --------------------------------------------------------------------------
@pytest.mark.parametrize("side", ["intacct_view", "bigtime_view"])
def test_views_have_the_canonical_columns_keys_and_dtypes(firm: Firm, side: str):
    view = getattr(firm, side)
    assert list(view) == list(ENTITIES)
    for name, spec in ENTITIES.items():
        frame = view[name]
        assert list(frame.columns) == spec.names, name
        assert {c: str(t) for c, t in frame.dtypes.items()} == spec.dtypes(), name
        assert frame[spec.key].notna().all() and frame[spec.key].is_unique, name
        for col in spec.columns:
            if col.kind in ("money", "hours"):
                assert all(isinstance(v, Decimal) for v in frame[col.name].dropna()), name


@pytest.mark.parametrize("side", ["intacct_view", "bigtime_view"])
def test_each_view_is_referentially_whole(firm: Firm, side: str):
    v = getattr(firm, side)
    ids = {name: set(v[name][ENTITIES[name].key]) for name in ENTITIES}
    refs = [
        ("project", "customer_id", "customer"), ("project", "manager_id", "employee"),
        ("project", "department_id", "department"), ("project", "location_id", "location"),
        ("project", "class_id", "class"), ("project", "project_type", "project_type"),
        ("project", "term_name", "ar_term"), ("employee", "manager_id", "employee"),
        ("employee", "department_id", "department"), ("employee", "location_id", "location"),
        ("employee", "class_id", "class"), ("time_entry", "employee_id", "employee"),
        ("time_entry", "project_id", "project"), ("time_entry", "time_type", "time_type"),
        ("invoice", "customer_id", "customer"), ("invoice", "project_id", "project"),
        ("expense_type", "gl_account_no", "gl_account"), ("payment", "invoice_no", "invoice"),
        ("checking_account", "gl_account_no", "gl_account"),
    ]  # fmt: skip
    for entity, col, target in refs:
        values = set(v[entity][col].dropna())
        assert values <= ids[target], (entity, col, values - ids[target])


def _diff(firm: Firm) -> set[tuple[object, ...]]:
    """Independent keyed diff of the two views: (entity, kind, key, field, iv, bv)."""
    found: set[tuple[object, ...]] = set()
    for entity, spec in ENTITIES.items():
        ia, bt = firm.intacct_view[entity], firm.bigtime_view[entity]
        both = ia.merge(bt, on=spec.key, how="outer", suffixes=("_ia", "_bt"), indicator=True)
        for key in both.loc[both["_merge"] == "left_only", spec.key]:
            found.add((entity, "missing_in_bigtime", key, None, None, None))
        for key in both.loc[both["_merge"] == "right_only", spec.key]:
            found.add((entity, "missing_in_intacct", key, None, None, None))
        common = both[both["_merge"] == "both"]
        for col in spec.columns:
            if col.name == spec.key:
                continue
            a, b = common[f"{col.name}_ia"], common[f"{col.name}_bt"]
            differs = ~((a == b).fillna(False) | (a.isna() & b.isna()))
            for i in np.flatnonzero(differs.to_numpy()):
                values = (canon_str(a.iloc[i], col.kind), canon_str(b.iloc[i], col.kind))
                found.add((entity, "field_mismatch", common[spec.key].iloc[i], col.name, *values))
    return found


def _manifest_set(firm: Firm) -> set[tuple[object, ...]]:
    return {(p.entity, p.kind, p.key, p.field, p.intacct_value, p.bigtime_value)
            for p in firm.manifest}  # fmt: skip


def test_views_differ_in_exactly_the_manifest(firm: Firm):
    assert _diff(firm) == _manifest_set(firm)
    assert len(_manifest_set(firm)) == len(firm.manifest)  # no item listed twice


def test_case_and_whitespace_items_vanish_under_normalisation(firm: Firm):
    kinds = Counter(p.flavour for p in firm.manifest)
    assert kinds["case_only"] >= 2 and kinds["whitespace_only"] >= 2
    for p in firm.manifest:
        if p.flavour in ("case_only", "whitespace_only"):
            a, b = str(p.intacct_value), str(p.bigtime_value)
            assert a != b
            if p.flavour == "case_only":  # case-folding alone makes them equal
                assert a.casefold() == b.casefold(), p
            else:  # collapsing and trimming whitespace alone makes them equal
                assert " ".join(a.split()) == " ".join(b.split()), p
        elif p.kind == "field_mismatch" and p.intacct_value and p.bigtime_value:
            norm = [" ".join(str(v).casefold().split()) for v in (p.intacct_value, p.bigtime_value)]
            assert norm[0] != norm[1], p  # real differences survive normalisation


def test_every_flavour_and_the_briefs_examples_are_planted(firm: Firm):
    assert FLAVOURS <= {p.flavour for p in firm.manifest}
    have = {(p.entity, p.kind) for p in firm.manifest}
    for wanted in [
        ("customer", "missing_in_bigtime"), ("project", "missing_in_intacct"),
        ("employee", "missing_in_intacct"), ("department", "missing_in_bigtime"),
        ("time_entry", "missing_in_intacct"), ("invoice", "missing_in_intacct"),
        ("payment", "missing_in_bigtime"),
    ]:  # fmt: skip
        assert wanted in have
    by = {(p.entity, p.field) for p in firm.manifest if p.kind == "field_mismatch"}
    fields = [
        ("project", "manager_id"), ("project", "department_id"), ("project", "location_id"),
        ("project", "class_id"), ("project", "status"), ("time_entry", "hours"),
        ("time_entry", "project_id"), ("invoice", "total"),
    ]  # fmt: skip
    for wanted in fields:
        assert wanted in by
    for p in firm.manifest:
        if p.flavour == "hours_quarter":
            delta = abs(Decimal(str(p.intacct_value)) - Decimal(str(p.bigtime_value)))
            assert delta == Decimal("0.25")
        if p.flavour == "status":
            assert {p.intacct_value, p.bigtime_value} == {"active", "inactive"}


def test_manifest_records_are_json_and_well_formed(firm: Firm):
    records = json.loads(json.dumps(firm.manifest_records(), sort_keys=True))
    assert [r["id"] for r in records] == [f"P{i:03d}" for i in range(1, len(records) + 1)]
    assert set(records[0]) == set(Planted.__dataclass_fields__)
    for r in records:
        assert r["kind"] in ("missing_in_bigtime", "missing_in_intacct", "field_mismatch")
        assert r["entity"] in ENTITIES and r["description"].endswith(".")
        assert (r["field"] is None) == (r["kind"] != "field_mismatch")


def test_derived_consequences_stay_consistent(firm: Firm):
    """Invoice totals follow from each side's billable time, except the planted totals."""
    planted = {p.key for p in firm.manifest if p.flavour == "invoice_total"}
    for side in (firm.intacct_view, firm.bigtime_view):
        te = side["time_entry"]
        billed = te[te["billable"] & (te["entry_date"].dt.month <= 11)]
        amount = [h * r for h, r in zip(billed["hours"], billed["bill_rate"], strict=True)]
        sums = (
            pd.Series(amount, dtype=object)
            .groupby([billed["project_id"].to_numpy(), billed["entry_date"].dt.month.to_numpy()])
            .sum()
        )
        inv = side["invoice"]
        for no, proj, day, total in zip(inv["invoice_no"], inv["project_id"], inv["invoice_date"],
                                        inv["total"], strict=True):  # fmt: skip
            expected = sums.get((proj, day.month))
            assert (expected == total) != (no in planted and side is firm.bigtime_view), no


# --- Intacct wire frames -----------------------------------------------------------------------
def test_every_schema_object_and_field_is_a_string_column(wire: dict[str, pd.DataFrame]):
    assert set(wire) == set(OBJECTS)
    for name, schema in OBJECTS.items():
        frame = wire[name]
        assert list(frame.columns) == list(schema.fields), name
        assert len(frame) > 0, name
        assert not frame.isna().any().any(), name
        assert all(isinstance(v, str) for col in frame.columns for v in frame[col].iloc[:50])


def test_wire_values_have_wire_formats(wire: dict[str, pd.DataFrame]):
    for name, schema in OBJECTS.items():
        for field, kind in schema.fields.items():
            if kind in WIRE:
                values = pd.Series(wire[name][field].unique(), dtype="str")
                ok = values.str.fullmatch(WIRE[kind]) | (values == "")
                assert ok.all(), (name, field, values[~ok].tolist()[:3])
        recno = wire[name]["RECORDNO"]
        assert recno.str.fullmatch(r"[1-9]\d*").all() and recno.is_unique, name
        for id_field in (schema.id_field,):
            assert (wire[name][id_field] != "").all() and wire[name][id_field].is_unique, name


def test_wire_references_resolve(wire: dict[str, pd.DataFrame]):
    for name, schema in OBJECTS.items():
        for field, (target, target_field) in schema.references.items():
            values = set(wire[name][field]) - {""}
            missing = values - set(wire[target][target_field])
            assert not missing, (name, field, sorted(missing)[:3])
    links = [
        ("TIMESHEETENTRY", TIMESHEETENTRY_PARENT_KEY, "TIMESHEET"),
        ("ARINVOICEITEM", "RECORDKEY", "ARINVOICE"), ("ARPYMTDETAIL", "PAYMENTKEY", "ARPYMT"),
        ("ARPYMTDETAIL", "RECORDKEY", "ARINVOICE"), ("PROJECT", "CUSTOMERKEY", "CUSTOMER"),
        ("PROJECT", "MANAGERKEY", "EMPLOYEE"),
    ]  # fmt: skip
    for child, field, parent in links:
        assert set(wire[child][field]) - {""} <= set(wire[parent]["RECORDNO"]), (child, field)
    for parent in ("TIMESHEET", "ARINVOICE", "ARPYMT"):
        child, key = {"TIMESHEET": ("TIMESHEETENTRY", TIMESHEETENTRY_PARENT_KEY),
                      "ARINVOICE": ("ARINVOICEITEM", "RECORDKEY"),
                      "ARPYMT": ("ARPYMTDETAIL", "PAYMENTKEY")}[parent]  # fmt: skip
        assert set(wire[parent]["RECORDNO"]) == set(wire[child][key]), parent  # no empty header
    ts = wire["TIMESHEET"].set_index("RECORDNO")
    te = wire["TIMESHEETENTRY"]
    sheet = ts.loc[te[TIMESHEETENTRY_PARENT_KEY]]
    assert (sheet["EMPLOYEEID"].to_numpy() == te["EMPLOYEEID"].to_numpy()).all()
    day = pd.to_datetime(te["ENTRYDATE"], format="%m/%d/%Y").to_numpy()
    begin = pd.to_datetime(sheet["BEGINDATE"], format="%m/%d/%Y").to_numpy()
    end = pd.to_datetime(sheet["ENDDATE"], format="%m/%d/%Y").to_numpy()
    assert ((begin <= day) & (day <= end)).all()
    assert (pd.to_datetime(ts["BEGINDATE"], format="%m/%d/%Y").dt.dayofweek == 0).all()
    link = te[TIMESHEETENTRY_LINK_FIELD]
    assert (link != "").all() and link.is_unique


def test_headers_agree_with_lines_and_payments(wire: dict[str, pd.DataFrame]):
    inv = wire["ARINVOICE"].set_index("RECORDNO")
    lines = wire["ARINVOICEITEM"]
    applied = wire["ARPYMTDETAIL"]
    total = _cents(inv["TOTALENTERED"])
    paid = _cents(inv["TOTALPAID"])
    assert (_cents(lines["AMOUNT"]).groupby(lines["RECORDKEY"].to_numpy()).sum()
            .reindex(inv.index).fillna(0) == total).all()  # fmt: skip
    by_invoice = _cents(applied["PAYMENTAMOUNT"]).groupby(applied["RECORDKEY"].to_numpy()).sum()
    assert (by_invoice.reindex(inv.index, fill_value=0) == paid).all()
    assert (_cents(lines["TOTALPAID"]).groupby(lines["RECORDKEY"].to_numpy()).sum()
            .reindex(inv.index).fillna(0) == paid).all()  # fmt: skip
    assert (_cents(inv["TOTALDUE"]) == total - paid).all()
    assert (inv["TRX_TOTALENTERED"] == inv["TOTALENTERED"]).all()
    state = np.where(paid == total, "Paid", np.where(paid > 0, "Partially Paid", "Posted"))
    assert (inv["STATE"].to_numpy() == state).all()
    assert ((inv["WHENPAID"] != "") == (paid == total)).all()
    pay = wire["ARPYMT"].set_index("RECORDNO")
    by_payment = _cents(applied["PAYMENTAMOUNT"]).groupby(applied["PAYMENTKEY"].to_numpy()).sum()
    assert (by_payment.reindex(pay.index) == _cents(pay["TOTALENTERED"])).all()
    cust = wire["CUSTOMER"].set_index("CUSTOMERID")
    due = _cents(inv["TOTALDUE"]).groupby(inv["CUSTOMERID"].to_numpy()).sum()
    assert (due.reindex(cust.index, fill_value=0) == _cents(cust["TOTALDUE"])).all()
    assert (lines.groupby("RECORDKEY")["LINE_NO"].apply(
        lambda s: sorted(map(int, s)) == list(range(1, len(s) + 1)))).all()  # fmt: skip


def test_wire_carries_the_intacct_view(firm: Firm, wire: dict[str, pd.DataFrame]):
    """Each canonical column, formatted for the wire, equals its Intacct field."""
    fmt = {
        "date": lambda v: "" if pd.isna(v) else v.strftime("%m/%d/%Y"),
        "money": lambda v: "" if v is None else f"{v:.2f}",
        "hours": lambda v: f"{v:.2f}",
        "bool": lambda v: "true" if v else "false",
    }
    for entity, spec in ENTITIES.items():
        if entity in ("payment", "expense"):
            continue  # read from two objects each (test_expense_wire_carries_the_view)
        frame = wire[spec.intacct_object].set_index(spec.col(spec.key).intacct)
        view = firm.intacct_view[entity]
        rows = frame.loc[view[spec.key].to_numpy()]  # every view record is on the wire
        for col in spec.columns[1:]:
            f = fmt.get(col.kind, lambda v: "" if pd.isna(v) else str(v))
            expected = [f(v) for v in view[col.name]]
            assert rows[col.intacct].tolist() == expected, (entity, col.name)
    paid = wire["ARINVOICE"].set_index("RECORDID")["TOTALPAID"]
    pay = firm.intacct_view["payment"]
    assert paid.loc[pay["invoice_no"].to_numpy()].tolist() == [
        f"{v:.2f}" for v in pay["paid_amount"]
    ]
    assert set(paid.index[paid != "0.00"]) == set(pay["invoice_no"])


def test_expense_wire_carries_the_view(firm: Firm, wire: dict[str, pd.DataFrame]):
    """Each expense is one EEXPENSESITEM line of its report's EEXPENSES (issue 16)."""
    view = firm.intacct_view["expense"].set_index("entry_id")
    lines = wire["EEXPENSESITEM"].set_index("BIGTIME_EXPENSEID").loc[view.index]
    reports = wire["EEXPENSES"].set_index("RECORDNO").loc[lines["RECORDKEY"].to_numpy()]
    assert reports["EMPLOYEEID"].tolist() == view["employee_id"].tolist()
    assert reports["RECORDID"].tolist() == view["report_id"].tolist()
    assert lines["AMOUNT"].tolist() == [f"{v:.2f}" for v in view["amount"]]
    assert lines["PROJECTID"].tolist() == view["project_id"].tolist()
    assert lines["NONREIMBURSABLE"].tolist() == [
        "true" if v else "false" for v in view["paid_by_company"]
    ]
    cents = lines.groupby("RECORDKEY")["AMOUNT"].apply(lambda a: sum(Decimal(x) for x in a))
    totals = wire["EEXPENSES"].set_index("RECORDNO")["TOTALENTERED"].map(Decimal)
    assert (totals.loc[cents.index] == cents).all()


def test_stock_items_are_on_the_wire_only(firm: Firm, wire: dict[str, pd.DataFrame]):
    items = wire["ITEM"]
    stock = items.loc[items["ITEMTYPE"] == "Inventory", "ITEMID"]
    assert len(stock) >= 2
    assert not set(stock) & set(firm.intacct_view["item"]["item_id"])
    assert not set(stock) & set(firm.bigtime_view["item"]["item_id"])
    assert (items.loc[~items["ITEMID"].isin(stock), "ITEMTYPE"] == "Non-Inventory").all()


def test_intacct_frames_returns_fresh_copies(firm: Firm):
    first = firm.intacct_frames()
    first["CUSTOMER"].loc[0, "NAME"] = "changed by a caller"
    assert firm.intacct_frames()["CUSTOMER"].loc[0, "NAME"] != "changed by a caller"
