"""The demo firm: one seeded professional-services firm as Intacct and BigTime each hold it.

``generate(seed, scale)`` returns a :class:`Firm` with canonical frames per entity for both
systems (``intacct_view``, ``bigtime_view``; columns in ``columns.ENTITIES``), the Intacct wire
frames the Intacct sandbox serves (``Firm.intacct_frames()``), and a manifest of exactly the
disagreements planted between the two systems (:class:`Planted`).

Modules: ``columns`` (canonical schema, one place), ``reference``/``parties``/``timegen``/
``billing`` (the truth), ``plan``/``plant`` (disagreements + manifest), ``intacct_wire``/
``intacct_wire_txn``/``wire_format`` (Intacct wire rendering).
"""

from recon.sandbox.firm.columns import ENTITIES, Col, Entity, canon_str
from recon.sandbox.firm.model import Firm, generate
from recon.sandbox.firm.plant import Planted
from recon.sandbox.firm.truth import time_entry_count

__all__ = [
    "ENTITIES",
    "Col",
    "Entity",
    "Firm",
    "Planted",
    "canon_str",
    "generate",
    "time_entry_count",
]
