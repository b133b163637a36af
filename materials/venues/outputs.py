"""The print-shop side of a venue run: district files, manifest.csv, print-order.csv, rejects.csv.

Every CSV cell that a spreadsheet would run as a formula (`= + - @`, tab, CR at the start) is prefixed with
`'`: venue names come from outside and the manifest is opened in Excel by district staff.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# The CSV writing (UTF-8 with BOM, formula-safe cells) is the order sheet's, shared with the print pack.
from materials.printorder import FORMULA_START, csv_bytes, safe_cell

__all__ = ["FORMULA_START", "MANIFEST_HEADER", "csv_bytes", "safe_cell"]

#: `code` is what a person types when scanning fails: the office records it in its ledger.
MANIFEST_HEADER = ["id", "name", "district", "category", "code", "reprint", "file", "link", "key_id", "sha256"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_count(pdf: Path | bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return len(document)
    finally:
        document.close()
