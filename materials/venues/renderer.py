"""Venue posters: the unchanging parts rendered once, each venue's own text and code composed onto them.

Runs inside worker processes (local pool or Dask) and, for district files, in the parent. A job carries
everything it needs (template sources, font packs, the typed contexts and signed links), never the signing
key and never a path into the campaign, so it runs the same on a remote Dask worker.

- The *static layer* is the poster without any venue (band, "cannot scan?" line, steps, footer rule and
  issuer, the crop marks): WeasyPrint renders it once per process, run and size through its public API
  (`HTML.render`, `Page.anchors`, `Document.write_pdf`). Its page becomes one PDF form XObject (`/S`), and
  the anchors of its empty *slots* give the rectangles where the venue's parts go.
- A venue's page is `/S Do` plus its own text (name fitted to its slot in both languages, category and
  district, the venue code line, the address: shaped with HarfBuzz, materials/venues/glyphs.py) and its QR
  code as one vector path, everything in K only. Its PDF embeds the XObject and a font subset of exactly
  the glyphs it prints, and the QR code is read back from a raster of the written file.
- A district file puts the same page contents (byte for byte) under one shared XObject and one font subset
  per weight for the district; A6 stickers go four to an A4 sheet.

Every PDF is saved by `save_pdf`: the one place for document metadata (and for a PDF/X OutputIntent).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from materials import qr
from materials.venues import glyphs
from materials.venues.context import BLEED_MM, Poster, VenueText, cmyk, css_cmyk, scale_of
from materials.venues.fontpack import FontPack

log = logging.getLogger(__name__)

PT_PER_MM = 72 / 25.4
SCREEN_QR_PX = 720
MIN_PT = 6.5
#: The slots of the static layer (macros.html, layer "static"), where each venue's own parts go.
SLOTS = ("venue", "qr", "code", "address")
#: The BleedBox is the trim plus this (the band's colour runs 3.5 mm past the trim); crop marks are drawn
#: from just outside it to the edge of the 6 mm bleed, in K only.
BLEED_BOX_PT = 10.0
MARK_WIDTH_PT = 0.25
BLACK = (0.0, 0.0, 0.0, 1.0)


def grey(k: float) -> glyphs.Colour:
    return (0.0, 0.0, 0.0, k)


@dataclass(frozen=True)
class Job:
    """One unit of work: `kind` is posters (one PDF per venue) or screens (one PNG per venue)."""

    kind: str
    templates: tuple[tuple[str, str], ...]
    #: The run's pack (every character of the list): the venue's own text.
    fonts: FontPack
    #: The static layer's pack (the templates' and settings' characters), small so its subsets stay small.
    static_fonts: FontPack
    poster: Poster
    venues: tuple[VenueText, ...]
    verify_dpi: int = 72
    label: str = ""


@dataclass(frozen=True)
class PageArt:
    """A venue's page: its content stream (uncompressed), the CIDs it prints per weight, and the text of those
    of its glyphs that the font's cmap does not name (for the fonts' ToUnicode)."""

    content: bytes
    cids: dict[str, tuple[int, ...]]
    texts: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class Rendered:
    id: str
    data: bytes
    decoded: list[str] = field(default_factory=list)
    pages: int = 1
    problems: list[str] = field(default_factory=list)
    art: PageArt | None = None


# ---- templates ----------------------------------------------------------------------------------------------


def pt_filter(scale: float) -> Any:
    return lambda v: f"{scaled_pt(float(v), scale):.2f}pt"


def scaled_pt(value: float, scale: float) -> float:
    """A type size of the A4 design at another size: never below a legible minimum."""
    return max(value * scale, MIN_PT)


def mm_filter(scale: float) -> Any:
    return lambda v: f"{float(v) * scale:.3f}mm"


def environment(templates: tuple[tuple[str, str], ...], scale: float, poster: Poster) -> jinja2.Environment:
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
    env.filters["cmyk"] = functools.partial(css_cmyk, exact=poster.brand.inks)
    return env


@functools.lru_cache(maxsize=4)
def _font_dir(digest: str) -> Path:
    """A folder for a font pack's files in this process, removed when the process ends.

    `multiprocessing.util.Finalize` rather than `atexit`: pool workers end through multiprocessing, which
    runs these finalizers but not atexit handlers; in the main process multiprocessing runs them at exit.
    A finalizer only runs in the process that made it, so a forked worker never removes its parent's folder.
    """
    from multiprocessing import util

    folder = Path(tempfile.mkdtemp(prefix=f"materials-fonts-{digest[:8]}-"))
    util.Finalize(None, shutil.rmtree, args=(str(folder),), kwargs={"ignore_errors": True}, exitpriority=1)
    return folder


def _font_css(fonts: FontPack) -> tuple[str, Path]:
    folder = _font_dir(fonts.digest)
    paths = fonts.write(folder)
    rules = []
    for weight, path in paths.items():
        rules.append(f'@font-face {{ font-family: "Venue Sans"; src: url("{path.as_uri()}"); '
                     f"font-weight: {700 if weight == 'bold' else 400}; }}")
    return "\n".join(rules) + "\n", folder


def _weasy(html: str, folder: Path, label: str) -> Any:
    from weasyprint import HTML

    from materials.fetcher import url_fetcher

    return HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=url_fetcher([folder], label)).render()


# ---- the static layer ---------------------------------------------------------------------------------------


@dataclass
class StaticArt:
    """The static layer of one run and size, in this process: its form XObject and slots."""

    #: The pikepdf document that owns the XObject (kept open: files copy the XObject from it).
    pdf: Any
    xobject: Any
    #: MediaBox, TrimBox, BleedBox of a poster page (points, origin at the trim's bottom left).
    boxes: dict[str, list[float]]
    #: Slot name -> (left, bottom, width, height) in points.
    slots: dict[str, tuple[float, float, float, float]]
    strings: dict[str, Any]


_STATIC: dict[str, StaticArt] = {}


def static_art(templates: tuple[tuple[str, str], ...], fonts: FontPack, poster: Poster) -> StaticArt:
    """The static layer, rendered with WeasyPrint once per process and set of inputs."""
    key = hashlib.sha256(json.dumps([poster.as_data(), templates, fonts.digest], sort_keys=True,
                                    ensure_ascii=False).encode()).hexdigest()
    art = _STATIC.get(key)
    if art is None:
        if len(_STATIC) >= 4:  # a long-lived (Dask) worker that serves many runs
            _STATIC.clear()
        art = _STATIC[key] = _make_static(templates, fonts, poster)
    return art


def _make_static(templates: tuple[tuple[str, str], ...], fonts: FontPack, poster: Poster) -> StaticArt:
    import pikepdf

    env = environment(templates, scale_of(poster.size), poster)
    font_css, folder = _font_css(fonts)
    css = font_css + env.get_template("poster.css").render(g=poster)
    html = env.get_template("posters.html").render(g=poster, css=css, venues=[None], layer="static")
    document = _weasy(html, folder, "venue poster (static layer)")
    if len(document.pages) != 1:
        raise ValueError(f"the static layer of the venue poster takes {len(document.pages)} pages instead of one")
    page = document.pages[0]
    width, height = poster.page_w * PT_PER_MM, poster.page_h * PT_PER_MM
    slots = {}
    for name in SLOTS:
        start, end = page.anchors.get(f"slot-{name}"), page.anchors.get(f"slot-{name}-end")
        if start is None or end is None:
            raise ValueError(f"template macros.html: the static layer has no slot `{name}` (an element with "
                             f'id="slot-{name}" holding `slot("{name}")`); see docs/venues.md')
        # CSS px from the trim's top left -> points from its bottom left.
        left, top, right, bottom = start[0] * 0.75, start[1] * 0.75, end[0] * 0.75, end[1] * 0.75
        if right <= left or bottom <= top or bottom > height + 0.01:
            raise ValueError(f"template: the slot `{name}` of the venue poster is empty or off the page")
        slots[name] = (left, height - bottom, right - left, bottom - top)
    data = document.write_pdf()
    pdf = pikepdf.open(io.BytesIO(data))
    source = pdf.pages[0]
    bleed = poster.bleed * PT_PER_MM
    boxes = {"MediaBox": [-bleed, -bleed, width + bleed, height + bleed], "TrimBox": [0, 0, width, height]}
    if bleed:
        cap = min(bleed, BLEED_BOX_PT)
        boxes["BleedBox"] = [-cap, -cap, width + cap, height + cap]
    # WeasyPrint's page starts at the bleed's bottom left; the XObject is drawn with the trim's origin.
    offset = [float(v) for v in source.mediabox]
    content = b"".join(stream.read_bytes() for stream in _contents(source.obj))
    marks = crop_marks(width, height, bleed) if bleed else b""
    xobject = pdf.make_stream(
        b"q\n" + content + b"\nQ\n" + marks, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
        BBox=pikepdf.Array(offset), Resources=source.obj.Resources,
        Matrix=pikepdf.Array([1, 0, 0, 1, -bleed - offset[0], -bleed - offset[1]]))
    _cmyk_only(xobject)
    strings = poster.strings  # venues/strings.toml, per label and language
    return StaticArt(pdf, xobject, boxes, slots, strings)


#: WeasyPrint starts every page (and group) by setting black fill and stroke colours in RGB; the page's
#: drawing then sets the template's own colours, which are CMYK (`device-cmyk()` is written as `k`/`scn`).
_RGB_BLACK = re.compile(rb"(?<![\d.])0 0 0 (rg|RG)(?=\s)")
_RGB_OPERATOR = re.compile(rb"(?<![^\s])(rg|RG)(?=\s|$)")


def _cmyk_only(xobject: Any) -> None:
    """Make the static layer K/CMYK only, as a print shop's PDF/X-4 preflight wants it: WeasyPrint's RGB black
    becomes K black and its transparency groups blend in DeviceCMYK. Any other RGB colour comes from the
    template and is refused (write it as `device-cmyk()`)."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    pending = [xobject]
    while pending:
        form = pending.pop()
        if form.objgen in seen:
            continue
        seen.add(form.objgen)
        data = _RGB_BLACK.sub(lambda m: b"0 0 0 1 k" if m.group(1) == b"rg" else b"0 0 0 1 K", form.read_bytes())
        if _RGB_OPERATOR.search(data) or b"/DeviceRGB" in data:
            raise ValueError("template poster.css: the venue poster uses an RGB colour; print colours are "
                             "written as device-cmyk(C M Y K)")
        form.write(data)
        group = form.get("/Group")
        if group is not None and group.get("/CS") is not None:
            group.CS = pikepdf.Name.DeviceCMYK
        resources = form.get("/Resources")
        for child in (resources.get("/XObject") or {}).values() if resources is not None else ():
            if child.get("/Subtype") == "/Form":
                pending.append(child)


