"""The status view: each profile's last run, its counts, open decisions and push failures.

Like BigTime's sync tile: one glance says whether a profile needs someone. Read from the
:class:`~recon.store.Store` only -- nothing here writes, and a missing database is "no runs
yet", not an error (the status cell sits at the top of ``10_reconcile``, which must run on
a fresh machine).

>>> status_frame(store)                  # one row per profile   # doctest: +SKIP
>>> print(status_text(store))            # fixed-width, for a terminal or a log  # doctest: +SKIP
>>> StatusTile(store)                    # the notebook tile + Refresh  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ipywidgets as w
import pandas as pd

from recon import budget
from recon.config import data_dir, profile_names
from recon.errors import ReconError
from recon.snapshot import forget_snapshot
from recon.store import DEFAULT_FILENAME, Store
from recon.ui.changes_view import esc

#: Columns of :func:`status_frame`, in order.
STATUS_COLUMNS = (
    "profile",
    "runs",
    "run_id",
    "at",
    "prepared_by",
    "findings",
    "changes",
    "approved",
    "rejected",
    "open",
    "by_hand",
    "pending",
    "applied",
    "failed",
    "unknown",
    "stale",
    "requests",
    "requests_by_system",
    "stopped_at",
    "pulled",
)
#: The columns of :data:`STATUS_COLUMNS` that hold what the last run asked of the services.
_REQUEST_COLUMNS = ("requests", "requests_by_system", "stopped_at", "pulled")
#: The count columns and how the text and the tile name them.
COUNT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "findings": "Findings",
        "changes": "Changes",
        "approved": "Approved",
        "rejected": "Rejected",
        "open": "To decide",
        "by_hand": "To do by hand",
        "pending": "Ready to push",
        "applied": "Applied",
        "failed": "Failed",
        "unknown": "Unknown",
        "stale": "Stale",
    }
)
#: The key of the run summary that holds the number of findings (``Store.save_run``).
FINDINGS_KEY = "findings"
#: Outbox states counted under "unknown": ``sending`` is a push that stopped mid-send, as in
#: doubt as ``unknown`` until the next push settles it (store.records.OutboxItem).
_IN_DOUBT = frozenset({"unknown", "sending"})
#: A profile's state, worst first: the tile's badge and colour.
HEALTH: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "attention": ("Needs attention", "#a50e0e"),
        "review": ("Waiting for review", "#b06000"),
        "ready": ("Ready to push", "#1a73e8"),
        "by_hand": ("Changes to make by hand", "#b06000"),
        "ok": ("Up to date", "#0d652d"),
    }
)
NO_RUNS = "No runs yet."
#: What "Update now" calls: ``(profile, progress(done, total)) -> what happened, in words``.
UpdateFn = Callable[[str, Callable[[int, int], None]], str]
log = logging.getLogger("recon.status")


def _configured() -> list[str]:
    """The configured profiles' names (a config file that cannot be read: none)."""
    try:
        return profile_names()
    except ReconError:
        return []


def _open_store(store: Store | str | Path | None) -> Store | None:
    """The store to read, or None when there is no database yet (never creates one)."""
    if isinstance(store, Store):
        return store
    if store is None:
        store = data_dir() / DEFAULT_FILENAME
    path = Path(store)
    return Store(path, create=False) if path.is_file() else None


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in STATUS_COLUMNS})
    counts = {c: "int64" for c in STATUS_COLUMNS[5:] if c not in _REQUEST_COLUMNS}
    counts |= {"runs": "int64", "findings": "Int64", "requests": "Int64", "stopped_at": "Int64"}
    return frame.astype(counts | {"at": "datetime64[us, UTC]"})


