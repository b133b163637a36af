"""Reading venue lists as district staff really send them: CSV in UTF-8 or GBK, or Excel XLSX.

Every row is checked before anything is rendered, and every problem is reported with the row number a
spreadsheet shows and the column, so staff can find and fix it. Ledgers are read as offices keep them: the
header may sit below title rows; columns posters do not use (序号, 联系人, 联系电话) are ignored with one note;
a totals row (合计) is recognised; full-width letters and digits in ids and keys are made half-width (NFKC)
with a note; hidden and filtered-out rows of a workbook are reported, never printed; a problem repeated on
many rows is one line naming the rows and what to do.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools
import logging
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from materials import fonts, keys, safefile
from materials.errors import MaterialsError, Problem
from materials.i18n import _, ngettext
from materials.keys import BARE_HEX_KEY, key_material
from materials.venues.links import KEY_MAGIC, MAX_ID_LENGTH, VENUE_ID, typed_id
from materials.venues.settings import VenueSettings

log = logging.getLogger(__name__)

#: Column -> accepted header spellings (English, Chinese). The first five are required.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "场所编号", "编号"),
    "name": ("name", "场所名称", "名称"),
    "district": ("district", "所属区", "区"),
    "category": ("category", "场所类型", "类型"),
    "address": ("address", "地址", "场所地址"),
    "name_en": ("name_en", "英文名称"),
    "address_en": ("address_en", "英文地址"),
    "reprint": ("reprint", "重印次数", "重印"),
}
REQUIRED = ("id", "name", "district", "category", "address")
#: A venue's name or address in another campaign language: `name_fr`, `address_pt-BR` (`name_en` as above).
TRANSLATED = re.compile(r"^(name|address)_([a-z]{2,3}(?:-[a-z0-9]{2,8})*)$")

#: An XLSX is a zip archive: refuse absurd archives before openpyxl inflates them into memory.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_ROWS = 200_000
#: The last column a workbook's venue list may hold a value in (Excel 2003's last, IV): a venue list has a
#: dozen columns; a value far out (XFD) would make every row that long.
MAX_COLUMNS = 256
#: The last row of an Excel sheet: a workbook's row numbers beyond it are refused (each skipped row costs a step).
MAX_SHEET_ROWS = 1_048_576
MAX_CELL = 2000
#: Excel shows a long number such as an 18-digit id as 4.40104E+17 and saves that text into the CSV.
EXCEL_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
#: Excel turns an id such as 1-3 or 3-2020 into a date and shows it as 1-Mar, Mar-20, 2020/3/1 or 3月1日.
EXCEL_DATE = re.compile(rf"^(?:\d{{1,2}}-{MONTH}(?:-\d{{2,4}})?|{MONTH}-\d{{1,4}}|\d{{1,4}}/\d{{1,2}}/\d{{1,4}}|"
                        r"(?:\d{4}年)?\d{1,2}月\d{1,2}日)$", re.IGNORECASE)
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
#: A header is looked for in the first rows: ledgers put a title (often merged) and a date above it.
HEADER_SEARCH = 10
#: Words of a totals row at the end of a ledger.
TOTALS = {"合计", "总计", "小计", "共计", "总数", "合计数", "total", "totals", "sum", "grand total"}
#: Dashes that stand for the hyphen of an id (after NFKC, which leaves them): ‐ ‑ ‒ – — ― −.
DASHES = re.compile("[\u2010-\u2015\u2212]")
#: Columns whose full-width letters, digits and hyphens (ＸＨ－００１４) are made half-width.
NARROWED = ("id", "district", "category", "reprint")


@dataclass(frozen=True)
class VenueRow:
    """One validated venue. `district` and `category` are keys of campaign.toml."""

    row: int
    id: str
    name: str
    district: str
    category: str
    address: str
    name_en: str = ""
    address_en: str = ""
    reprint: int = 0
    #: (language, text) for every `name_<lang>` / `address_<lang>` column with a value, `en` included.
    names: tuple[tuple[str, str], ...] = ()
    addresses: tuple[tuple[str, str], ...] = ()


@dataclass
class VenueList:
    label: str
    venues: list[VenueRow]
    problems: list[Problem]
    rejected_rows: list[tuple[int, str, str]]  # (row, id, reason) for --skip-invalid
    #: What was read differently from the sheet as written, for the office to know: (is a warning, text).
    notes: list[tuple[bool, str]] = field(default_factory=list)

    def log(self) -> None:
        for warning, text in self.notes:
            (log.warning if warning else log.info)("%s", text)


@dataclass
class SheetLayout:
    """What openpyxl's read-only mode does not tell: merged ranges, hidden rows and whether a filter is on."""

    merged: list[tuple[int, int, int, int, str]] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)
    filtered: bool = False
    #: Columns (1-based) hidden by hand or by a collapsed outline; their cells are read as empty.
    hidden_columns: set[int] = field(default_factory=set)
    #: The hidden columns that held text (column -> its letter), for the warning.
    hidden_text: dict[int, str] = field(default_factory=dict)
    #: Rows too low to show their text (under `LOW_ROW_POINTS`), and rows with a cell of invisible text.
    low: set[int] = field(default_factory=set)
    faint: set[int] = field(default_factory=set)
    #: The sheet read (a workbook's), for messages that name it.
    sheet: str = ""


def clean(cell: str) -> str:
    """Line breaks and runs of spaces (of any width) become one space: names are often pasted from documents."""
    return " ".join(cell.split())


