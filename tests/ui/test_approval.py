"""The approval form (``recon.ui``) driven from pytest: set widget values, click buttons.

The plan is the demo firm's, with one client and its projects left out of BigTime (so a
customer create has project creates waiting on it) and one BigTime client name carrying
markup (so escaping is tested on a real change). Expectations are derived from the plan
and from a store opened afresh on the same file -- never from the form's own helpers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from recon.diff import diff_all
from recon.errors import ConfigError, StoreConflict
from recon.lexicon import Lexicon
from recon.plan import Change, Plan, make_plan
from recon.sandbox.firm import generate
from recon.store import Store
from recon.ui import ApprovalForm, ChangeFilter

RUN = "run-ui-1"
PREPARER = "pat"
REVIEWER = "jane"
MARKUP = '<script>alert("pwned")</script> & Co'


# --- the plan ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plan() -> Plan:
    firm = generate()
    ia, bt = dict(firm.intacct_view), dict(firm.bigtime_view)
    projects = bt["project"]
    per_client = projects.groupby("customer_id").size()
    gone = sorted(per_client[per_client >= 2].index)[0]
    customers = bt["customer"][bt["customer"]["customer_id"] != gone].reset_index(drop=True)
    # Another client's BigTime name carries markup: its update shows it as the "now" value.
    customers.loc[customers.index[-1], "name"] = MARKUP
    bt["customer"] = customers
    bt["project"] = projects[projects["customer_id"] != gone].reset_index(drop=True)
    return make_plan(diff_all(ia, bt), ia, bt, run_id=RUN)


@pytest.fixture
def db(tmp_path: Path, plan: Plan) -> Path:
    path = tmp_path / "recon.sqlite3"
    store = Store(path)
    store.save_run(RUN, profile="sandbox", prepared_by=PREPARER, summary={"changes": len(plan)})
    store.save_plan(plan)
    return path


def _form(db: Path, **kwargs) -> ApprovalForm:
    store = Store(db, require_other_than_preparer=kwargs.pop("segregate", False))
    kwargs.setdefault("user", REVIEWER)
    return ApprovalForm(store, RUN, **kwargs)


def _decisions(db: Path) -> dict[str, str]:
    """What a fresh store on the same file says was decided."""
    return {cid: d.decision for cid, d in Store(db, create=False).decisions(RUN).items()}


def _one(plan: Plan, pred: Callable[[Change], bool]) -> Change:
    return next(c for c in plan.changes if pred(c))


def _pushable(plan: Plan) -> Change:
    """The first change the push would send once approved."""
    return _one(plan, lambda c: c.pushable and not c.depends_on)


def _cascade(plan: Plan) -> tuple[Change, list[Change]]:
    """The customer create and the changes that depend on it."""
    customer = _one(plan, lambda c: c.entity == "customer" and c.action == "create" and any(
        d.depends_on == (c.change_id,) for d in plan.changes
    ))  # fmt: skip
    return customer, [c for c in plan.changes if customer.change_id in c.depends_on]


# --- reading what the form shows ---------------------------------------------------------------
_COUNT = re.compile(r'data-count="(\w+)">[^<]*<b>([\d,]+)</b>')
_MESSAGE = re.compile(r'data-kind="(\w+)"[^>]*>(.*)</div>', re.S)


def shown_counts(form: ApprovalForm) -> dict[str, int]:
    return {k: int(v.replace(",", "")) for k, v in _COUNT.findall(form.counts.value)}


def shown_message(form: ApprovalForm) -> tuple[str, str]:
    match = _MESSAGE.search(form.message.value)
    assert match, form.message.value
    return match[1], html.unescape(match[2])


def expected_counts(db: Path, plan: Plan) -> dict[str, int]:
    words = list(_decisions(db).values())
    return {
        "approved": words.count("approve"),
        "rejected": words.count("reject"),
        "deferred": words.count("defer"),
        "undecided": len(plan) - len(words),
        "held_back": len(plan.held_back(_decisions(db))),
    }


def show(form: ApprovalForm, change: Change) -> None:
    """Filter the form down to one change's entity and key, so its row is on the page."""
    form.state_filter.value = ""
    form.entity_filter.value = change.entity
    form.text_filter.value = change.key
    assert change.change_id in form.page_ids()


