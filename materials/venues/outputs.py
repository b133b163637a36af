"""The print-shop side of a venue run: district files, manifest.csv, print-order.csv, rejects.csv.

Every CSV cell that a spreadsheet would run as a formula (`= + - @`, tab, CR at the start) is prefixed with
`'`: venue names come from outside and the manifest is opened in Excel by district staff.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: `code` is what a person types when scanning fails: the office records it in its ledger.
MANIFEST_HEADER = ["id", "name", "district", "category", "code", "reprint", "file", "link", "key_id", "sha256"]
ORDER_HEADER = ["district", "item", "file", "quantity"]


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM (so Excel on Chinese Windows shows the Chinese), CRLF, every cell formula-safe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def page_count(pdf: Path | bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return len(document)
    finally:
        document.close()
