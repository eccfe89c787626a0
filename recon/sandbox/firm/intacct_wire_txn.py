"""Intacct wire frames of the transactions: timesheets, AR invoices and AR payments.

Headers and lines are linked by RECORDNO (TIMESHEETENTRY.TIMESHEETKEY, ARINVOICEITEM.RECORDKEY,
ARPYMTDETAIL.PAYMENTKEY/RECORDKEY; the guessed key names come from the sandbox's ``guesses``);
header totals are sums of their lines and payments, in integer cents. Only invoices of the
Intacct view are rendered (one only in BigTime has no lines or payments here).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import wire_format as wf
from recon.sandbox.firm.sizing import RECENT_FROM, day_number
from recon.sandbox.intacct.catalogue import TIMESHEETENTRY_LINK_FIELD
from recon.sandbox.intacct.guesses import PAYMENT_DETAIL_PARENT_KEY, TIMESHEETENTRY_PARENT_KEY

View = Mapping[str, pd.DataFrame]
#: Timesheets of weeks starting on or after this day are Drafts still open for entries (the
#: month's last weeks, not yet submitted); the four weeks before are submitted, not yet
#: approved; older ones approved. recon adds to a Draft and never rewrites the others.
DRAFT_FROM = day_number(RECENT_FROM)
SUBMITTED_FROM = DRAFT_FROM - 28


def render_transactions(view: View, detail: View) -> dict[str, pd.DataFrame]:
    sheets, entries = _timesheets(view, detail)
    invoices, lines, payments, applied = _receivables(view, detail)
    return {
        "TIMESHEET": sheets,
        "TIMESHEETENTRY": entries,
        "ARINVOICE": invoices,
        "ARINVOICEITEM": lines,
        "ARPYMT": payments,
        "ARPYMTDETAIL": applied,
    }


def _series(frame: pd.DataFrame, key: str, value: str) -> pd.Series:
    return pd.Series(frame[value].to_numpy(), index=frame[key].to_numpy())


def _timesheets(view: View, detail: View) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One timesheet per employee per week (Monday..Sunday) holding that week's entries."""
    te, emp, proj = view["time_entry"], view["employee"], view["project"]
    day = wf.day_numbers(te["entry_date"])
    monday = day - (day + 3) % 7  # 1970-01-01 was a Thursday
    emp_code, emp_ids = pd.factorize(te["employee_id"], sort=True)
    sheet_key = emp_code.astype(np.int64) * 1_000_000 + monday
    keys, sheet = np.unique(sheet_key, return_inverse=True)  # by employee, then week
    sheet_emp, sheet_monday = np.divmod(keys, 1_000_000)
    state = np.select(
        [sheet_monday >= DRAFT_FROM, sheet_monday >= SUBMITTED_FROM],
        [ref.SHEET_DRAFT, ref.SHEET_SUBMITTED],
        ref.SHEET_APPROVED,
    )
    begin = wf.dates(wf.from_days(sheet_monday))
    sheets = wf.wire_frame("TIMESHEET", len(keys), {
        "RECORDNO": wf.recordnos(len(keys)),
        "EMPLOYEEID": np.asarray(emp_ids, dtype=object)[sheet_emp],
        "BEGINDATE": begin, "ENDDATE": wf.dates(wf.from_days(sheet_monday + 6)),
        "STATE": state.astype(object), "DESCRIPTION": "Week of " + pd.Series(begin, dtype="str"),
        **wf.audit(sheet_monday + 4, first_minute=16 * 60),
    })  # fmt: skip
    order = np.argsort(sheet, kind="stable")
    line = np.empty(len(te), dtype=np.int64)
    line[order] = pd.Series(sheet[order]).groupby(sheet[order]).cumcount().to_numpy() + 1
    items = {t.name: t.item_id for t in ref.TIME_TYPES}
    rates = detail["employee"]
    cost = pd.Series(wf.money(rates["cost_rate"]), index=rates["employee_id"].to_numpy())
    entries = wf.wire_frame("TIMESHEETENTRY", len(te), {
        "RECORDNO": wf.recordnos(len(te)),
        TIMESHEETENTRY_PARENT_KEY: (sheet + 1).astype(str).astype(object),
        "LINENO": line.astype(str).astype(object), "EMPLOYEEID": te["employee_id"],
        "STATE": state[sheet].astype(object), "ENTRYDATE": wf.dates(te["entry_date"]),
        "QTY": wf.money(te["hours"]), "PROJECTID": te["project_id"],
        "CUSTOMERID": wf.lookup(te["project_id"], _series(proj, "project_id", "customer_id")),
        "ITEMID": wf.lookup(te["time_type"], items), "TIMETYPE": te["time_type"],
        "BILLABLE": wf.booleans(te["billable"]), "DESCRIPTION": te["notes"],
        "DEPARTMENTID": wf.lookup(te["employee_id"], _series(emp, "employee_id", "department_id")),
        "LOCATIONID": wf.lookup(te["employee_id"], _series(emp, "employee_id", "location_id")),
        "CLASSID": wf.lookup(te["project_id"], _series(proj, "project_id", "class_id")),
        "EXTBILLRATE": wf.money(te["bill_rate"]),
        "EXTCOSTRATE": wf.lookup(te["employee_id"], cost),
        TIMESHEETENTRY_LINK_FIELD: te["entry_id"],
        **wf.audit(day, first_minute=17 * 60),
    })  # fmt: skip
    return sheets, entries