def _contents(page: Any) -> list[Any]:
    import pikepdf

    contents = page.Contents
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def crop_marks(width: float, height: float, bleed: float, cuts_x: tuple[float, ...] = (),
               cuts_y: tuple[float, ...] = ()) -> bytes:
    """Crop marks (and cut marks at `cuts_x`/`cuts_y`) outside the BleedBox, 0.25 pt, K only."""
    near, far = min(bleed, BLEED_BOX_PT) + 0.5, bleed
    lines = []
    for x in (0.0, *cuts_x, width):
        lines += [(x, -far, x, -near), (x, height + near, x, height + far)]
    for y in (0.0, *cuts_y, height):
        lines += [(-far, y, -near, y), (width + near, y, width + far, y)]
    ops = [f"q 0 0 0 1 K {MARK_WIDTH_PT:g} w"]
    ops += [f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l S" for x1, y1, x2, y2 in lines]
    return ("\n".join(ops) + "\nQ\n").encode()


# ---- a venue's page -----------------------------------------------------------------------------------------


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


def _languages(poster: Poster) -> list[str]:
    return [poster.primary, *poster.others]


class TooLong(ValueError):
    pass


def _fit(faces: dict[str, glyphs.Face], runs: list[tuple[str, glyphs.Style, str]], width: float, largest: float,
         smallest: float, lines: int) -> tuple[list[glyphs.Line], float]:
    """The text of `runs` at the largest size (from `largest` down to `smallest`) at which it fits `lines`
    lines of `width`. A long name would rather shrink a little on one line than break: two lines only below
    three quarters of the largest size, and then at most four fifths of it (as the posters always did)."""

    reference = runs[0][1].size  # the runs' styles are at this size; other sizes scale every run alike

    def at(size: float, most: int) -> list[glyphs.Line] | None:
        factor = size / reference
        sized = [(text, glyphs.Style(s.weight, s.size * factor, s.colour, s.tracking, s.pad * factor), lang)
                 for text, s, lang in runs]
        return glyphs.break_lines(glyphs.pieces(faces, sized), width, most)

    one = at(largest, 1)
    if one is not None:
        return one, largest
    natural = sum(p.width for p in glyphs.pieces(faces, runs)) or 1.0
    single = reference * width / natural * 0.999
    if lines == 1 or single >= largest * 0.75:
        found = at(max(single, smallest), 1)
        if found is not None:
            return found, max(single, smallest)
        if lines == 1:
            raise TooLong("does not fit on one line")
    size = max(min(largest * 0.8, single * lines), smallest)
    while True:
        found = at(size, lines)
        if found is not None:
            return found, size
        if size <= smallest:
            raise TooLong(f"needs more than {lines} lines")
        size = max(size * 0.96, smallest)


def _venue_block(art: StaticArt, faces: dict[str, glyphs.Face], poster: Poster,
                 venue: VenueText) -> tuple[bytes, list[list[glyphs.Line]]]:
    """Name, English name, category and district, fitted together into the `venue` slot and centred in it."""
    scale = scale_of(poster.size)
    brand = cmyk(poster.brand.primary, poster.brand.inks)
    primary, others = poster.primary, poster.others

    def pt(value: float) -> float:
        return scaled_pt(value, scale)

    left, bottom, width, height = art.slots["venue"]
    name_runs = [(venue.name, glyphs.Style("bold", pt(34), BLACK), primary)]
    en_runs = [(venue.name_en, glyphs.Style("regular", pt(16), grey(0.8)), "en")] if venue.name_en else []
    where_runs = []
    for index, values in enumerate((venue.category, venue.district)):
        if index:
            where_runs.append(("|", glyphs.Style("regular", pt(12), grey(0.4), pad=2.5 * scale * PT_PER_MM), "en"))
        where_runs.append((values[primary], glyphs.Style("bold", pt(12), brand), primary))
        where_runs += [(" " + values[lang], glyphs.Style("regular", pt(12), brand), lang)
                       for lang in others if values.get(lang)]
    gap_en, gap_where = 1.5 * scale * PT_PER_MM, 4 * scale * PT_PER_MM
    try:
        shrink = 1.0
        while True:
            # Shrinking goes below the usual smallest name size only as far as three quarters of it.
            least = max(shrink, 0.75)
            name, _ = _fit(faces, name_runs, width, pt(34) * shrink, max(17 * scale, 9) * least, 2)
            english, _ = (_fit(faces, en_runs, width, pt(16) * shrink, max(10 * scale, 7) * least, 2) if en_runs
                          else ([], 0.0))
            where, _ = _fit(faces, where_runs, width, pt(12) * shrink, MIN_PT, 1)
            total = (glyphs.height(name) + (gap_en + glyphs.height(english) if english else 0) + gap_where +
                     glyphs.height(where))
            if total <= height + 0.01:
                break
            if shrink < 0.5:
                raise TooLong("does not fit its box")
            shrink *= 0.95
    except TooLong as e:
        raise TooLong(f"the name of venue {venue.id} is too long for a {poster.size} poster ({e}); "
                      "shorten it") from None
    top = bottom + height - (height - total) / 2
    content = []
    for lines, gap in ((name, 0.0), (english, gap_en), (where, gap_where)):
        if lines:
            top -= gap
            h = glyphs.height(lines)
            content.append(glyphs.paragraph_ops(lines, (left, top - h, width, h), faces))
            top -= h
    return b"".join(content), [name, english, where]


def compose(art: StaticArt, faces: dict[str, glyphs.Face], poster: Poster, venue: VenueText,
            matrix: tuple[bytes, ...]) -> PageArt:
    """The venue's page content: the static layer, its own text in the slots, its QR code."""
    scale = scale_of(poster.size)
    langs = _languages(poster)
    primary = poster.primary

    def pt(value: float) -> float:
        return scaled_pt(value, scale)

    block, block_lines = _venue_block(art, faces, poster, venue)
    content = [b"q /S Do Q\n", block]
    code = art.slots["code"]
    labels = art.strings.get("code_label", {})
    label = " ".join(labels[lang] for lang in langs if lang in labels)
    code_runs = [(label + " ", glyphs.Style("regular", pt(11), BLACK), primary),
                 (venue.code, glyphs.Style("bold", pt(13), BLACK, tracking=0.06), "en")]
    code_lines, _ = _fit(faces, code_runs, code[2], pt(13), MIN_PT, 1)
    content.append(glyphs.paragraph_ops(code_lines, code, faces, valign="middle"))

    address = art.slots["address"]
    address_runs = [(venue.address, glyphs.Style("regular", pt(10), BLACK), primary)]
    if venue.address_en and poster.size != "A6":
        address_runs.append((" " + venue.address_en, glyphs.Style("regular", pt(10), grey(0.73)), "en"))
    try:
        address_lines, _ = _fit(faces, address_runs, address[2], pt(10), MIN_PT, 2)
        if glyphs.height(address_lines) > address[3] + 0.01:  # two lines do not fit a small slot: one line
            address_lines, _ = _fit(faces, address_runs, address[2], pt(10), MIN_PT, 1)
    except TooLong as e:
        raise TooLong(f"the address of venue {venue.id} is too long for a {poster.size} poster ({e}); "
                      "shorten it") from None
    content.append(glyphs.paragraph_ops(address_lines, address, faces))

    left, bottom, size, _ = art.slots["qr"]
    content.append(qr_operators(matrix, left, bottom, size))
    printed = [piece for lines in (*block_lines, code_lines, address_lines) for line in lines
               for piece in line.pieces]
    cids = glyphs.used((piece.style.weight, cid) for piece in printed for cid, _, _ in piece.glyphs)
    texts: dict[str, dict[int, str]] = {}
    for piece in printed:
        for cid, text in piece.texts.items():
            texts.setdefault(piece.style.weight, {}).setdefault(cid, text)
    return PageArt(b"".join(content), cids, texts)


def qr_matrix(venue: VenueText, poster: Poster) -> tuple[bytes, ...]:
    code = qr.make(venue.link, poster.qr_error, fixed_mask=True)
    if code.mode != "alphanumeric":
        raise ValueError(f"venue {venue.id}: link is not in QR alphanumeric mode")
    return tuple(bytes(row) for row in code.matrix)


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
    A6 stickers four to an A4 sheet with cut marks and crop marks in the sheet's bleed."""
    import pikepdf

    pdf = pikepdf.new()
    resources = _resources(pdf, art, faces, pages)
    if poster.size != "A6":
        for page in pages:
            _add_page(pdf, art.boxes, resources, page.content)
        return save_pdf(pdf, title, poster)
    width, height, bleed = 210 * PT_PER_MM, 297 * PT_PER_MM, BLEED_MM * PT_PER_MM
    slot_w, slot_h = width / 2, height / 2
    sticker_h = art.boxes["TrimBox"][3]
    boxes = {"MediaBox": [-bleed, -bleed, width + bleed, height + bleed], "TrimBox": [0, 0, width, height],
             "BleedBox": [-BLEED_BOX_PT, -BLEED_BOX_PT, width + BLEED_BOX_PT, height + BLEED_BOX_PT]}
    marks = crop_marks(width, height, bleed, (slot_w,), (slot_h,))
    for start in range(0, len(pages), 4):
        parts = [marks]
        for index, page in enumerate(pages[start:start + 4]):
            x, y = (index % 2) * slot_w, (1 - index // 2) * slot_h + (slot_h - sticker_h)
            parts.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm\n".encode() + page.content + b"Q\n")
        _add_page(pdf, boxes, resources, b"".join(parts))
    return save_pdf(pdf, title, poster)


def page_art(data: bytes) -> PageArt:
    """A written venue PDF's page content and printed CIDs: district files of venues a rerun skipped."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0].obj
        content = b"".join(stream.read_bytes() for stream in _contents(page))
        cids: dict[str, tuple[int, ...]] = {}
        texts: dict[str, dict[int, str]] = {}
        for weight, name in glyphs.FONT_NAMES.items():
            font = page.Resources.Font.get(f"/{name}")
            if font is not None:
                widths = list(font.DescendantFonts[0].W)
                cids[weight] = tuple(int(widths[i]) for i in range(0, len(widths), 3))
                texts[weight] = glyphs.read_to_unicode(font.ToUnicode.read_bytes())
    return PageArt(content, cids, texts)


def decode_region(pdf: bytes, box: tuple[float, float, float, float], bleed: float, dpi: int) -> list[str]:
    """The QR codes read from a raster of the written page, cut to the code's box and a margin around it.

    Rasterising and searching the whole A4 page costs ~3 ms; the region around the code, where a phone
    looks, ~1 ms. Whatever the PDF draws there (the code, or anything overlapping it) is in the raster.
    """
    import pypdfium2 as pdfium

    x, y, size, _ = box
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


# ---- jobs ---------------------------------------------------------------------------------------------------


def render_job(job: Job) -> list[Rendered]:
    """Render one job; each result carries its bytes and what was decoded from them."""
    if job.kind == "screens":
        return _render_screens(job)
    art = static_art(job.templates, job.static_fonts, job.poster)
    faces = glyphs.faces(job.fonts)
    bleed = job.poster.bleed * PT_PER_MM
    results = []
    for venue in job.venues:
        result = Rendered(venue.id, b"")
        try:
            page = compose(art, faces, job.poster, venue, qr_matrix(venue, job.poster))
        except TooLong as e:
            result.problems.append(str(e))
            results.append(result)
            continue
        result.art = page
        result.data = venue_pdf(art, faces, page, f"{venue.name} {venue.id}", job.poster)
        result.decoded = decode_region(result.data, art.slots["qr"], bleed, job.verify_dpi)
        results.append(result)
    return results


def _render_screens(job: Job) -> list[Rendered]:
    """1920x1080 PNGs for display screens: WeasyPrint lays out a chunk, each page is rasterised."""
    poster = job.poster.replace(page_w=508.0, page_h=285.75, bleed=0)
    env = environment(job.templates, 1.0, poster)
    font_css, folder = _font_css(job.fonts)
    css = font_css + env.get_template("poster.css").render(g=poster)
    venues = []
    for venue in job.venues:
        code = qr.make(venue.link, poster.qr_error, fixed_mask=True)
        venues.append({**venue.as_data(), "qr_svg_screen": qr.svg(code, SCREEN_QR_PX * 25.4 / 96)})
    html = env.get_template("screen.html").render(g=poster, css=css, venues=venues)
    document = _weasy(html, folder, job.label or "venue screens")
    by_anchor = {anchor[2:]: index for index, page in enumerate(document.pages)
                 for anchor in page.anchors if anchor.startswith("v-")}
    results = []
    for venue in job.venues:
        result = Rendered(venue.id, b"")
        if venue.id not in by_anchor:
            result.problems.append(f"the screen image of venue {venue.id} has no page")
        else:
            pdf = document.copy([document.pages[by_anchor[venue.id]]]).write_pdf()
            result.data = _png(pdf)
            from PIL import Image

            result.decoded = qr.decode_image(Image.open(io.BytesIO(result.data)).convert("L"))
        results.append(result)
    return results


def _png(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=1920 / page.get_width()).to_pil().convert("RGB")
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
