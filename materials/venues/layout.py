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
import json
import logging
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import jinja2

from materials import qr
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
    """A folder for the font pack's files in this process, removed when the process ends.

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


def with_qr(venue: dict[str, Any], g: dict[str, Any], kind: str) -> dict[str, Any]:
    """The venue's context plus its QR code (made here, in the worker: ~2 ms each).

    Screens get it as inline SVG. Posters and sheets get an empty, sized `.qr` box and the code's module
    matrix: `_qr_finisher` draws the modules into the written PDF page as one vector path. WeasyPrint's SVG
    support parses and draws a QR path in Python (~5 ms a poster, a fifth of the budget); the rectangles
    cost ~0.2 ms and print the same.
    """
    code = qr.make(venue["link"], g["qr_error"], fixed_mask=True)
    if code.mode != "alphanumeric":
        raise ValueError(f"venue {venue['id']}: link is not in QR alphanumeric mode")
    out = dict(venue)
    if kind == "screens":
        out["qr_svg_screen"] = qr.svg(code, SCREEN_QR_PX * 25.4 / 96)
    else:
        out["qr_matrix"] = tuple(bytes(row) for row in code.matrix)
    return out


def qr_operators(matrix: tuple[bytes, ...], x: float, y: float, size: float) -> bytes:
    """PDF operators that fill the dark modules of `matrix` in the square (x, y, size) with its 4-module
    quiet zone; in the page's top-down point space that WeasyPrint leaves after painting a page.

    One path of one rectangle per horizontal run, filled once: adjacent modules merge into one area, so
    no rasteriser shows seams between rows.
    """
    module = size / (len(matrix) + 8)
    parts = [b"q 0 0 0 rg"]
    for row_index, row in enumerate(matrix):
        top = y + (row_index + 4) * module
        col = 0
        width = len(row)
        while col < width:
            if row[col]:
                start = col
                while col < width and row[col]:
                    col += 1
                parts.append(f"{x + (start + 4) * module:.3f} {top:.3f} {(col - start) * module:.3f} "
                             f"{module:.3f} re".encode())
            else:
                col += 1
    parts.append(b"f Q")
    return b"\n".join(parts)


def render_html(job: Job, layer: str = "full", extra_css: str = "") -> tuple[str, Path, list[dict[str, Any]]]:
    size = job.g["size"] if job.kind != "screens" else "A4"
    scale = scale_of(size) if job.kind != "screens" else 1.0
    env = environment(job.templates, scale)
    font_css, folder = _font_css(job.fonts)
    g = dict(job.g)
    if job.kind == "screens":
        g.update(page_w=SCREEN_MM[0], page_h=SCREEN_MM[1], bleed=0)
    elif job.kind == "sheets":
        g.update(page_w=210.0, page_h=297.0, bleed=BLEED_MM)
    css = font_css + env.get_template("poster.css").render(g=g) + extra_css
    template = {"posters": "posters.html", "sheets": "sheets.html", "screens": "screen.html"}[job.kind]
    venues = [with_qr(v, g, job.kind) for v in job.venues]
    if job.kind == "sheets":
        sheets = [venues[i:i + 4] for i in range(0, len(venues), 4)]
        html = env.get_template(template).render(g=g, css=css, sheets=sheets)
    else:
        html = env.get_template(template).render(g=g, css=css, venues=venues, layer=layer)
    return html, folder, venues


#: WeasyPrint's user-agent rules that give a venue page styles it never uses. The pseudo-elements of *every*
#: element (list markers, footnote and note calls and markers): six styles an element. The page's 16 margin
#: boxes (alignment only: without `content` they are never generated) and its footnote and note areas: 18
#: styles a page, each computed and its percentages resolved. A venue layer page has no list item (the steps
#: are an empty box), no footnote, note or margin content. The rest of the user-agent sheet is kept as it is.
_LEAN_UA_DROP = ("::marker {", "::footnote-call {", "::footnote-marker {", "::note-call {", "::note-marker {",
                 "::note-callback {", "  @footnote ", "  @note-area ", "  @top-", "  @bottom-", "  @left-",
                 "  @right-")
_LEAN_UA_DROPPED = 6 + 2 + 16


@functools.lru_cache(maxsize=1)
def _lean_ua() -> Any:
    """WeasyPrint's user-agent stylesheet without `_LEAN_UA_DROP`, parsed once per process."""
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    lines = UA.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(_LEAN_UA_DROP)]
    if len(lines) - len(kept) != _LEAN_UA_DROPPED:
        raise RuntimeError("WeasyPrint's user-agent stylesheet changed: review materials.venues.layout._lean_ua")
    # A fresh counter-style table, as WeasyPrint parses its own: the shared UA table already defines
    # `disc` and `decimal`, and defining them again logs "Invalid counter style name" (a user-visible
    # warning that --strict would turn into failure). The document still gets the UA table's copy.
    return CSS(string="".join(kept), counter_style=CounterStyle())


