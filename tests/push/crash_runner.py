"""Child process of the crash test: push a run, and die by SIGKILL at one step of one change.

Usage::

    python tests/push/crash_runner.py --intacct URL --bigtime URL --db PATH --run RUN_ID \
        [--batch-size N] [--change CHANGE_ID --seen EVENT,EVENT... --died-file PATH]

Without ``--change`` it pushes the run to the end and exits 0 (the resume that finishes
the job). With it, the store's ``mark`` and each writer's ``apply`` / ``settle`` are
wrapped so that every step of that change is an *event*; the child dies (``SIGKILL``: no
cleanup, no flush, no ``finally``) at the change's first event not in ``--seen``, after
writing that event's name to ``--died-file``. Events are named ``<phase>:<step>``:

* phase ``send`` when the change's outbox row was ``pending`` as this child started,
  ``resume`` when it was left in doubt (``sending`` / ``unknown``) by an earlier child;
* steps ``mark:<state>:before`` (the store write not made yet), ``mark:<state>:after``
  (committed), ``apply:before`` (batches only: about to send, every change of the batch
  marked ``sending`` and nothing left yet), ``apply:after`` (the write landed -- for a
  batch, the whole batch --, the store does not know it yet: the point that matters most
  for exactly-once), ``settle:applied`` / ``settle:none`` (the answer of
  reading back / resending -- for a batch, resending the batch --, not recorded yet).

Intacct writers are batch writers (``apply_many`` / ``settle_many``): the events of a batch
are each change's own, fired when the batch's request is about to leave / has answered.

A change already ``applied`` when the child starts is a usage error (exit 4): the crash
test moves on to the next change instead.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Exit code when ``--change`` is already applied (nothing of it left to kill).
EXIT_ALREADY_APPLIED = 4


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--intacct", required=True, help="Intacct sandbox gateway URL")
    p.add_argument("--bigtime", required=True, help="BigTime sandbox API root URL")
    p.add_argument("--db", required=True, type=Path, help="the store file")
    p.add_argument("--run", required=True, help="run id to push")
    p.add_argument("--batch-size", type=int, default=None, help="Intacct changes per request")
    p.add_argument("--change", help="change whose steps are kill points")
    p.add_argument("--seen", default="", help="events already killed at (comma separated)")
    p.add_argument("--died-file", type=Path, help="where the event died at is written")
    return p.parse_args(argv)


class Killer:
    """Dies at the first event of one change not already seen."""

    def __init__(self, change_id: str, phase: str, seen: set[str], died_file: Path) -> None:
        self.change_id, self.phase, self.seen, self.died_file = change_id, phase, seen, died_file

    def event(self, change_id: str, step: str) -> None:
        if change_id != self.change_id:
            return
        name = f"{self.phase}:{step}"
        if name in self.seen:
            return
        # The name must be on disk before dying: the parent learns the kill point from it.
        with open(self.died_file, "w", encoding="utf-8") as fh:
            fh.write(name)
            fh.flush()
            os.fsync(fh.fileno())
        os.kill(os.getpid(), signal.SIGKILL)


class KillingWriter:
    """A writer whose ``apply`` / ``settle`` report their answers to the killer."""

    def __init__(self, inner: Any, killer: Killer) -> None:
        self.inner, self.killer = inner, killer
        self.system = inner.system

    def current(self, change: Any) -> Any:
        return self.inner.current(change)

    def apply(self, change: Any, idem_key: str) -> str:
        remote_id = self.inner.apply(change, idem_key)
        self.killer.event(change.change_id, "apply:after")
        return remote_id

    def settle(self, change: Any, idem_key: str) -> str | None:
        remote_id = self.inner.settle(change, idem_key)
        answer = "applied" if remote_id is not None else "none"
        self.killer.event(change.change_id, f"settle:{answer}")
        return remote_id


class KillingBatchWriter(KillingWriter):
    """A batch writer whose batches report each of their changes to the killer."""

    def function_for(self, change: Any, idem_key: str) -> Any:
        return self.inner.function_for(change, idem_key)

    def record_of(self, function: Any) -> str | None:
        return self.inner.record_of(function)  # type: ignore[no-any-return]

    def apply_many(self, writes: Sequence[tuple[Any, Any]]) -> list[Any]:
        for change, _ in writes:
            self.killer.event(change.change_id, "apply:before")
        results = self.inner.apply_many(writes)
        for (change, _), result in zip(writes, results, strict=True):
            if result.ok:
                self.killer.event(change.change_id, "apply:after")
        return results  # type: ignore[no-any-return]

    def settle_many(self, writes: Sequence[tuple[Any, Any]]) -> list[Any]:
        results = self.inner.settle_many(writes)
        for (change, _), result in zip(writes, results, strict=True):
            if result.ok:
                answer = "applied" if result.remote_id is not None else "none"
                self.killer.event(change.change_id, f"settle:{answer}")
        return results  # type: ignore[no-any-return]


def killing(writer: Any, killer: Killer) -> KillingWriter:
    from recon.push.writers import BatchWriter

    kind = KillingBatchWriter if isinstance(writer, BatchWriter) else KillingWriter
    return kind(writer, killer)


def wrap_mark(store: Any, killer: Killer) -> None:
    """Make ``store.mark`` report before and after each store write."""
    inner = store.mark

    def mark(run_id: str, change_id: str, state: str, **kw: Any) -> Any:
        killer.event(change_id, f"mark:{state}:before")
        item = inner(run_id, change_id, state, **kw)
        killer.event(change_id, f"mark:{state}:after")
        return item

    store.mark = mark


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from recon.config import sandbox_profile
    from recon.push import open_writers, push
    from recon.store import Store

    store = Store(args.db)
    profile = sandbox_profile(intacct_url=args.intacct, bigtime_url=args.bigtime)
    fast = {"sleep": lambda _s: None}
    with open_writers(profile, intacct_settings=fast, bigtime_settings=fast) as writers:
        if args.change:
            item = store.item(args.run, args.change)
            if item is None or item.state == "applied":
                return EXIT_ALREADY_APPLIED
            phase = "send" if item.state == "pending" else "resume"
            seen = {s for s in args.seen.split(",") if s}
            killer = Killer(args.change, phase, seen, args.died_file)
            wrap_mark(store, killer)
            writers = {k: killing(v, killer) for k, v in writers.items()}  # type: ignore[misc]
        size = {} if args.batch_size is None else {"batch_size": args.batch_size}
        report = push(store, args.run, writers, by="crash-runner", sleep=lambda _s: None, **size)
    counts = report.counts()
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
