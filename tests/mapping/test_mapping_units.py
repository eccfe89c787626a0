"""Each mapping rule on small hand-made pulled frames, typed by the real frame builders.

Intacct frames are built from ``query``-shaped XML pages by ``recon.intacct.frames`` with the
pull spec's fields; BigTime frames from JSON-shaped records by ``recon.bigtime.frames`` (plus
the team-lead and custom-field columns the pull adds), so the mapping sees what a pull gives.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from lxml import etree

from recon import canonical
from recon.bigtime.frames import flatten_udfs, id_array, records_to_frame
from recon.bigtime.pull import PROJECT_UDFS, STAFF_UDFS, TEAM_LEAD_COLUMN
from recon.bigtime.uncertain import LISTS
from recon.canonical import ENTITIES, ENTITY_ORDER
from recon.errors import ConfigError
from recon.intacct.frames import pages_to_frame
from recon.intacct.page import Page
from recon.intacct.pull import PULL_SPECS
from recon.intacct.uncertain import NON_INVENTORY_ITEMTYPES, TIMESHEETENTRY_LINK_FIELD
from recon.mapping import (
    MappingReport,
    bigtime,
    intacct,
    to_canonical_bigtime,
    to_canonical_intacct,
)
from recon.mapping.bigtime_lists import LIST_ENTITIES
from recon.sandbox.firm import columns

Frames = dict[str, pd.DataFrame]
D = Decimal


# --------------------------------------------------------------------------- builders


def ia_frame(obj: str, records: list[dict[str, str]]) -> pd.DataFrame:
    """A pulled Intacct frame: ``query`` records as XML, typed with the pull spec's fields."""
    data = etree.Element("data")
    for record in records:
        el = etree.SubElement(data, obj)
        for name, text in record.items():
            etree.SubElement(el, name).text = text
    page = Page(obj, "query", data, count=len(records))
    return pages_to_frame([page], obj, PULL_SPECS[obj].fields)


def bt_frame(resource: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    return records_to_frame(resource, records)


def bt_project(records: list[dict[str, Any]], leads: list[int | None]) -> pd.DataFrame:
    """As the pull builds it: detail records, the team lead's SID, custom-field columns."""
    frame = bt_frame("project", records)
    frame[TEAM_LEAD_COLUMN] = id_array(leads)
    return flatten_udfs(frame, names=PROJECT_UDFS)


def bt_staff(records: list[dict[str, Any]]) -> pd.DataFrame:
    return flatten_udfs(bt_frame("staff", records), names=STAFF_UDFS)


def items(*rows: dict[str, Any]) -> pd.DataFrame:
    """A picklist frame; ``Id`` from 1 unless given."""
    return bt_frame("picklist_item", [{"Id": i, "IsInactive": False} | r for i, r in
                                      enumerate(rows, start=1)])  # fmt: skip


def udfs(**values: str | None) -> list[dict[str, Any]]:
    return [{"Sid": i, "Name": k.replace("_", " "), "Value": v}
            for i, (k, v) in enumerate(values.items(), start=1)]  # fmt: skip


def bt_lists() -> Frames:
    """The reference lists a project, staffer, time entry or invoice is resolved through."""
    return {
        "list:costcentera": items(
            {"Name": "Advisory", "Code": "ADV"}, {"Name": "Tax", "Code": "TAX"}
        ),
        "list:costcenterb": items({"Name": "Chicago", "Code": "CHI"}),
        "list:class": items({"Name": "Consulting", "Code": "CONS"}),
        "list:projecttype": items({"Name": "Time and Materials"}),
        "list:laborcode": items({"Name": "Consulting"}, {"Name": "Travel"}),
        "list:term": items({"Name": "Net 30", "DueDays": 30}),
    }  # fmt: skip


def bt_firm() -> Frames:
    """Two clients, two staffers (one manages the other), one project, lists."""
    staff = bt_staff([
        {"StaffSID": 21, "FName": "Ann", "SName": "Lee", "EMail": "ann@x.example",
         "Title": "Partner", "IsInactive": False, "CostCenterA": 1, "CostCenterB": 1,
         "IAClassDefaultId": 1, "Start_dt": "2020-01-06T00:00:00",
         "UdfList": udfs(Employee_ID="E1")},
        {"StaffSID": 22, "FName": "Bo", "SName": "Kim", "EMail": "bo@x.example",
         "ManagerID": 21, "IsInactive": True, "CostCenterA": 2, "Term_dt": "2025-03-31",
         "UdfList": udfs(Employee_ID="E2")},
    ])  # fmt: skip
    project = bt_project(
        [{"SystemId": 1001, "ProjectCode": "P1", "Nm": "Audit", "ClientId": 101, "TypeId": 1,
          "StartDt": "2025-01-01", "IsInactive": False, "Notes": "Year end", "CostCenterA": 1,
          "CostCenterB": 1, "QBClassDefault": 1, "DefaultInvoiceTermSid": 1,
          "UdfList": udfs(PO_Number="PO-7", PO_Amount="$12,500.50", SO_Number=None)}],
        leads=[21],
    )  # fmt: skip
    client = bt_frame("client", [
        {"SystemId": 101, "ClientId": "C1", "Nm": "Acme", "IsInactive": False, "City": "Oslo"},
        {"SystemId": 102, "ClientId": "C2", "Nm": "Brio", "IsInactive": True},
    ])  # fmt: skip
    return {"client": client, "project": project, "staff": staff, **bt_lists()}


def one(frame: pd.DataFrame, key: str) -> pd.Series:
    spec = next(e for e in ENTITIES.values() if list(frame.columns) == e.names)
    rows = frame[frame[spec.key] == key]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def assert_canonical(entity: str, frame: pd.DataFrame) -> None:
    spec = ENTITIES[entity]
    assert list(frame.columns) == spec.names
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        c: str(pd.Series([], dtype=t).dtype) for c, t in spec.dtypes().items()
    }
    assert frame[spec.key].tolist() == sorted(frame[spec.key].tolist())
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0


