"""Laying out and rendering venue posters: runs inside worker processes (local pool or Dask).

A job carries everything it needs (template sources, the font pack, plain-data contexts and links),
never the signing key and never a path into the campaign, so it runs the same on a remote Dask worker.
One WeasyPrint layout per chunk of venues; each page is then written as its own PDF (its own font
subset) and read back: the QR code is decoded from a raster of the written PDF, as a phone would.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from materials.venues.fontpack import FontPack

log = logging.getLogger(__name__)

#: Module width of the QR code is what makes it readable from a distance; these give version-4 codes
#: (41 modules with the quiet zone) about 2.4 mm (A4), 1.75 mm (A5) and 1.2 mm (A6) modules.
QR_MM = {"A4": 100.0, "A5": 72.0, "A6": 50.0}
#: Modules across a version-4 code with its quiet zone: what the read-back resolution is computed from.
QR_MODULES = 41
PAGE_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0)}
BLEED_MM = 6.0
SCREEN_MM = (508.0, 285.75)  # 1920 x 1080 CSS px
SCREEN_QR_PX = 720
MIN_PT = 6.5


@dataclass(frozen=True)
class Job:
    """One unit of work: `kind` is posters, sheets (A6 imposition) or screens."""

    kind: str
    templates: tuple[tuple[str, str], ...]
    fonts: FontPack
    g: dict[str, Any]
    venues: tuple[dict[str, Any], ...]
    verify_dpi: int = 72
    label: str = ""


@dataclass
class Rendered:
    id: str
    data: bytes
    decoded: list[str] = field(default_factory=list)
    pages: int = 1
    problems: list[str] = field(default_factory=list)


def scale_of(size: str) -> float:
    return PAGE_MM[size][0] / PAGE_MM["A4"][0]


def text_units(text: str) -> float:
    """Width in em at one font size: a Chinese character is 1 em, Latin about 0.55 em."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def fit_pt(text: str, box_mm: float, largest: float, smallest: float, lines: int = 2) -> float:
    """Largest type size (pt) at which `text` fits `lines` lines of `box_mm`; never below `smallest`."""
    em = max(text_units(text), 1.0)
    one_line = box_mm * 0.94 / (em * 0.3528)
    if one_line >= largest:
        return round(largest, 2)
    if one_line >= largest * 0.75 or lines == 1:
        return round(max(one_line, smallest), 2)
    # Two lines of a long name at full size would crowd out the code: they are set a fifth smaller.
    return round(max(min(largest * 0.8, one_line * lines), smallest), 2)


def pt_filter(scale: float) -> Any:
    return lambda v: f"{max(float(v) * scale, MIN_PT):.2f}pt"


def mm_filter(scale: float) -> Any:
    return lambda v: f"{float(v) * scale:.3f}mm"


