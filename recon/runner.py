"""``recon run``: execute a notebook with papermill, unattended, into a run folder of its own.

Each run gets ``<runs dir>/<profile>/<UTC time>-<notebook>/`` holding the executed notebook
(kept even when a cell fails), whatever the notebook wrote there (reports, ``outcome.json``,
the ledger export) and ``summary.json``: what ran, with which parameters, how it ended.

Parameters are checked against the notebook's ``parameters`` cell before anything runs:
papermill only warns about a name the notebook does not declare, and a misspelt parameter
silently running on a default is exactly what a scheduler must not do. ``output_dir`` is
the runner's to set. Values are converted to the type of the notebook's default (``true`` /
``false`` for booleans, whole numbers for ints); everything else stays text.

Exit codes a scheduler can act on: :data:`EXIT_CLEAN` (0), :data:`EXIT_FAILED` (1: a cell
failed, or a push left failed / in-doubt changes), :data:`EXIT_USAGE` (2: bad notebook or
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recon.errors import ConfigError
from recon.job import OUTCOME_FILE, runs_dir

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

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class RunResult:
    """How one ``recon run`` ended."""

    exit_code: int
    status: str
    folder: Path
    notebook: Path
    summary: Mapping[str, Any]


def find_notebook(name: str | Path) -> Path:
    """A notebook path, or a name in recon's ``notebooks/`` folder (``10_reconcile``)."""
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


def _convert(name: str, text: str, declared: Mapping[str, Any]) -> Any:
    kind = _kind(declared)
    if kind == "bool":
        low = text.strip().lower()
        if low in {"true", "yes", "1"}:
            return True
        if low in {"false", "no", "0"}:
            return False
        raise ConfigError(f"parameter {name} must be true or false, not {text!r}")
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ConfigError(f"parameter {name} must be a whole number, not {text!r}") from None
    return text


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
        runner-owned or secret-looking name, or a value of the wrong type.
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
    return values


def _default_profile(declared: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    """The profile a run folder is filed under: the ``profile`` parameter, else -- for a
    notebook that works on a saved run -- that run's profile, else the notebook's default."""
    if "run" in declared:
        from recon.job import resolve_run, run_profile
        from recon.store import Store

        try:
            store = Store(create=False)
            return run_profile(store, resolve_run(store, str(values.get("run") or "")))
        except ConfigError:
            pass  # no store or no such run: the notebook itself will say so
    raw = str((declared.get("profile") or {}).get("default") or "sandbox")
    return raw.strip("\"'") or "sandbox"


def run_notebook(
    notebook: str | Path,
    parameters: Sequence[tuple[str, str]] = (),
    *,
    runs_root: Path | None = None,
    kernel_name: str = "python3",
    timeout: int | None = None,
) -> RunResult:
    """Execute ``notebook`` with ``parameters`` into a fresh run folder; never raises for a
    failing cell (the result says ``failed``). ConfigError for a bad notebook or parameter."""
    path = find_notebook(notebook)
    declared = declared_parameters(path)
    values = check_parameters(path, parameters, declared)
    profile = str(values.get("profile") or _default_profile(declared, values))
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", profile):
        raise ConfigError(f"profile name {profile!r} may hold only letters, digits and _ . -")
    if values.get("profile"):
        # An unknown or incomplete profile is a usage error: say so before a kernel starts.
        from recon.config import load_profile

        load_profile(profile)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = (runs_root or runs_dir()) / profile / f"{stamp}-{path.stem}"
    folder.mkdir(parents=True, exist_ok=False)
    output = folder / path.name
    started = time.time()
    error = None
    try:
        where = {"output_dir": str(folder)} if "output_dir" in declared else {}
        _execute(path, output, {**values, **where}, kernel_name, timeout)
    except Exception as exc:  # any failure is reported and the notebook kept
        error = _error_words(exc)
    return _finish(path, folder, output, values, started, error)


#: Seconds a cell's output may trail its reply before papermill calls the cell failed.
IOPUB_TIMEOUT_SECONDS = 120


def _execute(
    path: Path, output: Path, values: Mapping[str, Any], kernel: str, timeout: int | None
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
        progress_bar=False,
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


def _error_words(exc: BaseException) -> str:
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cell {exc.exec_count} failed: {exc.ename}: {exc.evalue}"
    if isinstance(exc, CellTimeoutError):
        # nbclient's message previews the cell over many lines; a scheduler reads one.
        said = str(exc).split("Here is a preview", 1)[0]
        said = " ".join(said.split()).rstrip(".") or "a cell timed out"
        return (
            f"a cell did not finish in time ({said}); the machine may be overloaded or the "
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
    if error is not None:
        status, code = "failed", EXIT_FAILED
    elif push.get("failed"):
        status, code = "failed", EXIT_FAILED
        error = f"{push['failed']} change(s) failed or are in doubt; see the notebook's outcomes"
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
