"""Each profile's snapshot of what its last successful pull read, so the next pulls less.

>>> last, why = load_snapshot(profile)   # (None, "first run"), or a PullSnapshot and its age
>>> save_snapshot(pulled.snapshot)       # after a pull that read everything it needed
>>> forget_snapshot("acme")              # the next run of acme pulls everything

The snapshot lives in the data directory beside the runs database
(``<data dir>/snapshots/<profile>.pickle``) and holds, for the period it was pulled for:

- the Intacct frames as pulled (before the period's counterparts were looked up): the next
  run asks only for what changed since (:func:`recon.intacct.incremental.pull_changed`);
- the BigTime details read one record at a time (projects with their teams, staff), with
  the ``DtModified`` each had: the next run reads only those whose stamp moved
  (:class:`recon.bigtime.pull.Known`). BigTime's lists, time sheets and invoice history
  have no modified-since filter (docs/specs/bigtime-rest-api.md §1) and are read every run.

A run pulls everything again (:func:`load_snapshot` gives no snapshot, and says why) on the
profile's first run, when asked (``full``: ``recon run 10_reconcile -p full true``), when the
snapshot is older than the profile's ``full_pull_after_days`` (default 7: a change a system
did not stamp is seen within a week), and when it cannot be read. A snapshot of the same
period, or of one that starts on the same day and ends earlier (the month so far), serves
every object; one of another period serves the master data, the dated objects are then
pulled whole.

The file is a pickle of typed frames (Decimal amounts and all): recon writes it and reads
it back on the same machine, it holds no secret (passwords and tokens are never pulled,
nor the personal fields :data:`recon.intacct.pull.NOT_PULLED`), and one that does not
load is treated as none.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd

from recon.bigtime.pull import Known
from recon.config import Profile, data_dir
from recon.intacct.pull import PULL_SPECS

log = logging.getLogger(__name__)

#: Bumped when the snapshot's shape changes: an older file is then not used.
VERSION = 1
#: Beside a forgotten snapshot: the next run says the full pull was asked for.
FORGOTTEN = ".forgotten"


@dataclass(frozen=True)
class PullSnapshot:
    """What one successful pull read, for the next run of the same profile."""

    profile: str
    #: When the pull that made it began (UTC).
    taken: datetime
    start: date
    end: date
    #: Intacct object -> frame as pulled for the period.
    intacct: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    #: BigTime record kind -> system id -> the detail read (:class:`Known`).
    bigtime: Mapping[str, Mapping[int, Known]] = field(default_factory=dict)

    def intacct_for(self, start: date, end: date) -> dict[str, pd.DataFrame]:
        """The frames a pull of ``start`` .. ``end`` can build on: all of them for the same
        period or one that only ends later (a nightly "month so far": a record dated in
        the added days and not changed since is found by the count, which then reads the
        object whole); for another, only the objects no period bounds (master data)."""
        if start == self.start and end >= self.end:
            return dict(self.intacct)
        return {
            obj: frame
            for obj, frame in self.intacct.items()
            if obj in PULL_SPECS and PULL_SPECS[obj].dated is None and PULL_SPECS[obj].bound is None
        }

    def updated(
        self,
        taken: datetime,
        start: date,
        end: date,
        intacct: Mapping[str, pd.DataFrame],
        bigtime: Mapping[str, Mapping[int, Known]],
    ) -> PullSnapshot:
        """This snapshot with what a later pull read replacing what it held (an entity
        not pulled this time keeps its frame: a narrowed run does not empty it)."""
        kept = self.intacct_for(start, end)
        return PullSnapshot(self.profile, taken, start, end, {**kept, **intacct},
                        {**self.bigtime, **bigtime})  # fmt: skip


def snapshot_path(profile: str) -> Path:
    """``<data dir>/snapshots/<profile>.pickle`` (the name made safe for a file name)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile) or "_"
    return data_dir() / "snapshots" / f"{safe}.pickle"


def load_snapshot(
    profile: Profile, *, full: bool = False, now: datetime | None = None
) -> tuple[PullSnapshot | None, str]:
    """The profile's snapshot to build this run's pull on, or None and why everything is
    pulled: ``"first run"``, ``"asked for"``, ``"snapshot 9 days old"``,
    ``"snapshot unreadable"``. With a snapshot the reason says how old it is."""
    if full:
        return None, "asked for"
    path = snapshot_path(profile.name)
    if not path.exists():
        asked = path.with_suffix(FORGOTTEN)
        return None, "asked for" if asked.exists() else "first run"
    try:
        with path.open("rb") as fh:
            version, snap = pickle.load(fh)  # noqa: S301 - recon's own file, see module doc
    except Exception as exc:  # any unreadable file means: pull everything
        log.warning("snapshot %s unreadable (%s): pulling everything", path, exc)
        return None, "snapshot unreadable"
    if version != VERSION or not isinstance(snap, PullSnapshot) or snap.profile != profile.name:
        return None, "snapshot unreadable"
    age = (now or datetime.now(UTC)) - snap.taken
    days = age / timedelta(days=1)
    if days >= profile.full_pull_after_days:
        return (
            None,
            f"snapshot {days:.0f} days old (full_pull_after_days {profile.full_pull_after_days})",
        )
    return snap, f"changes since {snap.taken:%Y-%m-%d %H:%M} UTC"


def save_snapshot(snap: PullSnapshot) -> Path:
    """Write ``snap`` as its profile's snapshot (atomically: a crash leaves the old one)."""
    path = snapshot_path(snap.profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump((VERSION, snap), fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    path.with_suffix(FORGOTTEN).unlink(missing_ok=True)
    return path


def forget_snapshot(profile: str) -> bool:
    """Make the next run of ``profile`` pull everything (the status tile's button; the
    same as ``-p full true`` once). True when there was a snapshot to forget."""
    path = snapshot_path(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(FORGOTTEN).write_text(datetime.now(UTC).isoformat(), encoding="utf-8")
    if not path.exists():
        return False
    path.unlink()
    return True


def snapshot_saved(profile: str) -> datetime | None:
    """When the profile's snapshot was written (UTC; its file's time, so a status tile need
    not load it), or None when it has none."""
    try:
        stamp = snapshot_path(profile).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(stamp, UTC)