def environment(templates: tuple[tuple[str, str], ...], scale: float) -> jinja2.Environment:
    # The same safety as materials.templating: autoescape and StrictUndefined, so a template typo fails the
    # run instead of printing a blank on every poster. Sources come with the job (remote workers).
    env = jinja2.Environment(
        loader=jinja2.DictLoader(dict(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pt"] = pt_filter(scale)
    env.filters["mm"] = mm_filter(scale)
    return env


@functools.lru_cache(maxsize=4)
def _font_dir(digest: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"materials-fonts-{digest[:8]}-"))


def _font_css(fonts: FontPack) -> tuple[str, Path]:
    folder = _font_dir(fonts.digest)
    paths = fonts.write(folder)
    rules = []
    for weight, path in paths.items():
        rules.append(f'@font-face {{ font-family: "Venue Sans"; src: url("{path.as_uri()}"); '
                     f"font-weight: {700 if weight == 'bold' else 400}; }}")
    return "\n".join(rules) + "\n", folder


def with_qr(venue: dict[str, Any], g: dict[str, Any], kind: str) -> dict[str, Any]:
    """The venue's context plus its QR code as inline vector SVG (made here, in the worker: ~2 ms each)."""
    from materials import qr

    code = qr.make(venue["link"], g["qr_error"], fixed_mask=True)
    if code.mode != "alphanumeric":
        raise ValueError(f"venue {venue['id']}: link is not in QR alphanumeric mode")
    out = dict(venue)
    if kind == "screens":
        out["qr_svg_screen"] = qr.svg(code, SCREEN_QR_PX * 25.4 / 96)
    else:
        out["qr_svg"] = qr.svg(code, g["qr_mm"])
    return out


def render_html(job: Job) -> tuple[str, Path]:
    size = job.g["size"] if job.kind != "screens" else "A4"
    scale = scale_of(size) if job.kind != "screens" else 1.0
    env = environment(job.templates, scale)
    font_css, folder = _font_css(job.fonts)
    g = dict(job.g)
    if job.kind == "screens":
        g.update(page_w=SCREEN_MM[0], page_h=SCREEN_MM[1], bleed=0)
    elif job.kind == "sheets":
        g.update(page_w=210.0, page_h=297.0, bleed=BLEED_MM)
    css = font_css + env.get_template("poster.css").render(g=g)
    template = {"posters": "posters.html", "sheets": "sheets.html", "screens": "screen.html"}[job.kind]
    venues = [with_qr(v, g, job.kind) for v in job.venues]
    if job.kind == "sheets":
        sheets = [venues[i:i + 4] for i in range(0, len(venues), 4)]
        html = env.get_template(template).render(g=g, css=css, sheets=sheets)
    else:
        html = env.get_template(template).render(g=g, css=css, venues=venues)
    return html, folder


def _weasy_document(job: Job) -> Any:
    from weasyprint import HTML

    from materials.fetcher import url_fetcher

    html, folder = render_html(job)
    fetcher = url_fetcher([folder], job.label or "venue poster")
    document = HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=fetcher).render()
    meta = document.metadata
    meta.authors = [job.g["authority"][job.g["primary"]]]
    meta.created = meta.modified = job.g["date_iso"]
    meta.generator = "materials"
    return document


def _overlap(page: Any) -> str:
    """Does the text run into the footer, or the footer out of the safe area? ('' when the poster is clean).

    The footer is placed at the bottom of the trim, so a long name pushes the steps into it instead of onto
    a second page; this reads the laid-out boxes (WeasyPrint's page box tree) to catch that.
    """
    bottoms: dict[str, float] = {}
    tops: dict[str, float] = {}
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        classes = (element.get("class") or "").split() if element is not None else []
        for name in ("steps", "foot", "poster"):
            if name in classes and hasattr(box, "margin_height"):
                tops.setdefault(name, box.position_y)
                bottoms[name] = max(bottoms.get(name, 0.0), box.position_y + box.margin_height())
    if {"steps", "foot", "poster"} - set(tops):
        return ""
    if bottoms["steps"] > tops["foot"] + 0.5:
        return f"its text runs {(bottoms['steps'] - tops['foot']) * 25.4 / 96:.0f} mm into the footer"
    if bottoms["foot"] > bottoms["poster"] + 0.5:
        return "the footer leaves the page"
    return ""


def _identifier(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32].encode()


def decode_image(image: Any) -> list[str]:
    """Texts of the (full-size) QR codes in an image.

    zxing-cpp's QRCode format also finds Micro QR codes, and at a few pixels a module it now and then
    reads a finder pattern of the real code as a Micro QR holding a short number (seen: "96" on 4 of 1,000
    posters). No check-in code is a Micro QR and phone scanners ignore them, so only full QR codes count.
    """
    import zxingcpp

    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [r.text for r in results if r.valid and r.format == zxingcpp.BarcodeFormat.QRCode]


def decode_pdf(pdf: bytes | Path, dpi: int) -> list[list[str]]:
    """Per page of a PDF, the QR codes read from its raster (pypdfium2), as a phone would see them."""
    from materials import qr

    return [decode_image(image) for image in qr.render_pages(pdf, dpi)]


_decode = decode_pdf


def _faster_deflate() -> None:
    """pydyf deflates every PDF stream at level 9; level 6 writes a poster ~20% faster for 1% more bytes.

    Measured on 64 posters: 23.6 ms -> 19.0 ms a PDF, 62.9 KB -> 63.5 KB. Only this process is affected
    (workers are ours), and the level does not change what the PDF shows.
    """
    import types
    import zlib

    import pydyf

    pydyf.zlib = types.SimpleNamespace(
        compressobj=lambda level=6, **kw: zlib.compressobj(6, **kw), compress=zlib.compress)


def render_job(job: Job) -> list[Rendered]:
    """Render one job; each result carries its bytes and what was decoded from them."""
    _faster_deflate()
    if job.kind == "sheets":
        return [_render_sheets(job)]
    document = _weasy_document(job)
    by_anchor: dict[str, list[int]] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("v-"):
                by_anchor.setdefault(anchor[2:], []).append(index)
    results = []
    for venue in job.venues:
        pages = by_anchor.get(venue["id"], [])
        result = Rendered(venue["id"], b"", pages=len(pages))
        if len(pages) != 1:
            result.problems.append(f"the {job.kind} page of venue {venue['id']} does not fit on one page "
                                   f"({len(pages)} pages); shorten its name or address")
            results.append(result)
            continue
        page = document.pages[pages[0]]
        if job.kind == "posters":
            overlap = _overlap(page)
            if overlap:
                result.problems.append(f"the name or address of venue {venue['id']} is too long for a "
                                       f"{job.g['size']} poster ({overlap}); shorten it")
                results.append(result)
                continue
        document.metadata.title = f"{venue['name']} {venue['id']}"
        one = document.copy([page])
        identifier = _identifier(job.kind, venue["id"], venue["link"])
        pdf = one.write_pdf(pdf_identifier=identifier)
        if job.kind == "screens":
            result.data = _png(pdf)
            from PIL import Image

            result.decoded = decode_image(Image.open(io.BytesIO(result.data)).convert("L"))
        else:
            result.data = pdf
            result.decoded = _decode(pdf, job.verify_dpi)[0]
        results.append(result)
    return results


def _png(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width_pt = page.get_width()
        image = page.render(scale=1920 / width_pt).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


def _render_sheets(job: Job) -> Rendered:
    document = _weasy_document(job)
    expected = (len(job.venues) + 3) // 4
    result = Rendered(job.label, b"", pages=len(document.pages))
    if len(document.pages) != expected:
        result.problems.append(f"{job.label}: {len(document.pages)} sheets instead of {expected}")
        return result
    document.metadata.title = job.label
    result.data = document.write_pdf(pdf_identifier=_identifier("sheets", job.label,
                                                                *(v["link"] for v in job.venues)))
    for texts in _decode(result.data, job.verify_dpi):
        result.decoded.extend(texts)
    return result