def width(text: str) -> int:
    """Printed width in half-width units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def bad_character(text: str) -> str | None:
    """Why a cell cannot be printed as it is, or None."""
    for char in text:
        code = f"U+{ord(char):04X}"
        if char in ZERO_WIDTH:
            return _("contains an invisible zero-width character ({code}); delete it").format(code=code)
        if char in BIDI:
            return _("contains a bidirectional control character ({code}) that can disguise the text; "
                     "delete it").format(code=code)
        if char == "\r":
            return _("contains a carriage return (U+000D) that is not part of a line break: shown in a terminal or "
                     "a text viewer it hides the text before it, so the list would read differently from the "
                     "posters; delete it")
        if char == "\ufffd":
            return _("contains U+FFFD, the mark of an earlier failed conversion; re-type the damaged characters")
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return _("contains a control or unassigned character ({code}); delete it").format(code=code)
    return None


# ---- decoding ---------------------------------------------------------------------------------------------


def _save_as() -> str:
    return _("open it in Excel (or WPS) and save it as \"CSV UTF-8 (Comma delimited)\", or as an Excel workbook "
             "(.xlsx), then run again")

#: Encodings a list that is neither UTF-8 nor GBK is often in, to name in the message (never used to read it).
OTHER_ENCODINGS = (("big5", "Big5 (Traditional Chinese)"), ("shift_jis", "Shift-JIS (Japanese)"),
                   ("euc_kr", "EUC-KR (Korean)"), ("cp1252", "Windows-1252 (Western European)"))


def _odd_characters(text: str) -> bool:
    """Private-use, unassigned or control characters: what bytes read in the wrong encoding turn into."""
    return any(unicodedata.category(c) in ("Co", "Cn", "Cc") and c not in "\r\n\t" for c in text)


def _utf16_without_bom(raw: bytes) -> str:
    """`UTF-16 (little-endian)` when a quarter of the bytes are NUL, mostly at odd (or even) places, else ""."""
    sample = raw[:65536]
    if sample.count(0) < len(sample) // 4:
        return ""
    return "UTF-16 (big-endian)" if sample[0::2].count(0) > sample[1::2].count(0) else "UTF-16 (little-endian)"


def _encoding_found(raw: bytes) -> str:
    for codec, name in OTHER_ENCODINGS:
        try:
            if not _odd_characters(raw.decode(codec)):
                return _("probably {encoding}").format(encoding=name)
        except UnicodeDecodeError:
            continue
    return _("in an encoding materials cannot tell")


def decode_csv(raw: bytes, label: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 or UTF-32 with BOM, or GB18030/GBK; anything else
    is refused naming the encoding it seems to be in and how to save the file; never guessed silently."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif _utf16_without_bom(raw):
        raise MaterialsError(_("{label}: the file is in {encoding} without a byte-order mark, not UTF-8; "
                               "{advice}").format(label=label, encoding=_utf16_without_bom(raw), advice=_save_as()))
    else:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        found = encoding.upper() if encoding != "gb18030" else _encoding_found(raw)
        raise MaterialsError(_("{label}: not UTF-8 or GBK/GB18030 (byte {start}); the file is {found}; "
                               "{advice}").format(label=label, start=e.start, found=found, advice=_save_as())) from None
    if encoding == "gb18030" and _odd_characters(text):
        raise MaterialsError(_("{label}: not UTF-8, and read as GBK/GB18030 it holds characters no list has; the "
                               "file is {found}; {advice}").format(label=label, found=_encoding_found(raw),
                                                                   advice=_save_as()))
    if encoding == "gb18030":
        # Almost any bytes decode as GB18030, so check it looks like Chinese: real lists keep to GB2312 hanzi
        # nearly always, while Latin-1 or Big5 read as GB18030 gives rare characters everywhere.
        wide = [c for c in text if ord(c) > 0x7F]
        rare = 0
        for c in wide:
            try:
                c.encode("gb2312")
            except UnicodeEncodeError:
                rare += 1
        if wide and rare > max(3, len(wide) // 5):
            raise MaterialsError(_("{label}: the encoding is unclear (not UTF-8, and as GBK it reads as rare "
                                   "characters); the file is {found}; {advice}").format(
                                       label=label, found=_encoding_found(raw), advice=_save_as()))
        log.info(_("%s: read as GBK/GB18030 (what Excel on Chinese Windows saves as CSV)"), label)
    return text


def csv_records(path: Path, label: str) -> Iterator[list[str]]:
    try:
        raw = safefile.read_bytes(path, safefile.VENUE_LIST)
    except OSError as e:
        raise MaterialsError(_("{label}: cannot read ({strerror})").format(label=label, strerror=e.strerror)) from None
    text = decode_csv(raw, label)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    # A record may span lines (a quoted line break): a fault is reported on the row, and line, it starts on,
    # where an unclosed quote was opened, not on the file's last line where the reader gave up.
    rows, start = 0, 1
    header: list[str] = []
    try:
        for record in reader:
            rows += 1
            header = header or record
            yield record
            start = reader.line_num + 1
    except csv.Error as e:
        if "field larger than field limit" in str(e):
            raise MaterialsError(_("{label}: row {row} (line {start}), column {column}: a cell holds more than "
                                   "{limit} characters, the most a list's cell may hold (a name or an address is a "
                                   "line); shorten it, or close the double quote that makes it run on over the "
                                   "rows below").format(
                                     label=label, row=rows + 1, start=start, limit=csv.field_size_limit(),
                                     column=_long_column(text, start, delimiter, header))) from None
        hint = _("; a double quote opened in this row is never closed: close it, or write a quote inside a cell "
                 'as two ("")') if "end of data" in str(e) else ""
        raise MaterialsError(_("{label}: row {row} (line {start}): not valid CSV ({e}){hint}").format(
                                 label=label, row=rows + 1, start=start, e=e, hint=hint)) from None


def _long_column(text: str, start: int, delimiter: str, header: list[str]) -> str:
    """The column of the record at line `start` whose cell is longest (the one over the csv field limit)."""
    rest = "".join(text.splitlines(keepends=True)[start - 1:])
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(rest) + 1))
    try:
        record = next(csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter), [])
    except csv.Error:
        record = []
    finally:
        csv.field_size_limit(limit)
    if not record:
        return "?"
    index = max(range(len(record)), key=lambda i: len(record[i]))
    return header[index] if index < len(header) and header[index] else str(index + 1)


def check_xlsx_archive(path: Path, label: str) -> None:
    try:
        # A regular file of at most VENUE_LIST bytes (a FIFO would hang the unzip, a device never end).
        os.close(safefile.open_regular(path))
        if (size := path.stat().st_size) > safefile.VENUE_LIST:
            raise safefile.too_big(path, size, safefile.VENUE_LIST)
    except OSError as e:
        raise MaterialsError(_("{label}: cannot read ({strerror})").format(label=label, strerror=e.strerror)) from None
    try:
        with zipfile.ZipFile(path) as archive:
            seen: set[str] = set()
            for info in archive.infolist():  # part names are case-insensitive; Excel may read either copy
                if info.filename.casefold() in seen:
                    raise MaterialsError(_("{label}: the workbook holds the part {filename} twice, and Excel may "
                                           "show the other copy; the workbook is damaged (or made by hand): save it "
                                           "again from Excel/WPS, or export the list as CSV").format(
                                             label=label, filename=info.filename))
                seen.add(info.filename.casefold())
            total = 0
            for info in archive.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > MAX_XLSX_RATIO and info.file_size > 1024 * 1024:
                    raise MaterialsError(_("{label}: refused, {filename} inflates {ratio:.0f}-fold (a "
                                           "damaged or hostile workbook); export the sheet as CSV instead").format(
                                             label=label, filename=info.filename, ratio=ratio))
            if total > MAX_XLSX_UNCOMPRESSED:
                raise MaterialsError(_("{label}: refused, the workbook unpacks to {value:.0f} MB (limit "
                                       "{limit:.0f} MB); split the list or export it as CSV").format(
                                         label=label, value=total / 1e6, limit=MAX_XLSX_UNCOMPRESSED / 1e6))
            for info in archive.infolist():
                if _declares_entities(archive, info):
                    raise MaterialsError(_(
                        "{label}: refused, {filename} holds a DOCTYPE (entity declarations, which Excel never "
                        "writes: a damaged or hostile workbook that could read other files or exhaust memory); "
                        "not a valid spreadsheet: open it in Excel and save it again as .xlsx, or export the sheet "
                        "as CSV").format(label=label, filename=info.filename))
    except zipfile.BadZipFile:
        raise MaterialsError(_("{label}: not an XLSX workbook (damaged, or an old .xls: save as .xlsx)").format(
                                 label=label)) from None


DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _declares_entities(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part of the workbook holds a DOCTYPE or an entity (billion laughs, external entities)."""
    if info.is_dir() or not info.filename.lower().endswith((".xml", ".rels", ".vml")):
        return False
    with archive.open(info) as handle:
        tail = b""
        while chunk := handle.read(1 << 20):
            if DOCTYPE.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def xlsx_records(path: Path, label: str, problems: list[Problem], sheet_name: str | None = None,
                 layout: SheetLayout | None = None) -> Iterator[list[str]]:
    """Rows of the one sheet that holds the list, as text; other kinds of cell become `\x00kind:detail` markers
    that `_check_row` reports with the row and the column's header. `layout` gets the hidden rows."""
    check_xlsx_archive(path, label)
    import warnings

    import openpyxl

    try:
        # data_only=False: a formula is reported, never evaluated or trusted as its cached value. What openpyxl
        # warns of ("Workbook contains no default style", an extension it leaves out) changes no cell's text: a
        # note for the log, not Python's warning with openpyxl's source line.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        for message in dict.fromkeys(clean(str(w.message))[:200] for w in caught):
            log.info(_("%s: the workbook reader notes: %s"), label, message)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        raise MaterialsError(_("{label}: cannot read the workbook ({kind}); save it again as .xlsx").format(
                                 label=label, kind=type(e).__name__)) from None
    try:
        sheet = choose_sheet(book, label, sheet_name, path)
        found = sheet_layout(path, sheet.title, label)
        if layout is not None:
            layout.hidden, layout.filtered, layout.low = found.hidden, found.filtered, found.low
            layout.hidden_columns = found.hidden_columns
        else:
            layout = found
        layout.sheet = sheet.title
        merged = found.merged
        seen: dict[tuple[int, int, int], bool] = {}  # (font, fill, number format) -> whether its text is invisible
        for number, row in enumerate(sheet.iter_rows(), 1):
            if number > MAX_SHEET_ROWS:  # openpyxl yields a blank row for each row number a sheet skips
                raise MaterialsError(_("{label}, sheet {sheet!r}: a row numbered beyond {limit}, the last row of an "
                                       "Excel sheet; the workbook is damaged or made by hand: save it again in "
                                       "Excel, or export the list as CSV").format(
                                         label=label, sheet=sheet.title, limit=MAX_SHEET_ROWS))
            # Only the cells the sheet stores: a row is padded up to its last stored cell, never to the sheet's
            # declared dimension (`choose_sheet` reset it), and a stored cell beyond MAX_COLUMNS is refused.
            cells = _stored(row, label, sheet.title)
            values: list[str] = []
            for col, cell in enumerate(cells, 1):
                ref = next((r[4] for r in merged if r[0] <= number <= r[2] and r[1] <= col <= r[3]), None)
                text = f"\x00merged:{ref}" if ref else _xlsx_text(cell)
                if col in found.hidden_columns:  # not seen in Excel: never printed (as a hidden row)
                    if text.strip():
                        layout.hidden_text[col] = getattr(cell, "column_letter", "") or str(col)
                    text = ""
                elif text.strip() and _invisible(cell, seen):
                    layout.faint.add(number)
                values.append(text)
            yield values
    except ElementTree.ParseError as e:  # a sheet's XML is read as the rows are
        raise MaterialsError(_("{label}: cannot read the workbook ({kind}); save it again as .xlsx").format(
                                 label=label, kind=f"{type(e).__name__}: {e}")) from None
    except (ArithmeticError, LookupError, TypeError, ValueError) as e:  # openpyxl on a value `_Stored` lets by
        raise MaterialsError(_("{label}: cannot read the workbook ({kind}); the workbook is damaged (or made by "
                               "hand): save it again from Excel/WPS, or export the list as CSV").format(
                                 label=label, kind=f"{type(e).__name__}: {clean(str(e))[:80]}")) from None
    finally:
        book.close()


