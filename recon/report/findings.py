"""The run's tables for schedulers and spreadsheets: ``findings.csv`` and ``todo_by_hand.csv``.

``findings.csv`` has one row per difference the run found (:data:`FINDINGS_COLUMNS` says what
each column holds), then one per record the comparison left out and per value it compared
empty because it could not be resolved (kinds ``left_out`` and ``unresolved``, the record
and the reason in ``detail``: nothing leaves the comparison unlisted); ``todo_by_hand.csv``
one row per change recon cannot push, with where to make it by hand (:data:`TODO_COLUMNS`).
The same to-do list is a sheet of the Excel report (:func:`todo_table`). Both CSVs are
UTF-8 with a header row, comma-separated, written atomically beside the other reports.

>>> frame = findings_frame(diff, plan, canonical)            # doctest: +SKIP
>>> write_csv(frame, "reports/findings.csv")                # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from recon.diff import Diff
from recon.files import atomic_write
from recon.lexicon import Lexicon
from recon.mapping.common import LEFT_OUT, UNRESOLVED, LeftOut
from recon.plan import Plan
from recon.plan.model import SYSTEM_LABELS
from recon.report.model import Table
from recon.scope import Unread

#: File names, in the run's ``reports/`` folder.
FINDINGS_FILE, TODO_FILE = "findings.csv", "todo_by_hand.csv"
#: ``findings.csv``: column -> what it holds (the README lists them too).
FINDINGS_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "entity": "canonical entity: customer, project, employee, time_entry, invoice, ...",
        "entity_label": "the entity in the firm's BigTime words (Client, Engagement, Staffer)",
        "kind": "missing_in_bigtime, missing_in_intacct, field_mismatch or duplicate_key; "
        "left_out: a record not compared (no key, ...), unresolved: a value compared as "
        "empty (a reference to nothing, a text that is no amount)",
        "key": "the record's key, as Intacct holds it (a time entry: its BigTime id)",
        "name": "the record's name (or, for time and invoices, who/what and when)",
        "field": "the canonical field that differs (empty for a whole-record finding)",
        "intacct_value": "the field's value in Intacct (canonical form; empty if none); "
        "unresolved: what the Intacct record holds there",
        "bigtime_value": "the field's value in BigTime (canonical form; empty if none); "
        "unresolved: what the BigTime record holds there (the id that resolves to nothing)",
        "detail": "what kind of difference: value, cosmetic, only in Intacct, ...; left_out "
        "and unresolved: the record as its system knows it, then why",
        "cosmetic": "yes when the values differ only in letter case, spacing or Unicode form",
        "money_impact": "what the proposed change moves, in the firm's currency (empty: none)",
    }
)
#: ``todo_by_hand.csv`` (and the report's "To do by hand" sheet): column -> what it holds.
TODO_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "entity": "canonical entity",
        "key": "the record's key",
        "name": "the record's name",
        "action": "create, update or deactivate",
        "system": "where to make the change (Intacct or BigTime)",
        "change": "the values to set, field by field",
        "where": "why recon cannot make it, and where to make it by hand",
        "change_id": "the change's id in the run's plan",
    }
)


def findings_frame(
    diff: Diff,
    plan: Plan | None = None,
    names: Mapping[tuple[str, str], str] | None = None,
    lexicon: Lexicon | None = None,
    left_out: Iterable[LeftOut] = (),
) -> pd.DataFrame:
    """Every finding of ``diff`` with :data:`FINDINGS_COLUMNS`, in the diff's order, then
    each of ``left_out`` (the mapping reports' :attr:`~recon.mapping.MappingReport.left_out`).

    ``plan`` gives each record's money impact (of its first proposed change); ``names``
    (:func:`recon.canonical.record_names`) the record names.
    """
    lexicon = lexicon or Lexicon.default()
    found = diff.findings()
    names = names or {}
    money: dict[tuple[str, str], str] = {}
    for change in plan.changes if plan is not None else ():
        if change.money_impact is not None:
            money.setdefault((change.entity, change.key), f"{change.money_impact:.2f}")
    rows = []
    for r in found.to_dict("records"):
        entity, key = str(r["entity"]), "" if r["key"] is None else str(r["key"])
        detail = "" if r["detail"] is None else str(r["detail"])
        rows.append(
            {
                "entity": entity,
                "entity_label": lexicon.label(entity, capital=True),
                "kind": r["kind"],
                "key": key,
                "name": names.get((entity, key), ""),
                "field": r["field"] or "",
                "intacct_value": r["intacct_value"],
                "bigtime_value": r["bigtime_value"],
                "detail": detail,
                "cosmetic": "yes" if detail == "cosmetic" else "no",
                "money_impact": money.get((entity, key), ""),
            }
        )
    rows += [_left_out_row(r, lexicon) for r in left_out]
    return pd.DataFrame(rows, columns=list(FINDINGS_COLUMNS), dtype=object)


def _left_out_row(r: LeftOut, lexicon: Lexicon) -> dict[str, object]:
    return {
        "entity": r.entity,
        "entity_label": lexicon.label(r.entity, capital=True),
        "kind": r.kind,
        "key": r.key or "",
        "name": r.name,
        "field": r.field or "",
        "intacct_value": r.value if r.system == "intacct" else None,
        "bigtime_value": r.value if r.system == "bigtime" else None,
        "detail": f"{r.record}: {r.reason}",
        "cosmetic": "no",
        "money_impact": "",
    }


# --- what the comparison could not hold -------------------------------------------------


def left_out_counts(left_out: Iterable[LeftOut]) -> list[dict[str, object]]:
    """How many records (or values) were left out for each reason, most first: ``{system,
    entity, kind, field, reason, count}`` (``outcome.json`` and :func:`left_out_lines`)."""
    counts = Counter((r.system, r.entity, r.kind, r.field, r.reason) for r in left_out)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][:4], kv[0][4]))
    keys = ("system", "entity", "kind", "field", "reason")
    return [{**dict(zip(keys, group, strict=True)), "count": n} for group, n in ordered]


def left_out_lines(
    counts: Iterable[Mapping[str, object]], lexicon: Lexicon | None = None
) -> list[str]:
    """One line per :func:`left_out_counts` group: ``1 BigTime staff record: no ...``."""
    lexicon = lexicon or Lexicon.default()
    lines = []
    for c in counts:
        n, entity = int(str(c["count"])), str(c["entity"])
        whose = f"{SYSTEM_LABELS[str(c['system'])]} {lexicon.label(entity)}"
        if c["kind"] == UNRESOLVED:
            field = lexicon.column_labels(entity).get(str(c["field"]), str(c["field"]))
            what = f"{whose} {'record' if n == 1 else 'records'}, {field}"
        else:
            what = f"{whose} {'record' if n == 1 else 'records'}"
        lines.append(f"{n:,} {what}: {c['reason']}")
    return lines


def left_out_table(left_out: Sequence[LeftOut], lexicon: Lexicon | None = None) -> Table:
    """The records left out of the comparison and the values compared empty, one row each
    (the reports' "Left out of the comparison" table)."""
    lexicon = lexicon or Lexicon.default()
    rows = tuple(
        (
            lexicon.label(r.entity, capital=True),
            SYSTEM_LABELS[r.system],
            r.record,
            r.key,
            r.name or None,
            lexicon.column_labels(r.entity).get(r.field, r.field) if r.field else None,
            r.value,
            r.reason,
        )
        for r in left_out
    )
    records = sum(r.kind == LEFT_OUT for r in left_out)
    return Table(
        title="Left out of the comparison",
        headings=("Record", "In", "As the system knows it", "Key", "Name", "Field", "Holds",
                  "Why"),
        kinds=("text",) * 8,
        rows=rows,
        note=f"{records:,} records were not compared and {len(rows) - records:,} values "
        "were compared as empty: recon could not pair or resolve them.",
    )  # fmt: skip


def unread_table(unread: Sequence[Unread], lexicon: Lexicon | None = None) -> Table:
    """What could not be read and the entities not compared for it (the reports' "Could
    not be read" table)."""
    lexicon = lexicon or Lexicon.default()
    rows = tuple(
        (
            u.label,
            u.why,
            ", ".join(lexicon.label(e, plural=True, capital=True) for e in u.entities) or None,
        )
        for u in unread
    )
    return Table(
        title="Could not be read",
        headings=("What", "Why", "Not compared"),
        kinds=("text",) * 3,
        rows=rows,
        note="The run went on with what could be read; the entities named here are not "
        "compared at all (not even their records that could be read).",
    )


def todo_frame(plan: Plan, names: Mapping[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """The changes recon cannot push (review only), with :data:`TODO_COLUMNS`."""
    names = names or {}
    rows = [
        {
            "entity": c.entity,
            "key": c.key,
            "name": names.get((c.entity, c.key), ""),
            "action": c.action,
            "system": SYSTEM_LABELS[c.target],
            "change": "; ".join(
                f"{f.field}: {'(empty)' if f.before is None else f.before} -> "
                f"{'(empty)' if f.after is None else f.after}"
                for f in c.fields
            ),
            "where": c.note or "recon does not push this change",
            "change_id": c.change_id,
        }
        for c in plan.changes
        if not c.pushable
    ]
    return pd.DataFrame(rows, columns=list(TODO_COLUMNS), dtype=object)


def todo_table(todo: pd.DataFrame, lexicon: Lexicon | None = None) -> Table:
    """The to-do list as a report table (the Excel report's "To do by hand" sheet)."""
    lexicon = lexicon or Lexicon.default()
    shown = ("key", "name", "action", "system", "change", "where")
    rows = tuple(
        (lexicon.label(r["entity"], capital=True), *(r[c] or None for c in shown))
        for r in todo.to_dict("records")
    )
    return Table(
        title="To do by hand",
        headings=("Record", "Key", "Name", "Action", "In", "Change", "Where and why"),
        kinds=("text",) * 7,
        rows=rows,
        note=f"{len(rows):,} changes recon cannot push: make them by hand where it says.",
    )


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` as UTF-8 CSV with a header row, atomically."""
    target = Path(path)

    def write(tmp: Path) -> None:
        with tmp.open("x", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False)

    atomic_write(target, write)
    return target
