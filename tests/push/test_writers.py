"""The writers against both sandboxes over real HTTP: apply, read back, settle, refuse.

Every test works on a private copy of the demo firm (``systems``). Changes come from the
demo firm's diff (``demo_changes``, see conftest) plus a few built here for the actions the
demo plan does not produce (deactivations, a project created in BigTime, Intacct updates).

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

import pytest

from recon.canonical import ENTITIES
from recon.errors import (
    ConfigError,
    FunctionError,
    ReplayRefusedError,
    ValidationError,
    WriteOutcomeUnknown,
)
from recon.intacct.filters import F
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD
from recon.mapping.bigtime_lists import LIST_ENTITIES
from recon.plan import Change
from recon.push.engine import writer_for
from recon.push.intacct_writer import (
    ENTRY_FIELDS,
    MAX_FUNCTIONS_PER_REQUEST,
    IntacctWriter,
    TimesheetLocked,
)
from recon.push.writers import (
    BatchWriter,
    UnresolvedReference,
    UnsupportedChange,
    Writer,
    typed,
)
from recon.sandbox.firm import Firm
from tests.push.conftest import (
    LOCKED_TIME,
    Systems,
    canonical_rows,
    expected_rows,
    make_change,
    pulled_bigtime,
    pulled_intacct,
    row_fields,
)

BT_RECORDS = ("customer", "project", "employee")
IA_ENTITIES = ("customer", "project", "employee", "time_entry", "invoice", "expense")


# --- picking changes ----------------------------------------------------------------------


def first(changes: Iterable[Change], entity: str, action: str, target: str) -> Change:
    return next(
        c
        for c in changes
        if (c.entity, c.action, c.target) == (entity, action, target)
        and (entity != "invoice" or "total" in c.after())
        and c.key not in LOCKED_TIME  # refused at push as review only (test_timesheets)
    )


def one(
    entity: str, key: str, action: str, target: str, field: str, before: str | None,
    after: str | None,
) -> Change:  # fmt: skip
    """A change of one field."""
    return make_change(entity, key, action, target, [(field, before, after)])


def untouched_key(firm: Firm, side: str, entity: str, changes: list[Change]) -> str:
    """An active record of ``entity`` on ``side`` that no demo change touches."""
    view = (firm.intacct_view if side == "intacct" else firm.bigtime_view)[entity]
    taken = {c.key for c in changes if c.entity == entity}
    key = ENTITIES[entity].key
    active = view[view["status"].eq("active").to_numpy(bool)]
    return next(k for k in active[key].tolist() if k not in taken)


def bigtime_extras(firm: Firm, demo: list[Change]) -> list[Change]:
    """A deactivation and a project created in BigTime (with a manager: two requests)."""
    customer = untouched_key(firm, "bigtime", "customer", demo)
    projects = firm.intacct_view["project"]
    source = projects[projects["manager_id"].notna().to_numpy(bool)].iloc[0].to_dict()
    fields = [
        (f, None, "P99-0001" if f == "project_id" else "Writer test project" if f == "name" else a)
        for f, _, a in row_fields("project", source)
    ]
    return [
        one("customer", customer, "deactivate", "bigtime", "status", "active", "inactive"),
        make_change("project", "P99-0001", "create", "bigtime", fields),
    ]


def intacct_extras(firm: Firm, demo: list[Change]) -> list[Change]:
    """Master-data update and deactivation in Intacct (nested and PERSONALINFO fields)."""
    customers = firm.intacct_view["customer"].set_index("customer_id")
    gone = untouched_key(firm, "intacct", "customer", demo)
    moved = next(k for k in customers.index if k != gone and k not in {c.key for c in demo})
    employees = firm.intacct_view["employee"].set_index("employee_id")
    staffer = next(k for k in employees.index if k not in {c.key for c in demo})
    return [
        one("customer", gone, "deactivate", "intacct", "status", "active", "inactive"),
        make_change("customer", moved, "update", "intacct", [
            ("name", customers.at[moved, "name"], "Renamed by the writer test"),
            ("city", customers.at[moved, "city"], "Evanston"),
        ]),
        make_change("employee", staffer, "update", "intacct", [
            ("email", employees.at[staffer, "email"], "new.address@example.com"),
            ("title", employees.at[staffer, "title"], "Director"),
        ]),
    ]  # fmt: skip


def expected_now(change: Change) -> dict[str, str | None] | None:
    """What ``current`` must say before the change is applied."""
    return None if change.action == "create" else change.before()


def key_for(change: Change) -> str:
    return "idem-" + change.change_id


# --- reading the sandboxes directly -------------------------------------------------------


def writes_served(systems: Systems) -> int:
    """Write requests both sandboxes answered (Intacct functions, BigTime POST/DELETE)."""
    ia = systems.intacct.counters.snapshot()
    bt = systems.bigtime.counters.snapshot()
    ia_writes = sum(ia.get(name, 0) for name in ("create", "update", "delete"))
    bt_writes = sum(n for name, n in bt.items() if name.split(" ")[0] in ("POST", "DELETE"))
    return ia_writes + bt_writes - bt.get("POST /session", 0)


def entries_linked(systems: Systems, entry_id: str) -> int:
    return systems.ia.count("TIMESHEETENTRY", F(TIMESHEETENTRY_LINK_FIELD) == entry_id)


def invoice_lines(systems: Systems, invoice_no: str) -> list[Decimal]:
    pages = systems.ia.query("ARINVOICE", ["RECORDNO"], filter=F("RECORDID") == invoice_no)
    recordno = next(rec.findtext("RECORDNO") for page in pages for rec in page.records())
    lines = systems.ia.query(
        "ARINVOICEITEM", ["RECORDNO", "AMOUNT"], filter=F("RECORDKEY") == recordno
    )
    return [Decimal(rec.findtext("AMOUNT") or "0") for page in lines for rec in page.records()]


def clients_with(systems: Systems, client_id: str) -> list[int]:
    return [c["SystemId"] for c in systems.bt.clients() if c.get("ClientId") == client_id]


def apply_all(writer: Writer, changes: list[Change]) -> dict[str, str]:
    """Apply each change, checking ``current`` before and after; change id -> remote id."""
    ids = {}
    for change in changes:
        assert writer.current(change) == expected_now(change), f"before {change.label}"
        ids[change.change_id] = writer.apply(change, key_for(change))
        assert ids[change.change_id], change.label
        assert writer.current(change) == change.after(), f"after {change.label}"
    return ids


# --- every demo change lands --------------------------------------------------------------


def test_bigtime_writer_lands_every_demo_change(
    systems: Systems, demo_changes: list[Change], firm: Firm
) -> None:
    demo = [c for c in demo_changes if c.target == "bigtime" and c.entity in BT_RECORDS]
    changes = demo + bigtime_extras(firm, demo_changes)
    kinds = {(c.entity, c.action) for c in changes}
    assert kinds == {(e, a) for e in BT_RECORDS for a in ("create", "update")} | {
        ("customer", "deactivate")
    }
    ids = apply_all(systems.bigtime_writer(), changes)

    pulled = pulled_bigtime(systems.bt)
    for entity in BT_RECORDS:
        want = expected_rows(firm.bigtime_view[entity], entity, changes)
        assert canonical_rows(pulled[entity], entity) == want, entity
    for change in changes:
        if change.entity == "customer" and change.action == "create":
            assert clients_with(systems, change.key) == [int(ids[change.change_id])]


def test_intacct_writer_lands_every_demo_change(
    systems: Systems, demo_changes: list[Change], firm: Firm
) -> None:
    changes = [c for c in demo_changes if c.target == "intacct"]
    changes += intacct_extras(firm, demo_changes)
    locked = [c for c in changes if c.entity == "time_entry" and c.key in LOCKED_TIME]
    for change in locked:  # approved timesheets: never rewritten (test_timesheets)
        with pytest.raises(TimesheetLocked):
            systems.intacct_writer().function_for(change, "k")
    changes = [c for c in changes if c not in locked]
    kinds = {(c.entity, c.action) for c in changes}
    assert kinds == {
        ("project", "create"), ("employee", "create"), ("employee", "update"),
        ("customer", "update"), ("customer", "deactivate"), ("time_entry", "create"),
        ("time_entry", "update"), ("invoice", "create"), ("invoice", "update"),
        ("expense", "create"), ("expense", "update"),
    }  # fmt: skip
    totals = [c for c in changes if c.entity == "invoice" and c.action == "update"]
    lines_before = {c.key: invoice_lines(systems, c.key) for c in totals}

    apply_all(systems.intacct_writer(), changes)

    pulled = pulled_intacct(systems.ia)
    for entity in IA_ENTITIES:  # time entries: every other entry of a timesheet kept as is
        want = expected_rows(firm.intacct_view[entity], entity, changes)
        assert canonical_rows(pulled[entity], entity) == want, entity
    for change in totals:  # the lines kept, plus one line of the difference
        old = lines_before[change.key]
        delta = Decimal(change.after()["total"] or "0") - sum(old, Decimal(0))
        assert invoice_lines(systems, change.key) == [*old, delta]


# --- idempotency ---------------------------------------------------------------------------


def test_intacct_second_send_is_refused_as_a_replay(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.intacct_writer()
    entry = first(demo_changes, "time_entry", "create", "intacct")
    invoice = first(demo_changes, "invoice", "update", "intacct")
    lines = len(invoice_lines(systems, invoice.key))
    for change in (entry, invoice):
        remote_id = writer.apply(change, key_for(change))
        with pytest.raises(ReplayRefusedError):
            writer.apply(change, key_for(change))
        assert writer.settle(change, key_for(change)) == remote_id
        assert writer.current(change) == change.after()
    assert entries_linked(systems, entry.key) == 1
    assert len(invoice_lines(systems, invoice.key)) == lines + 1  # one adjustment, not two


def test_bigtime_settle_finds_an_applied_change(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.bigtime_writer()
    customer = first(demo_changes, "customer", "create", "bigtime")
    picked = [
        customer,
        first(demo_changes, "customer", "update", "bigtime"),
        first(demo_changes, "employee", "create", "bigtime"),
        first(demo_changes, "project", "update", "bigtime"),
    ]
    for change in picked:
        assert writer.settle(change, key_for(change)) is None, change.label
        remote_id = writer.apply(change, key_for(change))
        assert writer.settle(change, key_for(change)) == remote_id, change.label
    assert clients_with(systems, customer.key) == [int(writer.settle(customer, "k") or 0)]


# --- Intacct batches -------------------------------------------------------------------------


def test_intacct_batch_answers_each_change_and_a_resend_settles_the_applied_ones(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.intacct_writer()
    entry = first(demo_changes, "time_entry", "create", "intacct")
    invoice = first(demo_changes, "invoice", "update", "intacct")
    orphan = make_change("project", "P99-0003", "create", "intacct",
                         [("name", None, "Orphan"), ("customer_id", None, "NOPE")])  # fmt: skip
    lines = len(invoice_lines(systems, invoice.key))
    batch = [(c, writer.function_for(c, key_for(c))) for c in (entry, orphan, invoice)]
    assert [f.controlid for _, f in batch] == [key_for(c) for c, _ in batch]
    assert writes_served(systems) == 0  # building sends nothing

    sent = writer.apply_many(batch)

    assert [r.change_id for r in sent] == [c.change_id for c, _ in batch]
    assert sent[0].ok and sent[2].ok and sent[0].remote_id and sent[2].remote_id
    assert isinstance(sent[1].error, FunctionError) and "NOPE" in str(sent[1].error)
    with pytest.raises(FunctionError, match="NOPE"):
        sent[1].unwrap()
    for change in (entry, invoice):
        assert writer.current(change) == change.after(), change.label
    # The same batch again: the functions that ran are refused as replays, each on its own;
    # the refused one runs again (and is refused again).
    again = writer.apply_many(batch)
    assert [type(r.error) for r in again] == [ReplayRefusedError, FunctionError, ReplayRefusedError]
    settled = writer.settle_many(batch)
    assert [r.remote_id for r in settled] == [sent[0].remote_id, None, sent[2].remote_id]
    assert isinstance(settled[1].error, FunctionError)
    assert entries_linked(systems, entry.key) == 1
    assert len(invoice_lines(systems, invoice.key)) == lines + 1  # one adjustment, not three
    assert writer.apply_many([]) == []


def test_intacct_record_of_names_the_record_an_update_rewrites(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.intacct_writer()
    assert isinstance(writer, BatchWriter) and not isinstance(systems.bigtime_writer(), BatchWriter)
    update = first(demo_changes, "time_entry", "update", "intacct")
    sheet = writer.record_of(writer.function_for(update, "k1"))
    assert sheet is not None and sheet.startswith("TIMESHEET ") and sheet.split()[1].isdigit()
    create = first(demo_changes, "time_entry", "create", "intacct")
    # A new entry of a week whose sheet is open adds to that sheet: an update of it.
    added = writer.record_of(writer.function_for(create, "k2"))
    assert added is not None and added.startswith("TIMESHEET ") and added.split()[1].isdigit()
    assert writer.record_of(writer.function_for(one_of_new_week(create), "k2")) == (
        f"TIMESHEET {create.after()['employee_id']} 01/05/2026"
    )
    renamed = one("customer", "C10012", "update", "intacct", "name", "A", "B")
    assert writer.record_of(writer.function_for(renamed, "k3")) == "CUSTOMER C10012"
    too_many = [(renamed, writer.function_for(renamed, f"k{n}"))
                for n in range(MAX_FUNCTIONS_PER_REQUEST + 1)]  # fmt: skip
    with pytest.raises(ConfigError, match="at most"):
        writer.apply_many(too_many)
    assert writes_served(systems) == 0


def one_of_new_week(create: Change) -> Change:
    """``create`` moved to a week its employee has no timesheet for (2026-01-05..11)."""
    fields = [(f.field, None, "2026-01-07" if f.field == "entry_date" else f.after)
              for f in create.fields]  # fmt: skip
    return make_change("time_entry", "990077", "create", "intacct", fields)


# --- settling a write whose answer was lost ------------------------------------------------


@pytest.mark.parametrize("when", ["before", "after"])
def test_intacct_settle_after_a_dropped_write(
    systems: Systems, demo_changes: list[Change], when: str
) -> None:
    writer = systems.intacct_writer()
    entry = first(demo_changes, "time_entry", "create", "intacct")
    invoice = first(demo_changes, "invoice", "update", "intacct")
    lines = len(invoice_lines(systems, invoice.key))
    for change in (entry, invoice):
        systems.intacct.faults.add("drop", when=when, count=1, only="write")
        with pytest.raises(WriteOutcomeUnknown):
            writer.apply(change, key_for(change))
        landed = writer.current(change) == change.after()
        assert landed is (when == "after"), change.label
        assert writer.settle(change, key_for(change))
        assert writer.current(change) == change.after()
    assert entries_linked(systems, entry.key) == 1
    assert len(invoice_lines(systems, invoice.key)) == lines + 1


@pytest.mark.parametrize("when", ["before", "after"])
def test_bigtime_settle_after_a_dropped_write(
    systems: Systems, demo_changes: list[Change], firm: Firm, when: str
) -> None:
    writer = systems.bigtime_writer()
    project = next(c for c in bigtime_extras(firm, demo_changes) if c.action == "create")
    update = first(demo_changes, "customer", "update", "bigtime")
    for change in (project, update):
        systems.bigtime.faults.add("drop", when=when, count=1, only="write")
        with pytest.raises(WriteOutcomeUnknown):
            writer.apply(change, key_for(change))
        settled = writer.settle(change, key_for(change))
        if when == "before":  # not applied: settle says so, and applying again is safe
            assert settled is None, change.label
            assert writer.current(change) == expected_now(change)
            writer.apply(change, key_for(change))
        else:  # the project landed without its team lead: settle completes it
            assert settled is not None, change.label
        assert writer.current(change) == change.after(), change.label
    codes = [p.get("ProjectCode") for p in systems.bt.projects()]
    assert codes.count(project.key) == 1


# --- refusals ------------------------------------------------------------------------------


def test_remote_refusals_surface_with_the_remote_text(systems: Systems, firm: Firm) -> None:
    ia, bt = systems.intacct_writer(), systems.bigtime_writer()
    customer = firm.intacct_view["customer"].iloc[0].to_dict()
    fields = row_fields("customer", customer)
    taken = make_change("customer", customer["customer_id"], "create", "intacct", fields)
    with pytest.raises(FunctionError, match="already exists") as exc:
        ia.apply(taken, "dup-1")
    assert "BL34000061" in exc.value.errornos
    orphan = make_change("project", "P99-0002", "create", "intacct",
                         [("name", None, "Orphan"), ("customer_id", None, "NOPE")])  # fmt: skip
    with pytest.raises(FunctionError, match="NOPE"):
        ia.apply(orphan, "orphan-1")
    again = make_change("customer", customer["customer_id"], "create", "bigtime", fields)
    with pytest.raises(ValidationError, match="already used") as bt_exc:
        bt.apply(again, "dup-2")
    assert bt_exc.value.status == 400


def test_changes_recon_cannot_make_are_refused_before_sending(
    systems: Systems, demo_changes: list[Change]
) -> None:
    ia, bt = systems.intacct_writer(), systems.bigtime_writer()
    lists = [c for c in demo_changes if c.entity in LIST_ENTITIES]
    assert len({c.entity for c in lists}) >= 10
    for change in lists:  # read-only picklists: read, never written
        assert bt.current(change) == expected_now(change), change.label
        with pytest.raises(UnsupportedChange, match="by hand"):
            bt.apply(change, key_for(change))
        assert bt.settle(change, key_for(change)) is None
    project = first(demo_changes, "project", "update", "bigtime")
    ghost = make_change(
        "project", project.key, "update", "bigtime", [("department_id", "X", "NOPE")]
    )
    with pytest.raises(UnresolvedReference, match="NOPE"):
        bt.apply(ghost, "ghost")
    entry = first(demo_changes, "time_entry", "update", "intacct")
    invoice = "INV-25-00001"
    refused = [
        (ia, one("time_entry", entry.key, "update", "intacct", "employee_id", "E1", "E2")),
        (ia, one("invoice", invoice, "deactivate", "intacct", "total", "1.00", None)),
        (ia, one("payment", invoice, "update", "intacct", "paid_amount", "1.00", "2.00")),
        (bt, one("time_entry", entry.key, "update", "bigtime", "hours", "1.00", "2.00")),
        (bt, one("invoice", invoice, "create", "bigtime", "total", None, "5.00")),
    ]
    for writer, change in refused:
        with pytest.raises(UnsupportedChange):
            writer.apply(change, key_for(change))
    review_only = make_change(
        "customer", "C1", "deactivate", "bigtime", [("status", "active", "inactive")]
    )
    with pytest.raises(UnsupportedChange, match="review"):
        bt.apply(replace(review_only, pushable=False, note="BigTime has no API"), "r")
    missing = make_change(
        "time_entry", "999999999", "update", "intacct", [("hours", "1.00", "2.00")]
    )
    with pytest.raises(UnresolvedReference):
        ia.apply(missing, "missing")
    assert writes_served(systems) == 0


# --- small pieces ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        ("money", "1250.50", Decimal("1250.50")),
        ("hours", "7.25", Decimal("7.25")),
        ("bool", "false", False),
        ("bool", "true", True),
        ("int", "30", 30),
        ("text", "O'Hara & Co", "O'Hara & Co"),
        ("status", "inactive", "inactive"),
        ("money", None, None),
    ],
)
def test_typed_reads_canonical_strings_back(kind: str, text: str | None, value: object) -> None:
    got = typed(kind, text)  # type: ignore[arg-type]
    assert got == value and type(got) is type(value)


def test_typed_refuses_what_is_not_a_canonical_value() -> None:
    with pytest.raises(ValueError, match="canonical"):
        typed("money", "12,50")
    with pytest.raises(ValueError, match="canonical"):
        typed("bool", "yes")
    assert str(typed("date", "2025-03-31")) == "2025-03-31"


def test_writer_for_names_the_system(systems: Systems) -> None:
    assert writer_for("intacct", systems.ia).system == "intacct"
    assert writer_for("bigtime", systems.bt).system == "bigtime"
    with pytest.raises(ValueError, match="no writer"):
        writer_for("quickbooks", systems.ia)


def test_bigtime_lookups_are_read_once_and_a_create_forgets_only_its_kind(
    systems: Systems, demo_changes: list[Change]
) -> None:
    writer = systems.bigtime_writer()
    moved = first(demo_changes, "project", "update", "bigtime")
    departments = [
        one("project", moved.key, "update", "bigtime", "department_id", None, dept)
        for dept in ("AUD", "TAX", "ADV")
    ]

    def list_reads() -> int:
        served = systems.bigtime.counters.snapshot()
        return sum(n for name, n in served.items() if name.startswith("GET /picklist"))

    writer.apply(departments[0], "d0")
    reads = list_reads()
    writer.apply(departments[1], "d1")
    assert list_reads() == reads  # the cost-center list came from the cache
    created = first(demo_changes, "customer", "create", "bigtime")
    sid = writer.apply(created, "c")
    writer.apply(departments[2], "d2")
    assert list_reads() == reads  # a client create leaves the picklists' cache alone
    assert writer.current(departments[2]) == {"department_id": "ADV"}
    # ... but the clients' cache is re-read: the new client resolves to its new id.
    assert str(writer.lookups.sid("client", created.key)) == str(sid)


def test_intacct_timesheet_update_resends_the_other_entries_as_read(
    systems: Systems, demo_changes: list[Change]
) -> None:
    """A timesheet update replaces every entry: the entries the change is not about go back
    exactly as Intacct holds them -- nothing cleared, nothing invented for empty fields, no
    spacing trimmed (a note typed with a trailing space keeps it)."""
    writer = systems.intacct_writer()
    update = first(demo_changes, "time_entry", "update", "intacct")
    built = writer.function_for(update, "k0").body.findall(".//TIMESHEETENTRY")
    (other, *_) = [e for e in built if e.findtext(TIMESHEETENTRY_LINK_FIELD) != update.key]
    recno = systems.intacct.store.find(
        "TIMESHEETENTRY", TIMESHEETENTRY_LINK_FIELD, other.findtext(TIMESHEETENTRY_LINK_FIELD)
    )[0]
    systems.intacct.store.update("TIMESHEETENTRY", recno, {"DESCRIPTION": " spaced note  "})
    built = writer.function_for(update, "k1").body.findall(".//TIMESHEETENTRY")
    others = [e for e in built if e.findtext(TIMESHEETENTRY_LINK_FIELD) != update.key]
    assert others, "the demo update's timesheet has other entries"
    assert " spaced note  " in [e.findtext("DESCRIPTION") for e in others]
    for entry in others:
        link = entry.findtext(TIMESHEETENTRY_LINK_FIELD)
        pages = systems.ia.query("TIMESHEETENTRY", list(ENTRY_FIELDS),
                                 filter=F(TIMESHEETENTRY_LINK_FIELD) == link)  # fmt: skip
        (stored,) = [r for page in pages for r in page.records()]
        held = {str(f.tag): f.text or "" for f in stored}
        expected = {name: text for name, text in held.items() if text}
        if expected.get("TASKID"):
            expected.pop("TASKKEY", None)  # spec §5: a task by TASKKEY or TASKID, not both
        assert {str(f.tag): f.text for f in entry} == expected


def test_invoice_item_and_adjustment_account_are_the_writers_to_set(
    systems: Systems, demo_changes: list[Change]
) -> None:
    """The accounts and item come from the writer's parameters (the profile's settings);
    the defaults are today's: the tests above read lines posting to 4000, without item."""
    writer = IntacctWriter(
        systems.ia, invoice_account="4100", invoice_item="SVC-PROF", adjustment_account="4000"
    )
    create = first(demo_changes, "invoice", "create", "intacct")
    update = first(demo_changes, "invoice", "update", "intacct")
    old = line_postings(systems, update.key)
    writer.apply(create, key_for(create))
    writer.apply(update, key_for(update))
    assert line_postings(systems, create.key) == [("4100", "SVC-PROF")]
    assert line_postings(systems, update.key) == [*old, ("4000", "")]
    with pytest.raises(ConfigError, match="week_start"):
        IntacctWriter(systems.ia, week_start=8)


def line_postings(systems: Systems, invoice_no: str) -> list[tuple[str, str]]:
    """(ACCOUNTNO, ITEMID) of each line of the invoice, in line order."""
    pages = systems.ia.query("ARINVOICE", ["RECORDNO"], filter=F("RECORDID") == invoice_no)
    recordno = next(rec.findtext("RECORDNO") for page in pages for rec in page.records())
    fields = ["RECORDNO", "ACCOUNTNO", "ITEMID"]
    lines = systems.ia.query("ARINVOICEITEM", fields, filter=F("RECORDKEY") == recordno)
    return [
        (rec.findtext("ACCOUNTNO") or "", rec.findtext("ITEMID") or "")
        for page in lines
        for rec in page.records()
    ]