def _receivables(view: View, detail: View) -> tuple[pd.DataFrame, ...]:
    inv = view["invoice"]
    rec = detail["receipt"]
    rec = rec[rec["invoice_no"].isin(inv["invoice_no"])]
    pay = detail["payment_header"]
    pay = pay[pay["payment_no"].isin(rec["payment_no"])].reset_index(drop=True)
    paid_cents = pd.Series(wf.to_cents(rec["amount"])).groupby(rec["invoice_no"].to_numpy()).sum()
    total = wf.to_cents(inv["total"])
    paid = paid_cents.reindex(inv["invoice_no"].to_numpy(), fill_value=0).to_numpy(np.int64)
    last = _series(rec.merge(pay, on="payment_no"), "invoice_no", "receipt_date")
    last = last.groupby(level=0).max()
    invoices = _invoices(view, inv, total, paid, last)
    inv_key = pd.Series(wf.recordnos(len(inv)), index=inv["invoice_no"].to_numpy())
    lines = _lines(view, detail["invoice_line"], inv, inv_key, paid)
    payments, applied = _payments(view, pay, rec, inv_key)
    return invoices, lines, payments, applied


def _invoices(
    view: View, inv: pd.DataFrame, total: np.ndarray, paid: np.ndarray, last: pd.Series
) -> pd.DataFrame:
    cust = view["customer"]
    po = _series(view["project"], "project_id", "po_number").dropna()
    state = np.where(paid >= total, ref.INVOICE_PAID,
                     np.where(paid > 0, ref.INVOICE_PARTIAL, ref.INVOICE_OPEN))  # fmt: skip
    when_paid = wf.lookup(inv["invoice_no"], pd.Series(wf.dates(last), index=last.index))
    inv_day = wf.day_numbers(inv["invoice_date"])
    month = pd.Series(inv["invoice_date"]).dt.strftime("%B %Y").to_numpy(object)
    amounts = {name: wf.money(wf.from_cents(c)) for name, c in
               (("TOTAL", total), ("PAID", paid), ("DUE", total - paid))}  # fmt: skip
    name = wf.lookup(inv["customer_id"], _series(cust, "customer_id", "name"))
    return wf.wire_frame("ARINVOICE", len(inv), {
        "RECORDNO": wf.recordnos(len(inv)), "RECORDID": inv["invoice_no"],
        "STATE": state.astype(object), "CUSTOMERID": inv["customer_id"], "CUSTOMERNAME": name,
        "DOCNUMBER": wf.lookup(inv["project_id"], po), "TERMNAME": inv["term_name"],
        "DESCRIPTION": "Professional services, " + pd.Series(month, dtype="str"),
        "WHENCREATED": wf.dates(inv["invoice_date"]), "WHENPOSTED": wf.dates(inv["invoice_date"]),
        "WHENDUE": wf.dates(inv["due_date"]), "WHENPAID": np.where(paid >= total, when_paid, ""),
        "BASECURR": "USD", "CURRENCY": "USD", "TOTALENTERED": amounts["TOTAL"],
        "TOTALSELECTED": "0.00", "TOTALPAID": amounts["PAID"], "TOTALDUE": amounts["DUE"],
        "TRX_TOTALENTERED": amounts["TOTAL"], "TRX_TOTALPAID": amounts["PAID"],
        "TRX_TOTALDUE": amounts["DUE"], "BILLTOPAYTOCONTACTNAME": name,
        "PRBATCH": "Sales invoices: " + pd.Series(month, dtype="str"),
        "MODULEKEY": ref.INVOICE_MODULEKEY, "PROJECTID": inv["project_id"],
        "AUWHENCREATED": wf.stamps(inv_day + 1, np.full(len(inv), 10 * 60)),
        "WHENMODIFIED": wf.stamps(inv_day + 1, np.full(len(inv), 10 * 60)),
        "CREATEDBY": wf.AUDIT_USER, "MODIFIEDBY": wf.AUDIT_USER,
    })  # fmt: skip


