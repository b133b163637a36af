"""Check a rendered print folder against what the campaign intends.

The intent is re-planned from the campaign (no layout), then every file is read back the way a print shop
or a phone would: page count and page boxes from the PDF, embedded fonts, every character inside the safe
area, and each QR code decoded from a raster of the page (pypdfium2 + zxing-cpp) compared with its link.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from materials import progress
from materials.campaign import DRAFT_MARK, Campaign
from materials.errors import MaterialsError, Problem
from materials.i18n import N_, _
from materials.printing import home, incremental
from materials.printing.batches import plan_batches
from materials.printing.manifest import PrintManifest
from materials.printing.planner import DRAFT_EDGE_MM, Batch, Item
from materials.printing.settings import PrintSettings

log = logging.getLogger(__name__)

MM = 72 / 25.4
#: Page boxes may differ from the intended size by rounding only.
BOX_TOLERANCE_PT = 0.6


@dataclass
class Check:
    """Plain data a worker needs to check one file."""

    path: str
    file: str
    kind: str
    width_mm: float
    height_mm: float
    link: str | None
    pages: int | None
    png: tuple[int, int] | None
    safe_mm: float
    bleed_mm: float
    cells: list[tuple[float, float, float, float]]  # trim rectangles (mm) that each keep a safe margin
    qr_mm: float | None = None
    qr_min_mm: float | None = None
    qr_level: str | None = None
    press: bool = False  # a print-shop file: PDF/X-4 preflight (materials.pdfx)


def verify(campaign: Campaign, dest: Path, batches: list[Batch] | None = None) -> list[Problem]:
    """Check every file of a print folder against the plan (`batches`, planned again when not given)."""
    if batches is None:
        _items, batches, problems = plan_batches(campaign)
        if problems:
            return problems
    settings = PrintSettings.of(campaign.settings)
    checks = [_check(item, dest, settings.safe_margin_mm, settings.bleed_mm, campaign)
              for batch in batches for item in batch.items]
    problems = []
    try:
        listed = {e.pdf or e.png for e in PrintManifest.read(dest).materials}
        for check in checks:
            if check.path not in listed:
                problems.append(Problem(f"{dest.name}/manifest.json", None, None, _("{path} is not listed").format(
                    path=check.path)))
    except MaterialsError as error:
        problems.append(Problem(f"{dest.name}/manifest.json", None, None, _("missing or unreadable ({error})").format(
            error=error)))
    for lang in campaign.languages:
        article = dest / "wechat" / f"faq-article-{lang}.html"
        if not article.is_file():
            problems.append(Problem(str(article), None, None, _("WeChat article is missing")))
        elif "<script" in article.read_text("utf-8").lower():
            problems.append(Problem(str(article), None, None, _("WeChat article must not contain scripts")))
    import multiprocessing

    # A file checked before, byte for byte, against the same expectations is not rasterised again.
    cache = incremental.Cache.of(campaign)
    for batch in batches:
        for item in batch.items:
            problems += _home_edition(item, dest, cache)
    keys = {}
    for check in checks:
        expected = {k: v for k, v in asdict(check).items() if k != "file"}
        key = cache.verified(check.path, expected, Path(check.file))
        if key is not None:
            keys[check.path] = key
    todo = [check for check in checks if check.path in keys]
    if len(todo) < len(checks):
        log.info(_("print: %d of %d files checked before, byte for byte"), len(checks) - len(todo), len(checks))
    if not todo:
        return problems
    from materials.printing.worker import preload

    preload()  # the workers inherit the rendering libraries instead of importing them each
    from materials.errors import end_with_parent, worker_deaths

    with worker_deaths(), ProcessPoolExecutor(max_workers=settings.workers,
                                              mp_context=multiprocessing.get_context("fork"),
                                              initializer=end_with_parent, initargs=(os.getpid(),)) as pool:
        for check, found in zip(todo, progress.track(pool.map(check_file, todo, chunksize=8), _("print: verifying"),
                                                      length=len(todo), unit=_("files")), strict=True):
            problems += found
            if not found:
                cache.remember(check.path, keys[check.path])
    return problems


def _home_edition(item: Item, dest: Path, cache: incremental.Cache) -> list[Problem]:
    """The public site's copy of a press file: its paper exactly (no bleed, no marks), no PDF/X output intent,
    every glyph drawable. A file checked before, byte for byte, with the same paper is not read again."""
    import pikepdf

    from materials import glyphcheck

    office = home.path(item)
    if office is None or office == item.path:
        return []
    path = dest / office
    if not path.is_file():
        return [Problem(office, None, None, _("home edition is missing from the print folder"))]
    key = cache.verified(office, ["home edition", item.width_mm, item.height_mm], path)
    if key is None:
        return []
    problems = glyphcheck.check(path, name=office)
    with pikepdf.open(path) as pdf:
        if "/OutputIntents" in pdf.Root:
            problems.append(Problem(office, None, None, _("a home edition must not carry the press output intent")))
        for number, page in enumerate(pdf.pages, start=1):
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            if abs((x1 - x0) / MM - item.width_mm) > 0.3 or abs((y1 - y0) / MM - item.height_mm) > 0.3 \
                    or "/BleedBox" in page.obj:
                size = f"{(x1 - x0) / MM:.1f}x{(y1 - y0) / MM:.1f} mm"
                problems.append(Problem(office, None, None, _("page {number} is {size}; a home edition is its paper, "
                                          "{width_mm:g}x{height_mm:g} mm, without bleed or marks").format(
                                              number=number, size=size, width_mm=item.width_mm,
                                              height_mm=item.height_mm)))
    if not problems:
        cache.remember(office, key)
    return problems


def _check(item: Item, dest: Path, safe: float, bleed: float, campaign: Campaign) -> Check:
    cells = [(0.0, 0.0, item.width_mm, item.height_mm)]
    if item.kind == "card":
        settings = PrintSettings.of(campaign.settings)
        card = settings.sizes[settings.card_size]
        across, down = int(item.width_mm // card.width_mm), int(item.height_mm // card.height_mm)
        cw, ch = item.width_mm / across, item.height_mm / down
        cells = [(c * cw, r * ch, card.width_mm, card.height_mm) for r in range(down) for c in range(across)]
    return Check(path=item.path, file=str(dest / item.path), kind=item.kind, width_mm=item.width_mm,
                 height_mm=item.height_mm, link=item.link, pages=item.pages, png=item.png, safe_mm=safe,
                 bleed_mm=bleed, cells=cells, qr_mm=item.qr_mm, qr_min_mm=item.qr_min_mm,
                 qr_level=item.qr_level, press=item.press)


def check_file(check: Check) -> list[Problem]:
    path = Path(check.file)
    if not path.is_file():
        return [Problem(check.path, None, None, _("missing from the print folder"))]
    if check.png is not None:
        return _check_png(check, path)
    return _check_pdf(check, path)


def _check_png(check: Check, path: Path) -> list[Problem]:
    from PIL import Image

    problems = []
    assert check.png is not None
    with Image.open(path) as image:
        if image.size != check.png:
            problems.append(Problem(check.path, None, None, _("image is {size}x{size2} px, "
                                      "expected {png}x{png2}").format(size=image.size[0], size2=image.size[1],
                                                                      png=check.png[0], png2=check.png[1])))
        if check.link:
            problems += codes(check, image.convert("L"), "the image")
    return problems


def _links(check: Check, found: list[str], where: str) -> list[Problem]:
    assert check.link is not None
    if not found:
        return [Problem(check.path, None, None, _("no QR code could be read from {where}").format(where=where))]
    wrong = [text for text in found if text != check.link]
    if wrong:
        return [Problem(check.path, None, None, _("QR code on {where} reads {wrong!r}, expected {link!r}").format(
            where=where, wrong=wrong[0], link=check.link))]
    return []


def _check_pdf(check: Check, path: Path) -> list[Problem]:
    import pypdfium2 as pdfium

    problems: list[Problem] = []
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        return [Problem(check.path, None, None, _("not a readable PDF ({error})").format(error=error))]
    try:
        count = len(document)
        if check.pages is not None and count != check.pages:
            problems.append(Problem(check.path, None, None, _("{count} pages; a {kind} must be {pages}").format(
                count=count, kind=check.kind, pages=check.pages)))
        elif count < 3 and check.pages is None:
            problems.append(Problem(check.path, None, None, _("only {count} pages").format(count=count)))
        for index in range(count):
            page = document[index]
            where = _("page {number}").format(number=index + 1)
            if not check.press:  # the preflight below checks a press file's boxes and fonts
                problems += _boxes(check, page, where)
                problems += _fonts(check, page, where)
            problems += _safe_area(check, page, where)
            if check.link and index == 0:
                problems += _qr(check, page, where)
            page.close()
    finally:
        document.close()
    from materials import glyphcheck

    # Every code drawn must be a glyph of its font as ISO 32000 reads it (RIPs, Ghostscript), not as poppler guesses.
    problems += glyphcheck.check(path, name=check.path)
    if check.press:
        from materials import pdfx

        # What a print shop's preflight reads: the PDF/X-4 claim and output intent, colour, ink, boxes, fonts.
        problems += pdfx.preflight(path, name=check.path, trim_mm=(check.width_mm, check.height_mm),
                                   pages_multiple=4 if check.kind == "booklet" else None)
    return problems


def _boxes(check: Check, page: Any, where: str) -> list[Problem]:
    trim = page.get_trimbox()
    bleed = page.get_bleedbox()
    media = page.get_mediabox()
    width, height = (trim[2] - trim[0]) / MM, (trim[3] - trim[1]) / MM
    problems = []
    if abs(width - check.width_mm) * MM > BOX_TOLERANCE_PT or abs(height - check.height_mm) * MM > BOX_TOLERANCE_PT:
        problems.append(Problem(check.path, None, None, _("{where}: TrimBox is {width:.1f}x{height:.1f} mm, expected "
                                  "{width_mm:.1f}x{height_mm:.1f} mm").format(where=where, width=width, height=height,
                                                                              width_mm=check.width_mm,
                                                                              height_mm=check.height_mm)))
    # A screen PDF has no bleed; a press file's bleed is the preflight's (materials.pdfx).
    if (media[0] > bleed[0] + 0.01 or media[1] > bleed[1] + 0.01
            or media[2] < bleed[2] - 0.01 or media[3] < bleed[3] - 0.01):
        problems.append(Problem(check.path, None, None, _("{where}: BleedBox is outside the MediaBox").format(
            where=where)))
    return problems


def _page_fonts(page: Any) -> list[tuple[str, bool]]:
    """(base font name, embedded) for each text object of a page."""
    import ctypes

    import pypdfium2.raw as raw

    fonts: dict[str, bool] = {}
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
        font = raw.FPDFTextObj_GetFont(obj.raw)
        size = raw.FPDFFont_GetBaseFontName(font, None, 0)
        buffer = ctypes.create_string_buffer(size)
        raw.FPDFFont_GetBaseFontName(font, buffer, size)
        name = buffer.value.decode("utf-8", "replace")
        fonts[name] = bool(raw.FPDFFont_GetIsEmbedded(font))
    return sorted(fonts.items())


def _fonts(check: Check, page: Any, where: str) -> list[Problem]:
    problems = []
    for name, embedded in _page_fonts(page):
        if not embedded:
            problems.append(Problem(check.path, None, None, _("{where}: font {name} is not embedded").format(
                where=where, name=name)))
        elif "CJK" in name and "CJK-SC" not in name.replace("CJKSC", "CJK-SC"):
            problems.append(Problem(check.path, None, None, _("{where}: font {name} is not the Simplified "
                                      "Chinese face (set lang and the SC family)").format(where=where, name=name)))
    return problems


def _safe_area(check: Check, page: Any, where: str) -> list[Problem]:
    """Every visible character lies inside its cell's safe area (trim inset by the safe margin)."""
    text = page.get_textpage()
    try:
        trim = page.get_trimbox()
        height_pt = trim[3] - trim[1]
        safe = check.safe_mm * MM
        cells = [(x * MM, y * MM, (x + w) * MM, (y + h) * MM) for x, y, w, h in check.cells]
        # The draft mark is never on an approved file: on pages too small for it above the authority's line
        # (A6 cards) it may enter the safe margin, never the last DRAFT_EDGE_MM (planner.draft_mark_css).
        whole = text.get_text_range()
        mark = {i for start in _occurrences(whole, DRAFT_MARK) for i in range(start, start + len(DRAFT_MARK))}
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if not char.strip():
                continue
            left, bottom, right, top = text.get_charbox(index)
            # PDF space has y upwards from the trim's bottom; cells are measured from the top.
            x0, x1 = left - trim[0], right - trim[0]
            y0, y1 = height_pt - (top - trim[1]), height_pt - (bottom - trim[1])
            inset = DRAFT_EDGE_MM * MM if index in mark else safe
            inside = any(cx0 + inset - 0.5 <= x0 and x1 <= cx1 - inset + 0.5 and cy0 + inset - 0.5 <= y0
                         and y1 <= cy1 - inset + 0.5 for cx0, cy0, cx1, cy1 in cells)
            if not inside:
                return [Problem(check.path, None, None, _("{where}: {char!r} is closer than {safe_mm:g} mm "
                                  "to the trim").format(where=where, char=char, safe_mm=check.safe_mm))]
    finally:
        text.close()
    return []


