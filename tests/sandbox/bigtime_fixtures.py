"""Fixtures for the BigTime sandbox tests (``pytest_plugins = ["tests.sandbox.bigtime_fixtures"]``).

``bt_sandbox`` is a sandbox on 127.0.0.1, port 0, in a temporary directory, seeded with
:func:`tests.sandbox.bigtime_helpers.demo_seed` and driven by a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from recon.sandbox.bigtime.server import BigtimeSandbox
from tests.clock import FakeClock
from tests.sandbox.bigtime_helpers import Api, demo_seed


@pytest.fixture
def bt_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bt_sandbox(tmp_path: Path, bt_clock: FakeClock) -> Iterator[BigtimeSandbox]:
    sb = BigtimeSandbox(tmp_path / "bigtime", clock=bt_clock, session_ttl=600)
    sb.store.seed(demo_seed())
    with sb:
        yield sb


@pytest.fixture
def bt_api(bt_sandbox: BigtimeSandbox) -> Api:
    return Api(bt_sandbox)