def _html_class(layer: str) -> Any:
    from weasyprint import HTML

    if layer != "venue":
        return HTML

    class VenueLayerHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [_lean_ua()]

    return VenueLayerHTML


def _weasy_document(job: Job, layer: str = "full", extra_css: str = "") -> Any:
    from materials.fetcher import url_fetcher

    html, folder, venues = render_html(job, layer, extra_css)
    fetcher = url_fetcher([folder], job.label or "venue poster")
    document = _html_class(layer)(string=html, base_url=folder.as_uri() + "/", url_fetcher=fetcher).render()
    document.venue_contexts = venues
    meta = document.metadata
    meta.authors = [job.g["authority"][job.g["primary"]]]
    meta.created = meta.modified = job.g["date_iso"]
    meta.generator = "materials"
    return document


#: The parts of a poster that are the same on every venue's poster, by their `data-ph` name in macros.html.
STATIC_PARTS = ("band", "fallback", "steps", "issuer")


@dataclass
class StaticLayer:
    """The unchanging parts of a run's poster, laid out once per process: their boxes and heights.

    A venue's page is laid out with an empty box of the same height in place of each part (the `venue`
    layer of macros.html), so everything around lands where the whole poster would put it; before the
    page is drawn, a copy of each part's boxes moved to its empty box takes that box's place. The page is
    then painted, subset and written by WeasyPrint exactly as a whole poster is (one font subset per
    weight, vector text), and its layout skips the ~60 % of the text that never changes.
    """

    #: Kept alive: its font configuration owns the Pango fonts the boxes are drawn with.
    document: Any
    boxes: dict[str, Any]
    #: Bookmarks (the heading) of the band, as WeasyPrint gathered them on the whole poster.
    bookmarks: list[Any]
    css: str


_STATIC: dict[str, StaticLayer] = {}


def _static_venue(g: dict[str, Any]) -> dict[str, Any]:
    """A stand-in venue, the same for every chunk: only the static parts of its poster are used."""
    langs = [g["primary"], *g["others"]]
    return {"id": "static", "name": "X", "name_en": "", "address": "X", "address_en": "",
            "category": dict.fromkeys(langs, "X"), "district": dict.fromkeys(langs, "X"), "district_key": "x",
            "link": "HTTPS://X/V/STATIC", "code": "X", "name_pt": 12.0, "name_en_pt": 12.0}


def _part_boxes(root: Any) -> dict[str, Any]:
    """The principal box of each static part (by class) on a whole poster's page."""
    found: dict[str, Any] = {}
    for box in root.descendants(placeholders=True):
        element = getattr(box, "element", None)
        if element is None or getattr(box, "element_tag", "") != element.tag:
            continue
        for name in (element.get("class") or "").split():
            if name in STATIC_PARTS and name not in found:
                found[name] = box
    return found


def static_layer(job: Job) -> StaticLayer | None:
    """The static parts of `job`'s poster, laid out once per process and set of inputs.

    None when the templates do not have the `venue` layer (a campaign's own older macros.html, or one
    without a part): its posters are laid out whole, as before.
    """
    macros = dict(job.templates).get("macros.html", "")
    if any(f'data-ph="{name}"' not in macros for name in STATIC_PARTS):
        return None
    key = hashlib.sha256(json.dumps([job.kind, job.g, job.templates, job.fonts.digest], sort_keys=True,
                                    ensure_ascii=False).encode()).hexdigest()
    layer = _STATIC.get(key)
    if layer is None:
        static_job = Job(job.kind, job.templates, job.fonts, job.g, (_static_venue(job.g),), job.verify_dpi,
                         "poster (static parts)")
        document = _weasy_document(static_job)
        if len(document.pages) != 1:
            raise ValueError("the static parts of the venue poster do not fit on one page")
        page = document.pages[0]
        parts = _part_boxes(page._page_box)
        if any(name not in parts for name in STATIC_PARTS):
            return None
        band = parts["band"]
        top, bottom = band.position_y, band.position_y + band.margin_height()
        bookmarks = [mark for mark in page.bookmarks if top <= mark[2][1] <= bottom]
        # repr() of a float is read back as the same float: the empty box is exactly as high as the part.
        css = "".join(f'\n[data-ph="{name}"] {{ height: {parts[name].height!r}px; }}' for name in STATIC_PARTS)
        if len(_STATIC) >= 4:  # a long-lived (Dask) worker that serves many runs
            _STATIC.clear()
        layer = _STATIC[key] = StaticLayer(document, parts, bookmarks, css + "\n")
    return layer