def _occurrences(text: str, word: str) -> list[int]:
    found, start = [], text.find(word)
    while start >= 0:
        found.append(start)
        start = text.find(word, start + len(word))
    return found


def _qr(check: Check, page: Any, where: str) -> list[Problem]:
    # Enough pixels for the code, not the page: about 5 px a module for up to 49 modules with the quiet
    # zone (version 8), which is what a phone's camera needs too.
    dpi = min(200.0, max(15.0, 49 * 5 / ((check.qr_mm or 22.0) / 25.4)))
    image = page.render(scale=dpi / 72, grayscale=True).to_pil()
    media, trim = page.get_mediabox(), page.get_trimbox()
    # Where the trim's top left corner lies in the raster (which covers the media box), in mm.
    origin = ((trim[0] - media[0]) / MM, (media[3] - trim[3]) / MM)
    return codes(check, image, where, px_per_mm=dpi / 25.4, origin_mm=origin)


#: Pixels darker than this count as ink in the quiet zone.
INK = 128
#: Share of inked pixels tolerated in a quiet zone (anti-aliased edges of the code's own modules).
QUIET_TOLERANCE = 0.01


def codes(check: Check, image: Any, where: str, *, px_per_mm: float | None = None,
          origin_mm: tuple[float, float] = (0.0, 0.0)) -> list[Problem]:
    """Every QR code read from a greyscale raster: its link, its error level, its 4-module quiet zone,
    and on paper (`px_per_mm` given) its printed width against the reading distance and its place inside
    the safe area."""
    import zxingcpp

    assert check.link is not None
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)) or []
    found = [r for r in found if r.valid]
    problems = _links(check, [r.text for r in found], where)
    if problems:
        return problems
    for result in found:
        corners = [(p.x, p.y) for p in (result.position.top_left, result.position.top_right,
                                         result.position.bottom_right, result.position.bottom_left)]
        x0, x1 = min(c[0] for c in corners), max(c[0] for c in corners) + 1
        y0, y1 = min(c[1] for c in corners), max(c[1] for c in corners) + 1
        # "5" for a QR code, "M3" for a Micro QR code (2-module quiet zone; never made, but read right).
        version = str(result.extra.get("Version") or "1") if isinstance(result.extra, dict) else "1"
        micro = version.startswith("M")
        number = int("".join(c for c in version if c.isdigit()) or 1)
        modules = 9 + 2 * number if micro else 17 + 4 * number
        module_px = (x1 - x0) / modules
        level = result.ec_level or (result.extra.get("ECLevel") if isinstance(result.extra, dict) else "")
        if check.qr_level and level and level != check.qr_level:
            problems.append(Problem(check.path, None, None, _("QR code on {where} has error level {level}; "
                                      "the settings ask for {qr_level}").format(where=where, level=level,
                                                                                qr_level=check.qr_level)))
        problems += _quiet_zone(check, image, (x0, y0, x1, y1), module_px, where)
        if px_per_mm is None:
            continue
        width_mm = (x1 - x0 + 8 * module_px) / px_per_mm  # with its quiet zone, as the rule counts it
        if check.qr_min_mm and width_mm < check.qr_min_mm * 0.98:
            problems.append(Problem(check.path, None, None, _("QR code on {where} is {width_mm:.0f} mm wide with its "
                                      "quiet zone; read from {value:g} m it must be at least "
                                      "{qr_min_mm:.0f} mm (a tenth of the reading distance)").format(
                                          where=where, width_mm=width_mm, value=check.qr_min_mm / 100,
                                          qr_min_mm=check.qr_min_mm)))
        quiet = 4 * module_px
        box = ((x0 - quiet) / px_per_mm - origin_mm[0], (y0 - quiet) / px_per_mm - origin_mm[1],
               (x1 + quiet) / px_per_mm - origin_mm[0], (y1 + quiet) / px_per_mm - origin_mm[1])
        if not _inside_safe_area(check, box):
            problems.append(Problem(check.path, None, None, _("QR code on {where} is closer than {safe_mm:g} mm "
                                      "to the trim").format(where=where, safe_mm=check.safe_mm)))
    return problems


