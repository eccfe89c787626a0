"""A profile's integration settings change what they say (issue 16, point 5), on the product
path against both sandboxes: :func:`recon.job.reconcile_run` for the directions and the
tolerances, :func:`recon.job.push_run` (``open_writers``) for what a create carries, read
back from the Intacct sandbox, and the approval form and the push for segregation of duties.
Each test sets one setting and compares with a profile that leaves it at its default."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from recon.errors import ConfigError
from recon.intacct.uncertain import TIMESHEETENTRY_LINK_FIELD, TIMESHEETENTRY_PARENT_KEY
from recon.job import ReconcileRun, approval_form, push_run, reconcile_run
from recon.store import Store
from tests.demo_sandboxes import Served, served_copy
from tests.scenarios import YEAR, pick

#: ``plain`` keeps every default; each other profile changes what its test is about.
CONFIG = """
[profiles.plain]
sandbox = true

[profiles.turned]
sandbox = true
[profiles.turned.settings.sync]
customer = "bigtime_to_intacct"
invoice = "review"

[profiles.fated]
sandbox = true
[profiles.fated.settings.only_in_target]
project = "deactivate"

[profiles.tolerant]
sandbox = true
[profiles.tolerant.settings]
money_tolerance = "500"
hours_tolerance = "0.25"

[profiles.firm]
sandbox = true
[profiles.firm.settings]
project_category = "Internal"
timesheet_state = "Draft"
invoice_account = "4100"