# --------------------------------------------------------------------------- canonical module


def test_the_firm_columns_module_re_exports_the_product_schema():
    assert columns.ENTITIES is canonical.ENTITIES
    assert columns.conform is canonical.conform and columns.canon_str is canonical.canon_str
    assert columns.ENTITY_ORDER == ENTITY_ORDER and columns.DATE_DTYPE == canonical.DATE_DTYPE


# --------------------------------------------------------------------------- Intacct


def test_intacct_plain_entity_takes_the_named_fields_and_blanks_become_missing():
    frames = {"PROJECT": ia_frame("PROJECT", [
        {"PROJECTID": "P2", "NAME": "Tax", "STATUS": "inactive", "BEGINDATE": "02/03/2025",
         "PONUMBER": "", "POAMOUNT": "1500.00", "DESCRIPTION": "", "CUSTOMERID": "C1"},
        {"PROJECTID": "P1", "NAME": "Audit", "STATUS": "active", "MANAGERID": "E1",
         "DEPARTMENTID": "ADV", "TERMNAME": "Net 30", "PROJECTTYPE": "T&M"},
    ])}  # fmt: skip
    out = intacct.map_entity("project", frames)
    assert_canonical("project", out)
    assert out["project_id"].tolist() == ["P1", "P2"]
    p1, p2 = one(out, "P1"), one(out, "P2")
    assert (p1["manager_id"], p1["department_id"], p1["term_name"]) == ("E1", "ADV", "Net 30")
    assert p2["status"] == "inactive" and p2["begin_date"] == pd.Timestamp("2025-02-03")
    assert p2["po_amount"] == D("1500.00") and p1["po_amount"] is None
    assert pd.isna(p2["po_number"]) and pd.isna(p2["description"])  # "" is no value


def test_intacct_items_are_the_non_inventory_ones_only():
    frames = {"ITEM": ia_frame("ITEM", [
        {"ITEMID": "SVC", "NAME": "Service", "ITEMTYPE": NON_INVENTORY_ITEMTYPES[0]},
        {"ITEMID": "BOX", "NAME": "Widget", "ITEMTYPE": "Inventory"},
    ])}  # fmt: skip
    assert intacct.map_entity("item", frames)["item_id"].tolist() == ["SVC"]