def _stored(row: tuple[Any, ...], label: str, title: str) -> tuple[Any, ...]:
    """A row as openpyxl's read-only mode gives it (padded with empty cells up to its last stored cell), cut after
    its last cell that holds something; a value beyond column MAX_COLUMNS is refused naming the cell."""
    last = len(row)
    while last and row[last - 1].value in (None, ""):
        last -= 1
    if last > MAX_COLUMNS:
        cell = row[last - 1]
        raise MaterialsError(_("{label}, sheet {sheet!r}: cell {cell} holds {value!r}, beyond column {limit}, the "
                               "last a venue list may use; delete it (or move it into the list's columns) and save "
                               "the workbook again").format(
                                 label=label, sheet=title, cell=f"{getattr(cell, 'column_letter', '?')}"
                                 f"{getattr(cell, 'row', '?')}", value=clean(str(cell.value))[:30], limit=MAX_COLUMNS))
    return row[:last]


def _has_data(sheet: Any) -> bool:
    # The declared dimension (`<dimension ref="A1:XFD1048576"/>`) is never trusted: rows are padded to it.
    sheet.reset_dimensions()
    return any(v is not None and v != "" for row in sheet.iter_rows(values_only=True) for v in row)


def choose_sheet(book: Any, label: str, wanted: str | None, path: Path) -> Any:
    """The sheet to read: `--sheet NAME`, else the one sheet holding data. A hidden sheet is never read unasked,
    and rows on other sheets are never dropped unseen: several sheets with data are refused by name."""
    names = [s.title for s in book.worksheets]
    if wanted is not None:
        for sheet in book.worksheets:
            if sheet.title == wanted:
                sheet.reset_dimensions()
                return sheet
        raise MaterialsError(_("{label}: no sheet named {wanted!r}; its sheets are {names}").format(
                                 label=label, wanted=wanted, names=', '.join(map(repr, names))))
    full = [s for s in book.worksheets if _has_data(s)]
    if not full:
        _why_empty(path, label)
        raise MaterialsError(_("{label}: every sheet is empty; put the venue list on one sheet with a "
                               "header row").format(label=label))

    def shown(sheet: Any) -> str:
        return repr(sheet.title) + ("" if sheet.sheet_state == "visible" else f" ({sheet.sheet_state})")

    if len(full) > 1:
        raise MaterialsError(_("{label}: {count} sheets hold data: {names}; choose the venue list with "
                               "--sheet NAME (rows on the other sheets are not read)").format(
                                 label=label, count=len(full), names=', '.join(shown(s) for s in full)))
    if full[0].sheet_state != "visible":
        raise MaterialsError(_("{label}: the only sheet with data, {shown}, is hidden; unhide it in Excel, "
                               "or pass --sheet {title!r} to read it").format(
                                 label=label, shown=shown(full[0]), title=full[0].title))
    return full[0]


MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})\"")
#: A row Excel hides (by hand, or an AutoFilter that filters it out): `<row r="7" ... hidden="1">`.
HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row\b(?=[^>]*\bhidden=\"(?:1|true)\")[^>]*?\br=\"([0-9]{1,7})\"")
AUTOFILTER = re.compile(rb"<(?:\w+:)?autoFilter\b")
#: A row's custom height, `<row r="7" ht="0.1" customHeight="1">` (either order), and a column range's tag.
ROW_HEIGHT = re.compile(rb"<(?:\w+:)?row\b(?=[^>]*\bcustomHeight=\"(?:1|true)\")(?=[^>]*\bht=\"([0-9.]{1,12})\")"
                        rb"[^>]*?\br=\"([0-9]{1,7})\"")
COL_TAG = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
MAX_MERGED = 1000
SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
REL_TAG = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")


def _attribute(attributes: str, name: str) -> str:
    """An XML attribute's value (any namespace prefix): the workbook's few small index files need no parser."""
    match = re.search(rf"(?:^|\s)(?:\w+:)?{name}=\"([^\"]*)\"", attributes)
    return match.group(1) if match else ""


