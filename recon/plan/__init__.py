"""Change plans: a run's diff becomes proposed changes, each one record in one system.

>>> from recon.plan import make_plan, DEFAULT_DIRECTIONS, Direction
>>> plan = make_plan(diff, intacct_frames, bigtime_frames, run_id="run-1")  # doctest: +SKIP
>>> plan.frame()  # one row per change, in dependency order  # doctest: +SKIP
>>> plan.held_back({"chg-...": "reject"})  # what must wait, and why  # doctest: +SKIP

Modules: ``model`` (Change, Plan, held_back), ``directions`` (which way each entity flows),
``values`` (canonical strings and money, column-wise), ``order`` (dependencies, order),
``build`` (make_plan).
"""

from __future__ import annotations

from recon.plan.build import change_id, make_plan
from recon.plan.directions import (
    DEFAULT_DIRECTIONS,
    ONLY_IN_TARGET,
    Direction,
    OnlyInTarget,
    settings_directions,
)
from recon.plan.model import (
    ACTIONS,
    DECISIONS,
    FRAME_COLUMNS,
    SYSTEMS,
    Action,
    Change,
    FieldChange,
    Plan,
    System,
)
from recon.plan.order import PLAN_ORDER, REFERENCES

__all__ = [
    "ACTIONS",
    "DECISIONS",
    "DEFAULT_DIRECTIONS",
    "FRAME_COLUMNS",
    "ONLY_IN_TARGET",
    "PLAN_ORDER",
    "REFERENCES",
    "SYSTEMS",
    "Action",
    "Change",
    "Direction",
    "FieldChange",
    "OnlyInTarget",
    "Plan",
    "System",
    "change_id",
    "make_plan",
    "settings_directions",
]
