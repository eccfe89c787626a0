"""Likely pairs (``recon.ui.pairs``): suggestions from the demo firm, and the review widget
driven from pytest -- clicks, then a fresh :class:`Crosswalk` on the same file says what
was recorded.

The demo firm's BigTime holds a customer, a staffer and two projects under new keys (as if
typed in twice by hand), so the diff lists each once on each side.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from recon.canonical import ENTITIES
from recon.crosswalk import Crosswalk
from recon.diff import Diff, diff_all
from recon.errors import ConfigError
from recon.lexicon import Lexicon
from recon.match import PROPOSAL_COLUMNS
from recon.sandbox.firm import generate
from recon.ui.pairs import SUGGEST_ENTITIES, PairReview, suggest_pairs

#: (entity, Intacct key) -> the key the same record has in BigTime here.
REKEYED = {
    ("customer", "C10012"): "BT-C1",
    ("employee", "E1029"): "BT-E1",
    ("project", "P25-0107"): "BT-P1",
    ("project", "P25-0036"): "BT-P2",  # a project of C10012: its customer is BT-C1 here
}
USER = "jane"
SCRIPT = "<script>alert('x')</script>"

Frames = Mapping[str, pd.DataFrame]


@lru_cache(maxsize=1)
def views() -> tuple[Frames, Frames]:
    firm = generate()
    bt = {name: f.copy() for name, f in firm.bigtime_view.items()}
    for (entity, old), new in REKEYED.items():
        frame, key = bt[entity], ENTITIES[entity].key
        frame.loc[frame[key] == old, key] = new
    projects = bt["project"]  # BigTime's projects name their client by BigTime's key
    projects.loc[projects["customer_id"] == "C10012", "customer_id"] = "BT-C1"
    return dict(firm.intacct_view), bt


@lru_cache(maxsize=1)
def demo_diff() -> Diff:
    return diff_all(*views())


def pairs(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame["entity"], frame["intacct_key"], frame["bigtime_key"], strict=True))


def expected() -> set[tuple[str, str, str]]:
    return {(e, ik, bk) for (e, ik), bk in REKEYED.items()}


@pytest.fixture
def cw(tmp_path: Path) -> Crosswalk:
    return Crosswalk(tmp_path / "crosswalk.sqlite3")


# --- suggest_pairs -------------------------------------------------------------------------------
def test_suggests_each_record_kept_under_two_keys(cw: Crosswalk) -> None:
    out = suggest_pairs(demo_diff(), cw)
    assert list(out.columns) == list(PROPOSAL_COLUMNS)
    assert pairs(out) == expected()
    order = [SUGGEST_ENTITIES.index(e) for e in out["entity"]]
    assert order == sorted(order)  # customers first, then projects, then staff
    within = out.groupby("entity", sort=False)["score"]
    assert all(s.is_monotonic_decreasing for _, s in within)


def test_the_same_from_a_reconciliation_or_from_frames(cw: Crosswalk) -> None:
    from_rec = suggest_pairs(SimpleNamespace(diff=demo_diff()), cw)
    from_frames = suggest_pairs(views(), cw)
    assert pairs(from_rec) == pairs(from_frames) == expected()


def test_only_the_entities_asked_for(cw: Crosswalk) -> None:
    out = suggest_pairs(demo_diff(), cw, entities=["employee"])
    assert pairs(out) == {p for p in expected() if p[0] == "employee"}


def test_decided_pairs_are_not_suggested_again(cw: Crosswalk) -> None:
    cw.reject("employee", "E1029", "BT-E1", by=USER)
    cw.accept("project", "P25-0107", "BT-P1", by=USER)
    left = expected() - {("employee", "E1029", "BT-E1"), ("project", "P25-0107", "BT-P1")}
    for source in (demo_diff(), views()):
        assert pairs(suggest_pairs(source, Crosswalk(cw.path))) == left


def test_a_project_follows_its_accepted_customer(cw: Crosswalk) -> None:
    def reason() -> str:
        out = suggest_pairs(demo_diff(), cw, entities=["project"])
        return out.loc[out["bigtime_key"] == "BT-P2", "reason"].item()

    assert "different customer" in reason()  # BT-C1 is not C10012 ... until linked
    cw.accept("customer", "C10012", "BT-C1", by=USER)
    assert "same customer" in reason()
    out = suggest_pairs(views(), cw, entities=["project"])
    assert "same customer" in out.loc[out["bigtime_key"] == "BT-P2", "reason"].item()


def test_nothing_to_match_gives_an_empty_frame_of_the_same_shape(cw: Crosswalk) -> None:
    for source in (Diff({}), ({}, {})):
        out = suggest_pairs(source, cw)
        assert out.empty and list(out.columns) == list(PROPOSAL_COLUMNS)
    ia, _ = views()
    assert suggest_pairs((ia, ia), cw).empty  # the same records on both sides


@pytest.mark.parametrize("bad", [None, "diff", 42, (1, 2), pd.DataFrame()])
def test_suggest_refuses_what_it_cannot_read(bad: object, cw: Crosswalk) -> None:
    with pytest.raises(ConfigError, match="Reconciliation, a Diff"):
        suggest_pairs(bad, cw)


def test_suggest_refuses_bad_frames_entities_and_crosswalks(cw: Crosswalk) -> None:
    ia, bt = views()
    no_key = {"customer": bt["customer"].drop(columns="customer_id")}
    with pytest.raises(ConfigError, match="customer_id"):
        suggest_pairs(({"customer": ia["customer"]}, no_key), cw)
    no_name = {"customer": ia["customer"].drop(columns="name")}
    with pytest.raises(ConfigError, match="lack column"):
        suggest_pairs((no_name, {"customer": bt["customer"]}), cw)
    with pytest.raises(ConfigError, match="cannot match 'payment'"):
        suggest_pairs(demo_diff(), cw, entities=["payment"])
    with pytest.raises(ConfigError, match="Crosswalk"):
        suggest_pairs(demo_diff(), "crosswalk.sqlite3")  # type: ignore[arg-type]


# --- the review widget -----------------------------------------------------------------------
_COUNT = re.compile(r'data-count="(\w+)">[^<]*<b>([\d,]+)</b>')
_MESSAGE = re.compile(r'data-kind="(\w+)"[^>]*>(.*)</div>', re.S)


def shown_counts(review: PairReview) -> dict[str, int]:
    return {k: int(v.replace(",", "")) for k, v in _COUNT.findall(review.counts.value)}


def shown_message(review: PairReview) -> tuple[str, str]:
    match = _MESSAGE.search(review.message.value)
    assert match, review.message.value
    return match[1], html.unescape(match[2])


def shown_state(review: PairReview, position: int) -> str:
    match = re.search(r'data-pair-state="(\w+)"', review.row(position).html.value)
    assert match
    return match[1]


def current(cw: Crosswalk, row: pd.Series) -> str:
    """What a fresh crosswalk on the same file says about one suggested pair."""
    fresh = Crosswalk(cw.path)
    ik, bk = row["intacct_key"], row["bigtime_key"]
    if fresh.links(row["entity"]).get(bk) == ik:
        return "accepted"
    return "rejected" if (ik, bk) in fresh.rejected(row["entity"]) else "undecided"


@pytest.fixture
def suggestions(cw: Crosswalk) -> pd.DataFrame:
    return suggest_pairs(demo_diff(), cw)


def test_a_click_is_recorded_in_the_crosswalk_with_who_and_why(
    suggestions: pd.DataFrame, cw: Crosswalk
) -> None:
    review = PairReview(suggestions, cw, USER)
    row = review.row(0)
    row.note.value = "same phone, checked with the partner"
    row.buttons["accept"].click()
    first = suggestions.iloc[0]
    assert current(cw, first) == "accepted"
    last = Crosswalk(cw.path).history().iloc[-1]
    assert (last["action"], last["who"]) == ("accept", USER)
    assert first["reason"] in last["note"] and "checked with the partner" in last["note"]
    assert shown_state(review, 0) == "accepted"
    assert review.row(0).buttons["accept"].disabled and not review.row(0).buttons["undo"].disabled
    kind, text = shown_message(review)
    assert kind == "info" and first["intacct_key"] in text and first["bigtime_key"] in text


def test_counts_follow_accept_reject_and_undo(suggestions: pd.DataFrame, cw: Crosswalk) -> None:
    review = PairReview(suggestions, cw, USER)
    n = len(suggestions)
    assert shown_counts(review) == {"accepted": 0, "rejected": 0, "undecided": n}
    review.row(0).buttons["accept"].click()
    review.row(1).buttons["reject"].click()
    states = [current(cw, r) for _, r in suggestions.iterrows()]
    assert states[:2] == ["accepted", "rejected"]
    counts = {s: states.count(s) for s in ("accepted", "rejected", "undecided")}
    assert shown_counts(review) == counts
    review.row(1).buttons["undo"].click()
    assert current(cw, suggestions.iloc[1]) == "undecided"
    assert shown_counts(review)["rejected"] == 0 and shown_state(review, 1) == "undecided"
    assert list(Crosswalk(cw.path).history()["action"]) == ["accept", "reject", "undo"]


def test_a_new_review_shows_the_decisions_made_before(
    suggestions: pd.DataFrame, cw: Crosswalk
) -> None:
    PairReview(suggestions, cw, USER).row(1).buttons["reject"].click()
    again = PairReview(suggestions, Crosswalk(cw.path), "sam")
    assert again.state(1) == "rejected" and shown_state(again, 1) == "rejected"
    assert shown_counts(again)["rejected"] == 1


def hand_made(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Suggestions from (entity, intacct key, bigtime key, reason)."""
    data = [
        {"entity": e, "intacct_key": ik, "bigtime_key": bk, "score": 90.0, "reason": why,
         "intacct_name": f"{ik} name", "bigtime_name": f"{bk} name"}
        for e, ik, bk, why in rows
    ]  # fmt: skip
    return pd.DataFrame(data, columns=list(PROPOSAL_COLUMNS))


