"""The demo firm served by both sandboxes, for tests of the jobs, the runner and notebooks.

``served(data)`` starts an Intacct and a BigTime sandbox over a data directory on free
loopback ports and points the environment at them the way ``recon demo`` does for its
kernels (``RECON_SANDBOX_*_URL``, ``RECON_DATA_DIR``, ``RECON_CONFIG``, ``RECON_RUNS_DIR``),
so the embedded ``sandbox`` profile and every default path land in the test's folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from recon.demo import demo_environment
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import prepare


@dataclass(frozen=True)
class Served:
    data: Path
    intacct_url: str
    bigtime_url: str
    intacct: IntacctSandbox
    bigtime: BigtimeSandbox

    @property
    def intacct_sessions(self) -> tuple[str, ...]:
        """Every session id the Intacct sandbox issued so far."""
        return self.intacct.gateway.sessions.issued()

    @property
    def bigtime_sessions(self) -> tuple[str, ...]:
        """Every session token the BigTime sandbox issued so far."""
        return self.bigtime.auth.issued()


#: The seeded demo firm per test process, keyed by the session's temp path factory.
_SEEDED: dict[int, Path] = {}


def seed_copy(pristine: Path, dest: Path) -> Path:
    """A private copy of a seeded data directory (seeding once per session saves seconds)."""
    shutil.copytree(pristine, dest)
    return dest


def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo firm, seeded once per test process (about 3 s); never served from: tests
    serve a :func:`seed_copy` of it (:func:`served_copy`)."""
    key = id(tmp_path_factory)
    if key not in _SEEDED:
        data = tmp_path_factory.mktemp("pristine") / "demo"
        prepare(data, scale=1)
        _SEEDED[key] = data
    return _SEEDED[key]


@contextmanager
def served(data: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    with IntacctSandbox(data, port=0) as ia, BigtimeSandbox(data, port=0) as bt:
        for name, value in demo_environment(data, ia.url, bt.url).items():
            monkeypatch.setenv(name, value)
        yield Served(data, ia.url, bt.url, ia, bt)


@contextmanager
def served_copy(
    tmp_path_factory: pytest.TempPathFactory,
    dest: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: str | None = None,
) -> Iterator[Served]:
    """:func:`served` over a private copy of the seeded firm at ``dest``, with ``config``
    as its ``config.toml`` when given."""
    data = seed_copy(seeded(tmp_path_factory), dest)
    if config is not None:
        (data / "config.toml").write_text(config, encoding="utf-8")
    with served(data, monkeypatch) as s:
        yield s
