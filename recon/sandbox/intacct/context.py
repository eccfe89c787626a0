"""What a function sees of the request it runs in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from recon.sandbox.intacct.render import Response
from recon.sandbox.intacct.store import IntacctStore


@dataclass
class Call:
    """One function call: the store, who asked, when, and where its result goes."""

    store: IntacctStore
    response: Response
    result: etree._Element
    sender: str
    company: str
    userid: str
    locationid: str
    #: Identity for "the last readByQuery on this object" (session id or login).
    owner: str
    now: datetime


def arg(el: etree._Element, name: str) -> str | None:
    """Text of child ``name`` (``""`` if empty), or ``None`` if the child is absent."""
    child = el.find(name)
    if child is None:
        return None
    return (child.text or "").strip()
