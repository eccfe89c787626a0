"""Render the Intacct view of the firm as Intacct wire frames, one per catalogue object.

Every frame has every field of the sandbox's own catalogue (``recon.sandbox.intacct.catalogue``)
as a column (so the sandbox can serve any selected field), every value a wire string (``""``
for empty), RECORDNO ``1..n`` in key order, and references that resolve within the Intacct
side. Master data is rendered here; timesheets, invoices and payments in ``intacct_wire_txn``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from recon.sandbox.firm import reference as ref
from recon.sandbox.firm import wire_format as wf
from recon.sandbox.firm import words
from recon.sandbox.firm.expenses import intacct_expenses
from recon.sandbox.firm.intacct_wire_txn import render_transactions
from recon.sandbox.firm.sizing import LAST_DAY, day_number
from recon.sandbox.intacct.guesses import PROJECT_MANAGER_KEY

Frames = dict[str, pd.DataFrame]
View = Mapping[str, pd.DataFrame]
#: Records of the reference lists were set up before the books of 2025 opened.
SETUP_DAY = day_number(LAST_DAY) - 600
NEWEST_DAY = day_number(LAST_DAY) - 16  # records for 2026 were keyed in mid-December


def render(view: View, detail: View) -> Frames:
    """All Intacct objects of the schema as wire frames, from the firm's Intacct view."""
    txn = render_transactions(view, detail)
    due = _customer_due(txn["ARINVOICE"])
    frames: Frames = {
        "CUSTOMER": _customer(view["customer"], detail["customer"], due),
        "PROJECT": _project(view),
        "EMPLOYEE": _employee(view["employee"]),
        "VENDOR": _vendor(view["vendor"]),
        **_reference(view),
        **txn,
        **intacct_expenses(view),
    }
    return frames


def _customer_due(invoices: pd.DataFrame) -> pd.Series:
    amounts = wf.to_cents(invoices["TOTALDUE"])
    cents = pd.Series(amounts).groupby(invoices["CUSTOMERID"].to_numpy()).sum()
    return pd.Series(wf.money(wf.from_cents(cents.to_numpy())), index=cents.index)


def _created(days: pd.Series) -> np.ndarray:
    """Records are keyed in when they start, but never later than mid-December 2025."""
    return np.minimum(wf.day_numbers(days), NEWEST_DAY)


def _customer(v: pd.DataFrame, detail: pd.DataFrame, due: pd.Series) -> pd.DataFrame:
    d = v[["customer_id"]].merge(detail, on="customer_id", how="left", validate="one_to_one")
    name = wf.text(v["name"])
    return wf.wire_frame("CUSTOMER", len(v), {
        "RECORDNO": wf.recordnos(len(v)), "CUSTOMERID": v["customer_id"], "NAME": name,
        "STATUS": v["status"], "ONETIME": "false", "ONHOLD": "false",
        "TERMNAME": d["term_name"], "CUSTTYPE": "Commercial",
        "CREDITLIMIT": wf.money(d["credit_limit"]), "CURRENCY": "USD",
        "ARACCOUNT": ref.AR_ACCOUNT, "OBJECTRESTRICTION": "Unrestricted",
        "TOTALDUE": wf.lookup(v["customer_id"], due, default="0.00"),
        "DISPLAYCONTACT.CONTACTNAME": name, "DISPLAYCONTACT.COMPANYNAME": name,
        "DISPLAYCONTACT.PRINTAS": name, "DISPLAYCONTACT.FIRSTNAME": d["contact_first"],
        "DISPLAYCONTACT.LASTNAME": d["contact_last"], "DISPLAYCONTACT.PHONE1": v["phone"],
        "DISPLAYCONTACT.EMAIL1": d["email"],
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": v["address1"],
        "DISPLAYCONTACT.MAILADDRESS.CITY": v["city"],
        "DISPLAYCONTACT.MAILADDRESS.STATE": v["state"],
        "DISPLAYCONTACT.MAILADDRESS.ZIP": v["zip"],
        "DISPLAYCONTACT.MAILADDRESS.COUNTRY": "United States",
        "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": "US",
        **wf.audit(np.full(len(v), SETUP_DAY)),
    })  # fmt: skip


def _keys(frame: pd.DataFrame, key: str) -> pd.Series:
    """key -> RECORDNO of a view rendered in its order."""
    return pd.Series(wf.recordnos(len(frame)), index=frame[key].to_numpy())