#: A row's or a cell's opening tag, in the order the sheet stores them, with its `r` and `t`, and a cell's value
#: when it follows the tag at once (`<c r="B2" t="s"><v>7</v>`; a formula's `<f>` comes first, and formulas are
#: refused anyway).
ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)\b(?:(?=[^>]*?\sr=\"([^\"]*)\"))?(?:(?=[^>]*?\st=\"([^\"]*)\"))?[^>]*>"
                         rb"(?:<(?:\w+:)?v>([^<]{0,400})</)?")
CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
#: A number as a cell's value holds it (what openpyxl reads with int() or float()).
NUMBER = re.compile(rb"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
#: The longest opening tag of a row or cell read (Excel's are under 200 bytes).
MAX_TAG = 65536


def _damaged(label: str, title: str, where: str, what: str) -> MaterialsError:
    return MaterialsError(_("{label}, sheet {sheet!r}, {where}: {what}; the workbook is damaged (or made by hand): "
                            "save it again from Excel/WPS, or export the list as CSV").format(
                                label=label, sheet=title, where=where, what=what))


@dataclass
class _Stored:
    """The order of a sheet's rows and cells as stored: openpyxl's read-only mode drops a row stored after a higher
    one (or numbered 0), keeps the last of two cells at one place, and fails on a reference or a value it cannot
    read; each is refused here naming the row or cell, before a row is read (a step per cell: a sheet of 900,000
    cells takes about a second)."""

    label: str
    title: str
    strings: int | None
    row: int = 0
    column: tuple[int, bytes] = (0, b"")

    def feed(self, buffer: bytes, final: bool) -> int:
        """Checks the tags in `buffer` (all of them when `final`, else those starting 500 bytes before its end,
        so that no tag or value is cut); returns where the unchecked rest starts."""
        end = len(buffer) if final else max(len(buffer) - 500, 0)
        if not final and (cut := buffer.rfind(b"<", 0, end)) >= 0 and buffer.find(b">", cut) < 0:
            end = cut  # a tag longer than 500 bytes, not yet whole: kept to be read whole
        rest = self._scan(buffer, end)
        if len(buffer) - rest > MAX_TAG:
            raise _damaged(self.label, self.title, _("after row {row}").format(row=self.row),
                           _("a tag longer than {limit:,} bytes").format(limit=MAX_TAG))
        return rest

    def _scan(self, buffer: bytes, end: int) -> int:
        strings = self.strings
        for m in ROW_OR_CELL.finditer(buffer):
            if m.start() >= end:
                return m.start()
            tag, ref, kind, value = m.groups()
            if tag == b"row":
                self._row(ref)
                continue
            found = CELL_REF.fullmatch(ref) if ref is not None else None
            if found is None or int(found.group(2)) != self.row:
                self._odd_cell(ref)
                continue
            letters = found.group(1)
            column = (len(letters), letters)
            if column <= self.column or column > (3, b"XFD"):
                self._odd_cell(ref)
            self.column = column
            if value is None:
                continue
            if kind == b"s":
                if not value.isdigit() or (strings is not None and int(value) >= strings):
                    self._odd_value(ref, _("the cell names shared string {index!r}, which the workbook does not "
                                           "hold"), value)
            elif kind in (None, b"n") and value and NUMBER.fullmatch(value) is None:
                self._odd_value(ref, _("a number cell holds {index!r}, which is not a number"), value)
        return end

    def _row(self, ref: bytes | None) -> None:
        text = (ref or b"").decode("utf-8", "replace")[:20]
        where = _("row {row}").format(row=text)
        if not text:
            number = self.row + 1
        elif not text.isdigit():
            raise _damaged(self.label, self.title, _("row {row!r}").format(row=text),
                           _("a row's number is not a whole number"))
        else:
            number = int(text)
        if number < 1:
            raise _damaged(self.label, self.title, where, _("rows are numbered from 1"))
        if number == self.row:
            raise _damaged(self.label, self.title, where, _("the row is stored twice, so one of them would be "
                                                            "lost"))
        if number < self.row:
            raise _damaged(self.label, self.title, where, _("the row is stored after row {previous} (rows out of "
                                                            "order), so it would be lost").format(previous=self.row))
        self.row, self.column = number, (0, b"")

    def _odd_cell(self, ref: bytes | None) -> None:
        """A cell without a reference (the next of its row), or one that is not of its row, beyond XFD, stored
        twice or out of order (refused)."""
        if ref is None:  # Excel always writes `r`; without it, the cell after the last
            from openpyxl.utils import get_column_letter

            number = self.column[0] and _column(self.column[1].decode()) + 1
            letters = get_column_letter(min(max(number, 1), 16384)).encode()
            self.column = (len(letters), letters)
            return
        text = ref.decode("utf-8", "replace")[:30]
        found = CELL_REF.fullmatch(ref)
        if found is None or int(found.group(2)) != self.row or (len(found.group(1)), found.group(1)) > (3, b"XFD"):
            raise _damaged(self.label, self.title, _("row {row}").format(row=self.row),
                           _("{ref!r} is not a reference to a cell of this row").format(ref=text))
        raise _damaged(self.label, self.title, _("cell {cell}").format(cell=text),
                       _("a cell of this row is stored twice (or out of order), so one value would be lost"))

    def _odd_value(self, ref: bytes, what: str, value: bytes) -> None:
        raise _damaged(self.label, self.title, _("cell {cell}").format(cell=ref.decode("utf-8", "replace")[:30]),
                       what.format(index=value.decode("utf-8", "replace").strip()[:20]))


def _shared_strings(archive: zipfile.ZipFile, rels: str, label: str) -> int | None:
    """How many shared strings the workbook holds (None when it has no shared strings part to count). A shared
    string holding an escape written out as text (`_x005F_x000D_`, Excel's way to store the text `_x000D_`) is
    refused: openpyxl reads it as `_x000D_`, the same as the carriage return, and the two cannot be told apart."""
    import posixpath

    target = next((_attribute(tag, "Target") for tag in REL_TAG.findall(rels)
                   if _attribute(tag, "Type").endswith("/sharedStrings")), "")
    part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    try:
        handle = archive.open(part)
    except KeyError:
        return 0 if target else None
    count, tail = 0, b""
    with handle:
        while chunk := handle.read(1 << 20):
            count += len(SHARED_STRING.findall(tail + chunk)) - len(SHARED_STRING.findall(tail))
            if found := ESCAPED_ESCAPE.search(tail + chunk):
                raise MaterialsError(_("{label}: a text in the workbook holds {text!r}, an Excel escape written out "
                                       "as text, which cannot be read apart from the character it stands for; "
                                       "change that text, or export the list as CSV").format(
                                         label=label, text=found.group(0)[6:].decode()))
            tail = chunk[-16:]
    return count


SHARED_STRING = re.compile(rb"<(?:\w+:)?si\b")
ESCAPED_ESCAPE = re.compile(rb"_x005[fF]_x[0-9a-fA-F]{4}_")


def _sheet_parts(archive: zipfile.ZipFile) -> tuple[dict[str, str], str]:
    """Each sheet's title -> the zip member its rows are in (by the workbook's index files), and those files'
    relationships (for the shared strings): ({}, "") when the workbook has no such files."""
    import html
    import posixpath

    try:
        workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}, ""
    targets = {_attribute(tag, "Id"): _attribute(tag, "Target") for tag in REL_TAG.findall(rels)}
    parts: dict[str, str] = {}
    for tag in SHEET_TAG.findall(workbook):
        target = targets.get(_attribute(tag, "id"), "")
        parts[html.unescape(_attribute(tag, "name"))] = (
            target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target)))
    return parts, rels


#: The namespace of a workbook saved as "Strict Open XML Spreadsheet", which openpyxl reads as empty sheets.
STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


def _why_empty(path: Path, label: str) -> None:
    """When openpyxl finds no data in any sheet: a workbook in Strict Open XML, or whose sheet part is missing,
    is refused as such (not as "every sheet is empty")."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.lower().endswith(".xml"):
                with archive.open(info) as handle:
                    if STRICT in handle.read(65536):
                        raise MaterialsError(_("{label}: the workbook is saved as \"Strict Open XML Spreadsheet\", "
                                               "which materials cannot read; open it in Excel (or WPS) and save it "
                                               "as \"Excel Workbook (.xlsx)\"").format(label=label))
        names = {info.filename for info in archive.infolist()}
        for title, part in _sheet_parts(archive)[0].items():
            if part not in names:
                raise MaterialsError(_("{label}: sheet {sheet!r} has no part {part} in the workbook, which is "
                                       "damaged: save it again from Excel/WPS, or export the list as CSV").format(
                                         label=label, sheet=title, part=part))


def sheet_layout(path: Path, title: str, label: str) -> SheetLayout:
    """Merged ranges, hidden rows and the AutoFilter of a sheet; its rows and cells stored in order (`_Stored`).

    openpyxl's read-only mode does not expose them, so the sheet's XML part is scanned for `<mergeCell>`,
    `<row hidden="1">` and `<autoFilter>`.
    """

    with zipfile.ZipFile(path) as archive:
        parts, rels = _sheet_parts(archive)
        if title not in parts:
            return SheetLayout()
        part = parts[title]
        found: list[tuple[int, int, int, int, str]] = []
        layout = SheetLayout(found)
        try:
            handle = archive.open(part)
        except KeyError:
            return layout
        stored = _Stored(label, title, _shared_strings(archive, rels, label))
        with handle:
            buffer, unchecked = b"", b""
            while chunk := handle.read(1 << 20):
                unchecked += chunk
                unchecked = unchecked[stored.feed(unchecked, False):]
                buffer += chunk
                last = 0
                for m in MERGE.finditer(buffer):
                    c1, r1, c2, r2 = (x.decode() for x in m.groups())
                    found.append((int(r1), _column(c1), int(r2), _column(c2), f"{c1}{r1}:{c2}{r2}"))
                    last = max(last, m.end())
                for m in HIDDEN_ROW.finditer(buffer):
                    layout.hidden.add(int(m.group(1)))
                    last = max(last, m.end())
                for m in ROW_HEIGHT.finditer(buffer):
                    with contextlib.suppress(ValueError):
                        if float(m.group(1)) < LOW_ROW_POINTS:
                            layout.low.add(int(m.group(2)))
                    last = max(last, m.end())
                for m in COL_TAG.finditer(buffer):
                    attributes = m.group(1).decode("utf-8", "replace")
                    shown = _attribute(attributes, "width")
                    narrow = bool(re.fullmatch(r"[0-9.]{1,12}", shown)) and float(shown or "1") < NARROW_COLUMN
                    if _attribute(attributes, "hidden") in ("1", "true") or narrow:
                        low, high = _attribute(attributes, "min"), _attribute(attributes, "max")
                        if low.isdigit() and high.isdigit():
                            layout.hidden_columns.update(range(int(low), min(int(high), int(low) + 16384) + 1))
                    last = max(last, m.end())
                if AUTOFILTER.search(buffer):
                    layout.filtered = True
                buffer = buffer[max(last, len(buffer) - 300):]  # a tag cut by the chunk's end is kept whole
            stored.feed(unchecked, True)
    if len(found) > MAX_MERGED:
        raise MaterialsError(_("{label}: sheet {title!r} has {count} merged cell ranges; unmerge them and "
                               "fill every row (Home > Merge & Center > Unmerge, then fill down)").format(
                                 label=label, title=title, count=len(found)))
    return layout


#: Text in a font smaller than this (points), or in a row lower than `LOW_ROW_POINTS`, cannot be read on screen.
TINY_FONT_POINTS = 4.0
LOW_ROW_POINTS = 4.0
#: A column narrower than this (characters) shows nothing: it is as hidden (Excel hides one of width 0).
NARROW_COLUMN = 0.5
#: Text whose colour is within this many steps (of 255, on every channel) of its background's cannot be seen.
FAINT_COLOUR = 16


def _invisible(cell: Any, seen: dict[tuple[int, int, int], bool]) -> bool:
    """A cell whose text Excel does not show: in a colour within `FAINT_COLOUR` steps of its background (white
    on no fill, #FFFFFE, black on black), in a font too small to read, or in a number format whose text section
    leaves the text out (`;;;`). `seen` keeps the answer for each style (a sheet has a few)."""
    style = getattr(cell, "style_array", None)
    if style is None:
        return False
    key = (style.fontId, style.fillId, style.numFmtId)
    if key not in seen:
        seen[key] = _unseen(cell)
    return seen[key]


def _unseen(cell: Any) -> bool:
    font = getattr(cell, "font", None)
    if font is None:
        return False
    size = font.sz
    if size is not None and float(size) < TINY_FONT_POINTS:
        return True
    if _hides_text(getattr(cell, "number_format", "") or ""):
        return True
    fill = getattr(cell, "fill", None)
    kind = getattr(fill, "fill_type", None)
    if kind in (None, "none"):
        background: tuple[int, ...] | None = (255, 255, 255)
    elif kind == "solid":
        background = _rgb(getattr(fill, "fgColor", None), None)
    else:
        return False  # a pattern of two colours: text shows on one of them
    text = _rgb(font.color, (0, 0, 0))  # no colour, or "automatic": black
    return (background is not None and text is not None
            and max(abs(a - b) for a, b in zip(text, background, strict=True)) <= FAINT_COLOUR)


def _rgb(colour: Any, automatic: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """A font's or fill's colour as (red, green, blue); `automatic` when it has none, None for a theme colour
    (which depends on the theme: not judged)."""
    from openpyxl.styles.colors import COLOR_INDEX

    if colour is None or getattr(colour, "auto", None) is True:
        return automatic
    kind = getattr(colour, "type", "rgb")
    value = getattr(colour, "rgb", None) if kind == "rgb" else None
    if kind == "indexed":
        index = getattr(colour, "indexed", None)
        value = COLOR_INDEX[index] if isinstance(index, int) and 0 <= index < len(COLOR_INDEX) else None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8}", value):
        return automatic if kind == "indexed" else None  # 64, the system's foreground: automatic
    return tuple(int(value[-6:][i:i + 2], 16) for i in (0, 2, 4))


def _hides_text(number_format: str) -> bool:
    """Whether a number format shows no text: a fourth (text) section without `@` (`;;;`, `;;;"-"`)."""
    if number_format.count(";") < 3:
        return False
    sections, quoted, current = [], False, ""
    escaped = False
    for char in number_format:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
            continue
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            sections.append(current)
            current = ""
            continue
        if not quoted and char != '"':
            current += char
    sections.append(current)
    return len(sections) >= 4 and "@" not in sections[3]


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


#: How Excel writes a character XML cannot hold (CR, a control character) in a string: `_x000D_`; `_x005F_` is the
#: underscore, so `_x005F_x000D_` is the text `_x000D_` itself. Two escapes in a row may be a surrogate pair.
ESCAPE = re.compile(r"_x([dD][89abAB][0-9a-fA-F]{2})__x([dD][c-fC-F][0-9a-fA-F]{2})_|_x([0-9a-fA-F]{4})_")


def unescape(text: str) -> str:
    """A workbook's string as Excel shows it: its `_xHHHH_` escapes decoded (a lone surrogate becomes U+FFFD,
    which `bad_character` refuses), so that a CR or a control character meets the rules a CSV cell's does."""
    def character(m: re.Match[str]) -> str:
        if m.group(3) is None:
            return chr(0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00)
        code = int(m.group(3), 16)
        return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)

    return ESCAPE.sub(character, text)


