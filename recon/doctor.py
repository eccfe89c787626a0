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

import platform
from importlib import metadata
from pathlib import Path

from recon.check import check_connection
from recon.config import config_path, data_dir, load_profile, profile_names
from recon.errors import ReconError

__all__ = ["LIBRARIES", "doctor_report", "keyring_backend"]

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


def doctor_report(check: bool = True, *, path: Path | None = None) -> str:
    """The ``recon doctor`` text.

    Parameters
    ----------
    check:
        Also sign in with every profile (one line per system); False lists them only.
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
    try:
        names = profile_names(cfg)
    except ReconError as exc:
        lines.append(f"profiles: cannot read the config file: {exc}")
        names = ["sandbox"]
    else:
        lines.append("profiles: " + ", ".join(names))
    if check:
        for name in names:
            lines.extend(_profile_lines(name, cfg))
    return "\n".join(lines)


def _profile_lines(name: str, cfg: Path) -> list[str]:
    """``profile NAME: ok`` and one indented line per system, or the reason it cannot load."""
    try:
        profile = load_profile(name, cfg)
    except ReconError as exc:  # ConfigError: missing env variable, keyring entry ...
        return [f"profile {name}: cannot load: {exc}"]
    report = check_connection(profile)
    state = "ok" if report.ok else "NOT ok"
    lines = [f"profile {name}: {state}", *(f"  {line}" for line in report.text().splitlines())]
    if name == "sandbox" and not report.ok:
        lines.append("  (the built-in sandboxes run with: recon sandbox)")
    return lines
