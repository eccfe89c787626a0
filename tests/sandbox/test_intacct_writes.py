"""create, update, delete, transactions, uniqueid replay, persistence.

docs/specs/intacct-xml-api.md §2.6, §4.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from lxml.builder import E

from recon.intacct import uncertain
from recon.sandbox.intacct import guesses
from recon.sandbox.intacct.server import IntacctSandbox
from tests.sandbox.conftest import Client, FakeClock, errornos, texts


def read_one(client: Client, obj: str, recno: str) -> etree._Element:
    return client.ok(E.read(E.object(obj), E.keys(recno))).find(obj)


def by_id(client: Client, obj: str, key: str) -> etree._Element | None:
    return client.ok(E.readByName(E.object(obj), E.keys(key))).find(obj)


def project(pid: str, **fields: str) -> etree._Element:
    el = E.PROJECT(
        E.PROJECTID(pid),
        E.NAME(fields.pop("NAME", f"Project {pid}")),
        E.PROJECTCATEGORY("Contract"),
    )
    for k, v in fields.items():
        el.append(E(k, v))
    return el


# --- create -----------------------------------------------------------------------------


def test_create_several_records(client: Client, clock: FakeClock) -> None:
    contact = E.DISPLAYCONTACT(E.PRINTAS("New Co"), E.EMAIL1("ap@new.example"))
    data = client.ok(
        E.create(
            E.CUSTOMER(E.CUSTOMERID("C10"), E.NAME("New Co"), contact, E.TERMNAME("N30")),
            E.CUSTOMER(E.CUSTOMERID("C11"), E.NAME("Other Co")),
        )
    )
    assert dict(data.attrib) == {"listtype": "objects", "count": "2"}
    assert [c.tag for c in data] == ["customer", "customer"]
    assert [[x.tag for x in c] for c in data] == [["RECORDNO", "CUSTOMERID"]] * 2
    assert texts(data, "customer/CUSTOMERID") == ["C10", "C11"]
    recno = data.findtext("customer/RECORDNO")
    record = read_one(client, "CUSTOMER", recno)
    assert record.findtext("DISPLAYCONTACT/EMAIL1") == "ap@new.example"  # nested in, nested out
    assert record.findtext("STATUS") == "active"  # default
    assert record.findtext("WHENCREATED") == "11/14/2023 22:13:20"  # the fake clock
    assert record.findtext("WHENMODIFIED") == "11/14/2023 22:13:20"
    queried = client.ok(
        E.query(
            E.object("CUSTOMER"),
            E.select(E.field("DISPLAYCONTACT.EMAIL1")),
            E.filter(E.equalto(E.field("CUSTOMERID"), E.value("C10"))),
        )
    )
    assert queried.findtext("CUSTOMER/DISPLAYCONTACT.EMAIL1") == "ap@new.example"


def test_create_fills_reference_keys_and_names(client: Client) -> None:
    data = client.ok(
        E.create(project("P50", CUSTOMERID="C1", DEPARTMENTID="D1", BEGINDATE="03/01/2024"))
    )
    record = read_one(client, "PROJECT", data.findtext("project/RECORDNO"))
    assert record.findtext("CUSTOMERKEY") == "1"
    assert record.findtext("CUSTOMERNAME") == "Acme Corp"
    assert record.findtext("DEPARTMENTNAME") == "Consulting"
    assert record.findtext("BEGINDATE") == "03/01/2024"


def test_duplicate_id_partial_success(client: Client) -> None:
    result = client.one(E.create(project("P60"), project("P01"), project("P61")))
    assert result.findtext("status") == "failure"
    assert [c.tag for c in result] == ["status", "function", "controlid", "data", "errormessage"]
    assert texts(result, "data/project/PROJECTID") == ["P60", "P61"]
    errors = result.findall("errormessage/error")
    assert [e.findtext("errorno") for e in errors] == ["BL34000061", "BL01001973"]
    assert (
        errors[0].findtext("description2")
        == "Another Project with the given value(s) P01  already exists"
    )
    assert errors[1].findtext("description2") == "Could not create project record!"
    assert by_id(client, "PROJECT", "P60") is not None  # the good ones stay saved


def test_create_validation_errors(client: Client) -> None:
    cases = {
        "missing required": E.PROJECT(E.PROJECTID("P70"), E.NAME("x")),
        "bad reference": project("P71", CUSTOMERID="NOPE"),
        "bad date": project("P72", BEGINDATE="2024-03-01"),
        "bad money": project("P73", BUDGETAMOUNT="lots"),
        "bad status": project("P74", STATUS="maybe"),
        "unknown field": project("P75", NOSUCHFIELD="x"),
    }
    for name, record in cases.items():
        result = client.one(E.create(record))
        assert result.findtext("status") == "failure", name
        assert errornos(result)[-1] == "BL01001973", name
        assert result.find("data") is None, name
    bad_ref = client.one(E.create(project("P71", CUSTOMERID="NOPE")))
    assert bad_ref.findtext(".//description2") == "Invalid Customer 'NOPE' specified."
    missing = client.one(E.create(E.PROJECT(E.PROJECTID("P70"), E.NAME("x"))))
    assert "PROJECTCATEGORY" in missing.findtext(".//description2")
    assert by_id(client, "PROJECT", "P71") is None


def test_create_unknown_object_and_line_objects(client: Client) -> None:
    assert client.one(E.create(E.NOPE(E.X("1")))).findtext("status") == "failure"
    line = client.one(E.create(E.TIMESHEETENTRY(E.ENTRYDATE("01/02/2024"), E.QTY("1"))))
    assert "TIMESHEET" in line.findtext(".//description2")


def test_create_timesheet_with_entries(client: Client) -> None:
    entries = E.TIMESHEETENTRIES(
        E.TIMESHEETENTRY(
            E.ENTRYDATE("03/04/2024"), E.QTY("8"), E.PROJECTID("P01"), E.TIMETYPE("Salary")
        ),
        E.TIMESHEETENTRY(
            E.ENTRYDATE("03/05/2024"),
            E.QTY("4.25"),
            E.PROJECTID("P02"),
            E.BILLABLE("true"),
            E.BIGTIME_ENTRYID("bt-9"),
        ),
    )
    data = client.ok(E.create(E.TIMESHEET(E.EMPLOYEEID("E2"), E.BEGINDATE("03/04/2024"), entries)))
    assert [c.tag for c in data[0]] == ["RECORDNO"]
    recno = data.findtext("timesheet/RECORDNO")
    sheet = read_one(client, "TIMESHEET", recno)
    assert sheet.findtext("STATE") == "Draft"
    assert sheet.findtext("ENDDATE") == "03/10/2024"
    entries_out = sheet.findall("TIMESHEETENTRIES/TIMESHEETENTRY")
    assert [e.findtext("QTY") for e in entries_out] == ["8", "4.25"]
    assert {e.findtext("TIMESHEETKEY") for e in entries_out} == {recno}
    assert {e.findtext("EMPLOYEEID") for e in entries_out} == {"E2"}
    assert [e.findtext("LINENO") for e in entries_out] == ["1", "2"]
    found = client.ok(
        E.readByQuery(
            E.object("TIMESHEETENTRY"),
            E.query(f"{uncertain.TIMESHEETENTRY_PARENT_KEY} = '{recno}' AND STATE = 'I'"),
        )
    )
    assert found.get("count") == "2"


def test_timesheet_validation(client: Client) -> None:
    no_entries = E.TIMESHEET(E.EMPLOYEEID("E1"), E.BEGINDATE("03/04/2024"))
    assert "TIMESHEETENTRIES" in client.one(E.create(no_entries)).findtext(".//description2")
    outside = E.TIMESHEET(
        E.EMPLOYEEID("E1"),
        E.BEGINDATE("03/04/2024"),
        E.TIMESHEETENTRIES(E.TIMESHEETENTRY(E.ENTRYDATE("03/20/2024"), E.QTY("1"))),
    )
    assert "outside the timesheet period" in client.one(E.create(outside)).findtext(
        ".//description2"
    )
    bad_project = E.TIMESHEET(
        E.EMPLOYEEID("E1"),
        E.BEGINDATE("03/04/2024"),
        E.TIMESHEETENTRIES(
            E.TIMESHEETENTRY(E.ENTRYDATE("03/04/2024"), E.QTY("1"), E.PROJECTID("P404"))
        ),
    )
    assert (
        client.one(E.create(bad_project)).findtext(".//description2")
        == "Invalid Project 'P404' specified."
    )
    approved = E.TIMESHEET(
        E.EMPLOYEEID("E1"),
        E.BEGINDATE("03/04/2024"),
        E.STATE("Approved"),
        E.TIMESHEETENTRIES(E.TIMESHEETENTRY(E.ENTRYDATE("03/04/2024"), E.QTY("1"))),
    )
    assert client.one(E.create(approved)).findtext("status") == "failure"


def _draft_sheet(client: Client) -> str:
    """A new Draft timesheet of E1 (week of 01/01/2024) with two entries; its RECORDNO."""
    entries = E.TIMESHEETENTRIES(
        E.TIMESHEETENTRY(E.ENTRYDATE("01/02/2024"), E.QTY("1"), E.PROJECTID("P01")),
        E.TIMESHEETENTRY(E.ENTRYDATE("01/03/2024"), E.QTY("2"), E.PROJECTID("P03")),
    )
    data = client.ok(E.create(E.TIMESHEET(E.EMPLOYEEID("E1"), E.BEGINDATE("01/01/2024"), entries)))
    return data.findtext("timesheet/RECORDNO") or ""


def test_timesheet_update_replaces_all_entries(client: Client) -> None:
    recno = _draft_sheet(client)
    old = [
        e.findtext("RECORDNO") for e in read_one(client, "TIMESHEET", recno).iter("TIMESHEETENTRY")
    ]
    entries = E.TIMESHEETENTRIES(
        E.TIMESHEETENTRY(E.ENTRYDATE("01/04/2024"), E.QTY("2"), E.PROJECTID("P05"))
    )
    data = client.ok(E.update(E.TIMESHEET(E.RECORDNO(recno), E.STATE("Submitted"), entries)))
    assert data.findtext("timesheet/RECORDNO") == recno
    sheet = read_one(client, "TIMESHEET", recno)
    assert sheet.findtext("STATE") == "Submitted"
    assert texts(sheet, "TIMESHEETENTRIES/TIMESHEETENTRY/PROJECTID") == ["P05"]
    assert texts(sheet, "TIMESHEETENTRIES/TIMESHEETENTRY/STATE") == ["Submitted"]
    gone = client.ok(E.read(E.object("TIMESHEETENTRY"), E.keys(",".join(map(str, old)))))
    assert gone.get("count") == "0"


@pytest.mark.parametrize("state", ["Submitted", "Approved"])
def test_a_timesheet_that_is_not_a_draft_refuses_every_update(client: Client, state: str) -> None:
    """UNCERTAIN guess (guesses.TIMESHEET_EDITABLE_STATES): only a Draft sheet is changed."""
    recno = _draft_sheet(client)
    submit = E.update(E.TIMESHEET(E.RECORDNO(recno), E.STATE("Submitted")))
    client.ok(submit)
    if state == "Approved":
        approved = client.ok(E.read(E.object("TIMESHEET"), E.keys("1")))  # seeded Approved
        assert approved.findtext("TIMESHEET/STATE") == "Approved"
        recno = "1"
    before = etree.tostring(read_one(client, "TIMESHEET", recno))
    entries = E.TIMESHEETENTRIES(E.TIMESHEETENTRY(E.ENTRYDATE("01/04/2024"), E.QTY("9")))
    for update in (
        E.update(E.TIMESHEET(E.RECORDNO(recno), entries)),
        E.update(E.TIMESHEET(E.RECORDNO(recno), E.DESCRIPTION("changed"))),
        E.update(E.TIMESHEET(E.RECORDNO(recno), E.STATE("Draft"))),
    ):
        answer = client.one(update)
        assert answer.findtext("status") == "failure"
        assert answer.findtext(".//description2") == guesses.TIMESHEET_LOCKED_TEXT.format(
            recordno=recno, state=state
        )
    assert etree.tostring(read_one(client, "TIMESHEET", recno)) == before


def test_update_partial_by_recordno_or_id(client: Client) -> None:
    data = client.ok(
        E.update(
            E.PROJECT(E.PROJECTID("P02"), E.NAME("Renamed")),
            E.PROJECT(E.RECORDNO("3"), E.DESCRIPTION("Desc")),
        )
    )
    assert texts(data, "project/PROJECTID") == ["P02", "P03"]
    p2, p3 = read_one(client, "PROJECT", "2"), read_one(client, "PROJECT", "3")
    assert p2.findtext("NAME") == "Renamed"
    assert p2.findtext("BUDGETAMOUNT") == "2000.00"  # untouched
    assert p3.findtext("DESCRIPTION") == "Desc"
    assert p3.findtext("NAME") == "Project 3"


def test_update_clears_with_empty_element_but_not_required(client: Client) -> None:
    client.ok(E.update(E.PROJECT(E.PROJECTID("P02"), E.BUDGETAMOUNT())))
    assert read_one(client, "PROJECT", "2").findtext("BUDGETAMOUNT") == ""
    result = client.one(E.update(E.PROJECT(E.PROJECTID("P02"), E.NAME())))
    assert result.findtext("status") == "failure"
    assert read_one(client, "PROJECT", "2").findtext("NAME") == "Project 2"


def test_update_errors(client: Client) -> None:
    missing = client.one(E.update(E.PROJECT(E.PROJECTID("P404"), E.NAME("x"))))
    assert errornos(missing) == ["BL01001973", "BL01001973"]
    assert "Cannot find project with key 'P404'" in missing.findtext(".//description2")
    no_key = client.one(E.update(E.PROJECT(E.NAME("x"))))
    assert no_key.findtext("status") == "failure"
    dup = client.one(E.update(E.PROJECT(E.RECORDNO("2"), E.PROJECTID("P01"))))
    assert errornos(dup)[0] == "BL34000061"


def test_invoice_and_payment(client: Client) -> None:
    lines = E.ARINVOICEITEMS(
        E.ARINVOICEITEM(E.ACCOUNTNO("4000"), E.AMOUNT("100.5")),
        E.ARINVOICEITEM(E.ACCOUNTNO("4000"), E.AMOUNT("200")),
    )
    created = client.ok(
        E.create(
            E.ARINVOICE(
                E.RECORDID("INV-100"), E.CUSTOMERID("C1"), E.WHENCREATED("04/01/2024"), lines
            )
        )
    )
    assert [c.tag for c in created[0]] == ["RECORDNO", "RECORDID"]
    inv_no = created.findtext("arinvoice/RECORDNO")
    invoice = read_one(client, "ARINVOICE", inv_no)
    assert (
        invoice.findtext("TOTALENTERED"),
        invoice.findtext("TOTALDUE"),
        invoice.findtext("STATE"),
    ) == ("300.50", "300.50", "Posted")
    assert invoice.findtext("CUSTOMERNAME") == "Acme Corp"
    assert texts(invoice, "ARINVOICEITEMS/ARINVOICEITEM/AMOUNT") == ["100.50", "200.00"]

    def payment(amount: str, customer: str = "C1") -> etree._Element:
        detail = E.ARPYMTDETAILS(E.ARPYMTDETAIL(E.RECORDKEY(inv_no), E.TRX_PAYMENTAMOUNT(amount)))
        return E.ARPYMT(
            E.CUSTOMERID(customer), E.PAYMENTMETHOD("EFT"), E.RECEIPTDATE("04/15/2024"), detail
        )

    too_much = client.one(E.create(payment("400.00")))
    assert "exceeds the amount due" in too_much.findtext(".//description2")
    wrong_customer = client.one(E.create(payment("10.00", customer="C2")))
    assert wrong_customer.findtext("status") == "failure"
    paid = client.ok(E.create(payment("100.50")))
    invoice = read_one(client, "ARINVOICE", inv_no)
    assert (
        invoice.findtext("TOTALPAID"),
        invoice.findtext("TOTALDUE"),
        invoice.findtext("STATE"),
    ) == ("100.50", "200.00", "Partially Paid")
    pay_no = paid.findtext("arpymt/RECORDNO")
    refused = client.one(E.delete(E.object("ARINVOICE"), E.keys(inv_no)))
    assert refused.findtext("status") == "failure"
    assert f"arpymt '{pay_no}'" in refused.findtext(".//description2")
    deleted = client.one(E.delete(E.object("ARPYMT"), E.keys(pay_no)))
    assert deleted.findtext("status") == "success" and deleted.find("data") is None
    invoice = read_one(client, "ARINVOICE", inv_no)
    assert (
        invoice.findtext("TOTALPAID"),
        invoice.findtext("TOTALDUE"),
        invoice.findtext("STATE"),
    ) == ("0.00", "300.50", "Posted")


# --- delete -----------------------------------------------------------------------------


def test_delete(client: Client) -> None:
    created = client.ok(E.create(project("P80"), project("P81")))
    keys = ",".join(texts(created, "project/RECORDNO"))
    result = client.one(E.delete(E.object("PROJECT"), E.keys(keys)))
    assert result.findtext("status") == "success"
    assert [c.tag for c in result] == ["status", "function", "controlid"]
    assert by_id(client, "PROJECT", "P80") is None and by_id(client, "PROJECT", "P81") is None


def test_delete_missing_key(client: Client) -> None:
    result = client.one(E.delete(E.object("CUSTOMER"), E.keys("99999")))
    assert errornos(result) == ["BL01001973"]
    assert result.findtext(".//description2") == "Cannot find customer with key '99999' to delete."


def test_delete_refuses_referenced_records(client: Client) -> None:
    result = client.one(E.delete(E.object("CUSTOMER"), E.keys("1")))
    assert result.findtext("status") == "failure"
    assert "referenced by" in result.findtext(".//description2")
    assert by_id(client, "CUSTOMER", "C1") is not None
    entry_project = client.one(E.delete(E.object("PROJECT"), E.keys("1")))  # P01 has time
    assert "timesheet '1'" in entry_project.findtext(".//description2")


def test_delete_timesheet_cascades_entries(client: Client) -> None:
    assert client.one(E.delete(E.object("TIMESHEET"), E.keys("1"))).findtext("status") == "success"
    assert client.ok(E.read(E.object("TIMESHEETENTRY"), E.keys("1,2"))).get("count") == "0"


# --- transactions and replay ------------------------------------------------------------


def test_transaction_rolls_back_everything(client: Client) -> None:
    results = client.results(
        E.create(project("P90")),
        E.update(E.PROJECT(E.PROJECTID("P02"), E.NAME("Changed"))),
        E.create(project("P01")),  # duplicate: fails
        E.read(E.object("PROJECT"), E.keys("1")),
        transaction="true",
    )
    assert [r.findtext("status") for r in results] == ["aborted", "aborted", "failure", "aborted"]
    assert errornos(results[2]) == ["BL34000061", "BL01001973", "XL03000009"]
    for i in (0, 1, 3):
        assert errornos(results[i]) == ["XL03000009"]
        assert results[i].find("data") is None
    assert [r.findtext("controlid") for r in results] == ["f0", "f1", "f2", "f3"]
    assert by_id(client, "PROJECT", "P90") is None
    assert read_one(client, "PROJECT", "2").findtext("NAME") == "Project 2"


def test_without_transaction_other_functions_still_run(client: Client) -> None:
    results = client.results(E.create(project("P01")), E.create(project("P91")))
    assert [r.findtext("status") for r in results] == ["failure", "success"]
    assert by_id(client, "PROJECT", "P91") is not None


def test_uniqueid_replay_is_refused_without_rerunning(
    client: Client, sandbox: IntacctSandbox
) -> None:
    body = {"uniqueid": "true", "function_ids": ["write-P92"]}
    first = client.one(E.create(project("P92")), **body)
    assert first.findtext("status") == "success"
    client.ok(E.update(E.PROJECT(E.PROJECTID("P92"), E.NAME("Edited"))))
    replay = client.one(E.update(E.PROJECT(E.PROJECTID("P92"), E.NAME("Replayed"))), **body)
    assert replay.findtext("status") == "failure"
    assert errornos(replay) == [uncertain.REPLAY_ERRORNO]
    assert replay.findtext(".//description2") == uncertain.REPLAY_DESCRIPTION2.format(
        controlid="write-P92"
    )
    assert by_id(client, "PROJECT", "P92").findtext("NAME") == "Edited"  # not re-executed
    # uniqueid=false: anything goes
    again = client.one(
        E.update(E.PROJECT(E.PROJECTID("P92"), E.NAME("Free"))),
        uniqueid="false",
        function_ids=["write-P92"],
    )
    assert again.findtext("status") == "success"


def test_failed_and_rolled_back_functions_are_not_remembered(client: Client) -> None:
    kw = {"uniqueid": "true", "function_ids": ["w1"]}
    assert client.one(E.create(project("P01")), **kw).findtext("status") == "failure"
    assert client.one(E.create(project("P93")), **kw).findtext("status") == "success"
    kw2 = {"uniqueid": "true", "transaction": "true", "function_ids": ["t1", "t2"]}
    results = client.results(E.create(project("P94")), E.create(project("P01")), **kw2)
    assert [r.findtext("status") for r in results] == ["aborted", "failure"]
    results = client.results(E.create(project("P94")), E.create(project("P95")), **kw2)
    assert [r.findtext("status") for r in results] == ["success", "success"]


def test_store_and_replay_memory_persist_across_restart(tmp_path: Path, clock: FakeClock) -> None:
    data_dir = tmp_path / "persist"
    with IntacctSandbox(data_dir, clock=clock) as sb:
        client = Client(sb)
        client.ok(
            E.create(E.CLASS(E.CLASSID("K1"), E.NAME("Class one"))),
            uniqueid="true",
            function_ids=["once"],
        )
    assert (data_dir / "intacct.sqlite3").exists()
    with IntacctSandbox(data_dir, clock=clock) as sb:
        assert not sb.store.is_empty()
        client = Client(sb)
        assert by_id(client, "CLASS", "K1").findtext("NAME") == "Class one"
        replay = client.one(
            E.create(E.CLASS(E.CLASSID("K2"), E.NAME("x"))), uniqueid="true", function_ids=["once"]
        )
        assert errornos(replay) == [uncertain.REPLAY_ERRORNO]
        created = client.ok(E.create(E.CLASS(E.CLASSID("K3"), E.NAME("y"))))
        assert int(created.findtext("class/RECORDNO")) > 1  # RECORDNOs continue, never reused


def test_employee_personalinfo_is_written_to_contact(client: Client) -> None:
    employee = E.EMPLOYEE(
        E.EMPLOYEEID("E9"), E.PERSONALINFO(E.CONTACTNAME("Cy Dee"), E.EMAIL1("cy@x.example"))
    )
    client.ok(E.create(employee))
    select = E.select(E.field("CONTACT.CONTACTNAME"), E.field("CONTACT.EMAIL1"))
    where = E.filter(E.equalto(E.field("EMPLOYEEID"), E.value("E9")))
    record = client.ok(E.query(E.object("EMPLOYEE"), select, where)).find("EMPLOYEE")
    assert [record.findtext("CONTACT.CONTACTNAME"), record.findtext("CONTACT.EMAIL1")] == [
        "Cy Dee",
        "cy@x.example",
    ]
    nameless = client.one(E.create(E.EMPLOYEE(E.EMPLOYEEID("E10"))))
    assert "CONTACT.CONTACTNAME" in nameless.findtext(".//description2")


def test_stopped_sandbox_cannot_restart(tmp_path: Path) -> None:
    sandbox = IntacctSandbox(tmp_path).start()
    sandbox.stop()
    with pytest.raises(RuntimeError):
        sandbox.start()


def test_approve_and_decline_move_a_submitted_sheet_and_lock_it(client: Client) -> None:
    """Approve/decline by ENTRYKEYS (docs/specs/intacct-xml-api.md §4.6); the sheet's
    state follows its entries (docs/specs/intacct-xml-api.md §5 TIMESHEET)."""
    recno = _draft_sheet(client)
    entries = [
        e.findtext("RECORDNO") or ""
        for e in read_one(client, "TIMESHEET", recno).iter("TIMESHEETENTRY")
    ]
    refused = client.one(E.approve(E.TIMESHEET(E.RECORDNO(recno))))  # a Draft is not submitted
    assert refused.findtext(".//description2") == guesses.TIMESHEET_NOT_APPROVABLE_TEXT.format(
        recordno=recno, state="Draft"
    )
    client.ok(E.update(E.TIMESHEET(E.RECORDNO(recno), E.STATE("Submitted"))))

    client.ok(E.approve(E.TIMESHEET(E.RECORDNO(recno), E.ENTRYKEYS(entries[0]))))
    sheet = read_one(client, "TIMESHEET", recno)
    assert sheet.findtext("STATE") == "Partially Approved"
    assert texts(sheet, "TIMESHEETENTRIES/TIMESHEETENTRY/STATE") == ["Approved", "Submitted"]
    client.ok(E.approve(E.TIMESHEET(E.RECORDNO(recno), E.ENTRYKEYS(entries[1]))))
    assert read_one(client, "TIMESHEET", recno).findtext("STATE") == "Approved"
    locked = client.one(E.update(E.TIMESHEET(E.RECORDNO(recno), E.DESCRIPTION("late"))))
    assert locked.findtext(".//description2") == guesses.TIMESHEET_LOCKED_TEXT.format(
        recordno=recno, state="Approved"
    )

    other = _draft_sheet(client)
    client.ok(E.update(E.TIMESHEET(E.RECORDNO(other), E.STATE("Submitted"))))
    wrong = client.one(E.decline(E.TIMESHEET(E.RECORDNO(other), E.ENTRYKEYS(entries[0]))))
    assert "is not an entry of timesheet" in (wrong.findtext(".//description2") or "")
    client.ok(E.decline(E.TIMESHEET(E.RECORDNO(other))))
    declined = read_one(client, "TIMESHEET", other)
    assert declined.findtext("STATE") == "Declined"
    assert set(texts(declined, "TIMESHEETENTRIES/TIMESHEETENTRY/STATE")) == {"Declined"}