def fill_static(page: Any, layer: StaticLayer) -> None:
    """Put a copy of each static part into `page` in place of its empty box, moved to that box's place.

    Each copy is moved once, from the part's place on the stand-in poster (the same for every chunk), so a
    venue's bytes do not depend on which chunk it was laid out in.
    """
    moved: dict[str, tuple[float, float]] = {}

    def visit(box: Any) -> None:
        children = getattr(box, "children", None)
        if not children:
            return
        replaced = list(children)
        changed = False
        for index, child in enumerate(children):
            inner = getattr(child, "_box", child)  # an absolutely placed box's placeholder
            element = getattr(inner, "element", None)
            name = element.get("data-ph") if element is not None else None
            if name in layer.boxes and element is not None and getattr(inner, "element_tag", "") == element.tag:
                part = layer.boxes[name]
                copy = part.deepcopy()
                dx, dy = inner.position_x - part.position_x, inner.position_y - part.position_y
                copy.translate(dx, dy)
                moved[name] = (dx, dy)
                replaced[index] = copy
                changed = True
            else:
                visit(inner)
        if changed:
            box.children = replaced

    visit(page._page_box)
    if set(moved) != set(layer.boxes):
        raise ValueError(f"a venue page lacks the empty boxes of {sorted(set(layer.boxes) - set(moved))}")
    dx, dy = moved["band"]
    page.bookmarks = [(level, label, (x + dx, y + dy), state)
                      for level, label, (x, y), state in layer.bookmarks] + page.bookmarks


@dataclass
class PageScan:
    """What `scan_page` reads from a laid-out page: the boxes the checks and the QR drawing need."""

    tops: dict[str, float] = field(default_factory=dict)
    bottoms: dict[str, float] = field(default_factory=dict)
    #: venue id -> (x, y, size) of its `.qr` content box, in points from the trim's top left.
    qr: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def scan_page(page: Any) -> PageScan:
    scan = PageScan()
    # placeholders=True: the descendants of absolutely placed boxes (the footer, A6 sticker slots) too.
    for box in page._page_box.descendants(placeholders=True):
        element = getattr(box, "element", None)
        if element is None or not hasattr(box, "margin_height"):
            continue
        classes = (element.get("class") or "").split()
        for name in ("steps", "foot", "poster"):
            if name in classes:
                scan.tops.setdefault(name, box.position_y)
                scan.bottoms[name] = max(scan.bottoms.get(name, 0.0), box.position_y + box.margin_height())
        venue_id = element.get("data-qr")
        if venue_id and venue_id not in scan.qr and getattr(box, "element_tag", "") == "div":
            # CSS px -> points; the finisher draws after WeasyPrint's page transform is popped.
            scan.qr[venue_id] = (box.content_box_x() * 0.75, box.content_box_y() * 0.75, box.width * 0.75)
    return scan


def _overlap(scan: PageScan) -> str:
    """Does the text run into the footer, or the footer out of the safe area? ('' when the poster is clean).

    The footer is placed at the bottom of the trim, so a long name pushes the steps into it instead of onto
    a second page; this reads the laid-out boxes (WeasyPrint's page box tree) to catch that.
    """
    tops, bottoms = scan.tops, scan.bottoms
    if {"steps", "foot", "poster"} - set(tops):
        return ""
    if bottoms["steps"] > tops["foot"] + 0.5:
        return f"its text runs {(bottoms['steps'] - tops['foot']) * 25.4 / 96:.0f} mm into the footer"
    if bottoms["foot"] > bottoms["poster"] + 0.5:
        return "the footer leaves the page"
    return ""