[profiles.strict]
sandbox = true
[profiles.strict.settings]
approver_must_differ = true
"""


def run(profile: str, entities: str, served: Served, **kw: str) -> ReconcileRun:
    store = Store(served.data / "recon.sqlite3")
    return reconcile_run(
        profile, **YEAR, entities=entities, store=store, prepared_by="pat", full=True, **kw
    )


def sent(served: Served) -> int:
    """Writes both sandboxes received so far."""
    counts = (
        served.intacct.counters.snapshot(all=True),
        served.bigtime.counters.snapshot(all=True),
    )
    return sum(c.get("http:write", 0) for c in counts)


def test_sync_turns_an_entity_around_or_makes_it_review_only(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        plain = run("plain", "customer,invoice", served)
        turned = run("turned", "customer,invoice", served)

    # C10012 is renamed in BigTime only: by default Intacct's name goes to BigTime; with
    # sync.customer = "bigtime_to_intacct", BigTime's name goes to Intacct.
    before, after = pick(plain.plan, "customer", "C10012"), pick(turned.plan, "customer", "C10012")
    assert (before.target, before.fields[0].after) == ("bigtime", "Calumet Pharmacy Corp.")
    assert (after.target, after.fields[0].after) == ("intacct", "Calumet Pharmacy")
    # C10041 is only in Intacct: created in BigTime by default; turned around, recon does not
    # deactivate the old book of record's customer on its own, it shows it.
    assert pick(plain.plan, "customer", "C10041").action == "create"
    kept = pick(turned.plan, "customer", "C10041")
    assert (kept.target, kept.pushable) == ("intacct", False)
    assert "review" in kept.note
    # sync.invoice = "review": every invoice change is shown, none can be pushed.
    assert any(c.pushable for c in plain.plan.changes if c.entity == "invoice")
    invoices = [c for c in turned.plan.changes if c.entity == "invoice"]
    assert invoices and not any(c.pushable for c in invoices)
    assert all('sync.invoice = "review"' in c.note for c in invoices)


def test_only_in_target_decides_what_a_project_created_in_bigtime_becomes(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        plain = run("plain", "project", served)
        fated = run("fated", "project", served)

    # P26-0001 was created in BigTime: by default created in Intacct, else deactivated there.
    created, deactivated = (
        pick(plain.plan, "project", "P26-0001"),
        pick(fated.plan, "project", "P26-0001"),
    )
    assert (created.action, created.target) == ("create", "intacct")
    assert (deactivated.action, deactivated.target) == ("deactivate", "bigtime")


def test_the_profile_tolerances_apply_unless_the_run_gives_its_own(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = {("invoice", "INV-25-00796"), ("invoice", "INV-25-00774"),
               ("time_entry", "1024454"), ("time_entry", "1019231")}  # fmt: skip

    def found(done: ReconcileRun) -> set[tuple[str, str]]:
        rows = done.reconciliation.diff.findings()
        return {(e, k) for e, k in zip(rows["entity"], rows["key"], strict=True)} & planted

    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        plain = run("plain", "invoice,time_entry", served)
        tolerant = run("tolerant", "invoice,time_entry", served)
        given = run("tolerant", "invoice,time_entry", served, money_tolerance="0",
                    hours_tolerance="0")  # fmt: skip

    # Totals 412.50 and 250.00 apart, hours a quarter apart: within 500 and 0.25.
    assert found(plain) == planted
    assert found(tolerant) == set()
    assert found(given) == planted


def test_creates_in_intacct_carry_the_profile_category_state_and_account(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        store = Store(served.data / "recon.sqlite3")
        done = run("firm", "project,time_entry,invoice", served)
        for entity, key in (("project", "P26-0001"), ("time_entry", "1025448"),
                            ("invoice", "INV-25-00779")):  # fmt: skip
            change = pick(done.plan, entity, key)
            assert (change.action, change.target) == ("create", "intacct")
            store.decide(done.run_id, change.change_id, "approve", by="omar")
        pushed = push_run(done.run_id, push=True, store=store, profile="firm", by="omar")
        assert pushed.summary["failed"] == 0, pushed.summary

        ia = served.intacct.store
        (project,) = ia.find("PROJECT", "PROJECTID", "P26-0001")
        (entry,) = ia.find("TIMESHEETENTRY", TIMESHEETENTRY_LINK_FIELD, "1025448")
        sheet = ia.get("TIMESHEETENTRY", entry)[TIMESHEETENTRY_PARENT_KEY]  # type: ignore[index]
        (invoice,) = ia.find("ARINVOICE", "RECORDID", "INV-25-00779")
        lines = ia.find("ARINVOICEITEM", "RECORDKEY", str(invoice), limit=10)
        assert ia.get("PROJECT", project)["PROJECTCATEGORY"] == "Internal"  # type: ignore[index]
        assert ia.get("TIMESHEET", int(sheet))["STATE"] == "Draft"  # type: ignore[index]
        assert lines and {ia.get("ARINVOICEITEM", n)["ACCOUNTNO"] for n in lines} == {"4100"}  # type: ignore[index]


def test_the_preparer_cannot_approve_in_the_form_nor_push_an_own_approval(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with served_copy(tmp_path_factory, tmp_path / "demo", monkeypatch, CONFIG) as served:
        store = Store(served.data / "recon.sqlite3")
        plain, strict = run("plain", "employee", served), run("strict", "employee", served)
        writes = sent(served)

        # In the form: pat prepared the run, so pat's approval is refused, with why.
        form = approval_form(strict.run_id, store=store, user="pat", profile="strict")
        change = pick(strict.plan, "employee", "E1029")
        assert form.decide(change.change_id, "approve") is False
        assert "another person must decide" in form.message.value
        assert change.change_id not in store.decisions(strict.run_id)
        # Without the setting the preparer may approve, as before.
        mine = approval_form(plain.run_id, store=store, user="pat", profile="plain")
        assert mine.decide(pick(plain.plan, "employee", "E1029").change_id, "approve") is True

        # At push time: an approval by the preparer recorded past the form is not sent,
        # neither by the form's "Push approved" nor by a scheduled push.
        store.decide(strict.run_id, change.change_id, "approve", by="pat")
        other = approval_form(strict.run_id, store=store, user="omar", profile="strict")
        assert other.push() is None
        assert "approved by 'pat', who prepared the run" in html.unescape(other.message.value)
        with pytest.raises(ConfigError, match="approved by 'pat', who prepared the run"):
            push_run(strict.run_id, push=True, store=store, profile="strict", by="omar")
        assert store.outbox(strict.run_id)[0].state == "pending"
        assert sent(served) == writes
