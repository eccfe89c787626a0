"""The one hardened XML parser. Every XML byte recon reads goes through :func:`parse`.

No DTD loading, no entity expansion, no network, no recovery, no huge trees, and any
document that carries a DOCTYPE at all is refused (an external DTD in ``DOCTYPE SYSTEM``
parses without being fetched, so only the doctype check stops it). Intacct never sends a
DOCTYPE, so refusing one loses nothing.

It sits below both the Intacct client (``recon.intacct.xmlsafe`` re-exports it) and the
Intacct sandbox, which parses what clients send it. It is a security utility, not knowledge
about Intacct: sharing it shares no guess about the remote system.
"""

from __future__ import annotations

import threading

from lxml import etree

from recon.errors import XMLSecurityError

#: Bytes we accept in one document; Intacct pages of 2,000 wide records stay far below.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; one per thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            recover=False,
            remove_blank_text=True,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def parse(data: bytes | str) -> etree._Element:
    """Parse ``data`` into an element tree root, or raise :class:`XMLSecurityError`.

    Parameters
    ----------
    data:
        The document. ``str`` is encoded as UTF-8 after dropping its XML declaration.
    """
    if isinstance(data, str):
        data = data.encode("utf-8") if not data.lstrip().startswith("<?xml") else _strip_decl(data)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise XMLSecurityError(f"XML document too large ({len(data)} bytes)")
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XMLSecurityError(f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # e.g. unicode string with encoding declaration
        raise XMLSecurityError(f"not well-formed XML: {exc}") from None
    if root is None:
        raise XMLSecurityError("empty XML document")
    doctype = root.getroottree().docinfo.doctype  # type: ignore[union-attr]  # lxml-stubs lack DocInfo.doctype
    if doctype:
        raise XMLSecurityError("XML documents with a DOCTYPE are refused")
    if _has_entity_refs(root):
        raise XMLSecurityError("XML entity references are refused")
    return root


def _strip_decl(text: str) -> bytes:
    end = text.find("?>")
    return text[end + 2 :].encode("utf-8") if end >= 0 else text.encode("utf-8")


def _has_entity_refs(root: etree._Element) -> bool:
    # With resolve_entities=False an undeclared/unresolved reference survives as an
    # Entity node; its text would silently vanish, so refuse the document instead.
    for _ in root.iter(etree.Entity):
        return True
    return False


def to_bytes(root: etree._Element) -> bytes:
    """Serialise with the UTF-8 declaration Intacct expects."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
