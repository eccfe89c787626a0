"""The demo firm in a BigTime sandbox on loopback, and real clients pointed at it.

The demo firm (:func:`recon.sandbox.firm.generate`, scale 1) is seeded ONCE per session into
a pristine data directory with :func:`recon.sandbox.seed.prepare`; no server ever opens that
directory. Every sandbox works on a copy of it (copying the SQLite file takes ~20 ms):

- ``bt_sandbox`` (session): read-only by convention -- tests that write never use it;
- ``bt_write_sandbox`` (per test): a private copy, so writes cannot leak between tests.

Expectations are computed from ``firm.bigtime_seed()`` (an independent generation with the
same seed), never copied from the sandbox's answers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest

from recon.bigtime import resources
from recon.bigtime.client import BigTimeClient, BigTimeCredentials, BigTimeSettings
from recon.sandbox import bigtime as creds
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.firm import generate
from recon.sandbox.seed import DEFAULT_SEED, prepare
from tests.clock import FakeClock

AuthStyle = Literal["apikey", "user"]
AUTH_STYLES: tuple[AuthStyle, ...] = ("apikey", "user")
SESSION_ENDPOINT = "POST /session"
#: The whole dated range of the demo firm (time and invoices all fall in 2025).
YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)
#: Session lifetime of the per-test sandboxes (moved past with :class:`FakeClock`).
SESSION_TTL = 600.0


@dataclass
class Sleeps:
    """Records the client's back-off sleeps instead of sleeping (keeps the matrix fast)."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def credentials(style: AuthStyle, **changes: str) -> BigTimeCredentials:
    """The sandbox's demo credentials of one auth style, with ``changes`` applied."""
    if style == "apikey":
        fields = {"firm": creds.FIRM, "api_token": creds.API_TOKEN}
    else:
        fields = {"user_id": creds.USER_ID, "password": creds.USER_PASSWORD}
    fields.update(changes)
    return BigTimeCredentials(**fields)


def fast_settings(url: str, sleeps: Sleeps | None = None, **changes: Any) -> BigTimeSettings:
    """Settings for tests: tiny back-off, Retry-After capped at 50 ms, sleeps recorded."""
    values: dict[str, Any] = {
        "base_url": url,
        "timeout": 10.0,
        "connect_timeout": 2.0,
        "max_retries": 3,
        "backoff": 0.001,
        "backoff_max": 0.002,
        "retry_after_cap": 0.05,
        "sleep": sleeps if sleeps is not None else Sleeps(),
    }
    values.update(changes)
    return BigTimeSettings(**values)


def make_client(
    sandbox: BigtimeSandbox | str, style: AuthStyle, sleeps: Sleeps | None = None, **changes: Any
) -> BigTimeClient:
    url = sandbox if isinstance(sandbox, str) else sandbox.url
    return BigTimeClient(credentials(style), fast_settings(url, sleeps, **changes))


def counted(sandbox: BigtimeSandbox, name: str) -> int:
    """How many requests the sandbox served for ``name`` (``"POST /client/detail"``)."""
    return sandbox.counters.snapshot().get(name, 0)


def copy_data(pristine: Path, dest: Path) -> Path:
    shutil.copytree(pristine, dest)
    return dest


# --- the demo firm --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSeed:
    """``firm.bigtime_seed()`` with the lookups the tests need."""

    raw: Mapping[str, Any]
    time: list[dict[str, Any]]

    def by_sid(self, part: str) -> dict[int, dict[str, Any]]:
        res = {"client": resources.CLIENT, "project": resources.PROJECT}.get(part)
        key = (
            res.id_field
            if res
            else {"staff": "StaffSID", "invoice": "Sid", "task": "TaskSid"}[part]
        )
        return {rec[key]: rec for rec in self.raw[part]}

    def team(self, project_sid: int) -> list[dict[str, Any]]:
        return [m for m in self.raw["project_team"] if m["ProjectSid"] == project_sid]

    def time_where(self, start: date, end: date, **equal: Any) -> list[dict[str, Any]]:
        """Seeded entries dated ``start`` .. ``end`` with the given field values."""
        first, last = start.isoformat(), end.isoformat()
        return [
            t
            for t in self.time
            if first <= t["Dt"] <= last and all(t[k] == v for k, v in equal.items())
        ]


@pytest.fixture(scope="session")
def demo_seed() -> DemoSeed:
    raw = generate(seed=DEFAULT_SEED, scale=1).bigtime_seed()
    return DemoSeed(raw, list(raw["time"]))


