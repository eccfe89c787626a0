"""The client's name for the hardened XML parser, which lives in :mod:`recon.xmlsafe`.

The parser is a generic security utility, not knowledge about Intacct, so it sits below both
the client and the Intacct sandbox; this module keeps ``recon.intacct.xmlsafe`` working.
"""

from __future__ import annotations

from recon.xmlsafe import MAX_DOCUMENT_BYTES, parse, to_bytes

__all__ = ["MAX_DOCUMENT_BYTES", "parse", "to_bytes"]
