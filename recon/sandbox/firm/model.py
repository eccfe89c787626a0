"""The demo firm: both systems' views, the manifest of planted disagreements, and ``generate``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from types import MappingProxyType
from typing import Any

import pandas as pd

from recon.sandbox.firm.bigtime_wire import copy_seed, render_seed
from recon.sandbox.firm.columns import ENTITY_ORDER
from recon.sandbox.firm.intacct_wire import render
from recon.sandbox.firm.plant import Planted, plant
from recon.sandbox.firm.sizing import check_args, stream
from recon.sandbox.firm.truth import build_truth


@dataclass(frozen=True, eq=False)
class Firm:
    """A generated professional-services firm as Intacct and BigTime each hold it.

    Attributes
    ----------
    seed, scale:
        What it was generated from (same pair -> identical firm).
    intacct_view, bigtime_view:
        Canonical frames per entity (``columns.ENTITIES``), keyed by the entity's natural key
        and sorted by it. The two views differ in exactly the ``manifest`` items.
    manifest:
        Every planted disagreement, once.
    intacct_detail:
        Intacct-only facts the wire renderer needs (contacts, cost rates, invoice lines,
        receipts); not compared with BigTime.
    """

    seed: int
    scale: int
    intacct_view: Mapping[str, pd.DataFrame] = field(repr=False)
    bigtime_view: Mapping[str, pd.DataFrame] = field(repr=False)
    manifest: tuple[Planted, ...] = field(repr=False)
    intacct_detail: Mapping[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    _wire: dict[str, pd.DataFrame] = field(
        repr=False, default_factory=dict, init=False, compare=False
    )
    _bigtime: dict[str, Any] = field(repr=False, default_factory=dict, init=False, compare=False)

    def intacct_frames(self) -> dict[str, pd.DataFrame]:
        """Intacct wire frames per schema object: every field a column, every value a string.

        Rendered once and cached; each call returns fresh (copy-on-write) copies.
        """
        if not self._wire:
            self._wire.update(render(self.intacct_view, self.intacct_detail))
        # Copy-on-write (pandas 3): a caller's edit to a returned frame never reaches the cache.
        return {name: frame.copy(deep=False) for name, frame in self._wire.items()}

    def bigtime_seed(self) -> dict[str, Any]:
        """The BigTime sandbox's seed (``BigtimeSeed`` of the BigTime contract).

        Every record in BigTime's wire shape, so that a client pulling the seeded sandbox sees
        exactly ``bigtime_view``. ``"time"`` is a lazy, re-iterable
        :class:`~recon.sandbox.firm.bigtime_time.TimeRecords` sequence (memory stays small at
        scale 40); the rest are lists of dicts. Rendered once and cached; each call returns
        fresh record dicts (``bigtime_wire.copy_seed``), so a caller may change them.
        """
        if not self._bigtime:
            streams = partial(stream, self.seed, self.scale)
            self._bigtime.update(
                render_seed(self.bigtime_view, self.intacct_view, self.intacct_detail, streams)
            )
        return copy_seed(self._bigtime)

    def manifest_records(self) -> list[dict[str, str | None]]:
        """The manifest as JSON-able dicts (field order of :class:`Planted`)."""
        return [asdict(item) for item in self.manifest]


def generate(seed: int = 7, scale: int = 1) -> Firm:
    """Generate the demo firm deterministically from ``seed`` and ``scale``.

    Parameters
    ----------
    seed:
        Any whole number >= 0; a different seed gives a different firm.
    scale:
        1 = ~40 customers, 120 projects, 35 staff and ~25,000 time entries for 2025; counts
        grow linearly (scale 40 > 1,000,000 time entries); planted items grow gently.

    Raises
    ------
    recon.errors.ConfigError
        ``seed`` or ``scale`` is not a whole number in range.
    """
    check_args(seed, scale)
    truth = build_truth(seed, scale)
    intacct, bigtime, manifest = plant(truth, stream(seed, scale, "plant"), scale)
    return Firm(
        seed=seed,
        scale=scale,
        intacct_view=MappingProxyType({e: intacct[e] for e in ENTITY_ORDER}),
        bigtime_view=MappingProxyType({e: bigtime[e] for e in ENTITY_ORDER}),
        manifest=tuple(manifest),
        intacct_detail=MappingProxyType(dict(truth.detail)),
    )