@pytest.fixture(scope="session")
def bt_pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded data directory; never served from (copy it first)."""
    data = tmp_path_factory.mktemp("bt-pristine") / "data"
    prepare(data, scale=1)
    return data


@pytest.fixture(scope="session")
def bt_sandbox(
    bt_pristine: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BigtimeSandbox]:
    """The demo firm for READS only, shared by the session (faults cleared per client)."""
    data = copy_data(bt_pristine, tmp_path_factory.mktemp("bt-read") / "data")
    with BigtimeSandbox(data) as sb:
        yield sb


@pytest.fixture
def read_faults(bt_sandbox: BigtimeSandbox) -> Iterator[BigtimeSandbox]:
    """The shared sandbox for a test that arms faults itself: cleared before and after."""
    bt_sandbox.faults.clear()
    yield bt_sandbox
    bt_sandbox.faults.clear()


@pytest.fixture
def bt_clock() -> FakeClock:
    return FakeClock(1_750_000_000.0)


@pytest.fixture
def bt_write_sandbox(
    bt_pristine: Path, tmp_path: Path, bt_clock: FakeClock
) -> Iterator[BigtimeSandbox]:
    """A private copy of the demo firm for one test that writes, on a fake clock."""
    data = copy_data(bt_pristine, tmp_path / "bt-data")
    with BigtimeSandbox(data, clock=bt_clock, session_ttl=SESSION_TTL) as sb:
        yield sb


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def _client_fixture(
    sandbox: BigtimeSandbox, style: AuthStyle, sleeps: Sleeps
) -> Iterator[BigTimeClient]:
    sandbox.faults.clear()
    with make_client(sandbox, style, sleeps) as client:
        yield client
    sandbox.faults.clear()


@pytest.fixture(params=AUTH_STYLES)
def bt(
    request: pytest.FixtureRequest, bt_sandbox: BigtimeSandbox, sleeps: Sleeps
) -> Iterator[BigTimeClient]:
    """A reader of the shared sandbox, once per auth style."""
    yield from _client_fixture(bt_sandbox, request.param, sleeps)


@pytest.fixture
def api_reader(bt_sandbox: BigtimeSandbox, sleeps: Sleeps) -> Iterator[BigTimeClient]:
    yield from _client_fixture(bt_sandbox, "apikey", sleeps)


@pytest.fixture
def user_reader(bt_sandbox: BigtimeSandbox, sleeps: Sleeps) -> Iterator[BigTimeClient]:
    yield from _client_fixture(bt_sandbox, "user", sleeps)


@pytest.fixture(params=AUTH_STYLES)
def writer(
    request: pytest.FixtureRequest, bt_write_sandbox: BigtimeSandbox, sleeps: Sleeps
) -> Iterator[BigTimeClient]:
    """A client of the test's private sandbox, once per auth style."""
    yield from _client_fixture(bt_write_sandbox, request.param, sleeps)


@pytest.fixture
def api_writer(bt_write_sandbox: BigtimeSandbox, sleeps: Sleeps) -> Iterator[BigTimeClient]:
    yield from _client_fixture(bt_write_sandbox, "apikey", sleeps)


@pytest.fixture
def user_writer(bt_write_sandbox: BigtimeSandbox, sleeps: Sleeps) -> Iterator[BigTimeClient]:
    yield from _client_fixture(bt_write_sandbox, "user", sleeps)


# --- comparing a record with the seed -------------------------------------------------------


def is_exact_number(value: Any) -> bool:
    """An ``int`` or ``Decimal`` -- never a float, never a bool."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def assert_matches_seed(
    got: Mapping[str, Any],
    expected: Mapping[str, Any],
    resource: resources.Resource,
    *,
    skip: tuple[str, ...] = (),
) -> None:
    """Every field of the seed record is in ``got`` with the same value, typed as it should be.

    Dates may come back in the ASP.NET form ``YYYY-MM-DDT00:00:00``; money and hours must be
    exact numbers (``Decimal``/``int``) equal to the seed's ``Decimal``.
    """
    for name, want in expected.items():
        if name in skip:
            continue
        spec = resource.field(name)
        assert spec is not None, f"{resource.name}.{name} is not in the catalogue"
        assert spec.name in got, f"{resource.name}.{spec.name} missing from {sorted(got)}"
        have = got[spec.name]
        check = _CHECKS.get(spec.kind, _same)
        assert check(have, want), f"{resource.name}.{spec.name}: got {have!r}, want {want!r}"


def _same(have: Any, want: Any) -> bool:
    return type(have) is type(want) and have == want


def _date(have: Any, want: Any) -> bool:
    if want is None:
        return have is None
    return have in (want, f"{want}T00:00:00")


def _number(have: Any, want: Any) -> bool:
    if want is None:
        return have is None
    return is_exact_number(have) and Decimal(have) == Decimal(want)


def _nested_list(have: Any, want: Any) -> bool:
    return isinstance(have, list) and len(have) == len(want)


_CHECKS: Mapping[str, Callable[[Any, Any], bool]] = {
    "date": _date,
    "money": _number,
    "hours": _number,
    "int": _number,
    "sid": _number,
    "ref": _number,
    "list": _nested_list,
}
