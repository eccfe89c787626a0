"""Auto-approve rules: the only way a change is approved without a person deciding.

A scheduled run never pushes a change nobody approved, unless it matches a rule the user
wrote down in the profile. Rules are empty by default and must name what they cover
explicitly (no wildcard rule approves everything)::

    [[profiles.acme.auto_approve]]
    name = "master data to BigTime"
    entities = ["customer", "project", "employee"]
    actions = ["update"]
    targets = ["bigtime"]

    [[profiles.acme.auto_approve]]
    name = "small time entries to Intacct"
    entities = ["time_entry"]
    actions = ["create"]
    targets = ["intacct"]
    max_amount = "500.00"   # |money impact| at most this; unknown impact never matches

A change matches a rule when its entity, action and target are all listed and, if the rule
has ``max_amount``, its money impact is known and within it. Rules only ever *approve*, and
only changes nobody has decided: a person's reject or defer is never overridden. Every
automatic decision is recorded with ``rule="auto-approve rule '<name>'"``, which the ledger
keeps, so an auditor sees which rule approved what.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from recon.canonical import ENTITIES
from recon.errors import ConfigError
from recon.plan import ACTIONS, SYSTEMS, Change, Plan
from recon.store import Decision, Store

#: The ledger's actor for decisions made by a rule.
AUTO_ACTOR = "auto-approve"

_KEYS = frozenset({"name", "entities", "actions", "targets", "max_amount"})


@dataclass(frozen=True)
class AutoApproveRule:
    """One written-down rule (see the module docstring)."""

    name: str
    entities: frozenset[str]
    actions: frozenset[str]
    targets: frozenset[str]
    max_amount: Decimal | None = None

    def matches(self, change: Change) -> bool:
        if not change.pushable:
            return False
        if change.entity not in self.entities or change.action not in self.actions:
            return False
        if change.target not in self.targets:
            return False
        if self.max_amount is None:
            return True
        impact = change.money_impact
        return impact is not None and abs(Decimal(impact)) <= self.max_amount

    @property
    def label(self) -> str:
        """What the decision and the ledger record as the rule."""
        return f"auto-approve rule {self.name!r}"


def _names(
    table: Mapping[str, object], key: str, allowed: Iterable[str], where: str
) -> frozenset[str]:
    value = table.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a non-empty list of names")
    known = set(allowed)
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown {key} {unknown}; choose from {sorted(known)}")
    return frozenset(value)


def _amount(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f'{where}: max_amount must be a quoted amount like "500.00"')
    try:
        amount = Decimal(value)
    except decimal.InvalidOperation:
        raise ConfigError(f"{where}: max_amount {value!r} is not a number") from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{where}: max_amount must be a number >= 0")
    return amount


def parse_rules(
    tables: Iterable[Mapping[str, object]], profile: str = ""
) -> tuple[AutoApproveRule, ...]:
    """Check and parse a profile's ``auto_approve`` tables.

    Raises
    ------
    ConfigError
        A rule without a name, a repeated name, an unknown key (a typo must not widen a rule),
        an unknown entity / action / target, or a bad ``max_amount``.
    """
    rules: list[AutoApproveRule] = []
    for n, table in enumerate(tables, 1):
        where = f"profile {profile!r} auto_approve rule {n}"
        extra = sorted(set(table) - _KEYS)
        if extra:
            raise ConfigError(f"{where}: unknown keys {extra}; allowed: {sorted(_KEYS)}")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: name is missing")
        where = f"profile {profile!r} auto_approve rule {name!r}"
        if any(r.name == name for r in rules):
            raise ConfigError(f"{where}: two rules have this name")
        rules.append(
            AutoApproveRule(
                name=name.strip(),
                entities=_names(table, "entities", ENTITIES, where),
                actions=_names(table, "actions", ACTIONS, where),
                targets=_names(table, "targets", SYSTEMS, where),
                max_amount=_amount(table.get("max_amount"), where),
            )
        )
    return tuple(rules)


def matching(plan: Plan, rules: Iterable[AutoApproveRule]) -> dict[str, AutoApproveRule]:
    """Change id -> the first rule that matches it (changes no rule matches are absent)."""
    rules = tuple(rules)
    found: dict[str, AutoApproveRule] = {}
    for change in plan.changes:
        rule = next((r for r in rules if r.matches(change)), None)
        if rule is not None:
            found[change.change_id] = rule
    return found


def auto_approve(store: Store, run_id: str, rules: Iterable[AutoApproveRule]) -> list[Decision]:
    """Approve the run's undecided changes that a rule matches; return those decisions.

    Changes someone already decided (approve, reject or defer) are left as they are.
    """
    plan = store.load_plan(run_id)
    decided = store.decisions(run_id)
    by_rule: dict[AutoApproveRule, list[str]] = {}
    for change_id, rule in matching(plan, rules).items():
        if change_id not in decided:
            by_rule.setdefault(rule, []).append(change_id)
    made: list[Decision] = []
    for rule, ids in by_rule.items():
        made += store.decide_many(
            run_id,
            ids,
            "approve",
            by=AUTO_ACTOR,
            rule=rule.label,
            require_other_than_preparer=False,
        )
    return made
