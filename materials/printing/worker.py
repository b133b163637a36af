"""Lay out batches with WeasyPrint, check the words fit, write PDFs, PNG renders and previews.

Runs in worker processes: a `Batch` is plain data (HTML strings and numbers), so the parent builds every
page with Jinja and the workers only lay out and write. One WeasyPrint document per batch; each item's
page is then written as its own PDF (`Document.copy`), so stylesheets are parsed once per batch and fonts
(already cut down by `fontcache`) are subset per small PDF.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from materials.errors import MaterialsError, Problem
from materials.i18n import N_, _
from materials.printing import home, legibility
from materials.printing.planner import BILINGUAL, Batch, Item

log = logging.getLogger(__name__)

#: Type sizes tried, as fractions of the design's, until the words fit (stopping at `min_type_scale`).
STEPS = (0.92, 0.85, 0.78, 0.72, 0.66, 0.6, 0.55, 0.5, 0.45, 0.4, 0.35)
#: Slack for rounding in the box tree, in CSS px (1/96 in).
TOLERANCE_PX = 0.5


@dataclass
class BatchResult:
    problems: list[Problem] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    scales: dict[str, float] = field(default_factory=dict)


@dataclass
class Job:
    """What a worker needs: the batch, where to write, which folders the fetcher may read."""

    batch: Batch
    dest: str | None  # None: only check that the words fit (validation)
    roots: list[str]
    min_scale: float
    preview_width: int
    bleed_mm: float
    #: '#rrggbb' -> CMYK percentages of the brand's print colours (materials.pdfx.Inks).
    colours: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)


def preload() -> None:
    """Import the rendering libraries in the parent before a pool forks: each worker then inherits them
    instead of paying their import (2-3 s for WeasyPrint, which parses its C declarations and looks its
    libraries up on every start) in every pool."""
    import pikepdf  # noqa: F401
    import pypdfium2  # noqa: F401
    import weasyprint  # noqa: F401
    import zxingcpp  # noqa: F401
    from PIL import Image  # noqa: F401


def _texts(box: Any) -> Any:
    """Every text and replaced box under `box` (WeasyPrint's layout tree)."""
    from weasyprint.formatting_structure import boxes

    for child in box.descendants():
        if isinstance(child, boxes.TextBox | boxes.ReplacedBox):
            yield child


def _halted(text: Any) -> bool:
    """A half-width opening mark (typeset.py): its box starts left of the line, its ink does not."""
    element = getattr(text, "element", None)
    return element is not None and "halt" in (element.get("class") or "").split()


def fit_ratio(page: Any) -> float:
    """1.0 if the words of every `.fit` box of a page stay inside it, else an estimate (< 1) of the type
    scale at which they would: linear for a line too wide, square root for text too tall (its area grows
    with the square of the type size)."""
    ratio = 1.0
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if element is None or "fit" not in (element.get("class") or "").split():
            continue
        inner = getattr(box, "_box", box)  # absolutely positioned boxes sit behind a placeholder
        left, top = inner.content_box_x(), inner.content_box_y()
        right, bottom = left + inner.width, top + inner.height
        widest, lowest = right, bottom
        for text in _texts(inner):
            widest = max(widest, text.position_x + text.margin_width())
            lowest = max(lowest, text.position_y + text.margin_height())
            if text.position_x < left - TOLERANCE_PX and not _halted(text):
                widest = max(widest, right + (left - text.position_x))
            if text.position_y < top - TOLERANCE_PX:  # centred words overflow upwards too
                lowest = max(lowest, bottom + (top - text.position_y))
        if widest > right + TOLERANCE_PX:
            ratio = min(ratio, inner.width / max(widest - left, 1e-6))
        if lowest > bottom + TOLERANCE_PX:
            ratio = min(ratio, (inner.height / max(lowest - top, 1e-6)) ** 0.5)
    return ratio


#: What each `.fit` box of the templates is, and the elements inside them, as a message names them.
FIT_BOXES = {"ch-bar": N_("authority bar"), "ch-words": N_("words"), "ch-card": N_("QR card"),
             "ch-square": N_("centre square"), "words": N_("words"), "qrcard": N_("QR card")}
PARTS = {"ch-who": "authority", "who": "authority", "ch-host": "service address", "host": "service address",
         "ch-cta": "caption", "cta": "caption"}
#: An overflowing element, named in messages: "the {part} in the {box}".
PART_IN_BOX = {"authority": N_("the authority in the {box}"), "service address": N_("the service address in the {box}"),
               "caption": N_("the caption in the {box}")}
#: What to do when a box never fits, by what overflows.
ADVICE = {
    "authority": N_("set a shorter name in campaign.toml [authority_short] (or, where none is set, shorten "
                    "[authority]); it wraps at spaces, and in Chinese after 市, 部, 室 and the like"),
    "service address": N_("the service address prints whole: use a shorter host for service.url"),
    "caption": N_("shorten the caption under the code"),
}


def _classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def _texts_within(box: Any, parts: tuple[str, ...] = ()) -> Any:
    """(text box, the PARTS names of the elements it is inside) under `box`."""
    for child in getattr(box, "children", ()):
        named = parts + tuple(PARTS[c] for c in _classes(child) if c in PARTS)
        if not getattr(child, "children", None):  # a text or a replaced box (an icon, the code)
            yield child, named
        else:
            yield from _texts_within(child, named)


def overflowing(page: Any) -> str | None:
    found = _overflow(page)
    return found[0] if found else None


def _overflow(page: Any) -> tuple[str, str | None] | None:
    """What spills out of a page's `.fit` boxes the most, as `the authority in the authority bar
    ('天津市…', 12 mm out)`: the element and the value that overflows (the text reaching furthest out), and
    the PARTS name of the element."""
    worst: tuple[float, str, str | None] | None = None
    for box in page._page_box.descendants():
        classes = _classes(box)
        if "fit" not in classes:
            continue
        inner = getattr(box, "_box", box)
        left, top = inner.content_box_x(), inner.content_box_y()
        right, bottom = left + inner.width, top + inner.height
        for text, parts in _texts_within(inner):
            beyond = max(text.position_x + text.margin_width() - right, text.position_y + text.margin_height() - bottom,
                         0.0 if _halted(text) else left - text.position_x, top - text.position_y)
            if beyond > TOLERANCE_PX and (worst is None or beyond > worst[0]):
                where = next((_(FIT_BOXES[c]) for c in classes if c in FIT_BOXES), _("box"))
                what = _(PART_IN_BOX[parts[-1]]).format(box=where) if parts else _("the {box}").format(box=where)
                value = " ".join(str(getattr(text, "text", "")).split()) or " ".join(
                    str(getattr(t, "text", "")) for t, _ in _texts_within(inner) if getattr(t, "text", ""))
                worst = (beyond, _("{what} ({value!r}, {beyond:.0f} mm out)").format(
                    what=what, value=value[:60], beyond=beyond * 0.2646), parts[-1] if parts else None)
    return (worst[1], worst[2]) if worst else None


def _layout(job: Job, fonts: dict[str, float] | None = None, only: set[str] | None = None,
            html: str | None = None) -> Any:
    from weasyprint import HTML

    from materials.fetcher import url_fetcher

    fetcher = url_fetcher([Path(r) for r in job.roots], _("print templates (templates/print/)"))
    with _fetch_errors(job):
        return HTML(string=html or job.batch.html(fonts, only), base_url=job.roots[0] + "/",
                    url_fetcher=fetcher).render()


@contextlib.contextmanager
def _fetch_errors(job: Job) -> Iterator[None]:
    """A file the fetcher refused (while laying out, or while writing: attachments) is the material's
    mistake, one `MaterialsError`; never a worker killed by WeasyPrint's fatal BaseException."""
    from materials.fetcher import RefusedResource

    try:
        yield
    except (Exception, RefusedResource) as error:  # WeasyPrint's fatal fetch errors are BaseExceptions
        refused = _refused(error)
        if refused is None:
            raise
        # Name the source that asked for the file: a material if its own page holds the URL, else the
        # templates and stylesheet every page shares.
        culprit = next((item.label for item in job.batch.items if refused.url in item.html), None)
        origin = culprit or _("templates/print (a template or print.css)")
        raise MaterialsError(_("{origin}: refused to load {url!r}: {reason}").format(origin=origin, url=refused.url,
                                                                                     reason=refused.reason)) from None


def _refused(error: BaseException) -> Any:
    from materials.fetcher import RefusedResource

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, RefusedResource):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _where(item: Item) -> str:
    if item.edition == BILINGUAL:
        return _("bilingual ({titles}), {size} {kind}").format(titles=" + ".join(item.titles), size=item.size,
                                                               kind=item.kind)
    return _("{edition}, {size} {kind}").format(edition=item.edition, size=item.size, kind=item.kind)


