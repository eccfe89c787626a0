"""``recon run``: execute a notebook with papermill, unattended, into a run folder of its own.

Each run gets ``<runs dir>/<profile>/<UTC time>-<notebook>/`` holding the executed notebook
(kept even when a cell fails), whatever the notebook wrote there (reports, ``outcome.json``,
the ledger export) and ``summary.json``: what ran, with which parameters, how it ended.

Parameters are checked against the notebook's ``parameters`` cell before anything runs:
papermill only warns about a name the notebook does not declare, and a misspelt parameter
silently running on a default is exactly what a scheduler must not do. ``output_dir`` is
the runner's to set. Each value of recon's own parameters is checked by :data:`VALUE_CHECKS`
(with the functions :mod:`recon.job` runs in the notebook, so both refuse the same values in
the same words); any other value is converted to the type of the notebook's default (``true``
/ ``false`` for booleans, whole numbers for ints) or stays text. A notebook that works on a
saved run (``run``) gets the run pinned before it starts: the profile's latest when ``run``
is empty, and never a run of another profile than ``-p profile``.

Exit codes a scheduler can act on: :data:`EXIT_CLEAN` (0), :data:`EXIT_FAILED` (1: a cell
failed, a push left failed / in-doubt changes, a reconcile could not read something it
needed -- ``unread`` in ``outcome.json``; it kept its reports of the rest and the run is
``incomplete`` -- or a reconcile stopped at the profile's request ceiling, ``max_requests``:
the run is ``stopped``, nothing compared or pushed), :data:`EXIT_USAGE` (2: bad notebook or
parameters; nothing ran), :data:`EXIT_ABOVE_THRESHOLD` (3: the reconcile found more
differences than the configured ``max_differences``).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any

from recon import budget, job, status
from recon.config import data_dir, load_profile
from recon.errors import ConfigError, ReconError
from recon.job import OUTCOME_FILE, runs_dir
from recon.mapping import load_overrides
from recon.scope import Unread
from recon.store import DEFAULT_FILENAME, Store

EXIT_CLEAN = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ABOVE_THRESHOLD = 3

SUMMARY_FILE = "summary.json"
#: Parameters the runner sets itself.
RUNNER_PARAMETERS = frozenset({"output_dir"})
#: A parameter whose name says it is a secret is refused: papermill writes parameters in
#: clear text into the executed notebook (its cell and its metadata).
_SECRET_NAME = re.compile(r"(?i)pass(word)?|secret|token|api_?key|session")

#: The notebooks ship inside the package (package data), so ``recon run`` finds them in an
#: installed wheel as in a checkout, where ``recon/notebooks`` is a symlink to the top-level
#: ``notebooks/`` folder a person opens in JupyterLab: one copy of each notebook.
NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"
#: Notebooks whose job reads the mapping file (``recon.job.reconcile_run``): it is checked
#: before their kernel starts.
MAPPING_NOTEBOOKS = frozenset({"10_reconcile"})


@dataclass(frozen=True)
class RunResult:
    """How one ``recon run`` ended."""

    exit_code: int
    status: str
    folder: Path
    notebook: Path
    summary: Mapping[str, Any]


def find_notebook(name: str | Path) -> Path:
    """A notebook path, or the name of one of recon's notebooks (``10_reconcile``)."""
    path = Path(name)
    candidates = [path, NOTEBOOKS_DIR / path, NOTEBOOKS_DIR / path.with_suffix(".ipynb")]
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate.resolve()
    known = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
    raise ConfigError(f"no notebook {str(name)!r}; give a path or one of: {', '.join(known)}")


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """The notebook's ``parameters`` cell: name -> papermill's description of it."""
    import papermill

    params = papermill.inspect_notebook(str(notebook))
    if not params:
        raise ConfigError(f"{notebook.name} has no cell tagged 'parameters'; recon run needs one")
    return dict(params)


def _kind(declared: Mapping[str, Any]) -> str:
    """The parameter's type: its annotation if any, else the type of its default literal."""
    kind = str(declared.get("inferred_type_name") or "None")
    if kind != "None":
        return kind.lower()
    try:
        default = ast.literal_eval(str(declared.get("default")))
    except (ValueError, SyntaxError):
        return "str"
    return type(default).__name__


def _tolerance(text: str, name: str) -> str:
    """A tolerance as given; empty stays empty: the profile's settings' tolerance."""
    job.parse_tolerance(text, name)
    return text.strip()