def one_missing(out: pd.DataFrame) -> pd.Series:
    rows = out[out["entry_id"].isna()]
    assert len(rows) == 1
    return rows.iloc[0]


def test_intacct_time_entries_are_keyed_by_the_bigtime_link_field():
    frames = {"TIMESHEETENTRY": ia_frame("TIMESHEETENTRY", [
        {"RECORDNO": "1", TIMESHEETENTRY_LINK_FIELD: "1000002", "EMPLOYEEID": "E1",
         "ENTRYDATE": "01/06/2025", "PROJECTID": "P1", "TIMETYPE": "Consulting", "QTY": "7.25",
         "BILLABLE": "true", "EXTBILLRATE": "200.00", "DESCRIPTION": "Fieldwork"},
        {"RECORDNO": "2", TIMESHEETENTRY_LINK_FIELD: "", "QTY": "1.00", "BILLABLE": "false"},
        {"RECORDNO": "3", TIMESHEETENTRY_LINK_FIELD: "1000001", "QTY": "2.00"},
    ])}  # fmt: skip
    report = MappingReport("intacct")
    out = intacct.map_time_entry(frames, report)
    # Entries without the link are kept, keyless and last, for the time diff's fallback match.
    assert_canonical("time_entry", out[out["entry_id"].notna()].reset_index(drop=True))
    assert out["entry_id"].isna().tolist() == [False, False, True]
    assert out["entry_id"].dropna().tolist() == ["1000001", "1000002"]
    assert one_missing(out)["hours"] == D("1.00")
    entry = one(out, "1000002")
    assert entry["hours"] == D("7.25") and entry["bill_rate"] == D("200.00")
    assert entry["billable"]
    assert entry["entry_date"] == pd.Timestamp("2025-01-06") and entry["notes"] == "Fieldwork"
    assert report.unkeyed == {"time_entry": 1}
    # Entry 1000001 has no BILLABLE: defaulted to False, and counted.
    assert not one(out, "1000001")["billable"]
    assert report.defaulted == {("time_entry", "billable"): 1} and not report.clean


def test_intacct_payments_sum_per_invoice_and_leave_unpaid_invoices_out():
    frames = {
        "ARINVOICE": ia_frame("ARINVOICE", [
            {"RECORDNO": "1", "RECORDID": "INV-1"}, {"RECORDNO": "2", "RECORDID": "INV-2"},
            {"RECORDNO": "3", "RECORDID": "INV-3"}]),
        "ARPYMTDETAIL": ia_frame("ARPYMTDETAIL", [
            {"RECORDKEY": "1", "PAYMENTAMOUNT": "100.10"},
            {"RECORDKEY": "1", "PAYMENTAMOUNT": "0.20"},
            {"RECORDKEY": "2", "PAYMENTAMOUNT": "50.00"},
            {"RECORDKEY": "2", "PAYMENTAMOUNT": "-50.00"},   # applied, then reversed
            {"RECORDKEY": "9", "PAYMENTAMOUNT": "75.00"}]),  # an invoice not pulled
    }  # fmt: skip
    report = MappingReport("intacct")
    out = intacct.map_payment(frames, report)
    assert_canonical("payment", out)
    assert out.to_dict("list") == {"invoice_no": ["INV-1"], "paid_amount": [D("100.30")]}
    assert report.dangling == {("payment", "invoice_no"): 1}


def test_intacct_payment_needs_the_invoices():
    frames = {"ARPYMTDETAIL": ia_frame("ARPYMTDETAIL", [{"RECORDKEY": "1"}])}
    with pytest.raises(ConfigError, match="ARINVOICE"):
        intacct.map_payment(frames)


def test_intacct_duplicate_keys_are_kept_and_counted():
    frames = {"CLASS": ia_frame("CLASS", [
        {"CLASSID": "A", "NAME": "One", "STATUS": "active"},
        {"CLASSID": "A", "NAME": "Two", "STATUS": "active"}])}  # fmt: skip
    report = MappingReport("intacct")
    assert len(intacct.map_entity("class", frames, report)) == 2
    assert report.duplicates == {"class": 2}