def _xlsx_text(cell: Any) -> str:
    value = cell.value
    if cell.data_type == "f":  # whole: `_refuse_keys` searches all of it, `_cell_kind` shows its start
        return f"\x00formula:{value}"
    if cell.data_type == "e":  # #N/A, #REF!: what Excel shows for a formula gone wrong, never a name
        return f"\x00error:{str(value)[:40]}"
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape(value) if "_x" in value else value
    if isinstance(value, bool):
        return f"\x00a TRUE/FALSE cell:{'TRUE' if value else 'FALSE'}"
    if isinstance(value, int | float):
        return f"\x00number:{value!r}"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        midnight = isinstance(value, datetime.datetime) and value.time() == datetime.time()
        shown = value.date().isoformat() if isinstance(value, datetime.datetime) and midnight else str(value)
        return f"\x00date:{shown}"
    return f"\x00a {type(value).__name__} cell:{value}"


# ---- validation -------------------------------------------------------------------------------------------


def header_score(record: list[str]) -> int:
    """How many cells of a row are known column names: a header has at least three."""
    lookup = {spelling.lower() for spellings in COLUMNS.values() for spelling in spellings}
    return sum(1 for cell in record if not cell.startswith("\x00") and clean(cell.lstrip("\ufeff")).lower() in lookup)


#: At most this many column names in one message (a header of 100,000 columns is not printed whole).
SHOWN_NAMES = 12


def shown_names(names: list[str]) -> str:
    """`a, b, c` or `a, b, ... and 99,988 more`: a list of names short enough for one message."""
    if len(names) <= SHOWN_NAMES:
        return ", ".join(names)
    return _("{names} and {count} more").format(names=", ".join(names[:SHOWN_NAMES]),
                                                count=f"{len(names) - SHOWN_NAMES:,}")


def header_map(header: list[str], label: str, row: int = 1) -> tuple[dict[str, int], list[Problem], list[str]]:
    """Column -> index, problems, and the names of columns posters do not use (ignored, with one note)."""
    problems: list[Problem] = []
    found: dict[str, int] = {}
    ignored: list[str] = []
    where = f"row {row}"
    lookup = {spelling.lower(): key for key, spellings in COLUMNS.items() for spelling in spellings}
    for index, cell in enumerate(header):
        if cell.startswith("\x00"):
            problems.append(Problem(label, None, where, _("header cell {number} is {kind}").format(
                                                            number=index + 1, kind=_cell_kind("header", cell))))
            continue
        name = clean(cell.lstrip("\ufeff")).lower()
        if not name:
            continue
        key = lookup.get(name) or (name if TRANSLATED.match(name) else None)
        if key is None:
            ignored.append(clean(cell))
        elif key in found:
            problems.append(Problem(label, None, where, _("column {cell!r} appears twice").format(cell=cell)))
        else:
            found[key] = index
    for key in REQUIRED:
        if key not in found:
            unknown = _("; the header's other columns are {names}").format(
                names=shown_names([repr(name) for name in ignored])) if ignored else ""
            problems.append(Problem(label, None, where, _(
                "missing column {key!r} ({meaning}){unknown}. Columns are id,name,district,category,address"
                "[,name_LANG,address_LANG,reprint] or 场所编号,场所名称,所属区,场所类型,地址").format(
                    key=key, meaning=COLUMNS[key][1], unknown=unknown)))
    return found, problems, ignored


def district_hint(settings: Any) -> str:
    """The districts of campaign.toml in official order, as a message names them."""
    lang = settings.languages[0]
    names = [_("{name} ({key})").format(name=d.names.get(lang, d.key), key=d.key) for d in settings.districts]
    return _("the districts of campaign.toml are {names}").format(names=", ".join(names))


def lookup_tables(settings: Any) -> tuple[dict[str, str], dict[str, str]]:
    """Every spelling of a district or category (key, names, names without 区) -> its key."""
    districts: dict[str, str] = {}
    for d in settings.districts:
        districts[d.key.lower()] = d.key
        for name in d.names.values():
            districts[name.lower()] = d.key
            if name.endswith("区") and len(name) > 2:
                districts[name[:-1]] = d.key
    categories: dict[str, str] = {}
    for key, names in settings.place_categories.items():
        categories[key.lower()] = key
        for name in names.values():
            categories[name.lower()] = key
    for spelling, key in CATEGORY_SPELLINGS.items():   # lists written before the label took the notice's word
        if key in settings.place_categories:
            categories.setdefault(spelling, key)
    return districts, categories


