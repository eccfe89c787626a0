"""Build Intacct request envelopes and functions with the lxml element API (spec §1.2-§4).

A request is ``<request><control/><operation transaction=…><authentication/><content>``
``<function controlid=…>…</function>…</content></operation></request>``. The builders here
return :class:`Function` values (one ``<function>`` body plus its control id); the client
puts them into an envelope with :func:`build_request`. Nothing here touches the network.

Citations: "spec §N" is docs/specs/intacct-xml-api.md.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from recon.errors import ConfigError
from recon.intacct import schema, uncertain, xmlsafe
from recon.intacct.filters import Filter, Order
from recon.intacct.filters import orderby as build_orderby
from recon.intacct.quoting import field_name, xml_text

#: Spec §1.2: function and control ``controlid`` are 1..256 characters.
MAX_CONTROLID_LENGTH = 256
#: Spec §3.6.
MAX_READBYQUERY_PAGESIZE = 1000
MAX_QUERY_PAGESIZE = 2000
DTD_VERSION = "3.0"

#: Owned line wrappers (``TIMESHEETENTRIES``) -> line element (``TIMESHEETENTRY``), from schema.
LINE_ELEMENTS: Mapping[str, str] = {
    o.lines[0]: o.lines[1] for o in schema.OBJECTS.values() if o.lines is not None
}

#: The generic write functions: they change data, so they go out with ``uniqueid=true``.
WRITE_FUNCTIONS = frozenset({"create", "update", "delete"})


@dataclass(frozen=True)
class Sender:
    """The Web Services sender (``control/senderid`` + ``control/password``)."""

    sender_id: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class LoginAuth:
    """``<authentication><login>``: user, company, password, optional entity."""

    user_id: str
    company_id: str
    password: str = field(repr=False)
    location_id: str | None = None


@dataclass(frozen=True)
class SessionAuth:
    """``<authentication><sessionid>``."""

    session_id: str = field(repr=False)


Auth = LoginAuth | SessionAuth


@dataclass(frozen=True, eq=False)
class Function:
    """One ``<function controlid=…>`` with its single child (``<readByQuery>`` …).

    ``body`` is never attached to a tree: :meth:`to_element` copies it, so the same
    function can go out again in a retried or re-authenticated request.
    """

    controlid: str
    body: etree._Element

    @property
    def name(self) -> str:
        """The function element name, e.g. ``readByQuery``."""
        return str(self.body.tag)

    @property
    def is_write(self) -> bool:
        return self.name in WRITE_FUNCTIONS

    def to_element(self) -> etree._Element:
        el = etree.Element("function", controlid=self.controlid)
        el.append(copy.deepcopy(self.body))
        return el


def new_controlid() -> str:
    """A fresh control id (UUID4, as the SDKs use) for reads and request envelopes."""
    return str(uuid.uuid4())


def check_controlid(controlid: object) -> str:
    """Return ``controlid`` if usable, else raise :class:`ConfigError` (1..256 characters)."""
    if not isinstance(controlid, str) or not controlid.strip():
        raise ConfigError("a write needs a function control id (a non-empty string)")
    if len(controlid) > MAX_CONTROLID_LENGTH:
        raise ConfigError(f"control id longer than {MAX_CONTROLID_LENGTH} characters")
    _set_text(etree.Element("controlid"), controlid)  # refuses NUL and other control chars
    return controlid


def build_request(
    sender: Sender,
    auth: Auth,
    functions: Sequence[Function],
    *,
    controlid: str | None = None,
    uniqueid: bool = False,
    transaction: bool = False,
) -> etree._Element:
    """The whole ``<request>`` element.

    Parameters
    ----------
    sender:
        Web Services sender credentials.
    auth:
        Login or session authentication.
    functions:
        1..n functions, sent in this order.
    controlid:
        Request control id (not checked for uniqueness by Intacct, spec §4.5); default UUID4.
    uniqueid:
        ``true`` makes Intacct refuse a function control id it has already executed: the
        idempotency key of writes (spec §4.5).
    transaction:
        All functions succeed or all roll back (spec §2.6).
    """
    if not functions:
        raise ConfigError("a request needs at least one function")
    root = etree.Element("request")
    root.append(_control(sender, check_controlid(controlid or new_controlid()), uniqueid))
    operation = etree.SubElement(root, "operation", transaction=_bool(transaction))
    operation.append(_authentication(auth))
    content = etree.SubElement(operation, "content")
    for function in functions:
        content.append(function.to_element())
    return root


def request_bytes(*args: Any, **kwargs: Any) -> bytes:
    """:func:`build_request` serialised with the UTF-8 declaration."""
    return xmlsafe.to_bytes(build_request(*args, **kwargs))


def _control(sender: Sender, controlid: str, uniqueid: bool) -> etree._Element:
    # xs:sequence in api.xsd: this order is required.
    control = etree.Element("control")
    _sub(control, "senderid", sender.sender_id)
    _sub(control, "password", sender.password)
    _sub(control, "controlid", controlid)
    _sub(control, "uniqueid", _bool(uniqueid))
    _sub(control, "dtdversion", DTD_VERSION)
    _sub(control, "includewhitespace", "false")  # XSD default true; SDKs send false
    return control


def _authentication(auth: Auth) -> etree._Element:
    el = etree.Element("authentication")
    if isinstance(auth, SessionAuth):
        _sub(el, "sessionid", auth.session_id)
        return el
    login = etree.SubElement(el, "login")
    _sub(login, "userid", auth.user_id)
    _sub(login, "companyid", auth.company_id)
    _sub(login, "password", auth.password)
    if auth.location_id:
        _sub(login, "locationid", auth.location_id)
    return el


# --- read functions -------------------------------------------------------------------


def get_api_session(location_id: str | None = None, controlid: str | None = None) -> Function:
    """``<getAPISession>``, optionally for one entity (spec §1.4)."""
    body = etree.Element("getAPISession")
    if location_id:
        _sub(body, "locationid", location_id)
    return _function(body, controlid)


def read_by_query(
    obj: str,
    query: str = "",
    fields: Iterable[str] | None = None,
    pagesize: int = MAX_READBYQUERY_PAGESIZE,
    controlid: str | None = None,
) -> Function:
    """``<readByQuery>`` (spec §3.1); ``query`` must come from :mod:`recon.intacct.quoting`."""
    body = etree.Element("readByQuery")
    _sub(body, "object", field_name(obj))
    _sub(body, "fields", _field_list(fields))
    _sub(body, "query", query)
    _sub(body, "pagesize", str(_pagesize(pagesize, MAX_READBYQUERY_PAGESIZE)))
    _sub(body, "returnFormat", "xml")
    return _function(body, controlid)


def read_more(result_id: str, controlid: str | None = None) -> Function:
    """``<readMore><resultId>`` (spec §3.2)."""
    if not result_id:
        raise ConfigError("readMore needs a resultId")
    body = etree.Element("readMore")
    _sub(body, "resultId", result_id)
    return _function(body, controlid)


def query(
    obj: str,
    select: Sequence[str],
    filter: Filter | None = None,
    orderby: Sequence[str | Order] | etree._Element | None = None,
    pagesize: int = MAX_QUERY_PAGESIZE,
    offset: int = 0,
    caseinsensitive: bool = False,
    controlid: str | None = None,
) -> Function:
    """``<query>`` (spec §3.4): plain fields in ``select`` (``*`` is not allowed)."""
    if isinstance(select, str) or not select:
        raise ConfigError("query needs a list of fields to select")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ConfigError(f"query offset must be an integer >= 0, got {offset!r}")
    body = etree.Element("query")
    _sub(body, "object", field_name(obj))
    sel = etree.SubElement(body, "select")
    for name in select:
        _sub(sel, "field", field_name(name))
    if filter is not None:
        body.append(filter.to_element())
    if isinstance(orderby, etree._Element):
        body.append(copy.deepcopy(orderby))  # appending the caller's element would move it
    elif orderby is not None:
        body.append(build_orderby(*orderby))
    if caseinsensitive:
        _sub(etree.SubElement(body, "options"), "caseinsensitive", "true")
    _sub(body, "pagesize", str(_pagesize(pagesize, MAX_QUERY_PAGESIZE)))
    _sub(body, "offset", str(offset))
    return _function(body, controlid)


def read(
    obj: str,
    keys: Iterable[str | int],
    fields: Iterable[str] | None = None,
    controlid: str | None = None,
) -> Function:
    """``<read>`` by RECORDNO keys (≤ ``uncertain.MAX_READ_KEYS``, spec §3.3)."""
    return _keyed_read("read", obj, keys, fields, controlid)


def read_by_name(
    obj: str, keys: Iterable[str], fields: Iterable[str] | None = None, controlid: str | None = None
) -> Function:
    """``<readByName>`` by natural ids (CUSTOMERID …), ≤ ``uncertain.MAX_READ_KEYS``."""
    return _keyed_read("readByName", obj, keys, fields, controlid)


def _keyed_read(
    tag: str,
    obj: str,
    keys: Iterable[str | int],
    fields: Iterable[str] | None,
    controlid: str | None,
) -> Function:
    body = etree.Element(tag)
    _sub(body, "object", field_name(obj))
    _sub(body, "keys", _key_list(keys, uncertain.MAX_READ_KEYS))
    _sub(body, "fields", _field_list(fields))
    _sub(body, "returnFormat", "xml")
    return _function(body, controlid)


# --- write functions ------------------------------------------------------------------


def create(obj: str, records: Sequence[Mapping[str, Any]], controlid: str) -> Function:
    """Generic ``<create>`` of one or more records of one object (spec §4.1).

    Records map field names to values; dotted names nest (``DISPLAYCONTACT.EMAIL1`` ->
    ``<DISPLAYCONTACT><EMAIL1>``), nested mappings nest too, and a list under an owned-line
    wrapper (``TIMESHEETENTRIES``) becomes one line element per item. ``None`` sends an empty
    element, which clears the field on update.
    """
    return _write("create", obj, records, controlid)


def update(obj: str, records: Sequence[Mapping[str, Any]], controlid: str) -> Function:
    """Generic ``<update>``; each record carries RECORDNO or the natural id (spec §4.2)."""
    return _write("update", obj, records, controlid)


def delete(obj: str, recordnos: Iterable[str | int], controlid: str) -> Function:
    """Generic ``<delete>`` by RECORDNO keys (spec §4.3)."""
    body = etree.Element("delete")
    _sub(body, "object", field_name(obj))
    _sub(body, "keys", _key_list(recordnos, uncertain.MAX_RECORDS_PER_WRITE))
    return Function(check_controlid(controlid), body)


def _write(tag: str, obj: str, records: Sequence[Mapping[str, Any]], controlid: str) -> Function:
    cid = check_controlid(controlid)
    if isinstance(records, Mapping):
        raise ConfigError(f"{tag} takes a list of records, not one mapping")
    if not 1 <= len(records) <= uncertain.MAX_RECORDS_PER_WRITE:
        raise ConfigError(
            f"{tag} takes 1 to {uncertain.MAX_RECORDS_PER_WRITE} records, got {len(records)}"
        )
    body = etree.Element(tag)
    for record in records:
        _fill(etree.SubElement(body, field_name(obj)), record)
    return Function(cid, body)


def _fill(parent: etree._Element, record: Mapping[str, Any]) -> None:
    for key, value in _nest(record).items():
        if isinstance(value, list | tuple):
            _fill_list(parent, key, value)
            continue
        el = etree.SubElement(parent, key)
        if isinstance(value, Mapping):
            _fill(el, value)
        elif value is not None:
            _set_text(el, xml_text(value))


def _fill_list(parent: etree._Element, key: str, items: Sequence[Any]) -> None:
    line_tag = LINE_ELEMENTS.get(key)
    if line_tag is not None:  # TIMESHEETENTRIES: [{...}] -> wrapper with one line per item
        parent = etree.SubElement(parent, key)
        key = line_tag
    for item in items:  # otherwise repeat the element itself (xmltodict convention)
        el = etree.SubElement(parent, key)
        if isinstance(item, Mapping):
            _fill(el, item)
        elif item is not None:
            _set_text(el, xml_text(item))


def _nest(record: Mapping[str, Any]) -> dict[str, Any]:
    """Turn dotted keys into nested dicts, keeping first-seen order."""
    tree: dict[str, Any] = {}
    for key, value in record.items():
        *parents, leaf = field_name(key).split(".")
        node = tree
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"field {key!r} conflicts with a plain value for {part!r}")
            node = child
        if leaf in node:
            raise ConfigError(f"field {key!r} given twice")
        node[leaf] = dict(value) if isinstance(value, Mapping) else value
    return tree


# --- small helpers --------------------------------------------------------------------


def _function(body: etree._Element, controlid: str | None) -> Function:
    return Function(check_controlid(controlid or new_controlid()), body)


def _sub(parent: etree._Element, tag: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    _set_text(el, text)
    return el


def _set_text(el: etree._Element, text: str) -> None:
    try:
        el.text = text
    except ValueError as exc:  # lxml refuses NUL and other control characters
        raise ConfigError(f"value for <{el.tag}> holds characters XML cannot carry") from exc


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _field_list(fields: Iterable[str] | None) -> str:
    if fields is None:
        return "*"
    if isinstance(fields, str):
        raise ConfigError("fields must be a list of names, not one string")
    names = [field_name(f) for f in fields]
    return ",".join(names) if names else "*"


def _key_list(keys: Iterable[str | int], limit: int) -> str:
    if isinstance(keys, str | bytes):
        raise ConfigError("keys must be a list, not one string")
    texts = [_key_text(k) for k in keys]
    if not 1 <= len(texts) <= limit:
        raise ConfigError(f"between 1 and {limit} keys per call, got {len(texts)}")
    return ",".join(texts)


def _key_text(key: str | int) -> str:
    if isinstance(key, bool) or not isinstance(key, str | int):
        raise ConfigError(f"a key must be a string or an integer, got {type(key).__name__}")
    text = str(key)
    if not text or "," in text or text != text.strip():
        # Keys travel comma-separated: a comma or stray blank would read as another key.
        raise ConfigError(f"unusable key {text!r}")
    return text


def _pagesize(pagesize: int, limit: int) -> int:
    if isinstance(pagesize, bool) or not isinstance(pagesize, int) or not 1 <= pagesize <= limit:
        raise ConfigError(f"pagesize must be 1 to {limit}, got {pagesize!r}")
    return pagesize
