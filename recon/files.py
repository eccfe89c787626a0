"""Files a person opens: written whole or not at all, and text cells that stay text.

Shared by the reports and the decision ledger's export (which sits below the reports: the
store keeps the ledger), so neither imports the other for them.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as XlCell

#: Leading characters that make a spreadsheet treat text as a formula (OWASP "CSV
#: injection"): a cell or CSV value starting with one is kept as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit on the characters in one cell.
MAX_CELL_CHARS = 32767
#: XML 1.0 forbids these (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE is the same set).
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a fresh sibling of ``target``, then rename it into place.

    A reader never sees half a file, and a failed write leaves the old one. The sibling is
    created by ``write`` itself, so the file gets the user's usual permissions (umask).
    """
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def put_text(cell: XlCell, text: str) -> None:
    """Text, always as a string cell: never a formula, never a refused character."""
    clean = ILLEGAL_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    if len(clean) > MAX_CELL_CHARS:
        clean = clean[: MAX_CELL_CHARS - 1] + "…"
    cell.value = clean
    # Assigning "=..." makes openpyxl store a formula; force a string, and set the quote
    # prefix so Excel keeps it text even after the user edits the cell.
    cell.data_type = "s"
    if clean.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