def status_frame(store: Store | str | Path | None = None) -> pd.DataFrame:
    """One row per profile: its last run and where that run's changes stand.

    Parameters
    ----------
    store:
        A :class:`~recon.store.Store`, the path of its database, or None for the default
        database. A path with no file gives an empty frame (no database is created).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`STATUS_COLUMNS`, sorted by profile: ``runs`` (how many), the last
        run's ``run_id``, ``at`` (UTC), ``prepared_by``, ``findings`` (the run summary's
        ``"findings"`` when it holds a whole number, else NA), ``changes`` (in its plan),
        ``approved``, ``rejected``, ``open`` (changes recon can push, undecided or
        deferred: they need a decision), ``by_hand`` (review-only changes recon cannot push,
        not rejected: someone makes them by hand), and the approved changes' push states:
        ``pending``, ``applied``, ``failed``, ``unknown`` (including ``sending``: in doubt),
        ``stale``; what the run asked of the services: ``requests`` (both systems; NA when
        the summary does not say), ``requests_by_system`` (``"BigTime 276, Intacct 36"``)
        and ``stopped_at`` (the request ceiling the run stopped at, else NA); ``pulled``:
        what it pulled (``"only changes since 2026-12-08 03:44 UTC"``, ``"everything
        (first run)"``; empty when the summary does not say).

    Raises
    ------
    ConfigError
        The file exists but is not a recon database.
    """
    opened = _open_store(store)
    if opened is None:
        return _empty()
    runs = opened.runs()
    if runs.empty:
        return _empty()
    per_profile = runs.groupby("profile", sort=True)
    rows = [
        _profile_row(opened, str(profile), group.iloc[-1], len(group))
        for profile, group in per_profile
    ]
    frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True).dt.as_unit("us")
    return frame.astype(_empty().dtypes.to_dict())


def _profile_row(store: Store, profile: str, last: pd.Series, runs: int) -> dict[str, object]:
    run_id = str(last["run_id"])
    decisions = store.decisions(run_id)
    decided = Counter(d.decision for d in decisions.values())
    plan = store.load_plan(run_id) if int(last["changes"]) else None
    still_open = plan.to_decide(decisions) if plan else []
    by_hand = plan.by_hand(decisions) if plan else []
    states = Counter(
        "unknown" if item.state in _IN_DOUBT else item.state for item in store.outbox(run_id)
    )
    changes = int(last["changes"])
    return {
        "profile": profile,
        "runs": runs,
        "run_id": run_id,
        "at": last["at"],
        "prepared_by": str(last["prepared_by"]),
        "findings": _findings(last["summary"]),
        "changes": changes,
        "approved": decided["approve"],
        "rejected": decided["reject"],
        "open": len(still_open),
        "by_hand": len(by_hand),
        **{s: states[s] for s in ("pending", "applied", "failed", "unknown", "stale")},
        **_requests(last["summary"]),
    }


def _requests(summary: object) -> dict[str, object]:
    """The :data:`_REQUEST_COLUMNS` of a run's summary."""
    counts = budget.request_counts(
        summary.get("requests") if isinstance(summary, Mapping) else None
    )
    return {
        "requests": sum(counts.values()) if counts else None,
        "requests_by_system": budget.by_system_text(counts),
        "stopped_at": budget.ceiling_reached(summary),
        "pulled": _pulled(summary),
    }


def _pulled(summary: object) -> str:
    """``"only changes since ..."`` or ``"everything (first run)"``, from the summary's
    ``pull`` (:func:`recon.job.reconcile_run`); empty when it has none."""
    pull = summary.get("pull") if isinstance(summary, Mapping) else None
    if not isinstance(pull, Mapping) or not isinstance(pull.get("why"), str):
        return ""
    if pull.get("mode") == "changes":
        return f"only {pull['why']}"
    return f"everything ({pull['why']})"


def _findings(summary: object) -> int | None:
    """The summary's findings count; None when absent or not a whole number (a summary is
    free-form JSON written by whoever saved the run)."""
    value = summary.get(FINDINGS_KEY) if isinstance(summary, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):  # as json.loads gives
        return None
    if not math.isfinite(value) or value != int(value) or value < 0:
        return None
    return int(value)


