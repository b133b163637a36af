"""The print-shop pack of a build: what publicity staff hand to a print shop, as it is.

`output/print/print-shop/` holds the press files only (PDF/X-4, under their usual paths), the order sheet
(`order.csv`, and `order.pdf`: one page for the shop's counter, with what to tell the shop), a contact sheet
of thumbnails (`contact-sheet.pdf`) and `SHA256SUMS` (`sha256sum -c SHA256SUMS` checks a copy);
`output/print/print-shop.zip` is the same folder in one file. The zip is reproducible: sorted entries, the
campaign's date as every entry's time.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from materials import fingerprint, printorder, templating
from materials.errors import Problem
from materials.i18n import _
from materials.output import write_atomic
from materials.printing import fontcache, incremental
from materials.printing.settings import PrintSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.printing.planner import Batch, Item

log = logging.getLogger(__name__)

FOLDER = "print-shop"
ZIP = "print-shop.zip"
ORDER_CSV, ORDER_PDF, CONTACT_SHEET, SUMS = "order.csv", "order.pdf", "contact-sheet.pdf", "SHA256SUMS"
#: Contact sheet: A4 landscape at 100 dpi, 6 x 3 thumbnails a page.
SHEET_PX, GRID = (1169, 827), (6, 3)


def press_items(batches: list[Batch]) -> list[Item]:
    return sorted((item for batch in batches for item in batch.items if item.press), key=lambda i: i.path)


def _pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def _title(item: Item, primary: str) -> str:
    """The material's title in the campaign's primary language (the shop's), else its edition's."""
    return item.titles.get(primary) or next((text for text in item.titles.values() if text), item.material)


def order_rows(campaign: Campaign, items: list[Item], folder: Path) -> list[printorder.Row]:
    """One row per press file; pages read from the written file (a booklet's count is known after layout)."""
    order = PrintSettings.of(campaign.settings).order
    rows = []
    for item in items:
        pages = item.pages or _pages(folder / item.path)
        kind = item.kind
        rows.append(printorder.Row(
            "", item.path, f"{_title(item, campaign.primary_language)} ({kind})", item.edition,
            printorder.trim_size(item.size, item.width_mm, item.height_mm), pages, printorder.colours(pages),
            order.paper_of(kind), printorder.FINISHING.get(kind, "trim to size"), order.quantity_of(kind)))
    return rows


def write(campaign: Campaign, batches: list[Batch], dest: Path) -> Path:
    """Write the pack of the print folder `dest` (its press files are written) and its zip."""
    items = press_items(batches)
    pack = dest / FOLDER
    pack.mkdir(exist_ok=True)
    for item in items:
        target = pack / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:  # same disk: a hard link costs nothing
            os.link(dest / item.path, target)
        except OSError:
            target.write_bytes((dest / item.path).read_bytes())
    rows = order_rows(campaign, items, dest)
    write_atomic(pack / ORDER_CSV, printorder.order_csv(rows))
    # The two sheets are laid out with the fingerprint placeholder and kept in the print cache by what they
    # are made from (issue 21): an unchanged build, or an edit that changes no row or thumbnail, lays neither
    # out again; the sources fingerprint is stamped in as into every print file.
    cache, value = incremental.Cache.of(campaign), fingerprint.sources(campaign)
    write_atomic(pack / ORDER_PDF, cache.stamped(_order_pdf(campaign, rows, cache), value))
    write_atomic(pack / CONTACT_SHEET, cache.stamped(_contact_sheet(campaign, items, dest, cache), value))
    files = sorted(p for p in pack.rglob("*") if p.is_file() and p.name != SUMS)
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(pack).as_posix()}\n" for p in files)
    write_atomic(pack / SUMS, sums.encode())
    _zip(pack, dest / ZIP, campaign)
    log.info(_("print: print-shop pack of %d press files (%s/ and %s)"), len(items), FOLDER, ZIP)
    return pack


def _fonts(campaign: Campaign) -> list[str]:
    """The installed faces the sheets are drawn with (file, face, size, time): a font update draws them again."""
    from materials.fonts import font_file

    faces = []
    for weight in ("regular", "bold"):
        path, index = font_file(campaign.settings.fonts.sans[0], weight)
        stat = path.stat()
        faces.append(f"{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}")
    return faces


#: The order sheet's table type, in pt: the largest that keeps the sheet one A3 page is chosen, from `ROW_PT[0]`
#: down, a step at a time; below the last the sheet runs on to more pages (its header row repeated).
ROW_PT = (9.0, 8.0, 7.0, 6.5, 6.0, 5.5, 5.0, 4.5)
#: Rows that always fit one page at the smallest type (`verify` holds a sheet of so many to one page).
ONE_PAGE_ROWS = 100


def _order_pdf(campaign: Campaign, rows: list[printorder.Row], cache: incremental.Cache) -> bytes:
    """The order sheet, with the fingerprint placeholder (kept in `cache` by its page and fonts): one page, its
    table's type as large as that allows. How many lines a row takes depends on its words (a long title wraps),
    so the size is found by laying the sheet out, not estimated from the number of rows (a new campaign's 61
    rows at 9 pt ran to two pages)."""
    from materials import pdfx

    env = templating.environment(campaign, "print")
    lang = campaign.primary_language
    inks = campaign.settings.brand.print_colours().values()

    longest = max((len(row.file) for row in rows), default=0)

    def html(row_pt: float) -> str:
        return env.get_template("order.html.j2").render(
            # A file name is read whole: unbroken while it takes at most 40% of the A3 table's 773 pt at about
            # 0.6 em a character (a name too long for that, at any size, wraps rather than run off the page).
            file_nowrap=longest * 0.6 * row_pt <= 0.4 * 773,
            lang=lang, rows=rows, count=len(rows), copies=sum(r.quantity for r in rows), profile=pdfx.PROFILE,
            max_ink=round(pdfx.MAX_INK), darkest=round(max((sum(ink) for ink in inks), default=100)),
            font_css=fontcache.css_system(campaign.settings.fonts.sans),
            sources_fingerprint=fingerprint.PLACEHOLDER, row_pt=row_pt)

    def make() -> bytes:
        from weasyprint import HTML

        # A row is at least one line: sizes whose rows alone would overrun the page's 980 pt for the table are
        # not tried (160 rows were laid out 8 times).
        sizes = [pt for pt in ROW_PT if len(rows) * (pt * 1.3 + 1.2) <= 980] or [ROW_PT[-1]]
        for row_pt in sizes:
            document = HTML(string=html(row_pt)).render()
            if len(document.pages) == 1:
                break
        return bytes(document.write_pdf(pdf_identifier=b"materials-print-shop-order"))

    return cache.derived(f"{FOLDER}/{ORDER_PDF}", [html(ROW_PT[0]), *map(str, ROW_PT), _fonts(campaign)], make)


def _contact_sheet(campaign: Campaign, items: list[Item], dest: Path, cache: incremental.Cache) -> bytes:
    """The contact sheet, with the fingerprint placeholder. Each page is kept in `cache` by its previews and
    names, the title, the draft mark and the fonts: a poster's edit draws only the page its thumbnails are on
    again (issue 21); the pages are then put in one file."""
    per_page = GRID[0] * GRID[1]
    common = [campaign.text(campaign.settings.title, campaign.primary_language), campaign.primary_language,
              campaign.draft_mark, campaign.draft_note, campaign.source_date().isoformat(),
              list(campaign.settings.fonts.sans), _fonts(campaign), SHEET_PX, GRID, len(items)]
    pages = []
    for number, start in enumerate(range(0, max(len(items), 1), per_page), 1):
        shown = items[start:start + per_page]
        previews = []
        for item in shown:
            preview = dest / item.preview if item.preview else None
            digest = hashlib.sha256(preview.read_bytes()).hexdigest() if preview and preview.is_file() else None
            previews.append([item.path, digest])
        pages.append(cache.derived(f"{FOLDER}/{CONTACT_SHEET}#{number}", [common, number, previews],
                                   functools.partial(_contact_page, campaign, shown, number, len(items), dest)))
    digests = [hashlib.sha256(page).hexdigest() for page in pages]
    return cache.derived(f"{FOLDER}/{CONTACT_SHEET}", digests, functools.partial(_join, pages))


def _join(pages: list[bytes]) -> bytes:
    """One PDF of one-page PDFs, the first one's document information kept."""
    import contextlib

    import pikepdf

    with contextlib.ExitStack() as stack:
        pdf = stack.enter_context(pikepdf.open(io.BytesIO(pages[0])))
        for data in pages[1:]:
            pdf.pages.extend(stack.enter_context(pikepdf.open(io.BytesIO(data))).pages)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _contact_page(campaign: Campaign, items: list[Item], number: int, total: int, dest: Path) -> bytes:
    """One page of the contact sheet: thumbnails of its press files (from their previews), each with its path
    under it, 18 to an A4 page."""
    from PIL import Image, ImageDraw, ImageFont

    from materials.fonts import font_file

    path, index = font_file(campaign.settings.fonts.sans[0])
    font = ImageFont.truetype(str(path), 11, index=index)
    columns, lines = GRID
    cell_w, cell_h = SHEET_PX[0] // columns, (SHEET_PX[1] - 40) // lines
    page = Image.new("RGB", SHEET_PX, "white")
    if items:
        draw = ImageDraw.Draw(page)
        draw.text((20, 12), f"{campaign.text(campaign.settings.title, campaign.primary_language)} · "
                            f"{total} press files · page {number}", fill="black", font=font)
        for offset, item in enumerate(items):
            x, y = (offset % columns) * cell_w, 40 + (offset // columns) * cell_h
            preview = dest / item.preview if item.preview else None
            if preview is not None and preview.is_file():
                with Image.open(preview) as image:
                    thumb = image.convert("RGB")
                thumb.thumbnail((cell_w - 16, cell_h - 34))
                page.paste(thumb, (x + (cell_w - thumb.width) // 2, y + 4))
                draw.rectangle((x + (cell_w - thumb.width) // 2, y + 4, x + (cell_w + thumb.width) // 2 - 1,
                                y + 4 + thumb.height - 1), outline="#999999")
            name = item.path.rsplit("/", 1)[-1]
            draw.text((x + 8, y + cell_h - 26), name, fill="black", font=font)
    return _sheet_pdf(campaign, [page])


def _sheet_pdf(campaign: Campaign, pages: list[Any]) -> bytes:
    """The contact sheet's pages as a PDF with what every print PDF carries (issue 20): the draft mark as text
    on every page while the campaign is a draft, and the sources fingerprint's placeholder in its keywords."""
    import base64
    import html

    from weasyprint import HTML

    images = []
    for page in pages:
        buffer = io.BytesIO()
        page.save(buffer, format="PNG", optimize=False)
        images.append(base64.b64encode(buffer.getvalue()).decode())
    mark = campaign.draft_mark
    draft = (f'<p class="draft">{html.escape(mark)}：{html.escape(campaign.draft_note)}</p>' if mark else "")
    body = "".join(f'<section><img src="data:image/png;base64,{data}" alt="">{draft}</section>' for data in images)
    document = (
        f'<!DOCTYPE html><html lang="{html.escape(campaign.primary_language)}"><head><meta charset="utf-8">'
        f'<title>Contact sheet</title>'
        f'<meta name="keywords" content="{fingerprint.KEY} {fingerprint.PLACEHOLDER}">'
        f'<meta name="dcterms.created" content="{campaign.source_date().isoformat()}">'
        f'<style>{fontcache.css_system(campaign.settings.fonts.sans)}'
        '@page { size: A4 landscape; margin: 0 } body { margin: 0 }'
        'section { position: relative; width: 297mm; height: 210mm; break-after: page; overflow: hidden }'
        'section:last-child { break-after: auto } img { display: block; width: 297mm; height: 210mm }'
        '.draft { position: absolute; top: 1.5mm; right: 4mm; margin: 0; padding: 0.3mm 2mm; font-size: 7pt;'
        ' font-weight: 700; color: #fff; background: #b3261e; max-width: 140mm; white-space: nowrap;'
        ' overflow: hidden }</style></head>'
        f'<body>{body}</body></html>')
    return bytes(HTML(string=document).write_pdf(pdf_identifier=b"materials-print-shop-contact-sheet"))


def _zip(pack: Path, target: Path, campaign: Campaign) -> None:
    # A ZIP's dates run from 1980 to 2107: SOURCE_DATE_EPOCH outside them is clamped (reproducible-builds.org)
    when = min(max(campaign.source_date().timetuple()[:6], (1980, 1, 1, 0, 0, 0)), (2107, 12, 31, 23, 59, 58))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in pack.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{FOLDER}/{path.relative_to(pack).as_posix()}", date_time=when)
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    write_atomic(target, buffer.getvalue())


def verify(campaign: Campaign, batches: list[Batch], dest: Path) -> list[Problem]:
    """The pack names and holds every press file, nothing else; its checksums and zip match its files."""
    import csv

    items = press_items(batches)
    pack = dest / FOLDER
    label = f"{dest.name}/{FOLDER}"
    if not (pack / ORDER_CSV).is_file():
        return [Problem(label, None, None, _("the print-shop pack is missing; rebuild the print target"))]
    problems = []
    listed = [row["file"] for row in csv.DictReader(io.StringIO((pack / ORDER_CSV).read_text("utf-8-sig")))]
    expected = [item.path for item in items]
    if listed != expected:
        missing, extra = sorted(set(expected) - set(listed)), sorted(set(listed) - set(expected))
        problems.append(Problem(f"{label}/{ORDER_CSV}", None, None, _("does not list every press file once "
                                  "(missing {missing}, not press files {extra})").format(missing=missing[:3],
                                                                                         extra=extra[:3])))
    held = {p.relative_to(pack).as_posix() for p in pack.rglob("*.pdf")} - {ORDER_PDF, CONTACT_SHEET}
    if held != set(expected):
        problems.append(Problem(label, None, None, _("holds other files than the press files")))
    for line in (pack / SUMS).read_text("utf-8").splitlines() if (pack / SUMS).is_file() else []:
        digest, _sep, name = line.partition("  ")
        path = pack / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(Problem(f"{label}/{SUMS}", None, None, _("{name} does not match its checksum").format(
                name=name)))
    if (pack / ORDER_PDF).is_file() and len(items) <= ONE_PAGE_ROWS and _pages(pack / ORDER_PDF) != 1:
        problems.append(Problem(f"{label}/{ORDER_PDF}", None, None, _("the order sheet is more than one page")))
    if not (dest / ZIP).is_file():
        problems.append(Problem(f"{dest.name}/{ZIP}", None, None, _("missing")))
    else:
        with zipfile.ZipFile(dest / ZIP) as archive:
            names = set(archive.namelist())
        if names != {f"{FOLDER}/{p.relative_to(pack).as_posix()}" for p in pack.rglob("*") if p.is_file()}:
            problems.append(Problem(f"{dest.name}/{ZIP}", None, None, _("does not hold the pack's files")))
    return problems
