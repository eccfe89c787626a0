"""The two jobs the notebooks run: reconcile (pull, diff, plan, report) and push.

The notebooks only call these and display what they return, so everything a scheduled run
does is testable here without a kernel. Each job writes ``outcome.json`` into its output
folder: the machine-readable summary ``recon run`` turns into an exit code.

>>> run = reconcile_run("sandbox", start="2025-01-01", end="2025-12-31")  # doctest: +SKIP
>>> run.summary["findings"], run.reports["html"]                          # doctest: +SKIP
>>> done = push_run(run.run_id, dry_run=False)                             # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import decimal
import getpass
import json
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recon import budget
from recon.autoapprove import auto_approve, parse_rules
from recon.canonical import ENTITIES, record_names
from recon.config import Profile, data_dir, load_profile
from recon.crosswalk import Crosswalk
from recon.diff import CompareRules, Diff, FieldRule, time_aggregate
from recon.errors import ConfigError, RequestBudgetExceeded
from recon.http import RequestMeter
from recon.lexicon import Lexicon
from recon.mapping import MappingOverrides, load_overrides
from recon.mapping.common import LEFT_OUT, UNRESOLVED, LeftOut
from recon.pipeline import Reconciliation, pull_both, reconcile
from recon.plan import Plan, make_plan, settings_directions
from recon.push import PushReport, open_writers
from recon.push import push as push_changes  # push_run's `push` is its yes/no
from recon.report import Report, RunInfo, build_report, write_reports
from recon.report.expense_totals import expense_tables
from recon.report.findings import (
    FINDINGS_FILE,
    TODO_FILE,
    findings_frame,
    left_out_counts,
    left_out_lines,
    left_out_table,
    todo_frame,
    todo_table,
    unread_table,
    write_csv,
)
from recon.report.model import money_text
from recon.scope import Unread, not_compared
from recon.snapshot import load_snapshot, save_snapshot
from recon.store import DEFAULT_FILENAME, TO_PUSH, Decision, Store

if TYPE_CHECKING:
    import pandas as pd

#: The file each job writes into its output folder for ``recon run``.
OUTCOME_FILE = "outcome.json"


def runs_dir() -> Path:
    """Where run folders go: ``RECON_RUNS_DIR``, else ``<data dir>/runs``."""
    override = os.environ.get("RECON_RUNS_DIR")
    return Path(override) if override else data_dir() / "runs"


def default_user() -> str:
    """Who is running this: ``RECON_USER``, else the operating-system login name.

    Example::

        >>> recon.default_user()  # "jane", or $RECON_USER
    """
    return os.environ.get("RECON_USER") or getpass.getuser()


# --- parameter values -------------------------------------------------------------------
# The notebooks' parameters are checked here, once: the jobs call these, and ``recon run``
# checks each ``-p`` value with the same function before a kernel starts, so the notebook
# and the command line refuse the same values in the same words. Each message starts with
# the parameter's name.


def parse_date(value: dt.date | str, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` date (a :class:`datetime.date` is taken as it is)."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{what} must be a date like 2025-10-01, not {value!r}") from None


def check_period(start: dt.date | str, end: dt.date | str) -> tuple[dt.date, dt.date]:
    """``start`` and ``end`` as dates, ``end`` not before ``start``."""
    first, last = parse_date(start, "start"), parse_date(end, "end")
    if last < first:
        raise ConfigError(f"end ({last}) is before start ({first})")
    return first, last


def parse_entities(value: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"all"``, a comma-separated string or a list of canonical entity names."""
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [str(i).strip() for i in items if str(i).strip()]
    if not names or names == ["all"]:
        return tuple(ENTITIES)
    unknown = [n for n in names if n not in ENTITIES]
    if unknown:
        given = value if isinstance(value, str) else ",".join(map(str, value))
        raise ConfigError(
            f"entities must be all or a comma-separated list of known entities, not {given!r} "
            f"(unknown: {', '.join(unknown)}); known entities: {', '.join(ENTITIES)}"
        )
    return tuple(n for n in ENTITIES if n in names)