def _qr_finisher(pages_ops: list[bytes]) -> Any:
    """A WeasyPrint `finisher` that appends each page's QR operators to that page's content stream."""

    def finish(document: Any, pdf: Any) -> None:
        kids = pdf.pages["Kids"]
        numbers = [kids[i] for i in range(0, len(kids), 3)]
        for number, ops in zip(numbers, pages_ops, strict=True):
            if ops:
                contents = pdf.objects[number]["Contents"]
                stream = pdf.objects[int(contents.split()[0])]
                stream.stream.append(ops)

    return finish


def _identifier(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32].encode()


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


def _one_pass_subset(font: Any, to_unicode: dict[int, Any], hinting: bool) -> None:
    """WeasyPrint's HarfBuzz subsetting of a PDF's font in one `hb_subset` call instead of two.

    WeasyPrint subsets twice: keeping the used glyphs with their ids, then keeping every glyph up to the
    highest used one, to drop hinting. With retained glyph ids the first call already ends at the highest
    used glyph, so the second only removes hints, at the cost of a whole second subset (measured on the
    3,766-character pack: 1.5 of 2.9 ms a weight, ~3 ms a poster). One call with the hinting flag set
    gives the same glyphs, ids and outlines.
    """
    from weasyprint.pdf.fonts import LOGGER
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    subset = harfbuzz_subset
    hb_input = ffi.gc(subset.hb_subset_input_create_or_fail(), subset.hb_subset_input_destroy)
    gids = sorted(to_unicode)
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_glyph_set(hb_input),
                                     ffi.new(f"hb_codepoint_t[{len(gids)}]", gids), len(gids))
    flags = (subset.HB_SUBSET_FLAGS_RETAIN_GIDS | subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED |
             subset.HB_SUBSET_FLAGS_DESUBROUTINIZE)
    if not hinting:
        flags |= subset.HB_SUBSET_FLAGS_NO_HINTING
    if font.missing:
        flags |= subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE
    subset.hb_subset_input_set_flags(hb_input, flags)
    drop = tuple(harfbuzz.hb_tag_from_string(name, -1) for name in (
        b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG "))
    harfbuzz.hb_set_add_sorted_array(subset.hb_subset_input_set(hb_input, subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
                                     ffi.new(f"hb_codepoint_t[{len(drop)}]", drop), len(drop))
    face = ffi.gc(subset.hb_subset_or_fail(font.hb_face, hb_input), harfbuzz.hb_face_destroy)
    if face:
        content = get_hb_object_data(face)
        if content:
            font.file_content = content
            return
    LOGGER.warning('Unable to subset "%s" with HarfBuzz', font.family)


def _single_subset() -> None:
    """Let WeasyPrint subset each PDF's fonts with `_one_pass_subset` (only this worker process)."""
    from weasyprint.pdf.fonts import Font

    font: Any = Font
    if not hasattr(font, "weasyprint_harfbuzz_subset"):
        font.weasyprint_harfbuzz_subset = font._harfbuzz_subset  # WeasyPrint's own, for the tests
    font._harfbuzz_subset = _one_pass_subset


class _MarksImage:
    """Crop marks drawn once per page size and replayed: stands in for WeasyPrint's `SVGImage` of the marks.

    WeasyPrint draws `marks: crop` by building, parsing and drawing a small SVG on every page: ~2.5 ms of
    a ~30 ms poster. The drawing depends only on the SVG text (page size and bleed), and it goes into a
    group of its own; so the operators and graphics states of the first drawing are kept and appended to
    later groups unchanged: the same bytes as drawing it again.
    """

    _cache: ClassVar[dict[str, _MarksImage]] = {}

    def __init__(self, svg: str) -> None:
        self.svg = svg
        self.recorded: tuple[list[Any], dict[str, Any]] | None = None

    @classmethod
    def for_svg(cls, svg: str) -> _MarksImage:
        image = cls._cache.get(svg)
        if image is None:
            if len(cls._cache) > 8:
                cls._cache.clear()
            image = cls._cache[svg] = cls(svg)
        return image

    def draw(self, stream: Any, width: float, height: float, style: Any) -> None:
        if self.recorded is None:
            from xml.etree import ElementTree

            from weasyprint.images import SVGImage

            before = len(stream.stream)
            # The SVG is WeasyPrint's own text of the page's marks, not input.
            tree = ElementTree.fromstring(self.svg)  # noqa: S314
            SVGImage(tree, None, None, None).draw(stream, width, height, style)
            resources = stream._resources
            if any(resources[name] for name in ("XObject", "Pattern", "Shading")):
                return  # not the simple drawing this replays: leave it to WeasyPrint every time
            self.recorded = (list(stream.stream[before:]), dict(resources["ExtGState"]))
            return
        items, states = self.recorded
        stream.stream.extend(items)
        stream._resources["ExtGState"].update(states)


def _cached_marks() -> None:
    """Let WeasyPrint's page painting take the crop marks from `_MarksImage` (the only SVG it builds there)."""
    import types

    import weasyprint.draw

    if getattr(weasyprint.draw, "_materials_marks", False):
        return
    draw: Any = weasyprint.draw
    draw.ElementTree = types.SimpleNamespace(fromstring=lambda text: text)
    draw.SVGImage = lambda svg, *args: _MarksImage.for_svg(svg)
    draw._materials_marks = True


def render_job(job: Job) -> list[Rendered]:
    """Render one job; each result carries its bytes and what was decoded from them."""
    _faster_deflate()
    _cached_marks()
    _single_subset()
    if job.kind == "sheets":
        return [_render_sheets(job)]
    static = static_layer(job) if job.kind == "posters" else None
    document = _weasy_document(job) if static is None else _weasy_document(job, "venue", static.css)
    matrices = {v["id"]: v["qr_matrix"] for v in document.venue_contexts if "qr_matrix" in v}
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
        document.metadata.title = f"{venue['name']} {venue['id']}"
        one = document.copy([page])
        identifier = _identifier(job.kind, venue["id"], venue["link"])
        if job.kind == "screens":
            pdf = one.write_pdf(pdf_identifier=identifier)
            result.data = _png(pdf)
            from PIL import Image

            result.decoded = qr.decode_image(Image.open(io.BytesIO(result.data)).convert("L"))
            results.append(result)
            continue
        if static is not None:
            fill_static(page, static)
        scan = scan_page(page)
        overlap = _overlap(scan)
        if overlap:
            result.problems.append(f"the name or address of venue {venue['id']} is too long for a "
                                   f"{job.g['size']} poster ({overlap}); shorten it")
            results.append(result)
            continue
        if venue["id"] not in scan.qr:
            result.problems.append(f"the poster of venue {venue['id']} has no QR code box")
            results.append(result)
            continue
        box = scan.qr[venue["id"]]
        result.data = one.write_pdf(pdf_identifier=identifier,
                                    finisher=_qr_finisher([qr_operators(matrices[venue["id"]], *box)]))
        bleed = (page.bleed["left"] * 0.75, page.bleed["top"] * 0.75)
        result.decoded = decode_region(result.data, box, bleed, job.verify_dpi)
        results.append(result)
    return results


def decode_region(pdf: bytes, box: tuple[float, float, float], bleed: tuple[float, float], dpi: int) -> list[str]:
    """The QR codes read from a raster of the written page, cut to the code's box and a margin around it.

    Rasterising and searching the whole A4 page costs ~3 ms; the region around the code, where a phone
    looks, ~1 ms. Whatever the PDF draws there (the code, or anything overlapping it) is in the raster.
    """
    import pypdfium2 as pdfium

    x, y, size = box
    margin = size * 0.08
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_width(), page.get_height()
        left = max(0.0, bleed[0] + x - margin)
        top = max(0.0, bleed[1] + y - margin)
        right = max(0.0, width - (bleed[0] + x + size + margin))
        bottom = max(0.0, height - (bleed[1] + y + size + margin))
        image = page.render(scale=dpi / 72, grayscale=True, crop=(left, bottom, right, top)).to_pil()
        page.close()
    finally:
        document.close()
    return qr.decode_image(image)


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
    matrices = {v["id"]: v["qr_matrix"] for v in document.venue_contexts}
    expected = (len(job.venues) + 3) // 4
    result = Rendered(job.label, b"", pages=len(document.pages))
    if len(document.pages) != expected:
        result.problems.append(f"{job.label}: {len(document.pages)} sheets instead of {expected}")
        return result
    ops = []
    for page in document.pages:
        boxes = scan_page(page).qr
        ops.append(b"\n".join(qr_operators(matrices[venue_id], *box) for venue_id, box in sorted(boxes.items())))
    document.metadata.title = job.label
    result.data = document.write_pdf(pdf_identifier=_identifier("sheets", job.label,
                                                                *(v["link"] for v in job.venues)),
                                     finisher=_qr_finisher(ops))
    for texts in qr.decode_pdf(result.data, job.verify_dpi):
        result.decoded.extend(texts)
    return result
