"""Venue PDF files: a venue's own file, a district's file (the venues' pages under one shared static layer and
one font subset per weight; stickers imposed on their sheets with cut marks), and a written file's page read
back for the district file of a venue a rerun skipped. Every PDF is saved by `save_pdf`: the one place for
document metadata and the PDF/X OutputIntent.
"""

from __future__ import annotations

import io
from typing import Any

from materials.venues import glyphs, sizes
from materials.venues.compose import PageArt
from materials.venues.context import Poster
from materials.venues.static import BLEED_BOX_PT, PT_PER_MM, StaticArt, crop_marks, page_contents

# ---- PDF files ----------------------------------------------------------------------------------------------


def _pdf_date(iso: str) -> str:
    return "D:" + iso[:19].replace("-", "").replace(":", "").replace("T", "") + "+00'00'"


def save_pdf(pdf: Any, title: str, poster: Poster) -> bytes:
    """Every venue PDF (posters, district files, sheets) is written here: its metadata and reproducible bytes
    (a deterministic /ID, no time stamp but the campaign's date), and PDF/X-4 for the press: the output
    intent with the CMYK profile every press file carries (materials.pdfx) and the claim in the XMP."""
    import pikepdf

    from materials import pdfx

    info = pdf.docinfo
    info[pikepdf.Name.Title] = title
    info[pikepdf.Name.Author] = poster.authority[poster.primary]
    info[pikepdf.Name.Creator] = "materials"
    if poster.sources:  # ties the file to the signed proof (issue 20)
        info[pikepdf.Name.Keywords] = f"materials-sources {poster.sources}"
    info[pikepdf.Name.CreationDate] = info[pikepdf.Name.ModDate] = _pdf_date(poster.date_iso)
    pdf.Root.Lang = pikepdf.String(poster.primary)
    pdfx.attach_output_intent(pdf)
    pdfx.claim_pdfx(pdf, f"{title}|{poster.date_iso}".encode())
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True, compress_streams=True,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, force_version=pdfx.PDF_VERSION)
    return buffer.getvalue()


def _resources(pdf: Any, art: StaticArt, faces: dict[str, glyphs.Face], pages: list[PageArt]) -> Any:
    from pikepdf import Dictionary

    cids = glyphs.used((weight, cid) for page in pages for weight, cids in page.cids.items() for cid in cids)
    texts: dict[str, dict[int, str]] = {}
    for page in pages:
        for weight, found in page.texts.items():
            for cid, text in found.items():
                texts.setdefault(weight, {})[cid] = min(text, texts.get(weight, {}).get(cid, text))
    fonts = Dictionary({f"/{glyphs.FONT_NAMES[weight]}": glyphs.pdf_font(pdf, faces[weight], used,
                                                                         texts.get(weight, {}))
                        for weight, used in sorted(cids.items())})
    return pdf.make_indirect(Dictionary(XObject=Dictionary(S=pdf.copy_foreign(art.xobject)), Font=fonts))


def _add_page(pdf: Any, boxes: dict[str, list[float]], resources: Any, content: bytes) -> None:
    from pikepdf import Array, Dictionary, Name, Page

    page = Dictionary(Type=Name.Page, Resources=resources, Contents=pdf.make_stream(content))
    for name, box in boxes.items():
        page[f"/{name}"] = Array(box)
    pdf.pages.append(Page(pdf.make_indirect(page)))


def venue_pdf(art: StaticArt, faces: dict[str, glyphs.Face], page: PageArt, title: str, poster: Poster) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    _add_page(pdf, art.boxes, _resources(pdf, art, faces, [page]), page.content)
    return save_pdf(pdf, title, poster)


def district_pdf(art: StaticArt, faces: dict[str, glyphs.Face], pages: list[PageArt], title: str,
                 poster: Poster) -> bytes:
    """A district's posters in order, one page each, sharing the XObject and one font subset per weight;
    stickers imposed on their sheets (materials/venues/sizes.py) with cut marks and crop marks in the sheet's
    bleed."""
    import pikepdf

    pdf = pikepdf.new()
    resources = _resources(pdf, art, faces, pages)
    sheet = poster.paper.sheet
    if sheet is None:
        for page in pages:
            _add_page(pdf, art.boxes, resources, page.content)
        return save_pdf(pdf, title, poster)
    width, height, bleed = sheet.width_mm * PT_PER_MM, sheet.height_mm * PT_PER_MM, sizes.BLEED_MM * PT_PER_MM
    slot_w, slot_h = width / sheet.across, height / sheet.down
    sticker_h = art.boxes["TrimBox"][3]
    boxes = {"MediaBox": [-bleed, -bleed, width + bleed, height + bleed], "TrimBox": [0, 0, width, height],
             "BleedBox": [-BLEED_BOX_PT, -BLEED_BOX_PT, width + BLEED_BOX_PT, height + BLEED_BOX_PT]}
    marks = crop_marks(width, height, bleed, tuple(slot_w * i for i in range(1, sheet.across)),
                       tuple(slot_h * i for i in range(1, sheet.down)))
    for start in range(0, len(pages), sheet.per_sheet):
        parts = [marks]
        for index, page in enumerate(pages[start:start + sheet.per_sheet]):
            column, row = index % sheet.across, index // sheet.across
            x, y = column * slot_w, (sheet.down - 1 - row) * slot_h + (slot_h - sticker_h)
            parts.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm\n".encode() + page.content + b"Q\n")
        _add_page(pdf, boxes, resources, b"".join(parts))
    return save_pdf(pdf, title, poster)


def page_art(data: bytes) -> PageArt:
    """A written venue PDF's page content and printed CIDs: district files of venues a rerun skipped."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0].obj
        content = b"".join(stream.read_bytes() for stream in page_contents(page))
        cids: dict[str, tuple[int, ...]] = {}
        texts: dict[str, dict[int, str]] = {}
        for weight, name in glyphs.FONT_NAMES.items():
            font = page.Resources.Font.get(f"/{name}")
            if font is not None:
                widths = list(font.DescendantFonts[0].W)
                cids[weight] = tuple(int(widths[i]) for i in range(0, len(widths), 3))
                texts[weight] = glyphs.read_to_unicode(font.ToUnicode.read_bytes())
    return PageArt(content, cids, texts)