def _project(view: View) -> pd.DataFrame:
    v = view["project"]
    status = np.where(
        v["status"] == "inactive", ref.PROJECT_STATUS_DONE,
        np.where(wf.day_numbers(v["begin_date"]) > day_number(LAST_DAY),
                 ref.PROJECT_STATUS_NEW, ref.PROJECT_STATUS_OPEN),
    )  # fmt: skip
    internal = v["project_type"] == "Internal"
    customers, employees = view["customer"], view["employee"]
    return wf.wire_frame("PROJECT", len(v), {
        "RECORDNO": wf.recordnos(len(v)), "PROJECTID": v["project_id"], "NAME": v["name"],
        "DESCRIPTION": v["description"], "CURRENCY": "USD",
        "PROJECTCATEGORY": np.where(internal, ref.CATEGORY_INTERNAL, ref.CATEGORY_CLIENT),
        "PROJECTSTATUS": status, "STATUS": v["status"],
        "CUSTOMERID": v["customer_id"],
        "CUSTOMERKEY": wf.lookup(v["customer_id"], _keys(customers, "customer_id")),
        "CUSTOMERNAME": wf.lookup(v["customer_id"], _names(customers, "customer_id", "name")),
        "PROJECTTYPE": v["project_type"], "DEPARTMENTID": v["department_id"],
        "DEPARTMENTNAME": wf.lookup(v["department_id"],
                                    _names(view["department"], "department_id", "name")),
        "LOCATIONID": v["location_id"],
        "LOCATIONNAME": wf.lookup(v["location_id"],
                                  _names(view["location"], "location_id", "name")),
        "CLASSID": v["class_id"], "MANAGERID": v["manager_id"],
        PROJECT_MANAGER_KEY: wf.lookup(v["manager_id"], _keys(employees, "employee_id")),
        "BEGINDATE": wf.dates(v["begin_date"]), "ENDDATE": wf.dates(v["end_date"]),
        "PONUMBER": v["po_number"], "POAMOUNT": wf.money(v["po_amount"]),
        "SONUMBER": v["so_number"], "TERMNAME": v["term_name"],
        "BILLINGTYPE": wf.lookup(v["project_type"], ref.BILLING_TYPES),
        **wf.audit(_created(v["begin_date"])),
    })  # fmt: skip


def _names(frame: pd.DataFrame, key: str, name: str) -> pd.Series:
    return pd.Series(frame[name].to_numpy(), index=frame[key].to_numpy())


def _employee(v: pd.DataFrame) -> pd.DataFrame:
    first, last = wf.text(v["first_name"]), wf.text(v["last_name"])
    full = (first + " " + last).to_numpy(object)
    office = {k: pd.Series({loc: row[i] for loc, row in ref.OFFICES.items()}) for k, i in
              (("ADDRESS1", 0), ("CITY", 1), ("STATE", 2), ("ZIP", 3))}  # fmt: skip
    contact = {
        f"CONTACT.MAILADDRESS.{k}": wf.lookup(v["location_id"], s) for k, s in office.items()
    }
    return wf.wire_frame("EMPLOYEE", len(v), {
        "RECORDNO": wf.recordnos(len(v)), "EMPLOYEEID": v["employee_id"], "TITLE": v["title"],
        "LOCATIONID": v["location_id"], "DEPARTMENTID": v["department_id"],
        "CLASSID": v["class_id"], "SUPERVISORID": v["manager_id"],
        "STARTDATE": wf.dates(v["start_date"]), "ENDDATE": wf.dates(v["end_date"]),
        "STATUS": v["status"], "EMPLOYEETYPE": ref.EMPLOYEE_TYPE,
        "TERMINATIONTYPE": np.where(v["end_date"].notna(), ref.TERMINATION_TYPE, ""),
        "CONTACT.CONTACTNAME": full, "CONTACT.PRINTAS": full, "CONTACT.FIRSTNAME": first,
        "CONTACT.LASTNAME": last, "CONTACT.EMAIL1": v["email"],
        "CONTACT.MAILADDRESS.COUNTRY": "United States",
        "CONTACT.MAILADDRESS.COUNTRYCODE": "US", **contact,
        "CURRENCY": "USD", "CONTACTKEY": wf.recordnos(len(v), start=5001),
        **wf.audit(_created(v["start_date"])),
    })  # fmt: skip


def _vendor(v: pd.DataFrame) -> pd.DataFrame:
    name = wf.text(v["name"])
    email = [f"billing@{''.join(c for c in n.lower() if c.isalnum())}.example" for n in name]
    return wf.wire_frame("VENDOR", len(v), {
        "RECORDNO": wf.recordnos(len(v)), "VENDORID": v["vendor_id"], "NAME": name,
        "DISPLAYCONTACT.CONTACTNAME": name, "DISPLAYCONTACT.COMPANYNAME": name,
        "DISPLAYCONTACT.PRINTAS": name, "DISPLAYCONTACT.EMAIL1": np.array(email, dtype=object),
        "DISPLAYCONTACT.MAILADDRESS.COUNTRY": "United States", "VENDTYPE": "Supplier",
        "APACCOUNT": ref.AP_ACCOUNT, "APACCOUNTTITLE": "Accounts Payable",
        "STATUS": v["status"], "ONETIME": "false", **wf.audit(np.full(len(v), SETUP_DAY)),
    })  # fmt: skip