def fit_pages(job: Job) -> tuple[dict[str, tuple[Any, Any]], BatchResult]:
    """Lay out a batch; shrink the type of items whose words overflow; report those that never fit."""
    result = BatchResult()
    batch = job.batch
    document = _layout(job)
    pages: dict[str, tuple[Any, Any]] = {}
    # Items of a known page count (one page, or one per language for a bilingual staff guide); a booklet has none.
    counted = [item for item in batch.items if item.pages]
    expected = sum(item.pages or 0 for item in counted)
    if counted and len(document.pages) != expected:
        raise MaterialsError(_("print batch {name}: {count} pages for {count2} one-page "
                               "materials (a template breaks a page)").format(name=batch.name,
                                                                              count=len(document.pages),
                                                                              count2=expected))
    if not counted:  # a booklet: the whole document is the item
        sheet = len(batch.padded) + 1
        short = -len(document.pages) % sheet
        if batch.padded and short:  # saddle stitching: laid out again with notes pages up to 4n pages
            document = _layout(job, html=batch.padded[short - 1])
            if len(document.pages) % sheet:
                result.problems.append(Problem(batch.items[0].label, None, None,
                                               _("the {items} has {count} pages "
                                                 "with notes pages, not a multiple of {sheet}").format(
                                                     items=_where(batch.items[0]), count=len(document.pages),
                                                     sheet=sheet)))
        pages[batch.items[0].path] = (document, document.pages)
        return pages, result
    pending: dict[str, float] = {}  # path -> the largest step worth trying next
    last: dict[str, Any] = {}  # path -> its latest page that overflowed, for the message naming what overflows
    for item, item_pages in _split(document.pages, counted):
        ratio, page = _worst(item_pages) if item.fit else (1.0, item_pages[0])
        if ratio < 1.0:
            pending[item.path] = ratio
            last[item.path] = page
        else:
            pages[item.path] = (document, item_pages)
    items = {item.path: item for item in counted}
    fonts: dict[str, float] = {}
    scale = {path: 1.0 for path in pending}
    # The design's steps down to the smallest allowed scale, which is always tried last.
    steps = sorted({s for s in STEPS if s > job.min_scale} | {job.min_scale}, reverse=True)
    while pending:
        # Each overflowing item jumps to the largest step its overflow suggests, so most fit in one retry.
        for path, estimate in list(pending.items()):
            below = [s for s in steps if s < scale[path] - 1e-9 and s <= estimate * 1.03]
            if not below:
                item = items[path]
                del pending[path]
                culprit, part = _overflow(last[path]) or (None, None) if path in last else (None, None)
                advice = _(ADVICE[part]) if part in ADVICE else _("shorten the words")
                result.problems.append(Problem(item.label, None, None,
                                               _("{value} overflow the {item} even at "
                                                 "{min_scale:.0%} of the design's type size; {advice}").format(
                                                     value=culprit or _("the words"), item=_where(item),
                                                     min_scale=job.min_scale, advice=advice)))
                continue
            scale[path] = below[0]
            fonts[path] = items[path].base_pt * below[0]
        if not pending:
            break
        retry = _layout(job, fonts, set(pending))
        order = [item for item in job.batch.items if item.path in pending]
        for item, item_pages in _split(retry.pages, order):
            path = item.path
            ratio, page = _worst(item_pages)
            last[path] = page
            if ratio < 1.0:
                # Scale the estimate from the current try; never ask for a larger step again.
                pending[path] = min(ratio * scale[path], scale[path])
            else:
                del pending[path]
                pages[path] = (retry, item_pages)
                result.scales[path] = scale[path]
                log.debug("%s: type set at %d%% to fit", path, scale[path] * 100)
    result.problems.sort()
    return pages, result


