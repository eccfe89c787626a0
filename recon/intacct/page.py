"""One page of read results, as the client hands it to the DataFrame layer.

The client does not turn records into dicts: it hands over the ``<data>`` element, parsed
by the one hardened parser (:mod:`recon.intacct.xmlsafe`), and ``recon.intacct.frames``
builds typed columns straight from that tree (:mod:`recon.intacct.extract`).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree


@dataclass(frozen=True)
class Page:
    """One ``<data>`` element of a read function's result.

    Attributes
    ----------
    object:
        The Intacct object name, upper-case (``"CUSTOMER"``).
    function:
        ``readByQuery``, ``readMore``, ``query``, ``read`` or ``readByName``.
    data:
        The ``<data>`` element; its children are the records (element names are
        lower-case for readByQuery/readMore, upper-case for query/read/readByName).
    count, totalcount, numremaining, offset:
        The ``<data>`` attributes (``-1`` where the function does not send one).
    result_id:
        readByQuery/readMore continuation id (``""`` on the last page or for other functions).
    """

    object: str
    function: str
    data: etree._Element
    count: int
    totalcount: int = -1
    numremaining: int = -1
    offset: int = -1
    result_id: str = ""

    def records(self) -> list[etree._Element]:
        """The record elements."""
        return list(self.data)
