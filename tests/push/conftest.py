"""The demo firm in both sandboxes, real clients and writers, and the demo firm's changes.

The demo firm is seeded ONCE per session into a pristine data directory
(:func:`recon.sandbox.seed.prepare`) that no server opens; every test that writes gets a
private copy served by its own Intacct and BigTime sandboxes on loopback port 0.

The changes are built here from the diff of the demo firm's two canonical views
(``firm.intacct_view`` / ``firm.bigtime_view``, generated independently with the same seed)
by the contract's directions (master data Intacct -> BigTime, BigTime-created projects and
staff -> Intacct, time and invoices BigTime -> Intacct), as :class:`recon.plan.Change`
values; the writers never see where they came from. Expected end states are computed from
the same views, never copied from a sandbox's answers.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from recon.bigtime.client import BigTimeClient
from recon.bigtime.pull import pull_all as pull_bigtime
from recon.canonical import ENTITIES, canon_str
from recon.config import sandbox_profile
from recon.connect import bigtime_client, intacct_client
from recon.diff import Diff, diff_all
from recon.intacct.client import IntacctClient
from recon.intacct.pull import pull_all as pull_intacct
from recon.mapping import to_canonical_bigtime, to_canonical_intacct
from recon.plan import Change, FieldChange, change_id
from recon.push.bigtime_writer import BigTimeWriter
from recon.push.intacct_writer import IntacctWriter
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.firm import Firm, generate
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import DEFAULT_SEED, prepare

#: The demo firm's dated range (all its time and invoices fall in 2025).
YEAR_START, YEAR_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
#: Entities that BigTime may create and Intacct then receives (contract "Directions").
CREATED_IN_BIGTIME = ("project", "employee")
TRANSACTIONS = ("time_entry", "invoice")
#: BigTime frames the canonical record entities are mapped from (ids resolve through them).
BIGTIME_FRAMES = (
    "client", "project", "staff", "list:projecttype", "list:costcentera", "list:costcenterb",
    "list:class", "list:term",
)  # fmt: skip
INTACCT_OBJECTS = ("CUSTOMER", "PROJECT", "EMPLOYEE", "TIMESHEETENTRY", "ARINVOICE")

Rows = dict[str | None, list[dict[str, str | None]]]


# --- building changes ---------------------------------------------------------------------


def make_change(
    entity: str,
    key: str,
    action: str,
    target: str,
    fields: Iterable[tuple[str, str | None, str | None]],
) -> Change:
    """A :class:`Change` by the contract's fields; ``fields`` are (column, before, after)."""
    changes = tuple(FieldChange(f, b, a) for f, b, a in fields)
    return Change(
        change_id=change_id(entity, key, action, target, changes),
        entity=entity,
        key=key,
        action=action,  # type: ignore[arg-type]
        target=target,  # type: ignore[arg-type]
        fields=changes,
        rule=f"test: {entity} {action} in {target}",
        money_impact=None,
        depends_on=(),
    )


def row_fields(entity: str, row: Mapping[str, object]) -> list[tuple[str, None, str | None]]:
    """Every non-missing column of a canonical row, as a create's fields."""
    out = []
    for col in ENTITIES[entity].columns:
        value = canon_str(row[col.name], col.kind)
        if value is not None:
            out.append((col.name, None, value))
    return out


def build_changes(diff: Diff) -> list[Change]:
    """The demo diff -> changes, one per record, by the contract's directions."""
    out: list[Change] = []
    for entity, ed in diff.entities.items():
        if entity == "payment":  # review only (BigTime has no payment API)
            continue
        key_col = ENTITIES[entity].key
        is_tx = entity in TRANSACTIONS
        if not is_tx:
            for row in ed.only_in_intacct.to_dict("records"):
                out.append(make_change(entity, row[key_col], "create", "bigtime",
                                       row_fields(entity, row)))  # fmt: skip
        for row in ed.only_in_bigtime.to_dict("records"):
            if is_tx or entity in CREATED_IN_BIGTIME:
                out.append(make_change(entity, row[key_col], "create", "intacct",
                                       row_fields(entity, row)))  # fmt: skip
        for key, group in ed.mismatches.groupby("key", sort=False):
            rows = group.to_dict("records")
            if is_tx:  # after = BigTime's value, written to Intacct
                fields = [(r["field"], r["intacct"], r["bigtime"]) for r in rows]
                out.append(make_change(entity, str(key), "update", "intacct", fields))
            else:
                fields = [(r["field"], r["bigtime"], r["intacct"]) for r in rows]
                out.append(make_change(entity, str(key), "update", "bigtime", fields))
    return out


# --- canonical end states -----------------------------------------------------------------


def canonical_rows(frame: pd.DataFrame, entity: str) -> Rows:
    """``key -> [row as canon_str values]`` (keyless rows under ``None``)."""
    spec = ENTITIES[entity]
    out: Rows = {}
    for rec in frame.to_dict("records"):
        key = rec[spec.key] if isinstance(rec[spec.key], str) else None
        row = {c.name: canon_str(rec[c.name], c.kind) for c in spec.columns}
        out.setdefault(key, []).append(row)
    return out


def expected_rows(view: pd.DataFrame, entity: str, changes: Iterable[Change]) -> Rows:
    """The view's rows with ``changes`` applied: after values written, creates added."""
    rows = canonical_rows(view, entity)
    names = ENTITIES[entity].names
    for change in changes:
        if change.entity != entity:
            continue
        if change.action == "create":
            rows[change.key] = [dict.fromkeys(names)]
        for row in rows[change.key]:
            row.update(change.after())
    return rows


def pulled_intacct(client: IntacctClient) -> dict[str, pd.DataFrame]:
    return to_canonical_intacct(pull_intacct(client, INTACCT_OBJECTS))


def pulled_bigtime(client: BigTimeClient) -> dict[str, pd.DataFrame]:
    frames = pull_bigtime(client, YEAR_START, YEAR_END, entities=BIGTIME_FRAMES)
    return to_canonical_bigtime(frames)


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded data directory; never served from (tests copy it)."""
    data = tmp_path_factory.mktemp("push-pristine") / "data"
    prepare(data, scale=1, seed=DEFAULT_SEED)
    return data


@pytest.fixture(scope="session")
def firm() -> Firm:
    return generate(seed=DEFAULT_SEED, scale=1)


@pytest.fixture(scope="session")
def demo_changes(firm: Firm) -> list[Change]:
    return build_changes(diff_all(dict(firm.intacct_view), dict(firm.bigtime_view)))


@dataclass
class Systems:
    """One test's private sandboxes, clients and writers."""

    intacct: IntacctSandbox
    bigtime: BigtimeSandbox
    ia: IntacctClient
    bt: BigTimeClient

    def intacct_writer(self) -> IntacctWriter:
        return IntacctWriter(self.ia)

    def bigtime_writer(self) -> BigTimeWriter:
        return BigTimeWriter(self.bt)


@pytest.fixture
def systems(pristine: Path, tmp_path: Path) -> Iterator[Systems]:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    with IntacctSandbox(data, port=0) as ia_box, BigtimeSandbox(data, port=0) as bt_box:
        profile = sandbox_profile(intacct_url=ia_box.url, bigtime_url=bt_box.url)
        ia = intacct_client(profile.intacct, sleep=lambda _s: None, backoff_base=0.01)
        bt = bigtime_client(profile.bigtime, sleep=lambda _s: None, backoff=0.001)
        with ia, bt:
            yield Systems(ia_box, bt_box, ia, bt)