#: Other spellings a venue list's category column may use, accepted for the category key (never printed):
#: 社区 was this tool's label for the notice's 小区 (Article 2) before it took the notice's word.
CATEGORY_SPELLINGS = {"社区": "community"}


def read_list(path: Path, settings: Any, label: str | None = None, families: Iterable[str] | None = None, *,
              sheet: str | None = None, key_files: Iterable[Path] = ()) -> VenueList:
    """Read and validate a whole venue list; never raises for bad rows (they become problems).

    `sheet` names the sheet of a workbook with several; blank rows are skipped before the row limit counts.
    `key_files`: the signing keys of the run (`--key-file`, venues.key_file), learnt first (`keys.remember`) so
    that a cell holding one of them in any form it may be copied in is refused (`_refuse_keys`).
    """
    keys.remember(key_files)
    label = label or path.name
    problems: list[Problem] = []
    notes: list[tuple[bool, str]] = []
    if not path.is_file():
        if path.exists():
            raise MaterialsError(_("{label} is not a regular file (a device, folder or pipe); give the venue "
                                   "list's .csv or .xlsx file").format(label=label))
        raise MaterialsError(_("{label}: file not found").format(label=label))
    if (size := path.stat().st_size) > safefile.VENUE_LIST:
        raise MaterialsError(_("{label}: the file is {size:,} bytes; the limit for a venue list is {limit:,} "
                               "(split the list)").format(label=label, size=size, limit=safefile.VENUE_LIST))
    if size == 0:
        raise MaterialsError(_("{label}: the file is empty; it needs a header row "
                               "(id,name,district,category,address) and one row per venue").format(label=label))
    suffix = path.suffix.lower()
    layout = SheetLayout()
    if suffix == ".xlsx":
        records: Iterable[list[str]] = xlsx_records(path, label, problems, sheet, layout)
    elif suffix in (".csv", ".txt", ".tsv"):
        if sheet is not None:
            raise MaterialsError(_("{label}: --sheet {sheet!r} names a sheet of a workbook, but this list is a "
                                   "{kind} file, which has one table and no sheets: drop --sheet, or give the .xlsx "
                                   "workbook that has the sheet").format(label=label, sheet=sheet,
                                                                         kind=suffix.lstrip(".").upper()))
        records = csv_records(path, label)
    else:
        raise MaterialsError(_("{label}: unknown kind of list {suffix!r}; use .csv or .xlsx").format(
                                 label=label, suffix=suffix))

    families = list(families or settings.fonts.sans)
    districts, categories = lookup_tables(settings)
    rows_iter: Iterator[tuple[int, list[str]]] = _refuse_keys(enumerate(records, 1), label)
    header_row, header, after = _find_header(rows_iter, label)
    width_ = len(header)
    rows_iter = itertools.chain(after, rows_iter)
    if header_row > 1:
        notes.append((False, _("{label}: rows 1–{last} above the header are a title; the header is row "
                               "{header}").format(label=label, last=header_row - 1, header=header_row)
                      if header_row > 2 else
                      _("{label}: row 1 above the header is a title; the header is row 2").format(label=label)))
    header_map_, header_problems, ignored = header_map(header, label, header_row)
    languages = {lang.lower() for lang in settings.languages}
    header_problems += [Problem(label, None, f"row {header_row}",
                                _("column {column!r}: {language} is not a language of campaign.toml ({names})").format(
                                    column=column, language=m.group(2), names=", ".join(settings.languages)))
                        for column in header_map_ if (m := TRANSLATED.match(column)) and m.group(2) not in languages]
    if header_problems:  # a header cell in a hidden column is read as empty: say why it is missing
        return VenueList(label, [], group_problems(problems + header_problems), [],
                         notes + _hidden_columns(label, layout))
    if ignored:
        notes.append((False, _("{label}: columns {names} are not printed on posters; ignored").format(
            label=label, names=shown_names(ignored))))

    candidates: list[VenueRow] = []
    rejected: list[tuple[int, str, str]] = []
    narrowed: dict[int, list[str]] = {}
    totals: list[int] = []
    hidden: list[int] = []
    faint: list[int] = []
    broken: dict[str, list[int]] = {}  # column -> rows with a CR LF line break inside a cell
    # Columns inside the header with an empty header cell: a value under one is not read, and said so.
    unheaded_columns = [index for index, name in enumerate(header) if not name.startswith("\x00") and not clean(name)]
    unheaded: dict[int, list[int]] = {}
    rows = 0
    for number, record in rows_iter:
        if not any(c.strip() for c in record):
            continue  # blank lines between blocks of venues are common and harmless
        for index in unheaded_columns:
            if index < len(record) and record[index].strip():
                unheaded.setdefault(index, []).append(number)
        if number in layout.hidden:
            hidden.append(number)
            continue
        if number in layout.low or number in layout.faint:
            faint.append(number)
        if _is_totals(record, header_map_):
            totals.append(number)
            continue
        rows += 1
        if rows > MAX_ROWS:
            raise MaterialsError(_("{label}: more than {max_rows} venues; split the list by district").format(
                                     label=label, max_rows=MAX_ROWS))
        record = _narrow(record, header_map_, number, narrowed)
        for column, index in header_map_.items():
            if index < len(record) and "\r\n" in record[index]:
                broken.setdefault(column, []).append(number)
        row_problems = _check_row(number, record, header_map_, width_, districts, categories, families, settings,
                                  label)
        if row_problems:
            problems += row_problems
            venue_id = clean(_cell(record, header_map_, "id"))
            rejected.append((number, venue_id, "; ".join(f"{p.key}: {p.message}" for p in row_problems)))
            continue
        candidates.append(_venue(number, record, header_map_, districts, categories))
    for column, lines in broken.items():
        notes.append((True, _("{label}: {rows}, column {column}: a line break written as CR LF (a carriage return, "
                              "then a line feed) inside the cell is printed as a space, as every line break in a "
                              "cell; check the text reads as one line").format(
                                  label=label, rows=rows_named(lines), column=column)))
    if unheaded:
        from openpyxl.utils import get_column_letter

        for index, lines in sorted(unheaded.items()):
            where = _("{label}, sheet {sheet!r}").format(label=label, sheet=layout.sheet) if layout.sheet else label
            notes.append((True, _("{where}: column {column} ({letter}) has no header, so its values on {rows} are "
                                  "not read and NOT printed; give the column a header (or delete the values) and "
                                  "run again").format(where=where, column=index + 1,
                                                      letter=get_column_letter(index + 1), rows=rows_named(lines))))
    if totals:
        notes.append((False, _("{label}: {rows}: a totals row (合计), not a venue; skipped").format(
            label=label, rows=rows_named(totals))))
    if narrowed:
        shown = "; ".join(f"{a} → {b}" for a, b in list(dict.fromkeys(
            (o, n) for changes in narrowed.values() for o, n in zip(changes[::2], changes[1::2], strict=True)))[:3])
        notes.append((False, _("{label}: {rows}: full-width letters, digits or dashes made half-width "
                               "({changes})").format(label=label, rows=rows_named(list(narrowed)), changes=shown)))
    if hidden:
        if layout.filtered:
            text = ngettext("{label}: {rows} is hidden or filtered out by the AutoFilter in the workbook and NOT "
                            "printed; to print them, clear the filter or unhide the rows (Home > Format > Hide & "
                            "Unhide) and run again",
                            "{label}: {rows} are hidden or filtered out by the AutoFilter in the workbook and NOT "
                            "printed; to print them, clear the filter or unhide the rows (Home > Format > Hide & "
                            "Unhide) and run again", len(hidden))
        else:
            text = ngettext("{label}: {rows} is hidden in the workbook and NOT printed; to print them, clear the "
                            "filter or unhide the rows (Home > Format > Hide & Unhide) and run again",
                            "{label}: {rows} are hidden in the workbook and NOT printed; to print them, clear the "
                            "filter or unhide the rows (Home > Format > Hide & Unhide) and run again", len(hidden))
        notes.append((True, text.format(label=label, rows=rows_named(hidden))))
    notes += _hidden_columns(label, layout)
    if faint:
        notes.append((True, _("{label}: {rows}: text that cannot be seen in the workbook (white or the colour of "
                              "its fill, in a font under {points:g} pt, in a row under {points:g} pt high, or in a "
                              "number format that hides text such as ;;;) is printed on the posters; make it "
                              "visible and check it").format(label=label, rows=rows_named(faint),
                                                                     points=TINY_FONT_POINTS)))
    if not candidates and not problems:
        if hidden:
            raise MaterialsError(_("{label}: every venue row is hidden or filtered out ({rows_named}); "
                                   "clear the filter or unhide the rows in Excel").format(
                                     label=label, rows_named=rows_named(hidden)))
        raise MaterialsError(_("{label}: no venues, only a header row; add one row per venue").format(label=label))
    # A duplicate id names every row that has it, and none of them is rendered: which one is right is for
    # the district office to say.
    rows_of: dict[str, list[int]] = {}
    for venue in candidates:
        rows_of.setdefault(typed_id(venue.id), []).append(venue.row)
    venues: list[VenueRow] = []
    for venue in candidates:
        same = rows_of[typed_id(venue.id)]
        if len(same) > 1:
            others = ", ".join(str(r) for r in same if r != venue.row)
            message = _("{id} is also the id on row {others}; ids must be unique (letter case and hyphens "
                        "ignored, as in the typed codes)").format(id=venue.id, others=others)
            problems.append(Problem(label, None, f"row {venue.row}, id", message))
            rejected.append((venue.row, venue.id, f"id: {message}"))
        else:
            venues.append(venue)
    rejected.sort()
    return VenueList(label, venues, group_problems(problems), rejected, notes)


