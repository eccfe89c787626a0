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
from recon.config import Profile, sandbox_profile
from recon.connect import bigtime_client, intacct_client
from recon.diff import Diff, diff_all
from recon.intacct.client import IntacctClient
from recon.intacct.filters import F
from recon.intacct.pull import pull_all as pull_intacct
from recon.intacct.uncertain import EXPENSE_LINK_FIELD, TIMESHEETENTRY_LINK_FIELD
from recon.mapping import to_canonical_bigtime, to_canonical_intacct
from recon.pipeline import pull_both, reconcile
from recon.plan import Change, FieldChange, Plan, change_id, make_plan
from recon.push.bigtime_writer import BigTimeWriter
from recon.push.intacct_writer import IntacctWriter
from recon.push.writers import Writer
from recon.sandbox.bigtime.server import BigtimeSandbox
from recon.sandbox.firm import Firm, generate
from recon.sandbox.intacct.server import IntacctSandbox
from recon.sandbox.seed import DEFAULT_SEED, prepare
from recon.store import Store

#: The demo firm's dated range (all its time and invoices fall in 2025).
YEAR_START, YEAR_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
#: Entities that BigTime may create and Intacct then receives (contract "Directions").
CREATED_IN_BIGTIME = ("project", "employee")
TRANSACTIONS = ("time_entry", "invoice", "expense")
#: BigTime frames the canonical record entities are mapped from (ids resolve through them).
BIGTIME_FRAMES = (
    "client", "project", "staff", "list:projecttype", "list:costcentera", "list:costcenterb",
    "list:class", "list:term",
)  # fmt: skip
INTACCT_OBJECTS = (
    "CUSTOMER", "PROJECT", "EMPLOYEE", "TIMESHEETENTRY", "ARINVOICE", "EEXPENSESITEM", "EEXPENSES",
)  # fmt: skip
#: The demo's time entries with a planted change whose Intacct timesheet is approved (weeks
#: before 2025-12-15): recon never rewrites those sheets, so their changes are refused at
#: push as review only (tests/push/test_timesheets.py checks this list against the firm).
LOCKED_TIME = ("1009910", "1019231")

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


# --- the push engine: a real run's plan, a store, writers ---------------------------------

#: The run every push test stores its plan under.
PUSH_RUN = "push-test"


@dataclass(frozen=True)
class ReviewedRun:
    """What the accountant reviewed: the demo firm's plan and findings from a real pull."""

    plan: Plan
    findings: pd.DataFrame


def profile_of(systems: Systems) -> Profile:
    """The sandbox profile of one test's private sandboxes."""
    return sandbox_profile(intacct_url=systems.intacct.url, bigtime_url=systems.bigtime.url)


def reconcile_now(profile: Profile, run_id: str = PUSH_RUN) -> ReviewedRun:
    """Pull both systems, reconcile and plan: what a run sees right now."""
    rec = reconcile(pull_both(profile, YEAR_START, YEAR_END))
    plan = make_plan(rec.diff, rec.intacct, rec.bigtime, run_id=run_id)
    return ReviewedRun(plan, rec.diff.findings())


@pytest.fixture(scope="session")
def reviewed(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> ReviewedRun:
    """The demo firm's plan, built once from a real pull of a copy of the pristine data."""
    data = tmp_path_factory.mktemp("push-review") / "data"
    shutil.copytree(pristine, data)
    with IntacctSandbox(data, port=0) as ia_box, BigtimeSandbox(data, port=0) as bt_box:
        return reconcile_now(sandbox_profile(intacct_url=ia_box.url, bigtime_url=bt_box.url))


def stored_run(
    path: Path,
    plan: Plan,
    *,
    approve: Iterable[str] | None = None,
    reject: Iterable[str] = (),
    defer: Iterable[str] = (),
) -> Store:
    """A store holding ``plan`` with decisions: ``approve`` (default: every pushable change
    not rejected or deferred), ``reject``, ``defer``; decided by someone who did not
    prepare the run."""
    store = Store(path)
    store.save_run(plan.run_id, profile="sandbox", prepared_by="preparer")
    store.save_plan(plan)
    reject, defer = list(reject), list(defer)
    if approve is None:
        approve = [
            c.change_id
            for c in plan.changes
            if c.pushable and c.change_id not in reject and c.change_id not in defer
        ]
    for ids, decision in ((list(approve), "approve"), (reject, "reject"), (defer, "defer")):
        if ids:
            store.decide_many(plan.run_id, ids, decision, by="reviewer")  # type: ignore[arg-type]
    return store


@pytest.fixture
def writers(systems: Systems) -> dict[str, Writer]:
    return {"intacct": systems.intacct_writer(), "bigtime": systems.bigtime_writer()}


def copies(systems: Systems, change: Change) -> int:
    """How many records carry ``change``'s key in its target system, read straight from the
    sandbox through the client (a create applied twice shows as 2).

    BigTime staff are counted by e-mail (the "Employee ID" lives in each staffer's detail).
    """
    spec = ENTITIES[change.entity]
    if change.target == "intacct":
        if change.entity == "time_entry":
            return systems.ia.count("TIMESHEETENTRY", F(TIMESHEETENTRY_LINK_FIELD) == change.key)
        if change.entity == "expense":  # an expense is a line of a report (issue 16)
            return systems.ia.count("EEXPENSESITEM", F(EXPENSE_LINK_FIELD) == change.key)
        return systems.ia.count(spec.intacct_object, F(spec.col(spec.key).intacct) == change.key)
    if change.entity == "customer":
        return len([c for c in systems.bt.clients() if c.get("ClientId") == change.key])
    if change.entity == "project":
        return len([p for p in systems.bt.projects() if p.get("ProjectCode") == change.key])
    if change.entity == "employee":
        email = change.after()["email"]
        return len([s for s in systems.bt.staff() if s.get("EMail") == email])
    raise AssertionError(f"no count for {change.label} in BigTime")
