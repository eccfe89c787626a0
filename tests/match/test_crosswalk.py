"""The remembered crosswalk (``recon.crosswalk``): decisions, history, and the key link."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from recon.canonical import ENTITIES
from recon.crosswalk import (
    DEFAULT_FILENAME,
    HISTORY_COLUMNS,
    REFERENCES,
    Crosswalk,
    apply_links,
    apply_links_all,
)
from recon.errors import ConfigError, ReconError
from recon.sandbox.firm import generate


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "crosswalk.sqlite3"


def test_accept_and_reject_survive_reopen(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C1", "B1", by="jane", note="same phone")
    cw.reject("customer", "C2", "B2", by="jane")
    cw.accept("vendor", "V1", "W1", by="omar")
    again = Crosswalk(path)
    assert again.links("customer") == {"B1": "C1"}
    assert again.rejected("customer") == {("C2", "B2")}
    assert again.links("vendor") == {"W1": "V1"} and again.rejected("vendor") == set()
    assert again.links("project") == {}


def test_latest_decision_on_a_pair_wins(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C1", "B1", by="jane")
    cw.reject("customer", "C1", "B1", by="omar", note="different firms after all")
    assert cw.links("customer") == {} and cw.rejected("customer") == {("C1", "B1")}
    cw.accept("customer", "C1", "B1", by="jane")
    assert cw.links("customer") == {"B1": "C1"} and cw.rejected("customer") == set()


def test_undo_clears_and_needs_something_to_undo(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C1", "B1", by="jane")
    cw.reject("customer", "C2", "B2", by="jane")
    cw.undo("customer", "C1", "B1", by="jane")
    cw.undo("customer", "C2", "B2", by="jane")
    assert cw.links("customer") == {} and cw.rejected("customer") == set()
    with pytest.raises(ConfigError, match="nothing to undo"):
        cw.undo("customer", "C1", "B1", by="jane")
    assert [a for a in cw.history()["action"]] == ["accept", "reject", "undo", "undo"]


def test_a_record_links_to_one_record_only(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C1", "B1", by="jane")
    with pytest.raises(ConfigError, match="'C1' is already linked to BigTime 'B1'"):
        cw.accept("customer", "C2", "B1", by="jane")
    with pytest.raises(ConfigError, match="undo that link first"):
        cw.accept("customer", "C1", "B2", by="jane")
    cw.reject("customer", "C2", "B1", by="jane")  # rejecting is always allowed
    cw.accept("customer", "C1", "B1", by="jane")  # repeating an accept is harmless
    cw.undo("customer", "C1", "B1", by="jane")
    cw.accept("customer", "C1", "B2", by="jane")
    assert cw.links("customer") == {"B2": "C1"}
    assert len(cw.history()) == 5  # the two refused accepts left no row


def test_history_is_complete_and_timestamped(path: Path) -> None:
    cw = Crosswalk(path)
    before = dt.datetime.now(dt.UTC)
    cw.accept("customer", "C1", "B1", by="jane", note="same phone")
    cw.reject("vendor", "V1", "W1", by="omar")
    hist = cw.history()
    assert tuple(hist.columns) == HISTORY_COLUMNS
    assert hist[
        ["entity", "intacct_key", "bigtime_key", "action", "who", "note"]
    ].values.tolist() == [
        ["customer", "C1", "B1", "accept", "jane", "same phone"],
        ["vendor", "V1", "W1", "reject", "omar", ""],
    ]
    stamps = [dt.datetime.fromisoformat(t) for t in hist["at"]]
    assert all(s.tzinfo is not None and before <= s <= dt.datetime.now(dt.UTC) for s in stamps)
    assert stamps == sorted(stamps)
    assert cw.history("vendor")["entity"].tolist() == ["vendor"]
    assert cw.verify() == 2


def test_history_is_append_only_and_tampering_is_detected(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C1", "B1", by="jane")
    cw.reject("customer", "C2", "B2", by="jane")
    with sqlite3.connect(path) as db:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE history SET who='mallory'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM history")
    with sqlite3.connect(path) as db:  # someone who drops the trigger first
        db.execute("DROP TRIGGER history_no_update")
        db.execute("UPDATE history SET who='mallory' WHERE seq=1")
    with pytest.raises(ReconError, match="altered at row 1"):
        cw.verify()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("customers", "C1", "B1"), {"by": "jane"}, "unknown entity 'customers'"),
        (("customer", "", "B1"), {"by": "jane"}, "intacct_key must be a non-empty string"),
        (("customer", "C1", None), {"by": "jane"}, "bigtime_key must be a non-empty string"),
        (("customer", "C1", "B1"), {"by": " "}, "who decided"),
        (("customer", "C1", "B1"), {"by": "jane", "note": 3}, "note must be a string"),
    ],
)
def test_bad_decisions(path: Path, args: tuple, kwargs: dict, message: str) -> None:
    cw = Crosswalk(path)
    with pytest.raises(ConfigError, match=message):
        cw.accept(*args, **kwargs)
    assert cw.history().empty


def test_default_file_is_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECON_DATA_DIR", str(tmp_path / "data"))
    cw = Crosswalk()
    assert cw.path == tmp_path / "data" / DEFAULT_FILENAME and cw.path.exists()
    assert str(cw.path) in repr(cw)


# --------------------------------------------------------------------------- the key link


def test_apply_links_rekeys_only_linked_rows(path: Path) -> None:
    cw = Crosswalk(path)
    cw.accept("customer", "C10012", "BT-7", by="jane")
    bt = pd.DataFrame({"customer_id": ["BT-7", "C10001", "C10020"], "name": ["a", "b", "c"]})
    out = apply_links("customer", bt, cw)
    assert out.to_dict("list") == {
        "customer_id": ["C10001", "C10012", "C10020"],
        "name": ["b", "a", "c"],
    }
    assert bt["customer_id"].tolist() == ["BT-7", "C10001", "C10020"]  # input untouched
    assert apply_links("customer", bt, {"C10001": "X"})["customer_id"].tolist() == [
        "BT-7",
        "C10020",
        "X",
    ]


def test_apply_links_bad_inputs() -> None:
    with pytest.raises(ConfigError, match="unknown entity 'clients'"):
        apply_links("clients", pd.DataFrame({"customer_id": []}), {})
    with pytest.raises(ConfigError, match="'customer_id' column"):
        apply_links("customer", pd.DataFrame({"id": ["B1"]}), {})


def test_references_name_canonical_columns() -> None:
    for entity, refs in REFERENCES.items():
        assert entity in ENTITIES
        for target, column in refs:
            assert column in ENTITIES[target].names, (target, column)


def test_demo_customer_under_another_key_round_trips(path: Path) -> None:
    """BigTime holds a customer under its own key; once linked, every frame matches again."""
    firm = generate()
    truth = firm.bigtime_view
    moved = {name: frame.copy() for name, frame in truth.items()}
    key = "C10003"
    for entity, column in (("customer", "customer_id"), *REFERENCES["customer"]):
        f = moved[entity]
        f.loc[f[column] == key, column] = "BT-77"
    assert (moved["project"]["customer_id"] == "BT-77").sum() > 0  # it has projects
    moved["customer"] = moved["customer"].sort_values("customer_id", ignore_index=True)
    cw = Crosswalk(path)
    cw.accept("customer", key, "BT-77", by="jane")
    linked = apply_links_all(moved, cw)
    for entity in ("customer", "project", "invoice"):
        pd.testing.assert_frame_equal(linked[entity], truth[entity])
    assert linked["time_entry"] is moved["time_entry"]  # untouched frames are not copied
    assert apply_links_all(moved, {})["customer"] is moved["customer"]


def test_apply_links_all_rekeys_payment_rows_with_their_invoice() -> None:
    invoice = pd.DataFrame({"invoice_no": ["B-2", "I-1"], "customer_id": ["C1", "C1"]})
    payment = pd.DataFrame({"invoice_no": ["B-2", "I-1"], "paid_amount": [1, 2]})
    out = apply_links_all({"invoice": invoice, "payment": payment}, {"invoice": {"B-2": "I-3"}})
    assert out["invoice"]["invoice_no"].tolist() == ["I-1", "I-3"]
    assert out["payment"].to_dict("list") == {"invoice_no": ["I-1", "I-3"], "paid_amount": [2, 1]}


def test_all_links_are_the_accepted_pairs_of_every_entity(path: Path) -> None:
    cw = Crosswalk(path)
    assert cw.all_links() == {}
    cw.accept("customer", "C1", "B1", by="jane")
    cw.accept("customer", "C2", "B2", by="jane")
    cw.reject("customer", "C3", "B3", by="jane")
    cw.accept("project", "P1", "Q1", by="omar")
    cw.undo("customer", "C2", "B2", by="jane")
    links = cw.all_links()
    assert links == {"customer": {"B1": "C1"}, "project": {"Q1": "P1"}}
    assert links == {e: cw.links(e) for e in ENTITIES if cw.links(e)}


def test_a_frame_keyed_otherwise_keeps_its_rows_and_its_references_follow() -> None:
    # A mapping file pairs customers by name and ignores customer_id: the customer frame has
    # no key column to rekey, but a project's customer_id still follows the link.
    customer = pd.DataFrame({"name": ["Acme"]})
    project = pd.DataFrame({"project_id": ["P1"], "customer_id": ["B-1"]})
    out = apply_links_all({"customer": customer, "project": project}, {"customer": {"B-1": "C1"}})
    assert out["customer"] is customer
    assert out["project"]["customer_id"].tolist() == ["C1"]