def health(row: Mapping[str, Any]) -> str:
    """A status row's state, a key of :data:`HEALTH`: a run stopped at its request ceiling
    or failures or doubt first, then open decisions, then approved changes waiting for a
    push, then changes to make by hand; "up to date" only when nothing needs a decision or
    a hand."""
    if _stopped_at(row) is not None or any(int(row[k]) for k in ("failed", "unknown", "stale")):
        return "attention"
    if int(row["open"]):
        return "review"
    if int(row["pending"]):
        return "ready"
    if int(row["by_hand"]):
        return "by_hand"
    return "ok"


def _stopped_at(row: Mapping[str, Any]) -> int | None:
    value = row.get("stopped_at")
    return None if value is None or value is pd.NA else int(value)


def _when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if isinstance(at, dt.datetime) else ""


def _count(value: Any) -> str:
    return "-" if value is None or value is pd.NA else f"{int(value):,}"


# --- text ----------------------------------------------------------------------------------------
_TEXT_COLUMNS = (
    ("profile", "Profile"),
    ("run_id", "Last run"),
    ("at", "When"),
    ("prepared_by", "By"),
    *COUNT_LABELS.items(),
    ("health", "Status"),
)


def status_text(store: Store | str | Path | None = None, profile: str | None = None) -> str:
    """:func:`status_frame` as a fixed-width table (one line per profile; only ``profile``'s
    when given), or :data:`NO_RUNS`; a database that cannot be read gives one line saying
    why."""
    try:
        frame = status_frame(store)
    except ReconError as exc:
        return f"Status unavailable: {exc}"
    if profile is not None:
        frame = frame[frame["profile"] == profile]
        if frame.empty:
            return f"No runs yet of profile {profile}."
    if frame.empty:
        return NO_RUNS
    cells = [[_text_cell(row, key) for key, _ in _TEXT_COLUMNS] for row in _records(frame)]
    heads = [head for _, head in _TEXT_COLUMNS]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(heads)]
    numeric = {i for i, (key, _) in enumerate(_TEXT_COLUMNS) if key in COUNT_LABELS}

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(widths[i]) if i in numeric else v.ljust(widths[i]) for i, v in enumerate(values)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * n for n in widths)
    return "\n".join([line(heads), rule, *(line(r) for r in cells)])


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return [{str(k): v for k, v in r.items()} for r in rows]


def _text_cell(row: Mapping[str, object], key: str) -> str:
    if key == "health":
        return HEALTH[health(row)][0]
    if key == "at":
        return _when(row["at"])
    if key in COUNT_LABELS:
        return _count(row[key])
    return str(row[key])


# --- HTML ------------------------------------------------------------------------------------
_TILE = (
    "display:inline-block;vertical-align:top;min-width:260px;margin:4px 8px 4px 0;"
    "padding:8px 12px;border:1px solid #dadce0;border-radius:6px;border-left:6px solid {colour}"
)


def status_html(store: Store | str | Path | None = None) -> str:
    """One tile per profile (its state, last run, counts); "no runs yet" without runs; a
    database that cannot be read gives a tile saying why. Every value is escaped.

    Example::

        >>> from IPython.display import HTML
        >>> HTML(recon.status_html(recon.Store()))
    """
    try:
        frame = status_frame(store)
    except ReconError as exc:
        return _error_html(exc)
    return _frame_html(frame)


def _error_html(exc: ReconError) -> str:
    return (
        '<div class="recon-status" data-state="error" style="color:#a50e0e">'
        f"Status unavailable: {esc(exc)}</div>"
    )


def _frame_html(frame: pd.DataFrame) -> str:
    if frame.empty:
        return f'<div class="recon-status" data-state="empty"><i>{esc(NO_RUNS)}</i></div>'
    tiles = "".join(_tile(row) for row in _records(frame))
    return f'<div class="recon-status">{tiles}</div>'