def test_intacct_empty_frames_give_empty_canonical_frames():
    frames = {obj: ia_frame(obj, []) for obj in PULL_SPECS}
    out = to_canonical_intacct(frames)
    assert list(out) == list(ENTITY_ORDER)
    for entity, frame in out.items():
        assert frame.empty, entity
        assert_canonical(entity, frame)


def test_intacct_entities_without_their_object_are_left_out():
    out = to_canonical_intacct({"CUSTOMER": ia_frame("CUSTOMER", [{"CUSTOMERID": "C1"}])})
    assert list(out) == ["customer"]
    with pytest.raises(ConfigError, match="no canonical entity"):
        intacct.map_entity("CUSTOMER", {})


# --------------------------------------------------------------------------- BigTime


def test_bigtime_customer_status_and_key():
    frames = {"client": bt_frame("client", [
        {"SystemId": 1, "ClientId": "C2", "Nm": "Brio", "IsInactive": True, "MainPH": "555"},
        {"SystemId": 2, "ClientId": None, "Nm": "Walk-in", "IsInactive": False},
        {"SystemId": 3, "ClientId": "C1", "Nm": "Acme", "IsInactive": None, "Zip": ""},
    ])}  # fmt: skip
    report = MappingReport("bigtime")
    out = bigtime.map_customer(frames, report)
    assert_canonical("customer", out)
    assert out["customer_id"].tolist() == ["C1", "C2"]
    assert one(out, "C2")["status"] == "inactive" and one(out, "C2")["phone"] == "555"
    assert pd.isna(one(out, "C1")["status"]) and pd.isna(one(out, "C1")["zip"])
    assert report.unkeyed == {"customer": 1}


def test_bigtime_project_resolves_every_reference_to_the_intacct_key():
    report = MappingReport("bigtime")
    out = bigtime.map_project(bt_firm(), report)
    assert_canonical("project", out)
    p = one(out, "P1")
    assert (p["customer_id"], p["project_type"], p["department_id"], p["location_id"],
            p["class_id"], p["manager_id"], p["term_name"]) == (
        "C1", "Time and Materials", "ADV", "CHI", "CONS", "E1", "Net 30")  # fmt: skip
    assert p["po_number"] == "PO-7" and p["po_amount"] == D("12500.50")
    assert pd.isna(p["so_number"]) and p["description"] == "Year end"
    assert p["begin_date"] == pd.Timestamp("2025-01-01") and pd.isna(p["end_date"])
    assert report.clean, report


def test_bigtime_dangling_references_become_missing_and_are_counted(caplog):
    frames = bt_firm()
    frames["project"] = bt_project(
        [{"SystemId": 1001, "ProjectCode": "P1", "Nm": "Audit", "ClientId": 999,
          "CostCenterA": 77, "TypeId": None, "UdfList": udfs(PO_Amount="about 5k")},
         {"SystemId": 1002, "ProjectCode": "P2", "Nm": "Tax", "ClientId": 102}],
        leads=[23, 22],
    )  # fmt: skip
    report = MappingReport("bigtime")
    with caplog.at_level(logging.WARNING, logger="recon.mapping"):
        out = bigtime.map_project(frames, report)
    p1, p2 = one(out, "P1"), one(out, "P2")
    assert pd.isna(p1["customer_id"]) and pd.isna(p1["department_id"])
    assert pd.isna(p1["manager_id"]) and pd.isna(p1["project_type"])  # no TypeId: not dangling
    assert p1["po_amount"] is None
    assert (p2["customer_id"], p2["manager_id"]) == ("C2", "E2")
    assert report.dangling == {
        ("project", "customer_id"): 1, ("project", "department_id"): 1,
        ("project", "manager_id"): 1}  # fmt: skip
    assert report.unparsable == {("project", "po_amount"): 1}
    assert "project.customer_id" in caplog.text and "999" in caplog.text