def test_a_record_cannot_be_linked_twice_and_the_error_is_shown(cw: Crosswalk) -> None:
    review = PairReview(
        hand_made(("customer", "C1", "B1", "names 91% alike"), ("customer", "C1", "B2", "x")),
        cw,
        USER,
    )
    review.row(0).buttons["accept"].click()
    assert review.state(1) == "linked_elsewhere" and review.row(1).buttons["accept"].disabled
    assert review.decide(1, "accept") is False  # what a click would have done
    kind, text = shown_message(review)
    assert kind == "error" and "already linked" in text and "C1" in text
    assert Crosswalk(cw.path).links("customer") == {"B1": "C1"}
    review.row(1).buttons["reject"].click()  # rejecting it is still possible
    assert ("C1", "B2") in Crosswalk(cw.path).rejected("customer")


def test_bad_positions_and_actions_are_messages_not_exceptions(cw: Crosswalk) -> None:
    review = PairReview(hand_made(("customer", "C1", "B1", "r")), cw, USER)
    assert review.decide(5, "accept") is False
    assert shown_message(review)[0] == "error"
    assert review.decide(0, "merge") is False
    assert "Unknown action" in shown_message(review)[1]
    assert review.decide(0, "undo") is False  # nothing to undo yet
    assert "nothing to undo" in shown_message(review)[1]
    assert Crosswalk(cw.path).history().empty