def _tile(row: Mapping[str, Any]) -> str:
    state = health(row)
    words, colour = HEALTH[state]
    counts = " &middot; ".join(
        f'<span data-count="{key}">{esc(label)} <b>{esc(_count(row[key]))}</b></span>'
        for key, label in COUNT_LABELS.items()
    )
    runs = int(row["runs"])
    return (
        f'<div class="recon-tile" data-profile="{esc(row["profile"])}" data-state="{state}" '
        f'style="{_TILE.format(colour=colour)}">'
        f'<div><b>{esc(row["profile"])}</b> <span style="color:{colour}">{esc(words)}</span></div>'
        f'<div style="color:#5f6368">Last run <span data-run="1">{esc(row["run_id"])}</span> '
        f"&middot; {esc(_when(row['at']))} &middot; by {esc(row['prepared_by'])} "
        f"({runs:,} run{'s' if runs != 1 else ''})</div>"
        f"<div>{counts}</div>{_requests_html(row)}</div>"
    )


def _requests_html(row: Mapping[str, Any]) -> str:
    """The line of a run's requests, ``Requests: 312 (BigTime 276, Intacct 36)``, and
    ``stopped at the request ceiling (500)`` when it did; none for a run that did not
    count its requests."""
    total, each, ceiling = row.get("requests"), row.get("requests_by_system"), _stopped_at(row)
    parts = []
    if total is not None and total is not pd.NA:
        words = f"{int(total):,}" + (f" ({each})" if each else "")
        parts.append(f'<span data-requests="{int(total)}">Requests: {esc(words)}</span>')
    if row.get("pulled"):
        parts.append(f'<span data-pulled="1">Pulled: {esc(row["pulled"])}</span>')
    if ceiling is not None:
        parts.append(
            f'<span data-stopped="{ceiling}" style="color:{HEALTH["attention"][1]}">'
            f"stopped at the request ceiling ({ceiling:,}): nothing compared</span>"
        )
    return f"<div>{' &middot; '.join(parts)}</div>" if parts else ""