def _simple(obj: str, v: pd.DataFrame, columns: Mapping[str, wf.Column]) -> pd.DataFrame:
    """A reference-list object: RECORDNO, STATUS, set-up audit stamps and ``columns``."""
    base: dict[str, wf.Column] = {"RECORDNO": wf.recordnos(len(v)), "STATUS": v["status"]}
    return wf.wire_frame(obj, len(v), {**base, **columns, **wf.audit(np.full(len(v), SETUP_DAY))})


def _reference(view: View) -> Frames:
    gl = {a[0]: a for a in ref.GL_ACCOUNTS}
    g = view["gl_account"]
    gl_titles = _names(g, "account_no", "title")
    e, c, k = view["expense_type"], view["checking_account"], view["credit_card"]
    masked = pd.Series({a[0]: a[3] for a in ref.CHECKING_ACCOUNTS})
    t = view["ar_term"]
    return {
        "DEPARTMENT": _simple("DEPARTMENT", view["department"], {
            "DEPARTMENTID": view["department"]["department_id"],
            "TITLE": view["department"]["name"]}),
        "LOCATION": _simple("LOCATION", view["location"], {
            "LOCATIONID": view["location"]["location_id"], "NAME": view["location"]["name"],
            "CURRENCY": "USD"}),
        "CLASS": _simple("CLASS", view["class"], {
            "CLASSID": view["class"]["class_id"], "NAME": view["class"]["name"],
            "DESCRIPTION": view["class"]["name"]}),
        "PROJECTTYPE": _simple("PROJECTTYPE", view["project_type"],
                               {"NAME": view["project_type"]["name"]}),
        "TIMETYPE": _simple("TIMETYPE", view["time_type"], {"NAME": view["time_type"]["name"]}),
        "EEACCOUNTLABEL": _simple("EEACCOUNTLABEL", e, {
            "ACCOUNTLABEL": e["expense_type"], "DESCRIPTION": e["description"],
            "GLACCOUNTNO": e["gl_account_no"],
            "GLACCOUNTTITLE": wf.lookup(e["gl_account_no"], gl_titles),
            "OFFSETGLACCOUNTNO": ref.REIMBURSABLE_PAYABLE}),
        "ITEM": _items(view["item"]),
        "GLACCOUNT": _simple("GLACCOUNT", g, {
            "ACCOUNTNO": g["account_no"], "TITLE": g["title"],
            "ACCOUNTTYPE": [gl[a][2] for a in g["account_no"]],
            "NORMALBALANCE": [gl[a][3] for a in g["account_no"]],
            "CATEGORY": [gl[a][4] for a in g["account_no"]],
            "CLOSINGTYPE": ["non-closing account" if gl[a][2] == "balancesheet"
                            else "closed to account" for a in g["account_no"]]}),
        "CHECKINGACCOUNT": _simple("CHECKINGACCOUNT", c, {
            "BANKACCOUNTID": c["account_id"], "BANKNAME": c["bank_name"],
            "GLACCOUNTNO": c["gl_account_no"], "BANKACCOUNTNO": wf.lookup(c["account_id"], masked),
            "BANKACCOUNTTYPE": "checking", "COMPANYNAME": words.FIRM_NAME}),
        "CREDITCARD": _simple("CREDITCARD", k, {
            "CARDID": k["card_id"], "DESCRIPTION": k["description"], "CARDTYPE": k["card_type"],
            "EXP_MONTH": ref.CARD_EXP_MONTH, "EXP_YEAR": ref.CARD_EXP_YEAR, "COMMCARD": "true",
            "LIABILITYTYPE": "Corporate", "OUTSOURCECARD": "false"}),
        "ARTERM": _simple("ARTERM", t, {
            "NAME": t["name"], "DESCRIPTION": t["description"],
            "DUEDAYS": t["due_days"].astype(str).to_numpy(object)}),
    }  # fmt: skip


def _items(v: pd.DataFrame) -> pd.DataFrame:
    """Service items of the view, then the stock items recon must ignore."""
    stock = pd.DataFrame(
        {"item_id": [i for i, _ in ref.INVENTORY_ITEMS],
         "name": [n for _, n in ref.INVENTORY_ITEMS], "status": "active"}
    )  # fmt: skip
    both = pd.concat([v, stock], ignore_index=True)
    kind = [ref.ITEMTYPE_NON_INVENTORY] * len(v) + [ref.ITEMTYPE_INVENTORY] * len(stock)
    return _simple("ITEM", both, {
        "ITEMID": both["item_id"], "NAME": both["name"], "EXTENDED_DESCRIPTION": both["name"],
        "ITEMTYPE": np.array(kind, dtype=object), "MRR": "false"})  # fmt: skip
