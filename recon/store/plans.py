"""Plans in the store: a :class:`recon.plan.Change` as JSON and back.

Only the contract's fields are stored, by name, so the store does not depend on how
``recon.plan`` builds its objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from recon.errors import PlanError
from recon.plan import Change, FieldChange, Plan

#: The scalar fields of a change, as stored (``fields`` and ``money_impact`` are special).
_SCALARS = (
    "change_id", "entity", "key", "action", "target", "rule", "pushable", "note",
    "name", "noun", "target_key",
)  # fmt: skip


def change_body(change: Any) -> dict[str, Any]:
    """The JSON-ready form of one change (raises ConfigError if it is not change-shaped)."""
    try:
        body: dict[str, Any] = {name: getattr(change, name) for name in _SCALARS}
        body["fields"] = [[f.field, f.before, f.after] for f in change.fields]
        body["depends_on"] = list(change.depends_on)
        money = change.money_impact
    except AttributeError as exc:
        raise PlanError(f"not a plan change: {change!r} ({exc})") from None
    body["money_impact"] = None if money is None else str(money)
    for name in ("change_id", "entity", "action", "target"):
        if not isinstance(body[name], str) or not body[name]:
            raise PlanError(f"change {body['change_id']!r}: {name} must be a non-empty string")
    if not isinstance(body["key"], str):  # "" is allowed: a record with no id (review only)
        raise PlanError(f"change {body['change_id']!r}: key must be a string")
    return body


def to_json(body: Mapping[str, Any]) -> str:
    """Canonical JSON of a change body (sorted keys: the same change, the same text)."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def field_values(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``({column: before}, {column: after})`` of a stored change, for the ledger."""
    fields: Sequence[Sequence[Any]] = body.get("fields", ())
    return {f[0]: f[1] for f in fields}, {f[0]: f[2] for f in fields}


def build_change(body: Mapping[str, Any]) -> Change:
    """A :class:`recon.plan.Change` from its stored body."""
    money = body.get("money_impact")
    try:
        impact = None if money is None else Decimal(money)
    except InvalidOperation:
        raise PlanError(f"change {body['change_id']}: bad money impact {money!r}") from None
    return Change(
        change_id=body["change_id"],
        entity=body["entity"],
        key=body["key"],
        action=body["action"],
        target=body["target"],
        fields=tuple(FieldChange(field=f, before=b, after=a) for f, b, a in body["fields"]),
        rule=body["rule"],
        money_impact=impact,
        depends_on=tuple(body["depends_on"]),
        pushable=bool(body["pushable"]),
        note=body["note"],
        name=body.get("name") or "",  # plans saved before names were kept have none
        noun=body.get("noun") or "",
        target_key=body.get("target_key") or "",
    )


def build_plan(run_id: str, bodies: Sequence[Mapping[str, Any]]) -> Plan:
    """A :class:`recon.plan.Plan` of ``run_id`` from its stored change bodies, in order."""

    return Plan(run_id=run_id, changes=tuple(build_change(b) for b in bodies))
