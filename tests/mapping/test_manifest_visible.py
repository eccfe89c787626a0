"""Both sandboxes pulled over HTTP and mapped: every planted disagreement shows, and only those.

The demo firm is seeded into a data directory, served by the Intacct and BigTime sandboxes on
loopback, pulled through the real clients, and mapped to canonical frames. Each side must
give back its view of the firm exactly, and comparing the two sides -- computed here, not
read from the manifest -- must find exactly the manifest's disagreements.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from recon.canonical import ENTITIES, ENTITY_ORDER, canon_str
from recon.config import sandbox_profile
from recon.mapping import MappingReport
from recon.pipeline import pull_both, reconcile
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.firm import Firm, generate
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import DEFAULT_SEED, prepare

Frames = Mapping[str, pd.DataFrame]
#: (entity, kind, key, field, intacct value, bigtime value): one disagreement.
Difference = tuple[str, str, str, str | None, str | None, str | None]


@dataclass(frozen=True)
class Mapped:
    intacct: dict[str, pd.DataFrame]
    bigtime: dict[str, pd.DataFrame]
    intacct_report: MappingReport
    bigtime_report: MappingReport


@pytest.fixture(scope="module")
def firm() -> Firm:
    return generate(seed=DEFAULT_SEED, scale=1)  # what prepare() seeds by default


@pytest.fixture(scope="module")
def mapped(tmp_path_factory: pytest.TempPathFactory) -> Mapped:
    data: Path = tmp_path_factory.mktemp("firm")
    prepare(data, scale=1)
    with IntacctSandbox(data, port=0) as ia_box, BigtimeSandbox(data, port=0) as bt_box:
        profile = sandbox_profile(intacct_url=ia_box.url, bigtime_url=bt_box.url)
        rec = reconcile(pull_both(profile, date(2025, 1, 1), date(2025, 12, 31)))
    return Mapped(dict(rec.intacct), dict(rec.bigtime), rec.intacct_report, rec.bigtime_report)


def _differences(intacct: Frames, bigtime: Frames) -> set[Difference]:
    """Every (entity, key) the two sides disagree on, by comparing them column by column."""
    found: set[Difference] = set()
    for entity, spec in ENTITIES.items():
        ia, bt = intacct[entity], bigtime[entity]
        assert ia[spec.key].is_unique and bt[spec.key].is_unique, entity
        only_ia = set(ia[spec.key]) - set(bt[spec.key])
        only_bt = set(bt[spec.key]) - set(ia[spec.key])
        found |= {(entity, "missing_in_bigtime", k, None, None, None) for k in only_ia}
        found |= {(entity, "missing_in_intacct", k, None, None, None) for k in only_bt}
        both = ia.merge(bt, on=spec.key, suffixes=("_ia", "_bt"), validate="one_to_one")
        for col in spec.columns:
            if col.name == spec.key:
                continue
            left, right = both[col.name + "_ia"], both[col.name + "_bt"]
            same = (left == right).fillna(False).astype(bool) | (left.isna() & right.isna())
            for key, lv, rv in zip(both[spec.key][~same], left[~same], right[~same], strict=True):
                found.add(
                    (entity, "field_mismatch", key, col.name,
                     canon_str(lv, col.kind), canon_str(rv, col.kind))
                )  # fmt: skip
    return found


def test_each_side_maps_back_to_its_view_of_the_firm(mapped: Mapped, firm: Firm):
    assert list(mapped.intacct) == list(ENTITY_ORDER) == list(mapped.bigtime)
    for entity in ENTITY_ORDER:
        pd.testing.assert_frame_equal(
            mapped.intacct[entity], firm.intacct_view[entity], obj=f"intacct {entity}"
        )
        pd.testing.assert_frame_equal(
            mapped.bigtime[entity], firm.bigtime_view[entity], obj=f"bigtime {entity}"
        )
    # The demo firm holds no dangling reference, keyless row or missing flag on either side.
    assert mapped.intacct_report.clean, mapped.intacct_report
    assert mapped.bigtime_report.clean, mapped.bigtime_report


def test_every_planted_disagreement_is_visible_in_the_pulled_data(mapped: Mapped, firm: Firm):
    kinds = set()
    for item in firm.manifest:
        spec = ENTITIES[item.entity]
        ia = mapped.intacct[item.entity].set_index(spec.key)
        bt = mapped.bigtime[item.entity].set_index(spec.key)
        if item.kind == "missing_in_bigtime":
            assert item.key in ia.index and item.key not in bt.index, item
        elif item.kind == "missing_in_intacct":
            assert item.key in bt.index and item.key not in ia.index, item
        else:
            assert item.kind == "field_mismatch" and item.field is not None, item
            assert item.key in ia.index and item.key in bt.index, item
            kind = spec.col(item.field).kind
            assert canon_str(ia.loc[item.key, item.field], kind) == item.intacct_value, item
            assert canon_str(bt.loc[item.key, item.field], kind) == item.bigtime_value, item
        kinds.add(item.kind)
    assert kinds == {"missing_in_bigtime", "missing_in_intacct", "field_mismatch"}


def test_the_pulled_sides_differ_in_exactly_the_manifest(mapped: Mapped, firm: Firm):
    found = _differences(mapped.intacct, mapped.bigtime)
    planted = {
        (i.entity, i.kind, i.key, i.field, i.intacct_value, i.bigtime_value) for i in firm.manifest
    }
    assert len(planted) == len(firm.manifest) > 0
    assert found - planted == set(), "disagreements nobody planted"
    assert planted - found == set(), "planted disagreements the pulled data does not show"