def _lines(
    view: View, lines: pd.DataFrame, inv: pd.DataFrame, inv_key: pd.Series, paid: np.ndarray
) -> pd.DataFrame:
    """Invoice lines; each invoice's paid amount is applied to its lines in line order."""
    lines = lines[lines["invoice_no"].isin(inv["invoice_no"])].reset_index(drop=True)
    head = inv.set_index("invoice_no")
    project = head["project_id"].reindex(lines["invoice_no"]).reset_index(drop=True)
    amount = wf.to_cents(lines["amount"])
    before = pd.Series(amount).groupby(lines["invoice_no"].to_numpy()).cumsum().to_numpy() - amount
    paid_of = pd.Series(paid, index=inv["invoice_no"].to_numpy()).reindex(lines["invoice_no"])
    line_paid = np.clip(paid_of.to_numpy(np.int64) - before, 0, amount)
    proj = view["project"]
    hours = wf.money(lines["hours"])
    return wf.wire_frame("ARINVOICEITEM", len(lines), {
        "RECORDNO": wf.recordnos(len(lines)),
        "RECORDKEY": wf.lookup(lines["invoice_no"], inv_key),
        "ACCOUNTNO": ref.REVENUE_ACCOUNT, "AMOUNT": wf.money(lines["amount"]),
        "TRX_AMOUNT": wf.money(lines["amount"]),
        "ENTRYDESCRIPTION": (lines["time_type"] + ", " + pd.Series(hours, dtype="str") + " h"),
        "DEPARTMENTID": wf.lookup(project, _series(proj, "project_id", "department_id")),
        "LOCATIONID": wf.lookup(project, _series(proj, "project_id", "location_id")),
        "CLASSID": wf.lookup(project, _series(proj, "project_id", "class_id")),
        "PROJECTID": project, "ITEMID": lines["item_id"],
        "CUSTOMERID": wf.lookup(lines["invoice_no"], head["customer_id"]),
        "LINE_NO": lines["line_no"].astype(str).to_numpy(object),
        "TOTALPAID": wf.money(wf.from_cents(line_paid)),
        "ENTRY_DATE": wf.lookup(lines["invoice_no"],
                                pd.Series(wf.dates(head["invoice_date"]), index=head.index)),
        **wf.audit(wf.day_numbers(head["invoice_date"].reindex(lines["invoice_no"])) + 1),
    })  # fmt: skip


def _payments(
    view: View, pay: pd.DataFrame, rec: pd.DataFrame, inv_key: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ARPYMT receipts (one per customer per day) and the ARPYMTDETAIL applying them."""
    cents = wf.to_cents(rec["amount"])
    by_payment = pd.Series(cents).groupby(rec["payment_no"].to_numpy()).sum()
    totals = wf.money(wf.from_cents(by_payment.reindex(pay["payment_no"]).to_numpy(np.int64)))
    day = wf.day_numbers(pay["receipt_date"])
    receipt = wf.dates(pay["receipt_date"])
    name = wf.lookup(pay["customer_id"], _series(view["customer"], "customer_id", "name"))
    pay_key = pd.Series(wf.recordnos(len(pay)), index=pay["payment_no"].to_numpy())
    payments = wf.wire_frame("ARPYMT", len(pay), {
        "RECORDNO": wf.recordnos(len(pay)), "RECORDID": pay["docnumber"],
        "RECORDTYPE": ref.PAYMENT_RECORDTYPE, "FINANCIALENTITY": ref.OPERATING_ACCOUNT,
        "STATE": ref.PAYMENT_STATE, "DISPLAYSTATE": ref.PAYMENT_DISPLAYSTATE,
        "PAYMENTMETHOD": pay["method"], "CUSTOMERID": pay["customer_id"],
        "CUSTOMERNAME": name, "PAYERNAME": name, "DOCNUMBER": pay["docnumber"],
        "DESCRIPTION": "Customer payment " + pay["docnumber"].astype("str"),
        "WHENCREATED": receipt, "RECEIPTDATE": receipt, "WHENPAID": receipt,
        "BASECURR": "USD", "CURRENCY": "USD", "TOTALENTERED": totals, "TOTALPAID": totals,
        "TOTALDUE": "0.00", "TRX_TOTALENTERED": totals,
        "PRBATCH": "Receipts: " + pd.Series(receipt, dtype="str"),
        "AUWHENCREATED": wf.stamps(day, np.full(len(pay), 11 * 60)),
        "WHENMODIFIED": wf.stamps(day, np.full(len(pay), 11 * 60)),
        "CREATEDBY": wf.AUDIT_USER, "MODIFIEDBY": wf.AUDIT_USER,
    })  # fmt: skip
    rec = rec.sort_values(["payment_no", "invoice_no"], kind="stable").reset_index(drop=True)
    amount = wf.money(rec["amount"])
    applied = wf.wire_frame("ARPYMTDETAIL", len(rec), {
        "RECORDNO": wf.recordnos(len(rec)),
        PAYMENT_DETAIL_PARENT_KEY: wf.lookup(
            rec["payment_no"].astype(str), pay_key.rename(index=str)
        ),
        "RECORDKEY": wf.lookup(rec["invoice_no"], inv_key),
        "TRX_PAYMENTAMOUNT": amount, "PAYMENTAMOUNT": amount,
        **wf.audit(wf.day_numbers(pay.set_index("payment_no")["receipt_date"]
                                  .reindex(rec["payment_no"])), first_minute=11 * 60),
    })  # fmt: skip
    return payments, applied
