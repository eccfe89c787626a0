"""Properties of the diff on generated frames (hypothesis).

A frame against itself has no findings; swapping the sides swaps the findings; row order
does not matter; a tolerance never hides a difference larger than itself.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.canonical import ENTITIES, canon_str, conform
from recon.diff import CompareRules, EntityDiff, FieldRule, diff_entity
from tests.diff.diff_helpers import _pool

ENTITY_CHOICES = ("time_entry", "project", "ar_term", "customer")
#: Mixed lengths and a missing key, so both the binary-search and the hashing paths run.
KEYS = ["K1", "K2", "K3", "K10", "k1", None]
AMOUNTS = [Decimal(x) for x in ("0", "0.01", "0.25", "1", "1.5", "-2", "99.99", "100")] + [None]
TOLERANCES = [Decimal(x) for x in ("0", "0.01", "0.25", "0.5", "1", "2.5")]

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@st.composite
def frames(draw: st.DrawFn, entity: str, max_rows: int = 8) -> pd.DataFrame:
    """A canonical frame of ``entity`` with values from small pools (so sides often agree)."""
    spec = ENTITIES[entity]
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = {c.name: draw(st.sampled_from(_pool(c.kind))) for c in spec.columns}
        row[spec.key] = draw(st.sampled_from(KEYS))
        rows.append(row)
    data = pd.DataFrame(rows, columns=spec.names, dtype=object)
    return conform(entity, data)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    entity = draw(st.sampled_from(ENTITY_CHOICES))
    return entity, draw(frames(entity)), draw(frames(entity))


RULES = st.sampled_from(
    [
        CompareRules.default(),
        CompareRules.exact(),
        CompareRules.default().with_kind("money", FieldRule(abs_tol=Decimal("0.5"))),
    ]
)


def _rows(frame: pd.DataFrame, entity: str) -> list[tuple]:
    """Rows as sorted tuples of canonical strings: order-free and NaN-free."""
    kinds = [c.kind for c in ENTITIES[entity].columns]
    rows = [
        tuple(canon_str(v, k) or "\0" for v, k in zip(row, kinds, strict=True))
        for row in frame.itertuples(index=False)
    ]
    return sorted(rows)


def assert_same(x: EntityDiff, y: EntityDiff) -> None:
    assert _rows(x.only_in_intacct, x.entity) == _rows(y.only_in_intacct, y.entity)
    assert _rows(x.only_in_bigtime, x.entity) == _rows(y.only_in_bigtime, y.entity)
    pd.testing.assert_frame_equal(x.mismatches, y.mismatches)
    pd.testing.assert_frame_equal(x.duplicates, y.duplicates)
    assert x.compared == y.compared


@SETTINGS
@given(pair=pairs(), rules=RULES)
def test_a_frame_against_itself_has_no_findings(pair, rules):
    entity, a, _ = pair
    ed = diff_entity(entity, a, a.copy(), rules)
    keys = a[ENTITIES[entity].key]
    counts = keys.dropna().value_counts()
    # one-sided: only the rows without a key (they never pair, not even with themselves)
    assert len(ed.only_in_intacct) == len(ed.only_in_bigtime) == int(keys.isna().sum())
    assert ed.mismatches.empty
    dups = sorted((str(k), int(n)) for k, n in counts.items() if n > 1)
    assert sorted(zip(ed.duplicates["key"], ed.duplicates["count"], strict=True)) == sorted(
        dups * 2
    )
    assert ed.compared == int((counts == 1).sum())


@SETTINGS
@given(pair=pairs(), rules=RULES)
def test_swapping_the_sides_swaps_the_findings(pair, rules):
    entity, a, b = pair
    forward = diff_entity(entity, a, b, rules)
    backward = diff_entity(entity, b, a, rules)
    assert_same(backward, forward.swap())
    assert_same(forward.swap().swap(), forward)


@SETTINGS
@given(pair=pairs(), rules=RULES, seed=st.integers(0, 2**16))
def test_row_order_does_not_matter(pair, rules, seed):
    entity, a, b = pair
    shuffled = [f.sample(frac=1, random_state=seed + i) for i, f in enumerate((a, b))]
    assert_same(diff_entity(entity, *shuffled, rules), diff_entity(entity, a, b, rules))


def _projects(keys: list[str], amounts: list[Decimal | None]) -> pd.DataFrame:
    """Projects that differ only in ``po_amount``."""
    columns = {c.name: [None] * len(keys) for c in ENTITIES["project"].columns}
    columns.update(project_id=keys, po_amount=amounts)
    return conform("project", pd.DataFrame(columns, dtype=object))


@SETTINGS
@given(
    pairs=st.lists(st.tuples(st.sampled_from(AMOUNTS), st.sampled_from(AMOUNTS)), max_size=12),
    abs_tol=st.sampled_from(TOLERANCES),
    rel_tol=st.sampled_from([Decimal(0), Decimal("0.01"), Decimal("0.5")]),
)
def test_a_tolerance_never_hides_a_difference_larger_than_itself(pairs, abs_tol, rel_tol):
    keys = [f"P{i:03d}" for i in range(len(pairs))]
    a, b = (_projects(keys, [p[side] for p in pairs]) for side in (0, 1))
    rule = FieldRule(abs_tol=abs_tol, rel_tol=rel_tol)
    rules = CompareRules.default().with_field("project", "po_amount", rule)
    found = set(diff_entity("project", a, b, rules).mismatches["key"])
    for key, (x, y) in zip(keys, pairs, strict=True):
        if x is None or y is None:
            assert (key in found) is (x is not y)
        else:
            assert (key in found) is (abs(x - y) > abs_tol + rel_tol * abs(y))