def _split(document_pages: list[Any], items: list[Item]) -> Iterator[tuple[Item, list[Any]]]:
    """Each item with its pages, in order: `item.pages` of them each (the layout is checked to hold them all)."""
    start = 0
    for item in items:
        count = item.pages or 1
        yield item, list(document_pages[start:start + count])
        start += count
    if start != len(document_pages):
        raise MaterialsError(_("print batch {name}: {count} pages for {count2} one-page "
                               "materials (a template breaks a page)").format(name=items[0].label if items else "",
                                                                              count=len(document_pages),
                                                                              count2=start))


def _worst(item_pages: list[Any]) -> tuple[float, Any]:
    """The fit ratio of an item (its page that overflows most) and that page."""
    return min(((fit_ratio(page), page) for page in item_pages), key=lambda pair: pair[0])


def run(job: Job) -> BatchResult:
    """Worker entry point: fit, then (unless validating) write every item of the batch."""
    try:
        pages, result = fit_pages(job)
    except MaterialsError as error:  # a refused resource or a broken template: a problem of the sources
        origin, _sep, message = error.message.partition(": ")
        return BatchResult(problems=[Problem(origin, None, None, message or origin)])
    result.problems += legibility.problems(job.batch.items, pages)  # screens and billboards
    if job.dest is None or result.problems:
        return result
    dest = Path(job.dest)
    for item in job.batch.items:
        document, item_pages = pages[item.path]
        data, press = _pdf(job, item, document, item_pages)
        target = dest / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if item.png is not None:
            target.write_bytes(_png(data, item.png))
        else:
            target.write_bytes(press or data)
            office = home.path(item)
            if press and office:  # the public site's copy: cut to the paper, sRGB, no marks
                (dest / office).parent.mkdir(parents=True, exist_ok=True)
                (dest / office).write_bytes(home.edition(data))
            if item.preview:  # a screen image: from the sRGB page, not the press file's CMYK
                preview = dest / item.preview
                preview.parent.mkdir(parents=True, exist_ok=True)
                preview.write_bytes(_preview(data, job.preview_width))
        result.written.append(item.path)
    return result