# --- a stand-in for the push: marks outbox rows through the store -----------------------------
@dataclass(frozen=True)
class Outcome:
    change_id: str
    state: str
    remote_id: str | None
    message: str


@dataclass(frozen=True)
class Report:
    run_id: str
    outcomes: tuple[Outcome, ...]


@dataclass
class StandInPush:
    """Applies every pending approved change that is not held back; fails those in ``fail``."""

    db: Path
    fail: set[str] = field(default_factory=set)
    calls: list[tuple[int, int, str]] = field(default_factory=list)

    def __call__(self, progress: Callable[[int, int, Outcome], None]) -> Report:
        store = Store(self.db, create=False)
        held = store.load_plan(RUN).held_back(store.decisions(RUN))
        todo = [item.change_id for item in store.outbox(RUN) if item.state == "pending"]
        outcomes = []
        for n, cid in enumerate(todo, 1):
            if cid in held:
                outcome = Outcome(cid, "held", None, held[cid])
            else:
                store.mark(RUN, cid, "sending")
                if cid in self.fail:
                    error = "BigTime refused: <Name> is too long"
                    store.mark(RUN, cid, "failed", error=error)
                    outcome = Outcome(cid, "failed", None, error)
                else:
                    store.mark(RUN, cid, "applied", remote_id=str(5000 + n))
                    outcome = Outcome(cid, "applied", str(5000 + n), "")
            outcomes.append(outcome)
            self.calls.append((n, len(todo), cid))
            progress(n, len(todo), outcome)
        return Report(RUN, tuple(outcomes))


# --- showing the plan -------------------------------------------------------------------------
def test_every_change_is_shown_grouped_by_entity_in_the_firms_words(db: Path, plan: Plan) -> None:
    lexicon = Lexicon.from_vocabulary([{"id": "CLIENT", "name": "patron"}])
    form = _form(db, lexicon=lexicon, page_size=len(plan))
    assert form.page_ids() == [c.change_id for c in plan.changes]
    headings = [
        child.value
        for child in form.changes_box.children
        if 'data-entity="' in getattr(child, "value", "")
    ]
    entities = list(dict.fromkeys(c.entity for c in plan.changes))
    assert [re.search(r'data-entity="(\w+)"', h)[1] for h in headings] == entities
    customer_heading = headings[entities.index("customer")]
    n_customers = sum(c.entity == "customer" for c in plan.changes)
    assert f"Patrons ({n_customers} changes)" in customer_heading
    customer = _one(plan, lambda c: c.entity == "customer")
    assert f"Patron {customer.key}" in form.row(customer.change_id).html.value


def test_each_change_shows_its_values_side_by_side_escaped(db: Path, plan: Plan) -> None:
    form = _form(db, page_size=len(plan))
    for change in plan.changes:
        card = form.row(change.change_id).html.value
        for f in change.fields:
            cell = re.search(rf'<tr data-field="{re.escape(f.field)}">(.*?)</tr>', card)
            assert cell, (change.change_id, f.field)
            values = [html.unescape(v) for v in re.findall(r"<td[^>]*>(.*?)</td>", cell[1])]
            before = "(none)" if f.before is None else f.before or "(empty)"
            after = "(none)" if f.after is None else f.after or "(empty)"
            assert values[1:] == [before, after]
        assert html.escape(change.rule, quote=True) in card
        assert change.action in card and change.change_id in card
        if change.money_impact is not None:
            assert f"money impact {change.money_impact:,.2f}" in card
        if not change.pushable:
            assert "Review only: " + html.escape(change.note, quote=True) in card
    marked = _one(plan, lambda c: any(f.before == MARKUP for f in c.fields))
    card = form.row(marked.change_id).html.value
    assert "<script>" not in card and "&lt;script&gt;alert(&quot;pwned&quot;)" in card