def _hidden_columns(label: str, layout: SheetLayout) -> list[tuple[bool, str]]:
    """The warning naming the hidden columns that held text (read as empty), if any."""
    if not layout.hidden_text:
        return []
    return [(True, ngettext(
        "{label}: column {columns} is hidden in the workbook and NOT printed (its cells are read as empty); "
        "to print it, unhide the column (Home > Format > Hide & Unhide) and run again",
        "{label}: columns {columns} are hidden in the workbook and NOT printed (their cells are read as empty); "
        "to print them, unhide the columns (Home > Format > Hide & Unhide) and run again",
        len(layout.hidden_text)).format(label=label, columns=", ".join(
            layout.hidden_text[column] for column in sorted(layout.hidden_text))))]


def _refuse_keys(rows: Iterable[tuple[int, list[str]]], label: str) -> Iterator[tuple[int, list[str]]]:
    """The rows, each checked before anything else reads it: a cell holding key material (`cell_key_material`:
    any form `keys.key_material` knows, a key file's line, 64 hex digits, a 32-byte key in base64, base64url or
    base32) stops the whole list with one message naming the row and column that never shows the cell, so the key
    reaches no log, no rejects.csv, no poster, manifest or register."""
    header: list[str] = []
    # A workbook's shared string may fill a thousand cells: each long value is searched once (red team 9: one
    # string of 300,000 characters in 1,000 cells took 144 s, 2,000 cells never finished).
    clean: set[str] = set()
    for number, record in rows:
        if not header and number <= HEADER_SEARCH and header_score(record) >= 3:
            header = record
        for index, cell in enumerate(record):
            if cell in clean:
                continue
            what = cell_key_material(cell)
            if what is None and len(cell) > 64:
                clean.add(cell)
            if what is not None:
                raise MaterialsError(_(
                    "{label}: row {row}, column {column}: this cell holds {what}; a key never goes into a venue "
                    "list (its cells are printed on posters and published in manifest.csv and the register). "
                    "Remove it and check you chose the right file; since the key may have been copied, make a new "
                    "key (`materials keys new`)").format(label=label, row=number,
                                                         column=_column_named(index, header), what=what))
        yield number, record


#: A 32-byte key in base64 or base64url (43 characters and at most one `=`), or base32 (52 characters and its
#: `====`), standing alone: found without knowing the key (`keys.key_material` finds the campaign's own keys in
#: these forms anywhere, once `keys.remember` learnt them).
_BASE64_KEY = re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{43}=?(?![A-Za-z0-9+/_=-])")
_BASE32_KEY = re.compile(r"(?<![A-Za-z0-9=])[A-Za-z2-7]{52}(?:====)?(?![A-Za-z0-9=])")


#: What a formula cell is read as (`_xlsx_text`), and a string literal in a formula's text.
FORMULA = "\x00formula:"
_LITERAL = re.compile(r'"((?:[^"]|"")*)"')


def cell_key_material(cell: str) -> str | None:
    """What key material a venue list's cell holds (a phrase for a message, never the key), or None: every form
    `keys.key_material` knows, a key file's line, 64 hex digits anywhere in it, and a run that is a 32-byte key in
    base64, base64url or base32 (a random key always mixes letters and digits: a name or an address never is one
    such run without a space)."""
    if cell.startswith(FORMULA):  # its text, and its string literals joined (`=CONCAT("half", "half")`)
        joined = "".join(match.replace('""', '"') for match in _LITERAL.findall(cell))
        what = cell_key_material(cell[len(FORMULA):]) or (cell_key_material(joined) if joined else None)
        if what is not None:
            return what
    data = cell.encode("utf-8", "surrogateescape")
    if KEY_MAGIC in cell or BARE_HEX_KEY.search(data):
        return key_material(data) or _("a signing key written as hex")
    what = key_material(data)
    if what is not None:
        return what
    for match in _BASE64_KEY.finditer(cell):
        run = match.group(0)
        mixed = any(c.isdigit() for c in run) and any(c.islower() for c in run) and any(c.isupper() for c in run)
        if mixed and len(_decoded(run.rstrip("="), "base64")) == 32:
            return _("a signing key in base64")
    for match in _BASE32_KEY.finditer(cell):
        run = match.group(0)
        if any(c.isdigit() for c in run) and len(_decoded(run.rstrip("=").upper(), "base32")) == 32:
            return _("a signing key in base32")
    return None


def _decoded(run: str, kind: str) -> bytes:
    """The bytes of a base64 (either alphabet) or base32 run without its padding; b"" when it is not one."""
    import base64
    import binascii

    try:
        if kind == "base32":
            return base64.b32decode(run + "=" * (-len(run) % 8))
        return base64.b64decode(run.replace("-", "+").replace("_", "/") + "=" * (-len(run) % 4), validate=True)
    except (binascii.Error, ValueError):
        return b""


def _column_named(index: int, header: list[str]) -> str:
    """A column as a spreadsheet shows it (`C`), with its header's name when the header is known (`C (address)`)."""
    letters, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    name = clean(header[index]) if index < len(header) and not header[index].startswith("\x00") else ""
    return f"{letters} ({name})" if name else letters


def _find_header(rows: Iterator[tuple[int, list[str]]], label: str
                 ) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header row: the first of the first rows naming at least three known columns (title rows above it
    are skipped), else the first row that is not blank. Returns (row, cells, the rows read after it)."""
    seen: list[tuple[int, list[str]]] = []
    for number, record in rows:
        seen.append((number, record))
        if header_score(record) >= 3:
            return number, record, []
        if len(seen) >= HEADER_SEARCH:
            break
    filled = [i for i, (_, r) in enumerate(seen) if any(c.strip() for c in r)]
    if not filled:
        raise MaterialsError(_("{label}: the file is empty; it needs a header row and one row per venue").format(
                                 label=label))
    number, record = seen[filled[0]]
    return number, record, seen[filled[0] + 1:]


def _is_totals(record: list[str], header: dict[str, int]) -> bool:
    """A ledger's totals row: a cell saying 合计/总计/total, and no venue id of its own."""
    # Only short cells can say 合计 or total: a long one is not folded at all (a workbook's one string of 300,000
    # characters in every row made this the run's whole cost).
    words = {"".join(c.split()).lower() for c in record if len(c) <= 64 and not c.startswith("\x00")}
    if not words & TOTALS:
        return False
    venue_id = "".join(_cell(record, header, "id").split()).lower()
    return not venue_id or venue_id in TOTALS or venue_id.startswith("\x00")


def _narrow(record: list[str], header: dict[str, int], number: int, changed: dict[int, list[str]]) -> list[str]:
    """Full-width letters, digits and hyphens in ids and keys made half-width (NFKC); `changed` notes the row."""
    record = list(record)
    for column in NARROWED:
        index = header.get(column)
        if index is None or index >= len(record) or record[index].startswith("\x00"):
            continue
        narrow = unicodedata.normalize("NFKC", record[index])
        if column == "id":
            narrow = DASHES.sub("-", narrow)  # Word and Excel's autocorrect turn hyphens into dashes
        if narrow != record[index]:
            changed.setdefault(number, []).extend([clean(record[index]), clean(narrow)])
            record[index] = narrow
    return record


ROW_KEY = re.compile(r"^row (\d+), (.+)$")