def _entities(text: str) -> str:
    job.parse_entities(text)
    return text.strip()


#: How the value of each of recon's notebook parameters is checked, by name: ``text -> value
#: for papermill``, raising ConfigError with a message that starts with the name. These are
#: the checks the jobs run in the notebook. ``profile`` and ``run`` are checked against the
#: config file and the store (:func:`run_notebook`).
VALUE_CHECKS: Mapping[str, Callable[[str], Any]] = MappingProxyType(
    {
        "start": lambda text: str(job.parse_date(text, "start")),
        "end": lambda text: str(job.parse_date(text, "end")),
        "entities": _entities,
        "money_tolerance": partial(_tolerance, name="money_tolerance"),
        "hours_tolerance": partial(_tolerance, name="hours_tolerance"),
        "max_differences": job.parse_max_differences,
        "full": lambda text: job.parse_bool(text, "full"),
    }
)


def _convert(name: str, text: str, declared: Mapping[str, Any]) -> Any:
    kind = _kind(declared)
    check = VALUE_CHECKS.get(name)
    if check is None and kind == "bool":  # push, dry_run, ...: the jobs' own check
        check = partial(job.parse_bool, what=name)
    if check is not None:
        try:
            return check(text)
        except ConfigError as exc:
            raise ConfigError(f"parameter {exc}") from None
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"parameter {name} must be a whole number, not {text!r}") from None
    return text


def _default(declared: Mapping[str, Any]) -> Any:
    """The notebook's default value of a parameter (None when it is not a literal)."""
    try:
        return ast.literal_eval(str(declared.get("default")))
    except (ValueError, SyntaxError):
        return None


