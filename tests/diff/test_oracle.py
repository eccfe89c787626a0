"""datacompy as the oracle: on seeded random frames, recon and ``PandasCompare`` agree.

Same keys, same tolerances, normalisation switched off (``CompareRules.exact()``): the
number of one-sided rows on each side and the number of mismatching values per column
must be equal. datacompy's quirks are kept out of the way: keys are unique (it pairs
duplicate keys by sort order), amounts are quarter values (it compares Decimals as floats;
quarters are exact in binary) and tolerances are binary fractions too, so float and Decimal
arithmetic draw the tolerance boundary at the same place.
"""

from __future__ import annotations

from decimal import Decimal

import datacompy
import numpy as np
import pytest

from recon.canonical import ENTITIES
from recon.diff import CompareRules, FieldRule, diff_entity
from tests.diff.diff_helpers import random_pair

CASES = [
    (entity, seed, abs_tol, rel_tol)
    for entity in ("time_entry", "project", "customer", "ar_term")
    for seed, (abs_tol, rel_tol) in enumerate(
        [("0", "0"), ("0.25", "0"), ("0", "0.5"), ("1.5", "0.25"), ("0.75", "0.125")]
    )
]


def _rules(abs_tol: Decimal, rel_tol: Decimal) -> CompareRules:
    rules = CompareRules.exact()
    for kind in ("money", "hours", "int"):
        rules = rules.with_kind(kind, FieldRule(abs_tol=abs_tol, rel_tol=rel_tol))
    return rules


@pytest.mark.parametrize(("entity", "seed", "abs_tol", "rel_tol"), CASES)
def test_recon_counts_equal_datacompy_counts(entity, seed, abs_tol, rel_tol):
    rng = np.random.default_rng(1000 + seed * 17 + len(entity))
    a, b = random_pair(entity, rng, rows=int(rng.integers(50, 400)), change=0.2)
    key = ENTITIES[entity].key

    ed = diff_entity(entity, a, b, _rules(Decimal(abs_tol), Decimal(rel_tol)))
    oracle = datacompy.PandasCompare(
        a.copy(), b.copy(), join_columns=key, abs_tol=float(abs_tol), rel_tol=float(rel_tol)
    )

    assert len(ed.only_in_intacct) == len(oracle.df1_unq_rows) > 0
    assert len(ed.only_in_bigtime) == len(oracle.df2_unq_rows) > 0
    assert ed.compared == len(oracle.intersect_rows)
    ours = ed.mismatches["field"].value_counts().to_dict()
    theirs = {s["column"]: int(s["unequal_cnt"]) for s in oracle.column_stats}
    assert theirs.pop(key) == 0
    assert {f: ours.get(f, 0) for f in theirs} == theirs
    assert sum(theirs.values()) > 0  # the case compares something
