"""One page of read results, as the client hands it to the DataFrame layer.

The client does not turn records into dicts. It hands over either the ``<data>`` element,
from which ``recon.intacct.frames`` builds typed columns, or -- for a flat ``query`` page,
whose records :mod:`recon.intacct.flatscan` read straight from the bytes -- those columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa
from lxml import etree

from recon.intacct import xmlsafe


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
        ``None`` on a scanned page, whose records are in ``columns`` (so that code
        expecting elements fails loudly instead of seeing no records); :meth:`records`
        gives the record elements of any page.
    count, totalcount, numremaining, offset:
        The ``<data>`` attributes (``-1`` where the function does not send one).
    result_id:
        readByQuery/readMore continuation id (``""`` on the last page or for other functions).
    columns:
        A scanned page's records as raw text columns (see :mod:`recon.intacct.extract`);
        ``None`` when the records are the children of ``data``.
    source:
        A scanned page's whole answer, from which :meth:`records` parses the elements.
    """

    object: str
    function: str
    data: etree._Element | None
    count: int
    totalcount: int = -1
    numremaining: int = -1
    offset: int = -1
    result_id: str = ""
    columns: dict[str, pa.Array] | None = field(default=None, repr=False)
    source: bytes | None = field(default=None, repr=False)

    def records(self) -> list[etree._Element]:
        """The record elements (a scanned page parses its answer again for them)."""
        if self.data is not None:
            return list(self.data)
        data = (
            None
            if self.source is None
            else xmlsafe.parse(self.source).find("operation/result/data")
        )
        return [] if data is None else list(data)