def _check_period(declared: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """``end`` not before ``start``, either of them given or the notebook's default."""
    if not {"start", "end"} <= set(declared) or not {"start", "end"} & set(values):
        return
    start = values.get("start", _default(declared["start"]))
    end = values.get("end", _default(declared["end"]))
    try:
        job.check_period(str(start), str(end))
    except ConfigError as exc:
        missing = next((n for n in ("start", "end") if n not in values), None)
        hint = f"; {missing} is the notebook's default, give -p {missing} too" if missing else ""
        raise ConfigError(f"parameter {exc}{hint}") from None


def check_parameters(
    notebook: Path,
    given: Sequence[tuple[str, str]],
    declared: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``-p name value`` pairs checked against the notebook and converted.

    Raises
    ------
    ConfigError
        A name the notebook does not declare (with the ones it does), one set twice, a
        runner-owned or secret-looking name, a value :data:`VALUE_CHECKS` refuses or one of
        the wrong type, or an ``end`` before ``start``.
    """
    if declared is None:
        declared = declared_parameters(notebook)
    allowed = sorted(set(declared) - RUNNER_PARAMETERS)
    values: dict[str, Any] = {}
    for name, text in given:
        if name in RUNNER_PARAMETERS:
            raise ConfigError(f"parameter {name} is set by recon run; leave it out")
        if _SECRET_NAME.search(name):
            raise ConfigError(
                f"parameter {name} looks like a secret; secrets never go into parameters "
                "(papermill writes them into the notebook). Keep them in the profile."
            )
        if name not in declared:
            raise ConfigError(
                f"{notebook.name} has no parameter {name!r}; its parameters are: "
                f"{', '.join(allowed)}"
            )
        if name in values:
            raise ConfigError(f"parameter {name} is given twice")
        values[name] = _convert(name, text, declared[name])
    _check_period(declared, values)
    return values


def pin_run(declared: Mapping[str, Any], values: Mapping[str, Any]) -> tuple[str, str] | None:
    """For a notebook that works on a saved run (it declares ``run``): the run it will work
    on and that run's profile, as :func:`recon.job.resolve_run` picks it -- ``-p run`` itself,
    else the latest run of ``-p profile``, else the latest run. None for other notebooks.

    Raises
    ------
    ConfigError
        No such run (naming the latest ones), a run of another profile than ``-p profile``,
        or no runs yet (run 10_reconcile first).
    """
    if "run" not in declared:
        return None
    given = str(values.get("run") or "").strip()
    try:
        return job.saved_run(given, str(values.get("profile") or "").strip() or None)
    except ConfigError as exc:
        if given and given != "latest":
            raise ConfigError(f"parameter run: {exc}") from None
        raise


def run_notebook(
    notebook: str | Path,
    parameters: Sequence[tuple[str, str]] = (),
    *,
    runs_root: Path | None = None,
    kernel_name: str = "python3",
    timeout: int | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Execute ``notebook`` with ``parameters`` into a fresh run folder; never raises for a
    failing cell (the result says ``failed``). ConfigError for a bad notebook or parameter.
    ``progress(done, total)`` is called as the notebook's cells complete."""
    path = find_notebook(notebook)
    declared = declared_parameters(path)
    values = check_parameters(path, parameters, declared)
    profile = str(values.get("profile") or "").strip()
    if profile:
        _check_profile_name(profile)
        # An unknown or incomplete profile is a usage error: say so before a kernel starts.
        load_profile(profile)
    if path.stem in MAPPING_NOTEBOOKS:
        # So is a bad mapping.toml (the job refuses it too, but only inside the kernel, as
        # a failed cell): one line with the file, line and problem; nothing runs.
        load_overrides()
    pinned = pin_run(declared, values)
    if pinned is not None:
        # The notebook works on exactly the run checked here, whatever is saved meanwhile.
        values = {**values, "run": pinned[0]}
    profile = profile or (pinned[1] if pinned else _notebook_profile(declared))
    _check_profile_name(profile)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = (runs_root or runs_dir()) / profile / f"{stamp}-{path.stem}"
    folder.mkdir(parents=True, exist_ok=False)
    output = folder / path.name
    started = time.time()
    error = None
    try:
        where = {"output_dir": str(folder)} if "output_dir" in declared else {}
        _execute(path, output, {**values, **where}, kernel_name, timeout, progress)
    except Exception as exc:  # any failure is reported and the notebook kept
        error = _error_words(exc)
    return _finish(path, folder, output, values, started, error)


def _check_profile_name(profile: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", profile):
        raise ConfigError(f"profile name {profile!r} may hold only letters, digits and _ . -")


def _notebook_profile(declared: Mapping[str, Any]) -> str:
    """The profile a run folder is filed under when none is given: the notebook's default."""
    default = _default(declared.get("profile") or {})
    return str(default or "sandbox").strip() or "sandbox"


#: Seconds a cell's output may trail its reply before papermill calls the cell failed.
IOPUB_TIMEOUT_SECONDS = 120


def _execute(
    path: Path,
    output: Path,
    values: Mapping[str, Any],
    kernel: str,
    timeout: int | None,
    progress: Progress | None = None,
) -> None:
    import papermill
    from traitlets.config import Config

    # The kernel talks to papermill over Unix sockets where there are any: private to this
    # user, and ipykernel has no plain-text-over-TCP warning to print into a scheduler's log.
    transport = "ipc" if os.name == "posix" else "tcp"
    papermill.execute_notebook(
        str(path),
        str(output),
        parameters=dict(values),
        kernel_name=kernel,
        progress_bar=_CellCount(progress).bar() if progress else False,
        log_output=False,
        request_save_on_cell_execute=True,
        execution_timeout=timeout,
        cwd=str(output.parent),
        config=Config(
            {
                "KernelManager": {"transport": transport},
                # The kernel shares our stderr: its own log lines (e.g. "KeyboardInterrupt
                # caught in kernel" while papermill stops it after a failed cell) would break
                # the one line a scheduler reads. Cell errors are in the notebook and in ours.
                "NotebookClient": {
                    "extra_arguments": ["--IPKernelApp.log_level=CRITICAL"],
                    # papermill fails a cell whose output (the kernel's "idle") arrives more
                    # than iopub_timeout seconds after its reply (raise_on_iopub_timeout=True;
                    # nbclient's default is 4 s): on a busy 2-core host a healthy push cell
                    # failed so, with "Timeout waiting for IOPub output", and pushed nothing.
                    # The wait ends the moment the output is in; this only bounds a hang.
                    "iopub_timeout": IOPUB_TIMEOUT_SECONDS,
                },
            }
        ),
    )


#: ``progress(done, total)``: cells of the notebook run so far, of all.
Progress = Callable[[int, int], None]


class _CellCount:
    """A stream for papermill's progress bar (tqdm) that hands ``done/total`` on to a
    callback: the bar is told to write only those two numbers (``bar_format``)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def bar(self) -> dict[str, object]:
        return {"file": self, "bar_format": "{n}/{total}\n", "mininterval": 0}

    def write(self, text: str) -> None:
        found = re.search(r"(\d+)/(\d+)", text)
        if found:
            self.progress(int(found[1]), int(found[2]))

    def flush(self) -> None:
        """Nothing is buffered."""


def _error_words(exc: BaseException) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}"
    if isinstance(exc, CellTimeoutError):
        # nbclient's message previews the cell over many lines; a scheduler reads one.
        said, _, preview = str(exc).partition("Here is a preview")
        said = " ".join(said.split()).rstrip(".") or "a cell timed out"
        lines = [ln.strip() for ln in preview.splitlines() if ln.strip().strip("-:")]
        where = f" in the cell starting {lines[1][:60]!r}" if len(lines) > 1 else ""
        return (
            f"a cell did not finish in time{where} ({said}); the machine may be overloaded or the "
            "kernel stuck. Nothing after that cell ran; run it again (a push settles what "
            "was in flight first)"
        )
    return f"{type(exc).__name__}: {exc}"


def _finish(
    path: Path,
    folder: Path,
    output: Path,
    values: Mapping[str, Any],
    started: float,
    error: str | None,
) -> RunResult:
    outcome_path = folder / OUTCOME_FILE
    outcome = json.loads(outcome_path.read_text(encoding="utf-8")) if outcome_path.exists() else {}
    status, code = "clean", EXIT_CLEAN
    push = outcome.get("push") or {}
    reconcile = outcome.get("reconcile") or {}
    if budget.ceiling_reached(reconcile) is not None:
        # Its cell failed on purpose: say the ceiling's own words, not "cell N failed".
        status, code = "stopped", EXIT_FAILED
        error = budget.stopped_words(reconcile)
    elif error is not None:
        status, code = "failed", EXIT_FAILED
    elif push.get("failed"):
        status, code = "failed", EXIT_FAILED
        error = f"{push['failed']} change(s) failed or are in doubt; see the notebook's outcomes"
    elif outcome.get("unread"):
        # The run finished with what could be read; what it could not is not "clean".
        status, code = "incomplete", EXIT_FAILED
        error = _unread_words(outcome["unread"])
    elif reconcile.get("above_threshold"):
        status, code = "above_threshold", EXIT_ABOVE_THRESHOLD
    summary = {
        "notebook": path.name,
        "executed_notebook": str(output),
        "parameters": {k: v for k, v in values.items()},
        "started": dt.datetime.fromtimestamp(started, dt.UTC).isoformat(),
        "finished": dt.datetime.now(dt.UTC).isoformat(),
        "seconds": round(time.time() - started, 3),
        "status": status,
        "exit_code": code,
        "error": error,
        "outcome": outcome,
    }
    (folder / SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, sort_keys=True, default=str), encoding="utf-8"
    )
    return RunResult(code, status, folder, output, summary)


def _unread_words(unread: Sequence[Mapping[str, Any]]) -> str:
    """``outcome.json``'s ``unread`` in one line for stderr: each thing not read, why, and
    what is therefore not compared, in the firm's words (``said``; else built again by
    :meth:`recon.scope.Unread.sentence`)."""
    said = [str(u.get("said") or Unread.from_json(u).sentence()) for u in unread]
    return " ".join("; also ".join(said).split()) + " (the reports hold what could be read)"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def result_line(result: RunResult) -> str:
    """The one line ``recon run`` prints at the end, with the counts of the run's outcome:

    ``10_reconcile clean: 55 differences (threshold 60), 29 need a decision; 369 requests
    (BigTime 333, Intacct 36); folder <path>``
    ``10_reconcile stopped: request ceiling 500 reached, 500 requests (BigTime 464, Intacct
    36); nothing compared or pushed; folder <path>``
    ``20_review_and_push failed: 26 pushed, 1 failed, 0 in doubt; folder <path>``
    """
    outcome = result.summary.get("outcome") or {}
    counts = []
    reconcile = outcome.get("reconcile")
    ceiling = budget.ceiling_reached(reconcile)
    if isinstance(reconcile, Mapping) and ceiling is not None:
        sent = budget.requests_text(reconcile.get("requests"), "requests")
        counts.append(f"request ceiling {ceiling:,} reached, {sent or 'no requests'}")
        counts.append("nothing compared or pushed")
    elif isinstance(reconcile, Mapping):
        limit = reconcile.get("max_differences")
        threshold = "no threshold" if limit is None else f"threshold {limit}"
        found = _plural(int(reconcile.get("findings", 0)), "difference", "differences")
        # "open": changes recon can push, undecided or deferred (Plan.to_decide); else all.
        undecided = reconcile.get("open", reconcile.get("changes", 0))
        open_ = _plural(int(undecided), "needs", "need")
        counts.append(f"{found} ({threshold}), {open_} a decision")
        sent = budget.requests_text(reconcile.get("requests"), "requests")
        if sent:
            counts.append(sent)
    push = outcome.get("push")
    if isinstance(push, Mapping):
        states = push.get("outcomes") or {}
        if push.get("dry_run"):
            counts.append(f"dry run, {push.get('to_push', 0)} approved to push, nothing sent")
        elif push.get("push") is False:
            counts.append(
                f"not asked to push (-p push true), {push.get('to_push', 0)} approved waiting"
            )
        else:
            failed = int(states.get("failed", 0)) + int(states.get("stale", 0))
            words = (
                f"{int(states.get('applied', 0))} pushed, {failed} failed, "
                f"{int(states.get('unknown', 0))} in doubt"
            )
            held = int(states.get("held", 0)) + int(states.get("skipped", 0))
            counts.append(words + (f", {held} held back" if held else ""))
    said = f": {'; '.join(counts)}" if counts else ""
    return f"{result.notebook.stem} {result.status.replace('_', ' ')}{said}; folder {result.folder}"


# --- "Update now" ---------------------------------------------------------------------------
#: The notebook "Update now" runs: the scheduled reconcile.
UPDATE_NOTEBOOK = "10_reconcile"


def update_parameters(
    profile: str, store: Store | str | Path | None = None, today: dt.date | None = None
) -> list[tuple[str, str]]:
    """What "Update now" passes to ``recon run 10_reconcile``: the profile, and the period
    and entities of its last run, so the tile's counts stay comparable; a last run that
    ended on the day it ran was "so far" (the month so far of a cron line), and is brought
    up to today. A profile without runs: the month so far, every entity."""
    today = today or dt.datetime.now(dt.UTC).date()
    last = _last_run(profile, store)
    summary = last.get("summary") if last else None
    start, end = (
        (summary.get("start"), summary.get("end")) if isinstance(summary, dict) else (None, None)
    )
    if not (isinstance(start, str) and isinstance(end, str) and last):
        return [("profile", profile), ("start", str(today.replace(day=1))), ("end", str(today))]
    if end == str(last["at"])[:10] and end < str(today):
        end = str(today)
    params = [("profile", profile), ("start", start), ("end", end)]
    entities = summary.get("entities") if isinstance(summary, dict) else None
    if isinstance(entities, list) and entities:
        params.append(("entities", ",".join(map(str, entities))))
    return params


def _last_run(profile: str, store: Store | str | Path | None) -> dict[str, Any] | None:
    """The profile's last run as ``Store.runs`` has it (None: no runs, or no database)."""
    if not isinstance(store, Store):
        path = Path(store) if store is not None else data_dir() / DEFAULT_FILENAME
        store = Store(path, create=False) if path.is_file() else None
    runs = store.runs() if store is not None else None
    if runs is None or runs.empty or not (runs["profile"] == profile).any():
        return None
    return dict(runs[runs["profile"] == profile].iloc[-1])


def update_now(
    profile: str,
    progress: Progress | None = None,
    *,
    store: Store | str | Path | None = None,
    runs_root: Path | None = None,
) -> str:
    """Reconcile ``profile`` now through :func:`run_notebook`, exactly as
    ``recon run 10_reconcile -p profile ...`` (a scheduler) does, with
    :func:`update_parameters`; returns :func:`result_line`.

    Raises
    ------
    ConfigError
        An unknown or incomplete profile, or a bad mapping file (nothing ran).
    ReconError
        The run did not end clean: its error, in one line.
    """
    result = run_notebook(
        UPDATE_NOTEBOOK, update_parameters(profile, store), runs_root=runs_root, progress=progress
    )
    line = result_line(result)
    if result.status in ("failed", "stopped", "incomplete"):
        raise ReconError(f"{result.summary.get('error') or result.status}; {line}")
    return line


class StatusTile(status.StatusTile):
    """``recon.StatusTile``: the status tile (:class:`recon.status.StatusTile`) whose
    "Update now" runs the picked profile's reconcile through this runner
    (:func:`update_now`), as a scheduler would.

    Example::

        >>> recon.StatusTile(recon.Store())  # in a notebook cell
    """

    def __init__(self, store: Store | str | Path | None = None) -> None:
        super().__init__(store, update=partial(_update_for_tile, store=store))


def _update_for_tile(profile: str, progress: Progress, *, store: Store | str | Path | None) -> str:
    return update_now(profile, progress, store=store)
