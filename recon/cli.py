"""The ``recon`` command: ``sandbox``, ``demo``, ``run``, ``status``, ``ledger``, ``doctor``.

Every user-caused failure ends in one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from recon.config import (
    SANDBOX_BIGTIME_PORT,
    SANDBOX_INTACCT_PORT,
    config_path,
    data_dir,
    profile_names,
)
from recon.demo import run_demo
from recon.doctor import run_doctor
from recon.errors import ConfigError, ReconError
from recon.runner import result_line, run_notebook
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import MAX_SCALE, prepare
from recon.status import status_frame, status_text
from recon.store import DEFAULT_FILENAME, Store
from recon.version import __version__


class _Startable(Protocol):
    def start(self) -> object: ...


EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _bounded_int(low: int, high: int, what: str, hint: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in ``low..high``, else one clear line."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be {low}..{high}{hint}, not {value}")
        return value

    return parse


_port = _bounded_int(0, 65535, "port number", " (0 picks a free one)")
_scale = _bounded_int(1, MAX_SCALE, "scale")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recon",
        description="Keep Sage Intacct and BigTime in agreement, with an accountant in control.",
    )
    parser.add_argument("--version", action="version", version=f"recon {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sandbox = sub.add_parser(
        "sandbox",
        help="serve the Intacct and BigTime sandboxes in the foreground",
        description="Serve recon's Intacct and BigTime sandboxes (the demo firm) on loopback "
        "until Ctrl-C.",
    )
    sandbox.add_argument(
        "--intacct-port",
        type=_port,
        default=SANDBOX_INTACCT_PORT,
        help=f"port for the Intacct gateway (default {SANDBOX_INTACCT_PORT}; 0 picks a free port)",
    )
    sandbox.add_argument(
        "--bigtime-port",
        type=_port,
        default=SANDBOX_BIGTIME_PORT,
        help=f"port for the BigTime API (default {SANDBOX_BIGTIME_PORT}; 0 picks a free port)",
    )
    _data_args(sandbox, "sandbox")

    demo = sub.add_parser(
        "demo",
        help="run the main job on the embedded defaults",
        description="Start both sandboxes on free ports over the demo firm, run "
        "10_reconcile and 20_review_and_push through papermill with the demo profile's "
        "auto-approve rules, and print what was found, what was pushed and where the "
        "executed notebooks and reports are. Run it again: it finds what the first run "
        "left unapproved.",
    )
    _data_args(demo, "demo")
    _run_args(sub)
    status = sub.add_parser(
        "status",
        help="each profile's last run and where its changes stand (the status tile)",
        description="Print the status tile as text: per profile its state, last run, "
        "findings, changes to decide, push states and requests; only PROFILE's when given.",
        epilog="Exit status: 0 printed; 2 unknown profile.",
    )
    status.add_argument("profile", nargs="?", default=None, metavar="PROFILE")
    status.add_argument(
        "--db", type=Path, default=None,
        help="the recon database (default: <recon data dir>/recon.sqlite3)",
    )  # fmt: skip
    _ledger_args(sub)
    sub.add_parser(
        "doctor",
        help="versions, config file, profiles and whether each one connects",
        description="Print library versions, where the config file and data live, the "
        "profile names and a connection check per profile. Never prints a secret.",
        epilog="Exit status: 0 all is well; 1 a profile does not connect or cannot be loaded, "
        "or the config file cannot be read (the built-in sandbox profile counts only when "
        "no other profile is set up).",
    ).add_argument("--no-check", action="store_true", help="skip the connection checks")
    return parser


def _run_args(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run",
        help="run a notebook unattended (papermill) into a run folder",
        description="Execute NOTEBOOK (a path, or a name such as 10_reconcile) with "
        "papermill into <runs dir>/<profile>/<time>-<notebook>/, with the executed "
        "notebook, what it wrote (reports, ledger export) and summary.json.",
        epilog="Prints one line at the end: the notebook, how it ended, its counts "
        "(differences and changes to decide; or pushed, failed, in doubt) and its folder. "
        "Exit status: 0 ran clean; 1 a cell failed or a push left failed changes "
        "(the executed notebook is kept); 2 bad notebook or parameters, unknown profile or "
        "run (nothing ran); 3 more differences than the threshold (max_differences).",
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help="notebook path or name")
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter of the notebook's parameters cell (repeatable)",
    )
    run.add_argument(
        "--runs-dir", type=Path, default=None, help="where run folders go (default: <data>/runs)"
    )
    run.add_argument(
        "--timeout", type=_bounded_int(1, 86400, "timeout"), default=None,
        help="seconds a cell may run (default: no limit)",
    )  # fmt: skip


def _data_args(parser: argparse.ArgumentParser, default_sub: str) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help=f"data directory of the sandbox (default: <recon data dir>/{default_sub})",
    )
    parser.add_argument(
        "--scale", type=_scale, default=1, help="size of the demo firm (1 = small firm; 40 ≈ 1M)"
    )
    parser.add_argument(
        "--fresh", action="store_true", help="throw the data directory away and regenerate it"
    )


def _start(sandbox: _Startable, port: int, option: str) -> None:
    try:
        sandbox.start()
    except OSError as exc:
        raise ReconError(
            f"cannot listen on port {port} ({exc.strerror}); "
            f"pick another with {option}, or 0 for a free one."
        ) from None


def _cmd_sandbox(args: argparse.Namespace) -> int:

    data = args.data or data_dir() / "sandbox"
    if prepare(data, scale=args.scale, fresh=args.fresh):
        print(f"Seeded the demo firm (scale {args.scale}) into {data}", flush=True)
    intacct = IntacctSandbox(data, port=args.intacct_port)
    bigtime = BigtimeSandbox(data, port=args.bigtime_port)
    try:
        _start(intacct, args.intacct_port, "--intacct-port")
        _start(bigtime, args.bigtime_port, "--bigtime-port")
        print(f"Intacct sandbox: {intacct.url}", flush=True)
        print(f"BigTime sandbox: {bigtime.url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        bigtime.stop()
        intacct.stop()
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:

    data = args.data or data_dir() / "demo"
    run_demo(data, scale=args.scale, fresh=args.fresh, out=sys.stdout)
    return EXIT_OK


def _cmd_run(args: argparse.Namespace) -> int:

    try:
        result = run_notebook(
            args.notebook,
            [tuple(p) for p in args.parameter],
            runs_root=args.runs_dir,
            timeout=args.timeout,
        )
    except ConfigError as exc:  # nothing ran
        print(f"recon run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(result_line(result), flush=True)
    if result.summary.get("error"):
        print(f"recon run: {result.summary['error']}", file=sys.stderr)
    return result.exit_code


def _cmd_status(args: argparse.Namespace) -> int:
    db = args.db or data_dir() / DEFAULT_FILENAME
    profile = args.profile
    if profile is not None:
        frame = status_frame(db)
        known = sorted(set(profile_names()) | set(frame["profile"]))
        if profile not in known:
            print(
                f"recon status: unknown profile {profile!r}; known profiles: "
                f"{', '.join(known)} (file: {config_path()}).",
                file=sys.stderr,
            )
            return EXIT_USAGE
    print(status_text(db, profile))
    return EXIT_OK


def _cmd_doctor(args: argparse.Namespace) -> int:

    found = run_doctor(check=not args.no_check)
    print(found.text)
    return EXIT_OK if found.ok else EXIT_FAILURE


def _ledger_args(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = sub.add_parser(
        "ledger",
        help="verify or export the decision ledger",
        description="The decision ledger: every run prepared, change decided and push made, "
        "each row chained to the one before by its hash.",
        epilog="Exit status: 0 ok, 1 the ledger is broken (edited, deleted, reordered or "
        "forged rows), 2 it could not be read (no database, bad file name).",
    )
    ledger.set_defaults(ledger_parser=ledger)
    actions = ledger.add_subparsers(dest="ledger_command", metavar="ACTION")
    verify = actions.add_parser(
        "verify",
        help="recompute the hash chain; name the first bad row",
        description="Recompute the ledger's hash chain and report the first row that was "
        "edited, deleted, reordered or inserted outside recon.",
    )
    export = actions.add_parser(
        "export",
        help="write the ledger to a .csv or .xlsx file for an auditor",
        description="Write every ledger row to FILE (.csv or .xlsx, by its suffix).",
    )
    export.add_argument("file", type=Path, metavar="FILE", help="a .csv or .xlsx file to write")
    for parser in (verify, export):
        parser.add_argument(
            "--db",
            type=Path,
            default=None,
            help="the recon database (default: <recon data dir>/recon.sqlite3)",
        )


def _cmd_ledger(args: argparse.Namespace) -> int:

    if args.ledger_command is None:
        args.ledger_parser.print_help()
        return EXIT_USAGE
    db = args.db or data_dir() / DEFAULT_FILENAME
    try:
        store = Store(db, create=False)
        check = store.verify_ledger()
        if args.ledger_command == "export":
            out = store.export_ledger(args.file)
            rows = f" ({check.rows} rows)" if check.ok else ""
            print(f"Wrote the ledger to {out}{rows}")
    except ConfigError as exc:  # a path problem: nothing was checked
        print(f"recon ledger: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not check.ok:
        print(
            f"recon ledger: BROKEN at row {check.first_bad_seq}: {check.problem} ({db})",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    if args.ledger_command == "verify":
        print(f"Ledger ok: {check.rows} rows, hash chain intact ({db})")
    return EXIT_OK


COMMANDS = {
    "sandbox": _cmd_sandbox,
    "demo": _cmd_demo,
    "run": _cmd_run,
    "status": _cmd_status,
    "ledger": _cmd_ledger,
    "doctor": _cmd_doctor,
}


def _logging() -> None:
    """``RECON_LOG_LEVEL=DEBUG`` (or INFO, WARNING) logs to stderr; every recon logger
    redacts secrets, and urllib3's header dumps stay at WARNING whatever the level."""
    level = os.environ.get("RECON_LOG_LEVEL", "").strip().upper()
    if level:
        logging.basicConfig(
            level=getattr(logging, level, logging.WARNING),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _logging()
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except ReconError as exc:
        print(f"recon {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"recon {args.command}: interrupted", file=sys.stderr)
        return 130