def test_bigtime_a_staffer_without_employee_id_is_unkeyed_and_unresolvable():
    frames = bt_firm()
    frames["staff"] = bt_staff([
        {"StaffSID": 21, "FName": "Ann", "UdfList": udfs(Employee_ID=None)},
        {"StaffSID": 22, "FName": "Bo", "ManagerID": 21, "UdfList": udfs(Employee_ID="E2")},
    ])  # fmt: skip
    report = MappingReport("bigtime")
    staff = bigtime.map_employee(frames, report)
    assert staff["employee_id"].tolist() == ["E2"] and pd.isna(one(staff, "E2")["manager_id"])
    assert report.unkeyed == {"employee": 1}
    assert report.dangling == {("employee", "manager_id"): 1}
    assert pd.isna(one(bigtime.map_project(frames, report), "P1")["manager_id"])
    assert report.dangling[("project", "manager_id")] == 1


def test_bigtime_missing_custom_field_columns_are_no_values():
    frames = bt_firm()
    frames["project"] = bt_frame("project", [{"SystemId": 1, "ProjectCode": "P9", "Nm": "X"}])
    frames["staff"] = bt_frame("staff", [{"StaffSID": 21, "FName": "Ann"}])  # no UDF column
    report = MappingReport("bigtime")
    project = bigtime.map_project(frames, report)
    assert_canonical("project", project)
    row = one(project, "P9")
    assert row[["po_number", "so_number", "manager_id"]].isna().all() and row["po_amount"] is None
    employees = bigtime.map_employee(frames, report)
    assert_canonical("employee", employees)
    assert employees.empty and report.unkeyed == {"employee": 1}


def test_bigtime_employee_manager_class_and_dates():
    out = bigtime.map_employee(bt_firm())
    assert_canonical("employee", out)
    ann, bo = one(out, "E1"), one(out, "E2")
    assert (ann["class_id"], ann["department_id"], ann["location_id"]) == ("CONS", "ADV", "CHI")
    assert ann["start_date"] == pd.Timestamp("2020-01-06") and pd.isna(ann["manager_id"])
    assert (bo["manager_id"], bo["department_id"], bo["status"]) == ("E1", "TAX", "inactive")
    assert bo["end_date"] == pd.Timestamp("2025-03-31")


def test_bigtime_time_entries():
    frames = bt_firm()
    frames["time"] = bt_frame("time", [
        {"SID": 7, "Dt": "2025-01-06T00:00:00", "ProjectSID": 1001, "StaffSID": 22,
         "BudgCatID": 2, "Hours_IN": D("1.50"), "NoCharge": True, "BillRate": D("0.00"),
         "Notes": "Drive"},
        {"SID": 5, "Dt": "2025-01-05", "ProjectSID": 1001, "StaffSID": 21, "BudgCatID": 1,
         "Hours_IN": 8, "NoCharge": False, "BillRate": D("250.00"), "Notes": ""},
        {"SID": -1, "Dt": "2025-01-07", "ProjectSID": 4004, "StaffSID": 21, "Hours_IN": 1},
    ])  # fmt: skip
    report = MappingReport("bigtime")
    out = bigtime.map_time_entry(frames, report)
    assert_canonical("time_entry", out)
    assert out["entry_id"].tolist() == ["-1", "5", "7"]
    drive, work = one(out, "7"), one(out, "5")
    assert (drive["employee_id"], drive["project_id"], drive["time_type"]) == ("E2", "P1", "Travel")
    assert not drive["billable"] and work["billable"] and work["hours"] == D(8)
    assert pd.isna(work["notes"]) and work["entry_date"] == pd.Timestamp("2025-01-05")
    assert report.dangling == {("time_entry", "project_id"): 1}
    assert report.defaulted == {("time_entry", "billable"): 1}  # entry -1 has no NoCharge