def _pdf(job: Job, item: Item, document: Any, pages: list[Any]) -> tuple[bytes, bytes | None]:
    """The PDF as WeasyPrint wrote it (sRGB), and for a press item its PDF/X-4 file (else None)."""
    from weasyprint.pdf.metadata import DocumentMetadata

    batch = job.batch
    single = document.copy(pages)
    title = " / ".join(item.titles[lang] for lang in item.titles) if item.edition == BILINGUAL \
        else item.titles.get(item.edition, next(iter(item.titles.values())))
    single.metadata = DocumentMetadata(
        title=title, authors=[item.author or batch.author], lang=item.lang, created=batch.created,
        modified=batch.created,
        generator="materials", description=f"{item.kind} {item.size} {item.edition}",
        # `materials-sources FINGERPRINT` from the template's <meta name="keywords">: the signed proof's.
        keywords=list(document.metadata.keywords or []),
    )
    options: dict[str, Any] = {
        # A stable file identifier: same inputs, same bytes.
        "pdf_identifier": hashlib.sha256(item.path.encode()).hexdigest()[:32].encode(),
    }
    variant = "pdf/x-4" if item.press else batch.pdf_variant
    if variant:
        options["pdf_variant"] = variant
    with _fetch_errors(job):
        data = bytes(single.write_pdf(**options))
    if not item.press:
        return data, None
    from materials import pdfx

    return data, pdfx.press_ready(data, bleed_mm=job.bleed_mm, inks=_inks(job.colours))


_INKS: dict[str, Any] = {}


def _inks(colours: dict[str, tuple[float, float, float, float]]) -> Any:
    """One `Inks` per worker and brand: it keeps the profile's transform and the colours it converted."""
    from materials import pdfx

    key = repr(sorted(colours.items()))
    if key not in _INKS:
        _INKS[key] = pdfx.Inks(colours)
    return _INKS[key]


def _render_page(data: bytes, width_px: int | None = None, scale: float | None = None,
                 trim: bool = False) -> Any:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        page = document[0]
        media = page.get_mediabox()
        crop = (0.0, 0.0, 0.0, 0.0)
        if trim:
            box = page.get_trimbox()
            crop = (box[0] - media[0], box[1] - media[1], media[2] - box[2], media[3] - box[3])
        visible = media[2] - media[0] - crop[0] - crop[2]
        factor = scale if scale is not None else (width_px or 480) / visible
        image = page.render(scale=factor, crop=crop).to_pil()
        page.close()
        return image
    finally:
        document.close()


def _png(data: bytes, size: tuple[int, int]) -> bytes:
    # Page sizes are set in CSS px (1/96 in); pdfium renders PDF points (1/72 in).
    image = _render_page(data, scale=96 / 72).convert("RGB")
    if image.size != size:  # rounding of mm page sizes: at most a pixel
        image = image.resize(size)
    buffer = io.BytesIO()
    # Flat colour and text compress well even at level 1, which is several times faster than 6.
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def _preview(data: bytes, width: int) -> bytes:
    image = _render_page(data, width_px=width, trim=True).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