def test_filters_by_entity_action_target_text_and_state(db: Path, plan: Plan) -> None:
    form = _form(db)
    form.entity_filter.value = "project"
    assert form.filtered_ids() == [c.change_id for c in plan.changes if c.entity == "project"]
    form.action_filter.value = "create"
    form.target_filter.value = "bigtime"
    want = [
        c.change_id
        for c in plan.changes
        if (c.entity, c.action, c.target) == ("project", "create", "bigtime")
    ]
    assert want and form.filtered_ids() == want
    form.entity_filter.value = form.action_filter.value = form.target_filter.value = ""
    marked = _one(plan, lambda c: any(f.before == MARKUP for f in c.fields))
    form.text_filter.value = "PWNED"  # a value, any letter case
    assert form.filtered_ids() == [marked.change_id]
    rule_word = plan.changes[0].rule.split(":")[0]  # e.g. "master data flows ..."
    form.text_filter.value = rule_word
    assert form.filtered_ids() == [c.change_id for c in plan.changes if rule_word in c.rule]
    form.text_filter.value = ""
    first, second = plan.changes[0], plan.changes[1]
    form.decide(first.change_id, "defer")
    form.state_filter.value = "defer"
    assert form.filtered_ids() == [first.change_id]
    form.state_filter.value = "undecided"
    assert first.change_id not in form.filtered_ids() and second.change_id in form.filtered_ids()
    form.state_filter.value = "review_only"
    assert form.filtered_ids() == [c.change_id for c in plan.changes if not c.pushable]
    form.text_filter.value = "no such text anywhere"
    assert form.filtered_ids() == [] and "No change passes" in form.changes_box.children[0].value