def test_bigtime_invoices_and_payments():
    frames = bt_firm()
    frames["invoice"] = bt_frame("invoice", [
        {"Sid": 2, "InvoiceNbr": "INV-2", "ClientSid": 102, "ProjectSid": 1001,
         "InvoiceDt": "2025-02-28", "TermsSid": 1, "TotalAmt": D("10.00"), "PaidAmt": D("0.00")},
        {"Sid": 1, "InvoiceNbr": "INV-1", "ClientSid": 101, "ProjectSid": 1001,
         "InvoiceDt": "2025-01-31", "InvoiceDtDue": "2025-03-02", "TermsSid": 1,
         "TotalAmt": D("99.50"), "PaidAmt": D("40.25")},
        {"Sid": 3, "InvoiceNbr": "INV-3", "ClientSid": 101, "TotalAmt": D("5.00")},
    ])  # fmt: skip
    invoices = bigtime.map_invoice(frames)
    assert_canonical("invoice", invoices)
    inv = one(invoices, "INV-1")
    assert (inv["customer_id"], inv["project_id"], inv["term_name"]) == ("C1", "P1", "Net 30")
    assert inv["total"] == D("99.50") and inv["due_date"] == pd.Timestamp("2025-03-02")
    payments = bigtime.map_payment(frames)
    assert_canonical("payment", payments)
    assert payments.to_dict("list") == {"invoice_no": ["INV-1"], "paid_amount": [D("40.25")]}


@pytest.mark.parametrize("entity", sorted(LIST_ENTITIES))
def test_bigtime_reference_lists_take_the_intacct_key_of_their_list(entity: str):
    list_name, fields = LIST_ENTITIES[entity]
    spec = ENTITIES[entity]
    key_field = LISTS[list_name].key_field
    values = {"Name": "Alpha", "Code": "A1", "Description": "First", "AcctNbr": "6100",
              "CardType": "Visa", "DueDays": 30}  # fmt: skip
    frames = {f"list:{list_name}": items(values, {"Name": "N/A", "IsInactive": True})}
    report = MappingReport("bigtime")
    out = bigtime.map_entity(entity, frames, report)
    assert_canonical(entity, out)
    keyed_by_code = key_field == "Code"
    # The second item has no Code: it has no Intacct key when the list is keyed by Code.
    assert len(out) == (1 if keyed_by_code else 2)
    row = one(out, values[key_field])
    assert row["status"] == "active"
    for col, field in fields.items():
        assert row[col] == values[field], col
    if not keyed_by_code:
        assert one(out, "N/A")["status"] == "inactive"
    assert report.unkeyed == ({entity: 1} if keyed_by_code else {})
    assert spec.key in out.columns


def test_bigtime_missing_due_days_default_to_zero_and_are_counted():
    report = MappingReport("bigtime")
    out = bigtime.map_entity("ar_term", {"list:term": items({"Name": "Net 30"})}, report)
    assert out["due_days"].tolist() == [0] and out["due_days"].dtype == "int64"
    assert report.defaulted == {("ar_term", "due_days"): 1}


def test_bigtime_a_frame_needed_for_lookups_must_be_pulled():
    frames = bt_firm()
    del frames["list:term"]
    with pytest.raises(ConfigError, match="list:term"):
        bigtime.map_project(frames)
    with pytest.raises(ConfigError, match="'client'"):
        bigtime.map_invoice({"invoice": bt_frame("invoice", [])})


def test_bigtime_empty_frames_give_empty_canonical_frames():
    frames: Frames = {
        "client": bt_frame("client", []), "project": bt_project([], []),
        "staff": bt_staff([]), "time": bt_frame("time", []), "invoice": bt_frame("invoice", []),
        "expense": bt_frame("expense", []),
        **{f"list:{name}": bt_frame("picklist_item", []) for name, _ in LIST_ENTITIES.values()},
    }  # fmt: skip
    report = MappingReport("bigtime")
    out = to_canonical_bigtime(frames, report)
    assert list(out) == list(ENTITY_ORDER) and report.clean
    for entity, frame in out.items():
        assert frame.empty, entity
        assert_canonical(entity, frame)


def test_bigtime_entities_without_their_frame_are_left_out():
    frames: Mapping[str, pd.DataFrame] = {"list:class": items({"Name": "C", "Code": "C"})}
    assert list(to_canonical_bigtime(frames)) == ["class"]
    with pytest.raises(ConfigError, match="no canonical entity"):
        bigtime.map_entity("client", frames)
