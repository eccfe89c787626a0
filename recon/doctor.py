"""``recon doctor``: what is installed, where recon keeps things, and whether each profile
connects -- everything an IT person needs in one screen, never a secret value.

>>> print(doctor_report(check=False))  # doctest: +SKIP
recon 0.1.0
python 3.11.9
libraries: pandas 3.0.0, lxml 6.1.3, requests 2.32.3, ipywidgets 8.1.5, papermill 2.6.0
keyring: keyring 25.7.0, backend fail Keyring
config file: /home/me/.config/recon/config.toml (not found)
...
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from recon.check import check_connection
from recon.config import config_path, data_dir, load_profile, profile_names
from recon.errors import ReconError

__all__ = ["LIBRARIES", "DoctorReport", "doctor_report", "keyring_backend", "run_doctor"]

#: The libraries whose versions matter when something goes wrong.
LIBRARIES = ("pandas", "lxml", "requests", "ipywidgets", "papermill")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def keyring_backend() -> str:
    """The system keyring backend recon would use (``"fail Keyring"`` when there is none)."""
    try:
        import keyring
    except ImportError:
        return "none (keyring is not installed)"
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend must not stop the report
        return f"unusable ({type(exc).__name__})"
    name = getattr(backend, "name", type(backend).__name__)
    if type(backend).__module__ == "keyring.backends.fail":
        return f"{name} (no system keyring: keep secrets in environment variables)"
    return str(name)


@dataclass(frozen=True)
class DoctorReport:
    """What ``recon doctor`` found: its text, and whether everything checked is well."""

    text: str
    #: False when the config file cannot be read, or a profile that counts does not load or
    #: does not connect (the built-in ``sandbox`` counts only when it is the only profile:
    #: a firm's machine need not run recon's demo sandboxes).
    ok: bool


def doctor_report(check: bool = True, *, path: Path | None = None) -> str:
    """The ``recon doctor`` text (see :func:`run_doctor`)."""
    return run_doctor(check, path=path).text


def run_doctor(check: bool = True, *, path: Path | None = None) -> DoctorReport:
    """The ``recon doctor`` report, each thing said once.

    Parameters
    ----------
    check:
        Also sign in with every profile (one line per system); False lists them only. A
        profile with the same connection settings as one above is not signed in again: its
        line says which one it shares them with.
    path:
        The config file (default :func:`recon.config.config_path`).
    """
    cfg = path or config_path()
    lines = [
        f"recon {_version('recon')}",
        f"python {platform.python_version()}",
        "libraries: " + ", ".join(f"{lib} {_version(lib)}" for lib in LIBRARIES),
        f"keyring: keyring {_version('keyring')}, backend {keyring_backend()}",
        f"config file: {cfg} ({'exists' if cfg.exists() else 'not found'})",
        f"data dir: {data_dir()}",
    ]
    ok = True
    try:
        names = profile_names(cfg)
    except ReconError as exc:
        lines.append(f"profiles: cannot read the config file: {exc}")
        names, ok = ["sandbox"], False
    else:
        lines.append("profiles: " + ", ".join(names))
    if check:
        checked: dict[object, tuple[str, bool]] = {}  # connection settings -> (profile, ok)
        with _quiet_retries():
            for name in names:
                connects, said = _profile_lines(name, cfg, checked, alone=len(names) == 1)
                lines.extend(said)
                counts = name != "sandbox" or len(names) == 1
                ok = ok and (connects or not counts)
    return DoctorReport("\n".join(lines), ok)


@contextmanager
def _quiet_retries() -> Iterator[None]:
    """While the checks run, no retry warnings on stderr: the report says in its own line
    what failed. Python prints a warning through its last-resort handler only when logging
    is not set up; with ``RECON_LOG_LEVEL`` set the log still gets every line."""
    logger = logging.getLogger("recon")
    if logger.hasHandlers():
        yield
        return
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _profile_lines(
    name: str, cfg: Path, checked: dict[object, tuple[str, bool]], *, alone: bool
) -> tuple[bool, list[str]]:
    """Whether profile ``name`` connects, and its lines: ``profile NAME: ok`` and one
    indented line per system, or the reason it cannot load, or the profile above it shares
    its connection settings with."""
    try:
        profile = load_profile(name, cfg)
    except ReconError as exc:  # ConfigError: missing env variable, keyring entry ...
        return False, [f"profile {name}: cannot load: {_without_name(str(exc), name)}"]
    settings = (profile.intacct, profile.bigtime)  # secrets compared, never shown
    if settings in checked:
        same, connects = checked[settings]
        state = "ok" if connects else "NOT ok"
        return connects, [f"profile {name}: {state} (the same connection as profile {same})"]
    report = check_connection(profile)
    checked[settings] = (name, report.ok)
    state = "ok" if report.ok else "NOT ok"
    lines = [f"profile {name}: {state}", *(f"  {line}" for line in report.text().splitlines())]
    if name == "sandbox" and not report.ok:
        optional = "" if alone else "; optional, so it does not fail recon doctor"
        lines.append(f"  (the built-in sandboxes run with: recon sandbox{optional})")
    return report.ok, lines


def _without_name(words: str, name: str) -> str:
    """A load error without its leading ``profile 'NAME':`` (the line names the profile)."""
    said = f"profile {name!r}"
    if words.startswith(said + ": "):
        return words[len(said) + 2 :]
    if words.startswith(said + " "):
        return "it " + words[len(said) + 1 :]
    return words