def row_span(rows: list[int]) -> str:
    """Row numbers for a message: `12–36, 40` (runs of consecutive rows joined)."""
    parts: list[str] = []
    ordered = sorted(set(rows))
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            first, last = ordered[start], ordered[i - 1]
            parts.append(str(first) if first == last else f"{first}–{last}")
            start = i
    return ", ".join(parts)


def rows_named(rows: list[int]) -> str:
    """`row 6` or `rows 9–10, 12`, in the user's language."""
    if len(set(rows)) == 1:
        return _("row {row}").format(row=rows[0])
    return _("rows {rows}").format(rows=row_span(rows))


ROW_ONLY = re.compile(r"^row (\d+)$")


def group_problems(problems: list[Problem]) -> list[Problem]:
    """The same problem in the same column on several rows becomes one line naming the rows."""
    groups: dict[tuple[str, str | None, str, str], list[int]] = {}
    others: list[Problem] = []
    for problem in problems:
        match = ROW_KEY.match(problem.key or "")
        if match is None or problem.line is not None:
            alone = ROW_ONLY.match(problem.key or "")
            if alone is not None and problem.line is None:  # the key names a row: say it in the user's language
                problem = Problem(problem.file, None, rows_named([int(alone.group(1))]), problem.message)
            others.append(problem)
            continue
        groups.setdefault((problem.file, None, match.group(2), problem.message), []).append(int(match.group(1)))
    for (file, _line, column, message), rows in groups.items():
        others.append(Problem(file, None, f"{rows_named(rows)}, {column}", message))
    return others


def _cell(record: list[str], header: dict[str, int], key: str) -> str:
    index = header.get(key)
    if index is None or index >= len(record):
        return ""
    return record[index]


def _check_row(
    number: int, record: list[str], header: dict[str, int], width_: int, districts: dict[str, str],
    categories: dict[str, str], families: list[str], settings: Any, label: str,
) -> list[Problem]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(label, None, f"row {number}, {column}", message))

    extra = [(i, c) for i, c in enumerate(record) if i >= width_ and c.strip()]
    if extra:
        from openpyxl.utils import get_column_letter

        problems.append(Problem(label, None, f"row {number}", _(
            "has {count} cells but the header names {width} columns (extra: {extra!r} in column {column} ({letter}), "
            "which has no header); give the column a header or delete the value; in a CSV file, a comma inside a "
            "cell needs the cell in double quotes").format(
                count=len(record), width=width_, extra=clean(extra[0][1])[:30], column=extra[0][0] + 1,
                letter=get_column_letter(extra[0][0] + 1))))
        return problems
    table = VenueSettings.of(settings)
    limits = {"name": table.max_name_width, "address": table.max_address_width,
              "name_en": table.max_name_width * 3 // 2, "address_en": table.max_address_width * 3 // 2}
    for column in [*COLUMNS, *(c for c in header if c not in COLUMNS)]:
        raw = _cell(record, header, column)
        if raw.startswith("\x00number:"):
            number_text = raw.split(":", 1)[1]
            if column == "id":
                problem(column, _("is a number in the workbook ({number}); Excel changes long ids into numbers "
                                  "such as 4.40104E+17: format the column as Text and re-type the ids").format(
                                      number=number_text))
                continue
            raw = number_text.removesuffix(".0")
        elif raw.startswith("\x00"):
            problem(column, _cell_kind(column, raw))
            continue
        if len(raw) > MAX_CELL:
            problem(column, _("is {count} characters long; at most {most}").format(count=len(raw), most=MAX_CELL))
            continue
        value = clean(raw)
        if column in REQUIRED and not value:
            problem(column, _("is empty"))
            continue
        # A line break (LF, or CR LF) and a tab are printed as a space; a carriage return alone is refused.
        why = bad_character(raw.replace("\r\n", " ").replace("\n", " ").replace("\t", " "))
        if why:
            problem(column, why)
            continue
        if column == "id":
            if EXCEL_DATE.match(value):
                problem(column, _("{value} looks like a date Excel made of an id (1-3 becomes 1-Mar); format the "
                                  "column as Text and re-type the ids").format(value=value))
            elif EXCEL_NUMBER.match(value):
                problem(column, _("{value} looks like a number Excel rewrote (an 18-digit id shown as "
                                  "4.40104E+17); format the column as Text and re-type the ids").format(value=value))
            elif not VENUE_ID.match(value) or len(value) > MAX_ID_LENGTH:
                problem(column, _("{value!r} may hold only letters, digits and single hyphens, at most "
                                  "{most} characters (it names the venue's file)").format(value=value,
                                                                                          most=MAX_ID_LENGTH))
        elif column == "district" and value.lower() not in districts:
            problem(column, _("unknown district {value!r}; write it by name or key: {hint}").format(
                value=value, hint=district_hint(settings)))
        elif column == "category" and value.lower() not in categories:
            lang = settings.languages[0]
            known = ", ".join(_("{name} ({key})").format(name=names.get(lang, key), key=key)
                              for key, names in settings.place_categories.items())
            problem(column, _("unknown place category {value!r}; use one of {known}, or add it to "
                              "place_categories in campaign.toml (a key and its name in every language)").format(
                                  value=value, known=known))
        elif column == "reprint" and value and (not value.isdigit() or int(value) > 255):
            problem(column, _("{value!r} is not a whole number from 0 to 255").format(value=value))
        elif (most := _limit(limits, column)) and width(value) > most:
            problem(column, _("is too long to print legibly ({width} half-width units, at most {most}; a "
                              "Chinese character counts 2): shorten it").format(width=width(value), most=most))
        if (column in ("name", "address") or TRANSLATED.match(column)) and value:
            missing = fonts.uncovered(value, families)
            if missing:
                problem(column, _("no font covers {character}; replace the character").format(
                    character=fonts.describe(missing[0])))
    return problems


def _limit(limits: dict[str, int], column: str) -> int | None:
    """Longest printable text of a column; a name or address in any other language gets the `_en` limit."""
    translated = TRANSLATED.match(column)
    return limits.get(column) or (limits[f"{translated.group(1)}_en"] if translated else None)


def _cell_kind(column: str, marker: str) -> str:
    """What is wrong with a workbook cell that is not text (see `_xlsx_text`)."""
    kind, _colon, detail = marker[1:].partition(":")
    detail = detail[:40]  # the whole text was searched for key material (`_refuse_keys`); a quote is its start
    if kind == "merged":
        return _("merged cells ({detail}); unmerge and fill every row").format(detail=detail)
    if kind == "formula":
        return _("is a formula ({detail}); type the value itself").format(detail=detail)
    if kind == "error":
        return _("is an error value ({detail}), as Excel shows a formula gone wrong or a deleted reference, not "
                 "text; correct the cell and type the {column}").format(detail=detail, column=column)
    if kind == "date" and column == "id":
        return _("is a date in the workbook ({detail}): Excel turns ids such as 1-3 into dates (1-Mar); format the "
                 "column as Text and re-type the ids").format(detail=detail)
    if kind == "date":
        return _("is a date ({detail}), not text; format the column as Text and type the {column}").format(
            detail=detail, column=column)
    if kind == "a TRUE/FALSE cell":
        kind = _("a TRUE/FALSE cell")
    return _("is {kind} ({detail}), not text; format the column as Text and type the {column}").format(
        kind=kind, detail=detail, column=column)


def _venue(number: int, record: list[str], header: dict[str, int], districts: dict[str, str],
           categories: dict[str, str]) -> VenueRow:
    def get(key: str) -> str:
        raw = _cell(record, header, key)
        if raw.startswith("\x00number:"):
            raw = raw.split(":", 1)[1].removesuffix(".0")
        return clean(raw)

    reprint = get("reprint")
    return VenueRow(
        row=number,
        id=get("id"),
        name=get("name"),
        district=districts[get("district").lower()],
        category=categories[get("category").lower()],
        address=get("address"),
        name_en=get("name_en"),
        address_en=get("address_en"),
        reprint=int(reprint) if reprint else 0,
        names=_translations(header, "name", get),
        addresses=_translations(header, "address", get),
    )


def _translations(header: dict[str, int], kind: str, get: Any) -> tuple[tuple[str, str], ...]:
    found = ((match.group(2), get(column)) for column in sorted(header) if (match := TRANSLATED.match(column))
             and match.group(1) == kind)
    return tuple((lang, text) for lang, text in found if text)
