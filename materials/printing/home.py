"""Home and office editions: what the public website offers citizens to print themselves.

A press file is 6 mm larger than its paper on every side (3 mm bleed and crop marks) and in CMYK for a
printing press: an office printer shrinks it to fit and prints the marks. The home edition of an A4 or A5
poster, tip, staff guide or card sheet is the same page as WeasyPrint drew it (sRGB, links kept), cropped
to the paper, with no marks and no PDF/X claim. The screen edition of the booklet (A5, no bleed) is its
home edition. Press, billboard, display-screen and WeChat files are production files: never on the site.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from materials.printing.planner import Item

FOLDER = "home"
#: Paper an office printer takes (mm, portrait or landscape).
PAPERS = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
KINDS = ("poster", "tip", "guide", "card")


def paper(width_mm: float, height_mm: float) -> str | None:
    """`A4` or `A5` if a page is that paper (either way round), else None."""
    for name, (short, long) in PAPERS.items():
        if abs(min(width_mm, height_mm) - short) < 1 and abs(max(width_mm, height_mm) - long) < 1:
            return name
    return None


def path(item: Item) -> str | None:
    """Where an item's home edition is, relative to the print folder; None for production-only files."""
    if item.png is not None or paper(item.width_mm, item.height_mm) is None:
        return None
    if item.kind == "booklet" and not item.press:
        return item.path  # the screen edition: A5, sRGB, no bleed
    if item.press and item.kind in KINDS:
        return f"{FOLDER}/{item.path}"
    return None


def edition(data: bytes) -> bytes:
    """WeasyPrint's sRGB PDF of a press item (drawn with bleed) cut to its trim: what an office prints."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            trim = page.obj.get("/TrimBox")
            if trim is not None:
                page.obj.MediaBox = pikepdf.Array(list(trim))
            for key in ("/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
                if key in page.obj:
                    del page.obj[key]
        if "/OutputIntents" in pdf.Root:
            del pdf.Root["/OutputIntents"]
        # WeasyPrint's PDF/X variant writes random XMP ids: ids from the file's stable identifier instead.
        seed = hashlib.sha256(bytes(pdf.trailer.ID[0]) + b"/home").hexdigest()
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            for key in ("pdfxid:GTS_PDFXVersion", "pdfx:GTS_PDFXVersion", "pdfx:GTS_PDFXConformance"):
                if key in meta:
                    del meta[key]
            meta["xmpMM:DocumentID"] = f"uuid:{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"
            meta["xmpMM:InstanceID"] = f"uuid:{seed[32:40]}-{seed[40:44]}-{seed[44:48]}-{seed[48:52]}-{seed[52:64]}"
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()