def _inside_safe_area(check: Check, box: tuple[float, float, float, float]) -> bool:
    safe, slack = check.safe_mm, 0.5
    return any(cx + safe - slack <= box[0] and box[2] <= cx + w - safe + slack
               and cy + safe - slack <= box[1] and box[3] <= cy + h - safe + slack
               for cx, cy, w, h in check.cells)


def _quiet_zone(check: Check, image: Any, symbol: tuple[float, float, float, float], module_px: float,
                where: str) -> list[Problem]:
    """The 4 modules around the symbol are light: no text, edge or picture touches the code."""
    x0, y0, x1, y1 = symbol
    quiet = 4 * module_px
    edge = max(1.0, module_px * 0.25)  # the symbol's own anti-aliased edge
    strips = {
        N_("above"): (x0 - quiet, y0 - quiet, x1 + quiet, y0 - edge),
        N_("below"): (x0 - quiet, y1 + edge, x1 + quiet, y1 + quiet),
        N_("left of"): (x0 - quiet, y0, x0 - edge, y1),
        N_("right of"): (x1 + edge, y0, x1 + quiet, y1),
    }
    for side, (a, b, c, d) in strips.items():
        box = (max(0, round(a)), max(0, round(b)), min(image.width, round(c)), min(image.height, round(d)))
        full = (round(c) - round(a)) * (round(d) - round(b))
        area = (box[2] - box[0]) * (box[3] - box[1])
        if area <= 0 or area < full * 0.9:
            return [Problem(check.path, None, None, _("QR code on {where}: its quiet zone {side} the code is cut off "
                              "by the edge").format(where=where, side=_(side)))]
        histogram = image.crop(box).histogram()
        inked = sum(histogram[:INK])
        if inked > area * QUIET_TOLERANCE:
            return [Problem(check.path, None, None, _("QR code on {where}: something prints in the 4-module quiet "
                              "zone {side} the code ({value:.0%} of it is dark)").format(where=where, side=_(side),
                                                                                         value=inked / area))]
    return []