def test_pages_through_the_filtered_changes(db: Path, plan: Plan) -> None:
    size = 7
    form = _form(db, page_size=size)
    ids = [c.change_id for c in plan.changes]
    pages = -(-len(ids) // size)
    assert form.page_ids() == ids[:size] and form.prev_button.disabled
    assert f"Page 1 of {pages}" in form.page_label.value
    form.next_button.click()
    assert form.page_ids() == ids[size : 2 * size] and not form.prev_button.disabled
    for _ in range(pages):
        form.next_button.click()
    assert form.page_ids() == ids[(pages - 1) * size :] and form.next_button.disabled
    form.prev_button.click()
    assert form.page_ids() == ids[(pages - 2) * size : (pages - 1) * size]
    form.entity_filter.value = "project"  # a new filter starts on page 1
    assert form.page_ids() == [c.change_id for c in plan.changes if c.entity == "project"][:size]


# --- deciding ---------------------------------------------------------------------------------
def test_a_click_is_stored_before_the_form_changes_and_a_new_form_shows_it(
    db: Path, plan: Plan
) -> None:
    form = _form(db)
    change = _one(plan, lambda c: c.entity == "customer" and c.action == "update")
    show(form, change)
    row = form.row(change.change_id)
    seen: list[str | None] = []

    def look(_event: object) -> None:  # whenever the form shows something, ask the file
        seen.append(_decisions(db).get(change.change_id))

    for widget in (row.html, form.counts, form.message):
        widget.observe(look, names="value")
    row.comment.value = "checked with the engagement partner"
    row.buttons["approve"].click()
    assert seen and all(s == "approve" for s in seen)

    stored = Store(db, create=False).decisions(RUN)[change.change_id]
    assert (stored.decision, stored.by, stored.comment) == (
        "approve",
        REVIEWER,
        "checked with the engagement partner",
    )
    assert change.name, "the plan names the record"
    # Issue 13: the firm's word, the key and the record's name ("Staff E1004" said nothing).
    assert shown_message(form) == ("info", f"Approved Client {change.key} {change.name}.")
    assert 'data-decision="approve"' in row.html.value and row.buttons["approve"].icon == "check"
    assert {k: shown_counts(form)[k] for k in expected_counts(db, plan)} == expected_counts(
        db, plan
    )

    other = _form(db, user="omar")  # a new session on the same run
    show(other, change)
    again = other.row(change.change_id)
    assert 'data-decision="approve"' in again.html.value and f"by {REVIEWER}" in again.html.value
    assert again.comment.value == "checked with the engagement partner"
    assert shown_counts(other) == shown_counts(form)


def test_counts_follow_every_decision(db: Path, plan: Plan) -> None:
    form = _form(db, page_size=len(plan))
    assert shown_counts(form)["undecided"] == len(plan)
    pushable = [c for c in plan.changes if c.pushable]
    for change, decision in zip(pushable[:6], ["approve", "reject", "defer"] * 2, strict=True):
        form.row(change.change_id).buttons[decision].click()
        counts = shown_counts(form)
        assert {k: counts[k] for k in expected_counts(db, plan)} == expected_counts(db, plan)
    assert expected_counts(db, plan)["approved"] == 2
    assert shown_counts(form)["review_only"] == sum(not c.pushable for c in plan.changes)
    form.row(pushable[0].change_id).buttons["reject"].click()  # a change of mind
    assert _decisions(db)[pushable[0].change_id] == "reject"
    assert shown_counts(form)["approved"] == 1


def test_rejecting_a_customer_create_holds_back_its_projects(db: Path, plan: Plan) -> None:
    customer, waiting = _cascade(plan)
    assert waiting
    form = _form(db, page_size=len(plan))
    form.row(customer.change_id).buttons["approve"].click()
    assert shown_counts(form)["held_back"] == len(plan.held_back(_decisions(db)))
    for change in waiting:
        assert 'data-held="1"' not in form.row(change.change_id).html.value

    form.row(customer.change_id).buttons["reject"].click()
    assert _decisions(db)[customer.change_id] == "reject"
    held = plan.held_back(_decisions(db))
    assert {c.change_id for c in waiting} <= set(held)
    assert shown_counts(form)["held_back"] == len(held)
    for change in waiting:
        card = html.unescape(form.row(change.change_id).html.value)
        assert f"Held back: waits for client {customer.key} {customer.name}" in card
        assert "which was rejected" in card
    form.state_filter.value = "held"
    assert form.filtered_ids() == [c.change_id for c in plan.changes if c.change_id in held]


def test_segregation_of_duties_is_one_clear_message_and_loses_nothing(db: Path, plan: Plan) -> None:
    first, second = [c for c in plan.changes if c.pushable][:2]
    _form(db).decide(first.change_id, "approve")  # jane's decision stands throughout

    form = _form(db, user=PREPARER, segregate=True, page_size=len(plan))
    assert "You prepared this run" in form.widget.children[0].value
    form.row(second.change_id).buttons["approve"].click()
    kind, text = shown_message(form)
    title = f"{Lexicon.default().label(second.entity, capital=True)} {second.key} {second.name}"
    assert kind == "error" and text.startswith(f"Could not approve {title}: ")
    assert f"{PREPARER!r} prepared run" in text and "another person must decide" in text
    form.bulk_buttons["reject"].click()  # all or none: none
    assert shown_message(form)[0] == "error"
    assert _decisions(db) == {first.change_id: "approve"}
    assert 'data-decision="approve"' in form.row(first.change_id).html.value

    # The form's own option, over a store that does not insist.
    strict = _form(db, user=PREPARER, require_other_than_preparer=True)
    assert strict.decide(second.change_id, "defer") is False
    assert _decisions(db) == {first.change_id: "approve"}
    lenient = _form(db, user=PREPARER)
    assert lenient.decide(second.change_id, "defer") is True
    assert _decisions(db)[second.change_id] == "defer"


def test_deciding_a_change_already_sent_is_refused_and_loses_nothing(db: Path, plan: Plan) -> None:
    pushable = [c for c in plan.changes if c.pushable and not c.depends_on]
    sent, kept = pushable[0], pushable[1]
    form = _form(db, page_size=len(plan))
    form.row(sent.change_id).buttons["approve"].click()
    form.row(kept.change_id).buttons["approve"].click()
    store = Store(db)  # a push elsewhere sends it while this form is open
    store.mark(RUN, sent.change_id, "sending")
    store.mark(RUN, sent.change_id, "applied", remote_id="77")
    form.row(sent.change_id).buttons["reject"].click()
    kind, text = shown_message(form)
    assert kind == "error" and "was already sent" in text
    assert _decisions(db) == {sent.change_id: "approve", kept.change_id: "approve"}
    row = form.row(sent.change_id)  # redrawn from the store: shown as pushed, locked
    assert 'data-push="applied"' in row.html.value and "(record 77)" in row.html.value
    assert all(b.disabled for b in row.buttons.values())


def test_bulk_decisions_apply_to_the_filtered_set_in_one_go(db: Path, plan: Plan) -> None:
    form = _form(db, page_size=5)
    form.entity_filter.value = "project"
    form.action_filter.value = "update"
    chosen = [c.change_id for c in plan.changes if (c.entity, c.action) == ("project", "update")]
    assert len(chosen) > 5  # more than one page: bulk covers every page
    assert form.bulk_buttons["approve"].description == f"Approve all {len(chosen)} filtered"
    form.bulk_comment.value = "rates agreed"
    form.bulk_buttons["approve"].click()

    stored = Store(db, create=False).decisions(RUN)
    assert set(stored) == set(chosen)
    assert {(d.decision, d.by, d.comment) for d in stored.values()} == {
        ("approve", REVIEWER, "rates agreed")
    }
    assert {d.rule for d in stored.values()} == {
        f"bulk approve of {len(chosen)} changes; filter: entity=project; action=update"
    }
    assert shown_counts(form)["approved"] == len(chosen)

    # A bulk decision on "Any state" covers undecided changes only: nothing here.
    form.bulk_buttons["defer"].click()
    assert set(_decisions(db).values()) == {"approve"}
    assert "are already decided; choose their state" in shown_message(form)[1]
    # Filtered by their state, decided changes change together; one sent meanwhile does not.
    form.state_filter.value = "approve"
    Store(db).mark(RUN, chosen[0], "sending")
    form.refresh()
    form.bulk_buttons["defer"].click()
    assert _decisions(db) == {chosen[0]: "approve", **dict.fromkeys(chosen[1:], "defer")}
    assert "1 already sent were left" in shown_message(form)[1]
    form.text_filter.value = "nothing matches this"
    assert form.bulk_buttons["reject"].disabled


def test_a_bulk_approve_never_replaces_a_persons_reject(db: Path, plan: Plan) -> None:
    form = _form(db, page_size=5)
    form.entity_filter.value = "project"
    chosen = [c.change_id for c in plan.changes if c.entity == "project"]
    form.row(chosen[0]).buttons["reject"].click()
    assert form.bulk_buttons["approve"].description == f"Approve all {len(chosen) - 1} filtered"
    form.bulk_buttons["approve"].click()
    decided = _decisions(db)
    assert decided[chosen[0]] == "reject"
    assert {decided[c] for c in chosen[1:]} == {"approve"}
    assert "1 already decided were left as they are" in shown_message(form)[1]


def test_filter_description_is_the_bulk_rule() -> None:
    assert ChangeFilter().describe() == "no filter"
    flt = ChangeFilter(entity="time_entry", target="intacct", text=" Acme ", state="undecided")
    assert flt.describe() == "entity=time_entry; target=intacct; state=undecided; text='Acme'"


# --- pushing ----------------------------------------------------------------------------------
def test_push_button_needs_an_approval_and_a_push(db: Path, plan: Plan) -> None:
    form = _form(db, push_fn=StandInPush(db))
    assert form.push_panel.button.disabled
    unpushable = _one(plan, lambda c: not c.pushable)
    form.decide(unpushable.change_id, "approve")  # approving review-only queues nothing
    assert form.push_panel.button.disabled
    form.decide(_pushable(plan).change_id, "approve")
    assert not form.push_panel.button.disabled
    assert form.push_panel.button.description == "Push 1 approved change"
    without = _form(db)
    assert without.push_panel.button.disabled and without.push() is None
    assert "no push is connected" in shown_message(without)[1]


def test_push_shows_progress_and_each_outcome(db: Path, plan: Plan) -> None:
    customer, waiting = _cascade(plan)
    failing = _one(plan, lambda c: c.entity == "project" and c.action == "update")
    push = StandInPush(db, fail={failing.change_id})
    form = _form(db, push_fn=push, page_size=len(plan))
    form.entity_filter.value = "project"
    form.bulk_buttons["approve"].click()  # every project change, the waiting ones too
    form.entity_filter.value = ""
    form.row(customer.change_id).buttons["reject"].click()
    held = plan.held_back(_decisions(db))
    assert {c.change_id for c in waiting} <= set(held)
    projects = [c for c in plan.changes if c.entity == "project" and c.pushable]
    sendable = [c.change_id for c in projects if c.change_id not in held]
    assert failing.change_id in sendable and shown_counts(form)["ready"] == len(sendable)

    values: list[int] = []
    form.push_panel.progress.observe(lambda e: values.append(e["new"]), names="value")
    form.push_panel.button.click()

    total = push.calls[-1][1]
    assert total == len(push.calls) and values == list(range(1, total + 1))
    bar = form.push_panel.progress
    assert bar.value == bar.max == total and bar.bar_style == "warning"
    outbox = {i.change_id: i for i in Store(db, create=False).outbox(RUN)}
    rows = re.findall(
        r'<tr data-change-id="([^"]+)" data-state="(\w+)">(.*?)</tr>',
        form.push_panel.outcomes.value,
    )
    assert [r[0] for r in rows] == [cid for _, _, cid in push.calls]
    assert [r[0] for r in rows if r[1] != "held"] == sendable
    for cid, state, cells in rows:
        assert state == ("held" if cid in held else outbox[cid].state)
        if state == "applied":
            assert f">{outbox[cid].remote_id}<" in cells
    assert "BigTime refused: &lt;Name&gt; is too long" in form.push_panel.outcomes.value
    applied = sum(i.state == "applied" for i in outbox.values())
    assert applied == len(sendable) - 1
    held_shown = sum(r[1] == "held" for r in rows)
    assert held_shown == sum(c.change_id in held for c in projects) > 0
    assert shown_message(form) == (
        "info",
        f"Push finished: {applied} applied, 1 failed, {held_shown} held.",
    )
    assert shown_counts(form)["pushed"] == applied and shown_counts(form)["ready"] == 0
    assert form.push_panel.button.disabled  # nothing left to push
    failed_row = form.row(failing.change_id)
    assert 'data-push="failed"' in failed_row.html.value
    assert not failed_row.buttons["approve"].disabled  # approve again to retry
    pushed = next(cid for cid, i in outbox.items() if i.state == "applied")
    assert all(b.disabled for b in form.row(pushed).buttons.values())


def test_a_push_that_raises_is_shown_and_loses_no_decision(db: Path, plan: Plan) -> None:
    def broken(progress: Callable[[int, int, Outcome], None]) -> Report:
        raise ConfigError("profile 'sandbox' has no BigTime URL")

    form = _form(db, push_fn=broken)
    change = _pushable(plan)
    form.decide(change.change_id, "approve")
    form.push_panel.button.click()
    assert shown_message(form) == (
        "error",
        "The push stopped: profile 'sandbox' has no BigTime URL",
    )
    assert form.push_panel.progress.bar_style == "danger"
    assert _decisions(db) == {change.change_id: "approve"}


def test_the_form_refuses_what_it_cannot_work_with(db: Path) -> None:
    store = Store(db)
    with pytest.raises(ConfigError, match="user"):
        ApprovalForm(store, RUN, user=" ")
    with pytest.raises(ConfigError, match="page_size"):
        ApprovalForm(store, RUN, user=REVIEWER, page_size=0)
    with pytest.raises(StoreConflict, match="unknown run"):
        ApprovalForm(store, "no-such-run", user=REVIEWER)


def test_review_only_changes_cannot_be_approved(db: Path, plan: Plan) -> None:
    """Issue 13: "Approved Department DATA" was accepted, then never pushed, and the status
    counted it open for ever. A change recon cannot push offers no Approve, the store
    refuses one, and a bulk approval leaves such changes out and says so."""
    review = [c for c in plan.changes if not c.pushable]
    assert review, "the demo plan has review-only changes"
    form = _form(db, page_size=len(plan))
    row = form.row(review[0].change_id)
    assert row.buttons["approve"].layout.display == "none"
    assert row.buttons["defer"].layout.display != "none"
    assert form.decide(review[0].change_id, "approve") is False
    kind, text = shown_message(form)
    assert kind == "error" and "is for review only: recon cannot push it" in text
    assert "to-do-by-hand list" in text
    assert _decisions(db) == {}

    form.entity_filter.value = review[0].entity
    only_review = [c for c in plan.changes if c.entity == review[0].entity]
    assert all(not c.pushable for c in only_review)
    assert form.bulk_buttons["approve"].disabled
    assert form.bulk_buttons["approve"].description.startswith("Approve all 0 filtered")
    assert form.decide_filtered("approve")
    assert "are review only" in shown_message(form)[1]
    assert _decisions(db) == {}
    assert form.decide_filtered("defer")  # deferring them is still a decision
    assert set(_decisions(db)) == {c.change_id for c in only_review}