def test_untrusted_names_and_reasons_are_escaped(cw: Crosswalk) -> None:
    frame = hand_made(("customer", "C1", "B1", SCRIPT))
    frame.loc[0, "bigtime_name"] = "<img src=x onerror=alert(1)>"
    lex = Lexicon.from_vocabulary([{"id": "CLIENT", "name": "<b>patron</b>"}])
    value = PairReview(frame, cw, USER, lexicon=lex).row(0).html.value
    assert "<script" not in value and "<img" not in value and "<b>patron" not in value
    assert html.escape(SCRIPT, quote=True) in value


def test_pages_through_many_suggestions(cw: Crosswalk) -> None:
    frame = hand_made(*(("customer", f"C{i}", f"B{i}", "r") for i in range(5)))
    review = PairReview(frame, cw, USER, page_size=2)
    assert review.page_positions() == [0, 1] and review.prev_button.disabled
    review.next_button.click()
    review.next_button.click()
    assert review.page_positions() == [4] and review.next_button.disabled
    with pytest.raises(KeyError):
        review.row(0)
    review.row(4).buttons["accept"].click()
    assert Crosswalk(cw.path).links("customer") == {"B4": "C4"}


def test_no_suggestions_is_an_empty_review(cw: Crosswalk) -> None:
    review = PairReview(suggest_pairs(Diff({}), cw), cw, USER)
    assert shown_counts(review) == {"accepted": 0, "rejected": 0, "undecided": 0}
    assert "No likely pairs" in review.rows_box.children[0].value


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (hand_made(("customer", "C1", "B1", "r")).drop(columns="reason"), "lack column.*reason"),
        (hand_made(("spaceship", "C1", "B1", "r")), "unknown entity 'spaceship'"),
        (hand_made(("customer", "", "B1", "r")), "non-empty"),
        (hand_made(("customer", "C1", "B1", "r")).assign(score="high"), "not a number"),
        ([("customer", "C1", "B1")], "DataFrame"),
    ],
)
def test_review_refuses_a_malformed_suggestions_frame(
    frame: object, match: str, cw: Crosswalk
) -> None:
    with pytest.raises(ConfigError, match=match):
        PairReview(frame, cw, USER)  # type: ignore[arg-type]


def test_review_refuses_a_bad_crosswalk_user_or_page_size(cw: Crosswalk) -> None:
    frame = hand_made(("customer", "C1", "B1", "r"))
    with pytest.raises(ConfigError, match="Crosswalk"):
        PairReview(frame, "cw.sqlite3", USER)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="user"):
        PairReview(frame, cw, "  ")
    with pytest.raises(ConfigError, match="page_size"):
        PairReview(frame, cw, USER, page_size=0)
