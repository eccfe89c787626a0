"""Response XML, built with the lxml element API, and cached record fragments.

Records are the bulk of a large response, so each record is rendered once (copying a
per-style template element and filling its leaves), serialized with lxml, and cached in the
store as bytes. A response is serialized around a placeholder element inside each
``<data>``; the cached fragments are spliced in at that point. No XML is ever built from
strings: every byte either comes from ``etree.tostring`` or is the fixed XML declaration.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lxml import etree

from recon.errors import RemoteErrorDetail
from recon.sandbox.intacct import catalogue, values
from recon.sandbox.intacct.store import IntacctStore, storage_columns

DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_PLACEHOLDER_TAG = "_sandbox_records_"
_PLACEHOLDER = re.compile(rb'<_sandbox_records_ n="(\d+)"/>')


@dataclass(frozen=True)
class ControlEcho:
    """What ``<control>`` echoes; ``None`` parts are left out.

    For a request that could not be read the defaults apply: empty ids, and the uniqueid and
    dtdversion elements still present, as in Intacct's parse-error responses
    (``execXMLError.xml``).
    """

    senderid: str = ""
    controlid: str = ""
    uniqueid: str | None = "false"
    dtdversion: str | None = "3.0"


class Response:
    """A ``<response>`` under construction, with record fragments to splice in."""

    def __init__(self) -> None:
        self.root = etree.Element("response")
        self._splices: list[Sequence[bytes]] = []

    def control(self, echo: ControlEcho, status: str) -> None:
        el = etree.SubElement(self.root, "control")
        _text(el, "status", status)
        _text(el, "senderid", echo.senderid)
        _text(el, "controlid", echo.controlid)
        if echo.uniqueid is not None:
            _text(el, "uniqueid", echo.uniqueid)
        if echo.dtdversion is not None:
            _text(el, "dtdversion", echo.dtdversion)

    def data(
        self,
        parent: etree._Element,
        attrs: Mapping[str, str] | None = None,
        records: Sequence[bytes] = (),
    ) -> etree._Element:
        """Append ``<data>`` with attributes in the given order and record fragments."""
        el = etree.SubElement(parent, "data")
        for k, v in (attrs or {}).items():
            el.set(k, v)
        if records:
            # A numbered placeholder: a <data> removed later (rollback) just drops its records.
            etree.SubElement(el, _PLACEHOLDER_TAG, n=str(len(self._splices)))
            self._splices.append(records)
        return el

    def to_bytes(self) -> bytes:
        body = etree.tostring(self.root, encoding="UTF-8")
        if self._splices:
            parts = _PLACEHOLDER.split(body)
            out = parts[0::2]
            for i, index in enumerate(parts[1::2]):
                out.insert(2 * i + 1, b"".join(self._splices[int(index)]))
            body = b"".join(out)
        return DECLARATION + body


def _text(parent: etree._Element, tag: str, text: str | None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    el.text = text or ""
    return el


def errormessage(parent: etree._Element, errors: Iterable[RemoteErrorDetail]) -> None:
    msg = etree.SubElement(parent, "errormessage")
    for e in errors:
        err = etree.SubElement(msg, "error")
        _text(err, "errorno", e.errorno)
        _text(err, "description", e.description)
        _text(err, "description2", e.description2)
        _text(err, "correction", e.correction)


def authentication(
    parent: etree._Element,
    status: str,
    userid: str,
    companyid: str,
    times: tuple[str, str, str] | None = None,
) -> None:
    """``times`` = (locationid, sessiontimestamp, sessiontimeout) on success."""
    el = etree.SubElement(parent, "authentication")
    _text(el, "status", status)
    _text(el, "userid", userid)
    _text(el, "companyid", companyid)
    if times is not None:
        for tag, value in zip(
            ("locationid", "sessiontimestamp", "sessiontimeout"), times, strict=True
        ):
            _text(el, tag, value)


def result(parent: etree._Element, status: str, function: str, controlid: str) -> etree._Element:
    el = etree.SubElement(parent, "result")
    _text(el, "status", status)
    _text(el, "function", function)
    _text(el, "controlid", controlid)
    return el


def api_session(
    resp: Response, parent: etree._Element, sessionid: str, endpoint: str, locationid: str
) -> None:
    api = etree.SubElement(resp.data(parent), "api")
    _text(api, "sessionid", sessionid)
    _text(api, "endpoint", endpoint)
    _text(api, "locationid", locationid)


def gateway_error(errorno: str, description: str) -> bytes:
    """A gateway-level (``GW-nnnn``) failure body: errorno + description only
    (docs/specs/intacct-xml-api.md §2.4)."""
    resp = Response()
    ctrl = etree.SubElement(resp.root, "control")
    _text(ctrl, "status", "failure")
    err = etree.SubElement(etree.SubElement(resp.root, "errormessage"), "error")
    _text(err, "errorno", errorno)
    _text(err, "description", description)
    return resp.to_bytes()


def simple_element(tag: str, children: Sequence[tuple[str, str]]) -> bytes:
    """``<tag><A>a</A>...</tag>`` serialized (create/update acknowledgements, aggregates)."""
    el = etree.Element(tag)
    for name, value in children:
        _text(el, name, value)
    return etree.tostring(el, encoding="UTF-8")


# --- records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordStyle:
    """How records are rendered: element tag, fields in order, nested or dotted names, lines."""

    obj: str
    tag: str
    fields: tuple[str, ...]
    nested: bool = True
    with_lines: bool = False


@dataclass(frozen=True)
class _Template:
    element: etree._Element
    #: (position in element.iter(), index into the row, storage->wire converter)
    plan: tuple[tuple[int, int, Callable[[Any], str]], ...]


@lru_cache(maxsize=256)
def _template(style: RecordStyle) -> _Template:
    schema = catalogue.get(style.obj)
    root = etree.Element(style.tag)
    leaves: list[etree._Element] = []  # keeps proxies alive, so identities below hold
    for field in style.fields:
        parts = field.split(".") if style.nested else [field]
        parent = root
        for part in parts[:-1]:
            found = [c for c in parent if c.tag == part and len(c)]
            parent = found[0] if found else etree.SubElement(parent, part)
        leaves.append(etree.SubElement(parent, parts[-1]))
    position = {id(el): n for n, el in enumerate(root.iter())}
    plan = []
    for i, leaf in enumerate(leaves):
        convert = values.wire_converter(schema.fields.get(style.fields[i], "text")) or str
        plan.append((position[id(leaf)], i, convert))
    return _Template(root, tuple(plan))


def _build(template: _Template, row: Sequence[object]) -> etree._Element:
    el = copy.copy(template.element)  # lxml copies the whole subtree, in C
    nodes = list(el.iter())
    for pos, i, convert in template.plan:
        v = row[i]
        if v is not None:
            nodes[pos].text = convert(v)
    return el


def render_records(store: IntacctStore, style: RecordStyle, recnos: Sequence[int]) -> list[bytes]:
    """Serialized records in ``recnos`` order (missing records are skipped), cached."""
    cache = store.fragments(style.obj, style)
    missing = [r for r in recnos if r not in cache]
    made: dict[int, bytes] = {}
    if missing:
        template = _template(style)
        rows = store.rows(style.obj, missing, style.fields)
        for r in missing:
            if r in rows:
                el = _build(template, rows[r])
                if style.with_lines:
                    _append_lines(store, style.obj, r, el)
                made[r] = etree.tostring(el, encoding="UTF-8")
        store.keep(style.obj, style, made)
    out = []
    for r in recnos:
        frag = made.get(r) or cache.get(r)
        if frag is not None:
            out.append(frag)
    return out


def _append_lines(store: IntacctStore, obj: str, recno: int, el: etree._Element) -> None:
    lines = catalogue.get(obj).lines
    if lines is None:
        return
    wrapper_tag, line_obj, key_field = lines
    line_style = RecordStyle(line_obj, line_obj, storage_columns(catalogue.get(line_obj)))
    template = _template(line_style)
    line_recnos = store.find(line_obj, key_field, str(recno), limit=1_000_000)
    rows = store.rows(line_obj, line_recnos, line_style.fields)
    wrapper = etree.SubElement(el, wrapper_tag)
    for r in line_recnos:
        wrapper.append(_build(template, rows[r]))