class StatusTile:
    """The status view as a widget: the tiles, a Refresh button, "Update now" (with an
    ``update`` function: ``recon.StatusTile`` runs the profile's reconcile through
    :mod:`recon.runner`), and "Pull everything on the next run" for a profile (its
    snapshot forgotten, :func:`recon.snapshot.forget_snapshot`: the same as
    ``recon run 10_reconcile -p full true`` once).

    Example::

        >>> recon.StatusTile(recon.Store())  # in a notebook cell

    Parameters
    ----------
    store:
        A :class:`~recon.store.Store`, a database path, or None for the default database.
    update:
        ``update(profile, progress) -> words``: runs the profile's reconcile, calling
        ``progress(done, total)`` as it goes, and says how it ended (raises
        :class:`~recon.errors.ReconError` for a plain failure). None: no "Update now".

    Attributes
    ----------
    widget:
        The ipywidgets container to display.
    html:
        The tiles (an HTML widget; :func:`status_html`).
    refresh_button:
        Reads the store again.
    profile_picker, full_pull_button, message:
        Which profile's next run pulls everything (profiles with runs, then the configured
        ones); the button that asks for it; what it did, in words.
    update_button, progress, progress_label, finished, worker:
        "Update now"; its progress while it runs; set when it is done; its thread.
    """

    def __init__(
        self, store: Store | str | Path | None = None, *, update: UpdateFn | None = None
    ) -> None:
        self.store = store
        self._update = update
        self.html = w.HTML()
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.profile_picker = w.Dropdown(description="Profile", options=[])
        self.full_pull_button = w.Button(
            description="Pull everything on the next run",
            tooltip="The next run of this profile reads both systems whole, not only changes",
            layout=w.Layout(width="auto"),
        )
        self.full_pull_button.on_click(lambda _b: self.pull_everything_next())
        self.update_button = w.Button(
            description="Update now",
            icon="play",
            tooltip="Reconcile the picked profile now, as a scheduled run would",
        )
        self.update_button.on_click(lambda _b: self.update_now())
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(display="none"))
        self.progress_label = w.Label()
        #: Set when the last "Update now" finished (or at once when none ever started).
        self.finished = threading.Event()
        self.finished.set()
        self.worker: threading.Thread | None = None
        self.message = w.HTML()
        controls = w.HBox(
            [self.refresh_button, self.profile_picker, self.update_button, self.full_pull_button]
        )
        running = w.HBox([self.progress, self.progress_label])
        self.widget = w.VBox([self.html, controls, running, self.message])
        self.refresh()

    def refresh(self) -> None:
        """Read the store again and redraw the tiles."""
        try:
            frame = status_frame(self.store)  # read once, for the tiles and the picker
        except ReconError as exc:
            self.html.value, with_runs = _error_html(exc), []
        else:
            self.html.value, with_runs = _frame_html(frame), list(frame["profile"])
        picked = self.profile_picker.value
        # Update now can start a configured profile's first run; a full pull needs a run.
        options = with_runs + [p for p in _configured() if p not in with_runs]
        self.profile_picker.options = options
        if picked in options:
            self.profile_picker.value = picked
        self.full_pull_button.disabled = not with_runs
        self.update_button.disabled = self._update is None or not self.finished.is_set()

    def pull_everything_next(self) -> None:
        """Forget the picked profile's snapshot: its next run pulls everything."""
        profile = self.profile_picker.value
        if not profile:
            self.message.value = esc("Pick a profile first.")
            return
        forget_snapshot(str(profile))
        self.message.value = esc(
            f"The next run of {profile} pulls everything from both systems "
            "(this run's results stay as they are)."
        )

    def update_now(self) -> threading.Thread | None:
        """Run the picked profile's reconcile in a worker thread (the tile stays live),
        showing its progress, then refresh the tiles and say how it ended; an error is one
        plain message here. Returns the worker (None when nothing started)."""
        profile = self.profile_picker.value
        if self._update is None or not profile or not self.finished.is_set():
            why = (
                "pick a profile first"
                if self._update and not profile
                else ("an update is running" if self._update else "no runner is connected")
            )
            self.message.value = esc(f"Nothing started: {why}.")
            return None
        self.finished.clear()
        self.update_button.disabled = True
        self.message.value = ""
        self.progress.value, self.progress.max = 0, 1
        self.progress.layout.display = ""
        self.progress_label.value = f"Updating {profile}: starting"
        self.worker = threading.Thread(
            target=self._run_update,
            args=(self._update, str(profile)),
            name=f"update-{profile}",
            daemon=True,
        )
        self.worker.start()
        return self.worker

    def _run_update(self, update: UpdateFn, profile: str) -> None:
        def progress(done: int, total: int) -> None:
            self.progress_label.value = f"Updating {profile}: step {done} of {total}"
            self.progress.max = max(total, 1)
            self.progress.value = min(done, self.progress.max)

        try:
            said, ok = update(profile, progress), True
        except ReconError as exc:
            said, ok = f"Update of {profile} failed: {exc}", False
        except Exception as exc:  # a worker has no caller: show the error, log it
            log.exception("status tile: update of %s", profile)
            said, ok = f"Update of {profile} failed: {type(exc).__name__}: {exc}", False
        self.progress.layout.display = "none"
        self.progress_label.value = ""
        self.finished.set()
        self.refresh()
        colour = "#137333" if ok else "#a50e0e"
        self.message.value = f'<span style="color:{colour}">{esc(said)}</span>'

    def _repr_mimebundle_(self, **kwargs: object) -> object:
        return self.widget._repr_mimebundle_(**kwargs)
