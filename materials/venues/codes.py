"""A venue's QR code on its page: the code's matrix, one vector path of its dark modules (K only), and the
code read back from a raster of the written page, where a phone looks.
"""

from __future__ import annotations

import re

from materials import qr
from materials.i18n import _
from materials.venues.context import Poster, VenueText

_DARK_RUN = re.compile(b"\x01+")


def qr_operators(matrix: tuple[bytes, ...], left: float, bottom: float, size: float) -> bytes:
    """PDF operators that fill the dark modules of `matrix` (rows of 0/1 bytes) in the square (left, bottom,
    size), points, with its 4-module quiet zone; K only. One path of one rectangle per horizontal run, filled
    once: adjacent modules merge into one area, so no rasteriser shows seams between rows."""
    module = size / (len(matrix) + 8)
    parts = ["q 0 0 0 1 k"]
    for row_index, row in enumerate(matrix):
        y = f" {bottom + size - (row_index + 5) * module:.3f} "
        for run in _DARK_RUN.finditer(row):
            start, end = run.span()
            parts.append(f"{left + (start + 4) * module:.3f}{y}{(end - start) * module:.3f} {module:.3f} re")
    parts.append("f Q\n")
    return "\n".join(parts).encode()


def qr_matrix(venue: VenueText, poster: Poster) -> tuple[bytes, ...]:
    code = qr.make(venue.link, poster.qr_error, fixed_mask=True)
    if code.mode != "alphanumeric":
        raise ValueError(_("venue {id}: link is not in QR alphanumeric mode").format(id=venue.id))
    return tuple(bytes(row) for row in code.matrix)


def decode_region(pdf: bytes, box: tuple[float, float, float, float], bleed: float, dpi: int) -> list[str]:
    """The QR codes read from a raster of the written page, cut to the code's box and a margin around it.

    Rasterising and searching the whole A4 page costs ~3 ms; the region around the code, where a phone
    looks, ~1 ms. Whatever the PDF draws there (the code, or anything overlapping it) is in the raster.
    """
    import pypdfium2 as pdfium

    x, y, size, _height = box
    margin = size * 0.08
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_width(), page.get_height()
        left = max(0.0, bleed + x - margin)
        bottom = max(0.0, bleed + y - margin)
        right = max(0.0, width - (bleed + x + size + margin))
        top = max(0.0, height - (bleed + y + size + margin))
        image = page.render(scale=dpi / 72, grayscale=True, crop=(left, bottom, right, top)).to_pil()
        page.close()
    finally:
        document.close()
    return qr.decode_image(image)
