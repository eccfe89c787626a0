"""The demo firm's canonical schema: it lives in the product, :mod:`recon.canonical`.

The demo firm builds its two views in the canonical shape the product maps both pulls to,
so that comparing them is comparing like with like. This module re-exports those names for
the firm's modules (the sandbox may import product code, never the other way round).
"""

from __future__ import annotations

from recon.canonical import (
    DATE_DTYPE,
    ENTITIES,
    ENTITY_ORDER,
    Col,
    Entity,
    Kind,
    canon_str,
    conform,
)

__all__ = [
    "DATE_DTYPE",
    "ENTITIES",
    "ENTITY_ORDER",
    "Col",
    "Entity",
    "Kind",
    "canon_str",
    "conform",
]