def parse_tolerance(value: object, what: str) -> str:
    """A tolerance as text: a decimal number >= 0 (``"0.05"``); empty means ``"0"``."""
    text = "" if isinstance(value, bool) else str(value).strip()
    try:
        number = Decimal(text or "0")
    except decimal.InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or number < 0:
        raise ConfigError(f"{what} must be a number >= 0 like 0.05, not {value!r}")
    return text or "0"


def parse_bool(value: object, what: str) -> bool:
    """``True``/``False``, or the words ``true``/``false`` in any case -- nothing else: a
    ``yes`` or ``1`` that happened to mean "true" would push for real."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("true", "false"):
        return word == "true"
    raise ConfigError(f"{what} must be true or false, not {value!r}")


def parse_max_differences(value: object, what: str = "max_differences") -> int:
    """The notebooks' ``max_differences``: a whole number >= 0, or -1 for the profile's
    setting."""
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or number < -1:
        raise ConfigError(
            f"{what} must be a whole number >= 0 (or -1: the profile's setting), not {value!r}"
        )
    return number


def compare_rules(money_tolerance: str = "0", hours_tolerance: str = "0") -> CompareRules:
    """The default rules with absolute tolerances for money and hours (strings: exact)."""
    money = FieldRule(abs_tol=Decimal(parse_tolerance(money_tolerance, "money_tolerance")))
    hours = FieldRule(abs_tol=Decimal(parse_tolerance(hours_tolerance, "hours_tolerance")))
    return CompareRules.default().with_kind("money", money).with_kind("hours", hours)


def _profile(profile: str | Profile) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def _new_run_id(profile: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{profile}-{stamp}-{secrets.token_hex(2)}"


def write_outcome(folder: Path, outcome: Mapping[str, Any]) -> Path:
    """Write ``outcome.json`` (merged into what an earlier job in the folder wrote)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / OUTCOME_FILE
    old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    old.update(outcome)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(old, indent=2, sort_keys=True, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class ReconcileRun:
    """One reconciliation, saved: what was found, the plan, where the reports are.

    Example::

        >>> run = recon.reconcile_run("sandbox", start="2025-10-01", end="2025-10-31")
        >>> run.summary["findings"], run.reports["excel"]
    """

    run_id: str
    profile: str
    reconciliation: Reconciliation
    plan: Plan
    report: Report
    lexicon: Lexicon
    reports: Mapping[str, Path]
    output_dir: Path
    #: JSON-able: findings, changes, per-entity counts, threshold, above_threshold.
    summary: Mapping[str, Any] = field(default_factory=dict)
    #: Seconds spent pulling, diffing (map + diff + plan), storing and rendering reports.
    seconds: Mapping[str, float] = field(default_factory=dict)


def reconcile_run(
    profile: str | Profile = "sandbox",
    *,
    start: dt.date | str,
    end: dt.date | str,
    entities: str | list[str] | tuple[str, ...] = "all",
    money_tolerance: str | None = None,
    hours_tolerance: str | None = None,
    max_differences: int | None = None,
    output_dir: str | Path | None = None,
    store: Store | None = None,
    prepared_by: str | None = None,
    crosswalk: Crosswalk | None = None,
    overrides: MappingOverrides | None = None,
    full: bool | str = False,
) -> ReconcileRun:
    """Pull both systems, diff, plan; save the run and plan; write the reports.

    The pull builds on the profile's snapshot of its last successful pull (only what
    changed since is asked for, :mod:`recon.snapshot`) unless ``full`` is true, the
    snapshot is older than the profile's ``full_pull_after_days``, or there is none yet;
    the summary's ``pull`` says which and why.

    The user's ``mapping.toml`` (:func:`recon.mapping.load_overrides`) and the accepted
    likely pairs (``crosswalk.sqlite3`` in the data directory, where the 10_reconcile
    notebook's pair review records them) are read first and applied to the comparison.

    Parameters
    ----------
    crosswalk:
        Accepted pairs to apply (default: :class:`recon.crosswalk.Crosswalk`'s file in the
        data directory).
    overrides:
        The mapping overrides (default: :func:`recon.mapping.load_overrides`, which finds
        ``mapping.toml`` beside ``config.toml`` or at ``RECON_MAPPING``; none without one).
    entities:
        ``"all"`` or canonical entity names (comma-separated); others are left out of the
        diff and the plan.
    money_tolerance, hours_tolerance:
        Differences up to these amounts are not findings. None or empty: the profile's
        settings' (``[profiles.<name>.settings]``, default 0).

    Which way each entity flows, and what a record only in the target becomes, are the
    profile's settings' (:func:`recon.plan.settings_directions`; the design's without).
    max_differences:
        More findings than this marks the run ``above_threshold`` (``recon run`` exits 3).
        None: the profile's ``max_differences``; a negative number: no threshold.
    output_dir:
        Where the reports and ``outcome.json`` go (default ``<runs dir>/<profile>/<run id>``).

    The profile's ``max_requests`` is the pull's ceiling, both systems together, retries
    included: the request that would cross it is not sent. The run then stops -- nothing
    compared, no plan saved, no report -- and is saved with the requests it sent and where
    it stopped (its ``outcome.json`` too), so the status tile and ``recon run`` say so;
    :class:`~recon.errors.RequestBudgetExceeded` is raised. The ceiling covers the pull
    only: a push sends what a person (or a rule) approved, and is never cut halfway by
    a budget.

    Example::

        >>> run = recon.reconcile_run("sandbox", start="2025-10-01", end="2025-10-31")
        >>> print(recon.run_text(run))
    """
    prof = _profile(profile)
    first, last = check_period(start, end)
    wanted = parse_entities(entities)
    everything = parse_bool(full, "full")
    # A tolerance given (the notebook's or `recon run -p`'s) wins over the profile's.
    rules = compare_rules(
        money_tolerance or prof.settings.money_tolerance,
        hours_tolerance or prof.settings.hours_tolerance,
    )
    directions = settings_directions(prof.settings)
    # The mapping file is read before any request: a bad one is refused (file, line,
    # problem) before a session is opened, and its extra fields must be in the pull.
    overrides = load_overrides() if overrides is None else overrides
    # Accepted pairs are read before the pull too (inputs first, then data flows one way:
    # pull -> map + overrides + links -> diff -> plan); a pair accepted in the review
    # below is compared field by field from the next run on.
    links = (crosswalk or Crosswalk()).all_links()
    limit = prof.max_differences if max_differences is None else max_differences
    limit = None if limit is None or limit < 0 else limit
    store = store or Store()
    user = prepared_by or default_user()
    run_id = _new_run_id(prof.name)
    out = Path(output_dir) if output_dir else runs_dir() / prof.name / run_id

    clock = time.perf_counter()
    # Only what the wanted entities are compared from; a read that fails alone is in
    # pulled.unread, its entities not compared (recon run exits 1), the rest goes on.
    # What this run asks of the services, within the profile's ceiling.
    meter = RequestMeter(limit=prof.max_requests, profile=prof.name)
    snapshot, why = load_snapshot(prof, full=everything)
    pull_mode = {"mode": "full" if snapshot is None else "changes", "why": why}
    try:
        pulled = pull_both(
            prof, first, last, overrides, entities=wanted, meter=meter, last=snapshot
        )
    except RequestBudgetExceeded as exc:
        stopped = {**budget.stopped_summary(exc, meter), "start": str(first), "end": str(last),
                   "entities": list(wanted), "pull": pull_mode}  # fmt: skip
        # Saved without a plan: the status tile shows where it stopped, a push refuses it.
        store.save_run(run_id, profile=prof.name, prepared_by=user, summary=stopped)
        write_outcome(out, {"run_id": run_id, "profile": prof.name, "reconcile": stopped})
        raise
    if pulled.snapshot is not None:
        save_snapshot(pulled.snapshot)  # only after a pull that read everything it needed
    seconds = {"pull": time.perf_counter() - clock}
    clock = time.perf_counter()
    rec = _only(reconcile(pulled, rules, overrides=overrides, links=links), wanted)
    lexicon = Lexicon.from_vocabulary(pulled.vocabulary)
    plan = make_plan(
        rec.diff, rec.intacct, rec.bigtime, run_id=run_id, directions=directions,
        lexicon=lexicon, links=links,
    )  # fmt: skip
    seconds["diff"] = time.perf_counter() - clock
    found = rec.diff.findings()
    findings = len(found)
    left = left_out_of(rec)
    summary = {
        "findings": findings,
        "changes": len(plan.changes),
        "pushable": sum(c.pushable for c in plan.changes),
        "by_entity": {e: int(n) for e, n in found["entity"].value_counts().items()},
        # For people reading the counts: each entity in the firm's words, and the money
        # its differences involve (time worth, invoice totals, amounts paid).
        "entity_labels": {e: lexicon.label(e, plural=True, capital=True) for e in wanted},
        "money_by_entity": {e: f"{m:.2f}" for e, m in plan.money_by_entity().items()},
        # The firm's BigTime words (terms only), for forms and reports opened later.
        "vocabulary": dict(lexicon.terms),
        "start": str(first),
        "end": str(last),
        "entities": list(wanted),
        "max_differences": limit,
        "above_threshold": limit is not None and findings > limit,
        # What shaped the comparison besides the data: accepted pairs and the mapping file.
        "linked_pairs": sum(len(pairs) for pairs in links.values()),
        "mapping_file": str(overrides.source) if overrides else None,
        # What the comparison could not hold: reads that failed and the entities they
        # leave uncompared; records left out, values compared empty (findings.csv lists
        # each, kinds left_out and unresolved).
        "unread": [u.as_json(lexicon) for u in pulled.unread],
        "not_compared": [e for e in not_compared(pulled.unread) if e in wanted],
        "left_out": sum(r.kind == LEFT_OUT for r in left),
        "unresolved": sum(r.kind == UNRESOLVED for r in left),
        "left_out_reasons": left_out_counts(left),
        # What the run cost the services: requests per system and per endpoint.
        "pull": pull_mode,
        "max_requests": prof.max_requests,
        "requests": meter.by_system(),
        "requests_by_endpoint": meter.by_endpoint(),
    }
    clock = time.perf_counter()
    store.save_run(run_id, profile=prof.name, prepared_by=user, summary=summary)
    store.save_plan(plan)
    # A reject, defer or unpushed approval of the same change in an earlier run holds.
    summary["carried"] = len(store.carry_decisions(run_id))
    # What a person still has to decide, counted as the status tile counts it (review-only
    # changes are done by hand, not decided): `recon run`'s result line.
    summary["open"] = len(plan.to_decide(store.decisions(run_id)))
    seconds["store"] = time.perf_counter() - clock
    clock = time.perf_counter()
    names = record_names(rec.intacct, rec.bigtime)
    todo = todo_frame(plan, names)
    report = _report(rec, lexicon, prof.name, user, todo, names, plan.money_by_entity())
    report = _with_what_was_not_compared(report, pulled.unread, left, summary, lexicon)
    paths = write_reports(report, out / "reports")
    # For schedulers and spreadsheets: every difference (and every record left out of the
    # comparison), and what only a person can do.
    found_rows = findings_frame(rec.diff, plan, names, lexicon, left_out=left)
    paths["findings"] = write_csv(found_rows, out / "reports" / FINDINGS_FILE)
    paths["todo"] = write_csv(todo, out / "reports" / TODO_FILE)
    seconds["render"] = time.perf_counter() - clock
    timing = {k: round(v, 3) for k, v in seconds.items()}
    write_outcome(
        out,
        # "unread" at the top: `recon run` exits 1 when anything could not be read.
        {"run_id": run_id, "profile": prof.name, "reconcile": summary, "seconds": timing,
         "unread": summary["unread"]},
    )  # fmt: skip
    return ReconcileRun(run_id, prof.name, rec, plan, report, lexicon, paths, out, summary, timing)


def run_text(run: ReconcileRun) -> str:
    """What a reconcile found, in words and a small table; stable for the same data (no
    times, ids or paths), so a notebook can check it as a contract.

    Example::

        >>> run = recon.reconcile_run("sandbox", start="2025-10-01", end="2025-10-31")
        >>> print(recon.run_text(run))
    """
    s = run.summary
    lines = [
        f"Profile {run.profile}: {s['start']} to {s['end']}.",
        f"Found {s['findings']} differences; the plan proposes {s['changes']} changes, "
        f"{s['pushable']} of which recon can push.",
    ]
    if s["max_differences"] is not None:
        verdict = "ABOVE" if s["above_threshold"] else "within"
        lines.append(f"That is {verdict} the threshold of {s['max_differences']} differences.")
    lines += entity_count_lines(s)
    # Said only when there is something to say: a clean run's text stays as it was.
    lines += not_compared_lines(s, run.lexicon)
    return "\n".join(lines)


def entity_count_lines(summary: Mapping[str, Any]) -> list[str]:
    """The differences per entity, most first, in the firm's words with the money they
    involve: ``"  Invoices                      3   (5,918.75 involved)"``."""
    labels, money = summary.get("entity_labels", {}), summary.get("money_by_entity", {})
    lines = []
    for entity, count in sorted(summary["by_entity"].items(), key=lambda kv: (-kv[1], kv[0])):
        label = labels.get(entity) or Lexicon.default().label(entity, plural=True, capital=True)
        line = f"  {label:<24} {count:>6}"
        if entity in money:
            line += f"   ({money_text(Decimal(money[entity]))} involved)"
        lines.append(line)
    return lines


def not_compared_lines(summary: Mapping[str, Any], lexicon: Lexicon) -> list[str]:
    """What a reconcile's ``summary`` could not compare, in words: each read that failed
    and the entities it left uncompared, then how many records were left out (or values
    compared empty) and why. None of it: no lines."""
    lines = []
    unread = [Unread.from_json(u) for u in summary.get("unread", ())]
    if unread:
        lines.append(f"Could not read {len(unread)} of what the comparison needs:")
        lines += [f"  {u.sentence(lexicon)}" for u in unread]
    left, unresolved = summary.get("left_out", 0), summary.get("unresolved", 0)
    if left or unresolved:
        records = f"{left} record{'s' if left != 1 else ''}"
        values = f"{unresolved} value{'s' if unresolved != 1 else ''}"
        lines.append(
            f"Left out of the comparison: {records} not compared, {values} compared as empty "
            "(findings.csv lists each):"
        )
        lines += [f"  {line}" for line in left_out_lines(summary["left_out_reasons"], lexicon)]
    return lines


def left_out_of(rec: Reconciliation) -> list[LeftOut]:
    """The records (and values) both mappings left out of the entities compared, in entity
    order, Intacct's before BigTime's."""
    order = {e: i for i, e in enumerate(ENTITIES)}
    both = [*rec.intacct_report.left_out, *rec.bigtime_report.left_out]
    kept = [r for r in both if r.entity in rec.diff.entities]
    return sorted(kept, key=lambda r: order[r.entity])


def _with_what_was_not_compared(
    report: Report,
    unread: tuple[Unread, ...],
    left: list[LeftOut],
    summary: Mapping[str, Any],
    lexicon: Lexicon,
) -> Report:
    """``report`` with what it could not compare: the sentences under its heading, the
    "Could not be read" and "Left out of the comparison" tables first among its extras."""
    notices = tuple(line.strip() for line in not_compared_lines(summary, lexicon))
    tables = []
    if unread:
        tables.append(unread_table(unread, lexicon))
    if left:
        tables.append(left_out_table(left, lexicon))
    if not notices and not tables:
        return report
    return replace(report, notices=(*report.notices, *notices), extras=(*tables, *report.extras))


def _only(rec: Reconciliation, wanted: tuple[str, ...]) -> Reconciliation:
    if set(wanted) >= set(rec.diff.entities):
        return rec
    keep = {e: d for e, d in rec.diff.entities.items() if e in wanted}
    return Reconciliation(
        rec.pulled,
        {e: f for e, f in rec.intacct.items() if e in wanted},
        {e: f for e, f in rec.bigtime.items() if e in wanted},
        rec.intacct_report,
        rec.bigtime_report,
        Diff(keep),
    )


def _report(
    rec: Reconciliation,
    lexicon: Lexicon,
    profile: str,
    user: str,
    todo: pd.DataFrame,
    names: Mapping[tuple[str, str], str],
    money: Mapping[str, Decimal],
) -> Report:
    hours = None
    if "time_entry" in rec.intacct and "time_entry" in rec.bigtime:
        hours = time_aggregate(rec.intacct["time_entry"], rec.bigtime["time_entry"], by="week")
    info = RunInfo(
        title=f"Reconciliation: {profile}",
        generated_at=dt.datetime.now(dt.UTC),
        prepared_by=user,
        profile=profile,
    )
    report = build_report(rec.diff, info, lexicon, hours=hours, names=names, money=money)
    if "expense" in rec.intacct and "expense" in rec.bigtime:  # issue 16: sums per report
        sums = expense_tables(rec.intacct["expense"], rec.bigtime["expense"], info, lexicon)
        report = replace(report, extras=(*report.extras, *sums))
    if todo.empty:
        return report
    return replace(report, extras=(*report.extras, todo_table(todo, lexicon)))


# --- push -------------------------------------------------------------------------------------


def resolve_run(store: Store, run: str | None, profile: str | Profile | None = None) -> str:
    """The run a push or review works on: ``run`` itself, or -- when it is empty or
    ``"latest"`` -- the latest run of ``profile`` (of any profile when that is empty too).

    Raises
    ------
    ConfigError
        No such run (the message names the latest ones), a run prepared under another
        profile than ``profile`` (pushing it with that profile's credentials would write
        one firm's changes into another's books), no runs yet, or a run that stopped at
        its request ceiling (it has no plan; the message says what to do).

    Example::

        >>> store = recon.Store()
        >>> recon.resolve_run(store, "", "acme")  # the latest run of profile acme
    """
    wanted = (profile.name if isinstance(profile, Profile) else profile) or None
    runs = store.runs()
    if run and run != "latest":
        row = runs[runs["run_id"] == run]
        if row.empty:
            raise ConfigError(f"no run {run!r}; {_latest_runs(runs, wanted, store.path)}")
        prepared = str(row["profile"].iloc[0])
        if wanted is not None and prepared != wanted:
            raise ConfigError(
                f"run {run!r} was prepared under profile {prepared}, not {wanted}; "
                f"{_latest_runs(runs, wanted, store.path)}"
            )
        _refuse_stopped(row.iloc[0])
        return run
    if wanted is not None:
        runs = runs[runs["profile"] == wanted]
    if runs.empty:
        raise ConfigError(_latest_runs(runs, wanted, store.path))
    # The latest, even when it stopped: pushing an older run's plan instead would act on
    # a comparison the scheduler did not just make.
    _refuse_stopped(runs.iloc[-1])
    return str(runs["run_id"].iloc[-1])


def _refuse_stopped(row: pd.Series) -> None:
    """ConfigError when the run of ``row`` (:meth:`Store.runs`) stopped at its ceiling."""
    limit = budget.ceiling_reached(row["summary"])
    if limit is not None:
        raise ConfigError(
            f"run {row['run_id']!r} stopped at its request ceiling ({limit:,} requests) "
            "before anything was compared, so it has no plan to review or push; raise "
            f"max_requests under [profiles.{row['profile']}] in config.toml (or narrow the "
            "run) and run 10_reconcile again"
        )


#: How many run ids a "no such run" message lists.
LATEST_RUNS_SHOWN = 3


def _latest_runs(runs: pd.DataFrame, profile: str | None, path: Path) -> str:
    """``the latest runs are A, B, C (...)``, or how to make a first run."""
    if profile is not None:
        runs = runs[runs["profile"] == profile]
    newest = [str(r) for r in reversed(runs["run_id"].tolist())][:LATEST_RUNS_SHOWN]
    if not newest:
        return _no_runs(path, profile)
    whose = f"profile {profile}'s" if profile is not None else "the"
    many = "runs are" if len(newest) > 1 else "run is"
    return f"{whose} latest {many} {', '.join(newest)} (leave run empty for the latest)"


def _no_runs(path: Path, profile: str | None) -> str:
    if profile is None:
        return f"there are no runs in {path} yet; run 10_reconcile first"
    return (
        f"profile {profile} has no runs in {path} yet; run 10_reconcile with profile "
        f"{profile} first"
    )


def saved_run(
    run: str | None, profile: str | None = None, *, path: Path | None = None
) -> tuple[str, str]:
    """The run :func:`resolve_run` picks and the profile it was prepared under, read from
    the store at ``path`` (default: the data directory's) without creating one: what
    ``recon run`` checks before a kernel starts. ConfigError as for :func:`resolve_run`."""
    path = path or data_dir() / DEFAULT_FILENAME
    if not path.exists():
        missing = _no_runs(path, profile or None)
        raise ConfigError(f"no run {run!r}; {missing}" if run and run != "latest" else missing)
    store = Store(path, create=False)
    run_id = resolve_run(store, run, profile)
    return run_id, run_profile(store, run_id)


def run_profile(store: Store, run_id: str) -> str:
    """The profile name a run was prepared against.

    Example::

        >>> recon.run_profile(recon.Store(), run_id)  # "acme"
    """
    runs = store.runs()
    row = _run_row(runs, run_id)
    if row is None:
        raise ConfigError(f"no run {run_id!r}; {_latest_runs(runs, None, store.path)}")
    return str(row["profile"])


def _run_row(runs: pd.DataFrame, run_id: str) -> pd.Series | None:
    """The row of ``run_id`` in :meth:`Store.runs`, or None."""
    rows = runs[runs["run_id"] == run_id]
    return None if rows.empty else rows.iloc[0]


def run_lexicon(store: Store, run_id: str) -> Lexicon:
    """The firm's words as its run saw them (the BigTime vocabulary saved with the run),
    so a form opened later speaks them without asking BigTime; BigTime's defaults for a
    run saved before recon kept them."""
    row = _run_row(store.runs(), run_id)
    summary = row["summary"] if row is not None else None
    terms = summary.get("vocabulary") if isinstance(summary, Mapping) else None
    return Lexicon.from_vocabulary(terms) if isinstance(terms, Mapping) else Lexicon.default()


@dataclass(frozen=True)
class PushRun:
    """What a push job did: rule decisions, what was (or would be) sent, the outcomes.

    Example::

        >>> done = recon.push_run(run_id, push=True)
        >>> print(recon.push_text(done))
        >>> done.report.frame() if done.report else None  # one row per change sent
    """

    run_id: str
    profile: str
    dry_run: bool
    auto_approved: tuple[Decision, ...]
    #: Change ids approved and still to send when the job started.
    to_push: tuple[str, ...]
    report: PushReport | None
    ledger_export: Path | None
    summary: Mapping[str, Any] = field(default_factory=dict)


def push_run(
    run: str | None = None,
    *,
    push: bool | str = True,
    dry_run: bool | str = False,
    store: Store | None = None,
    profile: str | Profile | None = None,
    by: str | None = None,
    apply_rules: bool = True,
    output_dir: str | Path | None = None,
) -> PushRun:
    """Apply the profile's auto-approve rules, then push every approved change of ``run``
    (empty: the latest run of ``profile``, or of any profile when that is None too; a run of
    another profile than ``profile`` is refused, see :func:`resolve_run`).

    ``push``: whether to push at all. The review notebook passes its ``push`` parameter,
    False unless a scheduler sets it (``recon run 20_review_and_push -p push true``), so
    opening the notebook, Run All or a page load never pushes: a person presses "Push
    approved". Without ``push`` (and in a dry run) nothing is decided or sent and the
    approved changes waiting are listed. Never approves anything a rule does not match.
    The ledger is exported to ``output_dir/ledger.xlsx`` after a push.

    Example::

        >>> done = recon.push_run(run_id, push=True, by="jane")
        >>> print(recon.push_text(done))
    """
    dry_run = parse_bool(dry_run, "dry_run")
    asked = parse_bool(push, "push")
    sending = asked and not dry_run
    store = store or Store()
    run_id = resolve_run(store, run, profile)
    prof = _profile(profile or run_profile(store, run_id))
    rules = parse_rules(prof.auto_approve, prof.name)
    user = by or default_user()
    made: list[Decision] = []
    if apply_rules and sending:
        made = auto_approve(store, run_id, rules)
    to_push = tuple(i.change_id for i in store.outbox(run_id) if i.state in TO_PUSH)
    report = None
    if sending and to_push:
        check_duties(store, run_id, prof, to_push)
        with open_writers(prof) as writers:
            report = push_changes(store, run_id, writers, by=user)
    out = Path(output_dir) if output_dir else runs_dir() / prof.name / run_id
    if sending:
        out.mkdir(parents=True, exist_ok=True)  # a scheduler's new folder, or the run's
    ledger = store.export_ledger(out / "ledger.xlsx") if sending else None
    counts = report.counts() if report is not None else {}
    summary = {
        "run_id": run_id,
        "push": asked,
        "dry_run": dry_run,
        "auto_approved": len(made),
        "rules": sorted({d.rule for d in made if d.rule}),
        "to_push": len(to_push),
        "outcomes": counts,
        "failed": sum(counts.get(k, 0) for k in ("failed", "unknown", "stale")),
    }
    write_outcome(out, {"run_id": run_id, "profile": prof.name, "push": summary})
    return PushRun(run_id, prof.name, dry_run, tuple(made), to_push, report, ledger, summary)


def check_duties(store: Store, run_id: str, prof: Profile, to_push: tuple[str, ...]) -> None:
    """Segregation of duties at push time: with the profile's ``approver_must_differ``,
    nothing is sent while a change to push was approved by whoever prepared the run (an
    approval recorded before the setting, or by another tool, is caught here).

    Raises
    ------
    ConfigError
        Such an approval exists; nothing is pushed, every decision is kept.
    """
    if not prof.settings.approver_must_differ:
        return
    preparer = store.prepared_by(run_id)
    decided = store.decisions(run_id)
    own = [
        c for c in to_push
        if c in decided and decided[c].by.strip().casefold() == preparer.strip().casefold()
    ]  # fmt: skip
    if own:
        raise ConfigError(
            f"nothing was pushed: {len(own)} of the approved changes of run {run_id} were "
            f"approved by {preparer!r}, who prepared the run, and profile {prof.name!r} "
            "requires another person to approve (settings: approver_must_differ). Have "
            "someone else approve them in 20_review_and_push, or reject them."
        )


def push_text(done: PushRun) -> str:
    """What a push job did, in words; stable for the same data (no times or ids).

    Example::

        >>> print(recon.push_text(recon.push_run(run_id, dry_run=True)))
    """
    s = done.summary
    if done.dry_run:
        return f"Dry run: {s['to_push']} approved changes would be pushed; nothing was sent."
    if not s.get("push", True):
        return (
            f"Nothing was pushed: {s['to_push']} approved changes are waiting. Press "
            "'Push approved' in the form above to send them, or schedule "
            "`recon run 20_review_and_push -p push true` (which also applies the profile's "
            "auto-approve rules)."
        )
    lines = [f"Auto-approved {s['auto_approved']} changes by rule."]
    lines += [f"  {rule}" for rule in s["rules"]]
    lines.append(f"Pushed {s['to_push']} approved changes.")
    for state, count in s["outcomes"].items():
        if count:
            lines.append(f"  {state:<8} {count:>5}")
    return "\n".join(lines)


def approval_form(
    run: str | None = None,
    *,
    store: Store | None = None,
    user: str | None = None,
    profile: str | Profile | None = None,
    dry_run: bool | str = False,
) -> Any:
    """The :class:`recon.ui.ApprovalForm` for ``run`` (default: the latest, of ``profile``
    when given; see :func:`resolve_run`), its "Push
    approved" button pushing with the run's profile (disabled for a dry run).

    Example::

        >>> form = recon.approval_form(run.run_id)
        >>> form.widget  # shown by Jupyter
    """
    # Imported here: the widgets (ipywidgets) load only where a form is drawn, never in a
    # scheduled reconcile or push.
    from recon.ui import ApprovalForm

    dry_run = parse_bool(dry_run, "dry_run")
    store = store or Store()
    run_id = resolve_run(store, run, profile)
    prof = _profile(profile or run_profile(store, run_id))
    who = user or default_user()

    def push_fn(progress: Any) -> PushReport:
        pending = tuple(i.change_id for i in store.outbox(run_id) if i.state in TO_PUSH)
        check_duties(store, run_id, prof, pending)
        with open_writers(prof) as writers:
            return push_changes(store, run_id, writers, by=who, progress=progress)

    lexicon = run_lexicon(store, run_id)
    return ApprovalForm(
        store,
        run_id,
        user=who,
        push_fn=None if dry_run else push_fn,
        lexicon=lexicon,
        # Segregation of duties (the profile's settings): the preparer cannot decide; None
        # leaves it to the store's own setting.
        require_other_than_preparer=prof.settings.approver_must_differ or None,
    )


__all__ = [
    "PushRun",
    "ReconcileRun",
    "approval_form",
    "default_user",
    "push_run",
    "push_text",
    "reconcile_run",
    "resolve_run",
    "run_profile",
    "run_text",
]
