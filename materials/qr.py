"""QR codes: made as vectors, checked by reading them back from rendered pages.

Verification decodes what a phone would see: a raster of the rendered PDF page (pypdfium2) read by
zxing-cpp, never the encoder's own matrix.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import segno

if TYPE_CHECKING:
    from PIL.Image import Image

#: segno's mask search costs ~7 ms a code; a fixed mask ~2 ms. Every code is decoded after rendering, so a
#: poorly chosen mask would be caught; mask 4 is the one segno most often picks for short upper-case URLs.
FIXED_MASK = 4


def make(data: str, error: str = "m", *, fixed_mask: bool = False, micro: bool = False) -> segno.QRCode:
    """A QR code at exactly `error` level (no silent boost: the level is a settings decision). Data no QR code
    holds at that level is a MaterialsError naming the address (settings bound it: schema.MAX_URL_BYTES)."""
    try:
        return segno.make(
            data,
            error=error.lower(),
            boost_error=False,
            micro=micro,
            mask=FIXED_MASK if fixed_mask else None,
        )
    except segno.DataOverflowError:
        from materials.errors import MaterialsError
        from materials.i18n import _

        raise MaterialsError(_("the link {start!r}… ({size:,} bytes) does not fit a QR code at error-correction "
                               "level {level}: shorten service.url in campaign.toml (and the channel names), or "
                               "choose a lower level").format(start=data[:60], size=len(data.encode("utf-8")),
                                                             level=error.upper())) from None


def svg(code: segno.QRCode, size_mm: float, *, dark: str = "#000", light: str | None = "#fff",
        title: str | None = None) -> str:
    """Inline SVG (no XML declaration) `size_mm` wide including the 4-module quiet zone."""
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", border=4, dark=dark, light=light, xmldecl=False, svgns=True,
              nl=False, omitsize=True, title=title, svgclass=None, lineclass=None)
    text = buffer.getvalue().decode("utf-8")
    # segno writes only a viewBox in modules (omitsize); give the element its physical size.
    return text.replace("<svg ", f'<svg width="{size_mm:.3f}mm" height="{size_mm:.3f}mm" ', 1)


def decode_image(image: Image) -> list[str]:
    """Texts of the (full-size) QR codes in a PIL image.

    zxing-cpp's QRCode format also finds Micro QR codes, and at a few pixels a module it now and then
    reads a finder pattern of the real code as a Micro QR holding a short number (seen: "96" on 4 of 1,000
    venue posters). None of our codes is a Micro QR and phone scanners ignore them, so only full QR codes
    count.
    """
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [r.text for r in results if r.valid and r.format == zxingcpp.BarcodeFormat.QRCode]


def render_pages(pdf: Path | bytes, dpi: float) -> list[Any]:
    """Rasterise every page of a PDF to a greyscale PIL image."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        images = []
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            images.append(bitmap.to_pil())
            page.close()
        return images
    finally:
        document.close()


def decode_pdf(pdf: Path | bytes, dpi: float = 150) -> list[list[str]]:
    """For each page of a PDF, the texts of the QR codes read from its raster."""
    return [decode_image(image) for image in render_pages(pdf, dpi)]
