"""The print-shop side of a venue run: district files, manifest.csv, print-order.csv, rejects.csv.

Every CSV cell that a spreadsheet would run as a formula (`= + - @`, tab, CR at the start) is prefixed with
`'`: venue names come from outside and the manifest is opened in Excel by district staff.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

# The CSV writing (UTF-8 with BOM, formula-safe cells) is the order sheet's, shared with the print pack.
from materials.printorder import FORMULA_START, csv_bytes, safe_cell

__all__ = ["FORMULA_START", "MANIFEST_HEADER", "csv_bytes", "safe_cell"]

TRAILER_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
CREATION = re.compile(rb"/CreationDate\(D:(\d{14})")

MANIFEST_HEADER = ["id", "name", "district", "category", "file", "link", "key_id", "sha256"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def merge_pdfs(parts: Sequence[bytes | Path], identity: str, date: datetime) -> bytes:
    """One print file from single-page PDFs, in the given order; reproducible bytes.

    PDFium writes a random trailer /ID and the current time as /CreationDate; both are replaced (same
    length, so the xref stays valid) by a hash of `identity` and the parts, and by `date`.
    """
    import pypdfium2 as pdfium

    merged = pdfium.PdfDocument.new()
    digest = hashlib.sha256(identity.encode())
    try:
        for part in parts:
            data = part.read_bytes() if isinstance(part, Path) else part
            digest.update(hashlib.sha256(data).digest())
            source = pdfium.PdfDocument(data)
            try:
                merged.import_pages(source)
            finally:
                source.close()
        buffer = io.BytesIO()
        merged.save(buffer)
    finally:
        merged.close()
    data = buffer.getvalue()
    fixed = digest.hexdigest().upper().encode()
    matches = list(TRAILER_ID.finditer(data))
    if matches:
        m = matches[-1]
        first = fixed[: len(m.group(1))].ljust(len(m.group(1)), b"0")
        second = fixed[: len(m.group(2))].ljust(len(m.group(2)), b"0")
        data = data[: m.start(1)] + first + data[m.end(1): m.start(2)] + second + data[m.end(2):]
    stamp = date.strftime("%Y%m%d%H%M%S").encode()
    return CREATION.sub(lambda m: b"/CreationDate(D:" + stamp, data, count=1)


def page_count(pdf: Path | bytes) -> int:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return len(document)
    finally:
        document.close()
