"""Dependencies between changes, and the order that respects them.

A create or update that writes a reference (a project's customer, a time entry's project)
depends on the change that creates the referenced record in the same target system, when
the plan has one. Changes are listed entity by entity in :data:`PLAN_ORDER` (reference
lists, customers, staff and projects, time, invoices, payments), creates before updates
before deactivations, then by key; a reference within one entity (a new staffer's new
manager) is ordered by a topological pass.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from recon.plan.model import ACTIONS, Change

#: Entity -> column -> the entity the column refers to (by that entity's key).
REFERENCES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "project": MappingProxyType(
            {
                "customer_id": "customer",
                "project_type": "project_type",
                "department_id": "department",
                "location_id": "location",
                "class_id": "class",
                "manager_id": "employee",
                "term_name": "ar_term",
            }
        ),
        "employee": MappingProxyType(
            {
                "department_id": "department",
                "location_id": "location",
                "class_id": "class",
                "manager_id": "employee",
            }
        ),
        "expense_type": MappingProxyType({"gl_account_no": "gl_account"}),
        "checking_account": MappingProxyType({"gl_account_no": "gl_account"}),
        "time_entry": MappingProxyType(
            {"employee_id": "employee", "project_id": "project", "time_type": "time_type"}
        ),
        "invoice": MappingProxyType(
            {"customer_id": "customer", "project_id": "project", "term_name": "ar_term"}
        ),
        "payment": MappingProxyType({"invoice_no": "invoice"}),
        "expense": MappingProxyType(
            {"employee_id": "employee", "project_id": "project", "expense_type": "expense_type"}
        ),
    }
)

#: The order entities are applied in: what is referred to comes before what refers to it
#: (GL accounts before the lists that post to them; staff before projects they manage).
PLAN_ORDER: tuple[str, ...] = (
    "gl_account",
    "checking_account",
    "credit_card",
    "ar_term",
    "department",
    "location",
    "class",
    "project_type",
    "time_type",
    "expense_type",
    "item",
    "vendor",
    "customer",
    "employee",
    "project",
    "time_entry",
    "invoice",
    "expense",
    "payment",
)

_TIER = {name: i for i, name in enumerate(PLAN_ORDER)}
_RANK = {action: i for i, action in enumerate(ACTIONS)}


def link_dependencies(changes: list[Change]) -> list[Change]:
    """``changes`` with ``depends_on`` set: the creates (same target) of what each refers to."""
    creates: dict[tuple[str, str, str], str] = {
        (c.target, c.entity, c.key): c.change_id
        for c in changes
        if c.action == "create" and c.key and c.entity in _REFERRED
    }
    if not creates:
        return changes
    out = []
    for change in changes:
        deps = _prerequisites(change, creates) if change.entity in REFERENCES else ()
        out.append(replace(change, depends_on=deps) if deps else change)
    return out


_REFERRED = frozenset(ref for cols in REFERENCES.values() for ref in cols.values())


def _prerequisites(change: Change, creates: Mapping[tuple[str, str, str], str]) -> tuple[str, ...]:
    if change.action == "deactivate":
        return ()
    refs = REFERENCES[change.entity]
    found: list[str] = []
    for f in change.fields:
        entity = refs.get(f.field)
        if entity is None or f.after is None:
            continue
        dep = creates.get((change.target, entity, f.after))
        if dep is not None and dep != change.change_id and dep not in found:
            found.append(dep)
    return tuple(found)


def order_changes(changes: list[Change]) -> tuple[list[Change], set[str]]:
    """Changes in plan order, and the ids of any caught in a cycle of references.

    Sorted by entity tier, action, key and id -- deterministic whatever order the input
    rows came in. When a dependency would come later (a reference within one entity), a
    topological pass that keeps that order wherever it can moves it up; changes in a cycle
    (two new staffers managing each other) keep the sorted order and are returned apart.
    """
    ordered = sorted(changes, key=lambda c: (_TIER[c.entity], _RANK[c.action], c.key, c.change_id))
    position = {c.change_id: i for i, c in enumerate(ordered)}
    late = any(
        position.get(dep, -1) > position[c.change_id] for c in ordered for dep in c.depends_on
    )
    if not late:
        return ordered, set()
    return _topological(ordered, position)


def _topological(ordered: list[Change], position: dict[str, int]) -> tuple[list[Change], set[str]]:
    """Kahn's algorithm, always taking the earliest ready change in sorted order."""
    waiting = [0] * len(ordered)
    dependants: dict[int, list[int]] = {}
    for i, change in enumerate(ordered):
        for dep in change.depends_on:
            if dep in position:
                waiting[i] += 1
                dependants.setdefault(position[dep], []).append(i)
    ready = [i for i, n in enumerate(waiting) if n == 0]
    heapq.heapify(ready)
    out: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        out.append(i)
        for j in dependants.get(i, ()):
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    done = set(out)
    stuck = [i for i in range(len(ordered)) if i not in done]
    return [ordered[i] for i in out + stuck], {ordered[i].change_id for i in stuck}
