"""Reading venue lists as district staff really send them: CSV in UTF-8 or GBK, or Excel XLSX.

Every row is checked before anything is rendered, and every problem is reported with the row number a
spreadsheet shows (the header is row 1) and the column, so staff can find and fix it.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from materials import fonts
from materials.errors import MaterialsError, Problem
from materials.venues.links import MAX_ID_LENGTH, VENUE_ID, typed_id

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
MAX_CELL = 2000
#: Excel shows a long number such as an 18-digit id as 4.40104E+17 and saves that text into the CSV.
EXCEL_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
#: Excel turns an id such as 1-3 or 3-2020 into a date and shows it as 1-Mar, Mar-20, 2020/3/1 or 3月1日.
EXCEL_DATE = re.compile(rf"^(?:\d{{1,2}}-{MONTH}(?:-\d{{2,4}})?|{MONTH}-\d{{1,4}}|\d{{1,4}}/\d{{1,2}}/\d{{1,4}}|"
                        r"(?:\d{4}年)?\d{1,2}月\d{1,2}日)$", re.IGNORECASE)
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")


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
            return f"contains an invisible zero-width character ({code}); delete it"
        if char in BIDI:
            return f"contains a bidirectional control character ({code}) that can disguise the text; delete it"
        if char == "\ufffd":
            return "contains U+FFFD, the mark of an earlier failed conversion; re-type the damaged characters"
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"contains a control or unassigned character ({code}); delete it"
    return None


# ---- decoding ---------------------------------------------------------------------------------------------


def decode_csv(raw: bytes, label: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK; never guessed silently."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "gb18030"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        raise MaterialsError(
            f"{label}: neither UTF-8 nor GBK/GB18030 (byte {e.start}); save the file as \"CSV UTF-8\"") from None
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
            raise MaterialsError(f"{label}: the encoding is unclear (not UTF-8, and as GBK it reads as rare "
                                 "characters); save the file as \"CSV UTF-8\" and try again")
        log.info("%s: read as GBK/GB18030 (what Excel on Chinese Windows saves as CSV)", label)
    return text


def csv_records(path: Path, label: str) -> Iterator[list[str]]:
    text = decode_csv(path.read_bytes(), label)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    # A record may span lines (a quoted line break): a fault is reported on the row, and line, it starts on,
    # where an unclosed quote was opened, not on the file's last line where the reader gave up.
    rows, start = 0, 1
    try:
        for record in reader:
            rows += 1
            yield record
            start = reader.line_num + 1
    except csv.Error as e:
        hint = ("; a double quote opened in this row is never closed: close it, or write a quote inside a cell "
                'as two ("")') if "end of data" in str(e) else ""
        raise MaterialsError(f"{label}: row {rows + 1} (line {start}): not valid CSV ({e}){hint}") from None


def check_xlsx_archive(path: Path, label: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if ratio > MAX_XLSX_RATIO and info.file_size > 1024 * 1024:
                    raise MaterialsError(f"{label}: refused, {info.filename} inflates {ratio:.0f}-fold "
                                         "(a damaged or hostile workbook); export the sheet as CSV instead")
            if total > MAX_XLSX_UNCOMPRESSED:
                raise MaterialsError(f"{label}: refused, the workbook unpacks to {total / 1e6:.0f} MB (limit "
                                     f"{MAX_XLSX_UNCOMPRESSED / 1e6:.0f} MB); split the list or export it as CSV")
    except zipfile.BadZipFile:
        raise MaterialsError(f"{label}: not an XLSX workbook (damaged, or an old .xls: save as .xlsx)") from None


def xlsx_records(path: Path, label: str, problems: list[Problem], sheet_name: str | None = None) -> Iterator[list[str]]:
    """Rows of the one sheet that holds the list, as text; other kinds of cell become `\x00kind:detail` markers
    that `_check_row` reports with the row and the column's header."""
    check_xlsx_archive(path, label)
    import openpyxl

    try:
        # data_only=False: a formula is reported, never evaluated or trusted as its cached value.
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many kinds for damaged files
        raise MaterialsError(f"{label}: cannot read the workbook ({type(e).__name__}); "
                             "save it again as .xlsx") from None
    try:
        sheet = choose_sheet(book, label, sheet_name)
        merged = merged_ranges(path, sheet.title, label)
        for number, cells in enumerate(sheet.iter_rows(), 1):
            values: list[str] = []
            for col, cell in enumerate(cells, 1):
                ref = next((r[4] for r in merged if r[0] <= number <= r[2] and r[1] <= col <= r[3]), None)
                values.append(f"\x00merged:{ref}" if ref else _xlsx_text(cell))
            yield values
    finally:
        book.close()


def _has_data(sheet: Any) -> bool:
    return any(v is not None and v != "" for row in sheet.iter_rows(values_only=True) for v in row)


def choose_sheet(book: Any, label: str, wanted: str | None) -> Any:
    """The sheet to read: `--sheet NAME`, else the one sheet holding data. A hidden sheet is never read unasked,
    and rows on other sheets are never dropped unseen: several sheets with data are refused by name."""
    names = [s.title for s in book.worksheets]
    if wanted is not None:
        for sheet in book.worksheets:
            if sheet.title == wanted:
                return sheet
        raise MaterialsError(f"{label}: no sheet named {wanted!r}; its sheets are {', '.join(map(repr, names))}")
    full = [s for s in book.worksheets if _has_data(s)]
    if not full:
        raise MaterialsError(f"{label}: every sheet is empty; put the venue list on one sheet with a header row")

    def shown(sheet: Any) -> str:
        return repr(sheet.title) + ("" if sheet.sheet_state == "visible" else f" ({sheet.sheet_state})")

    if len(full) > 1:
        raise MaterialsError(f"{label}: {len(full)} sheets hold data: {', '.join(shown(s) for s in full)}; choose "
                             "the venue list with --sheet NAME (rows on the other sheets are not read)")
    if full[0].sheet_state != "visible":
        raise MaterialsError(f"{label}: the only sheet with data, {shown(full[0])}, is hidden; unhide it in Excel, "
                             f"or pass --sheet {full[0].title!r} to read it")
    return full[0]


MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})([0-9]{1,7}):([A-Z]{1,3})([0-9]{1,7})\"")
MAX_MERGED = 1000
SHEET_TAG = re.compile(r"<(?:\w+:)?sheet\b([^>]*)>")
REL_TAG = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)>")


def _attribute(attributes: str, name: str) -> str:
    """An XML attribute's value (any namespace prefix): the workbook's few small index files need no parser."""
    match = re.search(rf"(?:^|\s)(?:\w+:)?{name}=\"([^\"]*)\"", attributes)
    return match.group(1) if match else ""


def merged_ranges(path: Path, title: str, label: str) -> list[tuple[int, int, int, int, str]]:
    """Merged cell ranges of a sheet as (first row, first column, last row, last column, `A3:A5`).

    openpyxl's read-only mode does not expose them, so the sheet's XML part is scanned for `<mergeCell>`.
    """
    import html
    import posixpath

    with zipfile.ZipFile(path) as archive:
        try:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        except KeyError:
            return []
        rid = next((_attribute(tag, "id") for tag in SHEET_TAG.findall(workbook)
                    if html.unescape(_attribute(tag, "name")) == title), "")
        target = next((_attribute(tag, "Target") for tag in REL_TAG.findall(rels) if _attribute(tag, "Id") == rid), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        found: list[tuple[int, int, int, int, str]] = []
        try:
            handle = archive.open(part)
        except KeyError:
            return []
        with handle:
            buffer = b""
            while chunk := handle.read(1 << 20):
                buffer += chunk
                last = 0
                for m in MERGE.finditer(buffer):
                    c1, r1, c2, r2 = (x.decode() for x in m.groups())
                    found.append((int(r1), _column(c1), int(r2), _column(c2), f"{c1}{r1}:{c2}{r2}"))
                    last = m.end()
                buffer = buffer[max(last, len(buffer) - 300):]  # a tag cut by the chunk's end is kept whole
    if len(found) > MAX_MERGED:
        raise MaterialsError(f"{label}: sheet {title!r} has {len(found)} merged cell ranges; unmerge them and fill "
                             "every row (Home > Merge & Center > Unmerge, then fill down)")
    return found


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _xlsx_text(cell: Any) -> str:
    value = cell.value
    if cell.data_type == "f":
        return f"\x00formula:{str(value)[:40]}"
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return f"\x00a TRUE/FALSE cell:{'TRUE' if value else 'FALSE'}"
    if isinstance(value, int | float):
        return f"\x00number:{value!r}"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        midnight = isinstance(value, datetime.datetime) and value.time() == datetime.time()
        shown = value.date().isoformat() if isinstance(value, datetime.datetime) and midnight else str(value)
        return f"\x00date:{shown}"
    return f"\x00a {type(value).__name__} cell:{str(value)[:40]}"


# ---- validation -------------------------------------------------------------------------------------------


def header_map(header: list[str], label: str) -> tuple[dict[str, int], list[Problem]]:
    problems: list[Problem] = []
    found: dict[str, int] = {}
    lookup = {spelling.lower(): key for key, spellings in COLUMNS.items() for spelling in spellings}
    for index, cell in enumerate(header):
        name = clean(cell.lstrip("\ufeff")).lower()
        if not name:
            continue
        key = lookup.get(name) or (name if TRANSLATED.match(name) else None)
        if key is None:
            problems.append(Problem(label, None, "row 1", f"unknown column {cell!r}; columns are "
                                    "id,name,district,category,address[,name_LANG,address_LANG,reprint] or "
                                    "场所编号,场所名称,所属区,场所类型,地址"))
        elif key in found:
            problems.append(Problem(label, None, "row 1", f"column {cell!r} appears twice"))
        else:
            found[key] = index
    for key in REQUIRED:
        if key not in found:
            problems.append(Problem(label, None, "row 1", f"missing column {key!r} ({COLUMNS[key][1]})"))
    return found, problems


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
    return districts, categories


def read_list(path: Path, settings: Any, label: str | None = None, families: Iterable[str] | None = None, *,
              sheet: str | None = None) -> VenueList:
    """Read and validate a whole venue list; never raises for bad rows (they become problems).

    `sheet` names the sheet of a workbook with several; blank rows are skipped before the row limit counts.
    """
    label = label or path.name
    problems: list[Problem] = []
    if not path.is_file():
        raise MaterialsError(f"{label}: file not found")
    if path.stat().st_size == 0:
        raise MaterialsError(f"{label}: the file is empty; it needs a header row (id,name,district,category,"
                             "address) and one row per venue")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        records: Iterable[list[str]] = xlsx_records(path, label, problems, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        records = csv_records(path, label)
    else:
        raise MaterialsError(f"{label}: unknown kind of list {suffix!r}; use .csv or .xlsx")

    families = list(families or settings.fonts.sans)
    districts, categories = lookup_tables(settings)
    candidates: list[VenueRow] = []
    rejected: list[tuple[int, str, str]] = []
    header: dict[str, int] | None = None
    rows = 0
    for number, record in enumerate(records, 1):
        if header is None:
            if not any(c.strip() for c in record):
                raise MaterialsError(f"{label}: row {number} is blank; the header must be row 1")
            header, header_problems = header_map([c.partition(":")[2] if c.startswith("\x00") else c
                                                  for c in record], label)
            languages = {lang.lower() for lang in settings.languages}
            header_problems += [Problem(label, None, "row 1", f"column {column!r}: {m.group(2)} is not a language "
                                        f"of campaign.toml ({', '.join(settings.languages)})")
                                for column in header if (m := TRANSLATED.match(column)) and m.group(2) not in languages]
            if header_problems:
                return VenueList(label, [], problems + header_problems, [])
            continue
        if not any(c.strip() for c in record):
            continue  # blank lines between blocks of venues are common and harmless
        rows += 1
        if rows > MAX_ROWS:
            raise MaterialsError(f"{label}: more than {MAX_ROWS} venues; split the list by district")
        row_problems = _check_row(number, record, header, districts, categories, families, settings, label)
        if row_problems:
            problems += row_problems
            venue_id = clean(_cell(record, header, "id"))
            rejected.append((number, venue_id, "; ".join(f"{p.key}: {p.message}" for p in row_problems)))
            continue
        candidates.append(_venue(number, record, header, districts, categories))
    if header is None:
        raise MaterialsError(f"{label}: the file is empty; it needs a header row and one row per venue")
    if not candidates and not problems:
        raise MaterialsError(f"{label}: no venues, only a header row; add one row per venue")
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
            message = (f"{venue.id} is also the id on row {others}; ids must be unique (letter case and hyphens "
                       "ignored, as in the typed codes)")
            problems.append(Problem(label, None, f"row {venue.row}, id", message))
            rejected.append((venue.row, venue.id, f"id: {message}"))
        else:
            venues.append(venue)
    rejected.sort()
    return VenueList(label, venues, problems, rejected)


def _cell(record: list[str], header: dict[str, int], key: str) -> str:
    index = header.get(key)
    if index is None or index >= len(record):
        return ""
    return record[index]


def _check_row(
    number: int, record: list[str], header: dict[str, int], districts: dict[str, str],
    categories: dict[str, str], families: list[str], settings: Any, label: str,
) -> list[Problem]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(label, None, f"row {number}, {column}", message))

    extra = [c for i, c in enumerate(record) if i not in header.values() and c.strip()]
    if extra:
        problems.append(Problem(label, None, f"row {number}", f"has {len(record)} cells but the header names "
                                f"{len(header)} columns (extra: {clean(extra[0])[:30]!r}); a comma inside a cell "
                                "needs the cell in double quotes"))
        return problems
    limits = {"name": settings.venues.max_name_width, "address": settings.venues.max_address_width,
              "name_en": settings.venues.max_name_width * 3 // 2,
              "address_en": settings.venues.max_address_width * 3 // 2}
    for column in [*COLUMNS, *(c for c in header if c not in COLUMNS)]:
        raw = _cell(record, header, column)
        if raw.startswith("\x00number:"):
            number_text = raw.split(":", 1)[1]
            if column == "id":
                problem(column, f"is a number in the workbook ({number_text}); Excel changes long ids into numbers "
                        "such as 4.40104E+17: format the column as Text and re-type the ids")
                continue
            raw = number_text.removesuffix(".0")
        elif raw.startswith("\x00"):
            problem(column, _cell_kind(column, raw))
            continue
        if len(raw) > MAX_CELL:
            problem(column, f"is {len(raw)} characters long; at most {MAX_CELL}")
            continue
        value = clean(raw)
        if column in REQUIRED and not value:
            problem(column, "is empty")
            continue
        why = bad_character(raw.replace("\n", " ").replace("\r", " ").replace("\t", " "))
        if why:
            problem(column, why)
            continue
        if column == "id":
            if EXCEL_DATE.match(value):
                problem(column, f"{value} looks like a date Excel made of an id (1-3 becomes 1-Mar); format the "
                        "column as Text and re-type the ids")
            elif EXCEL_NUMBER.match(value):
                problem(column, f"{value} looks like a number Excel rewrote (an 18-digit id shown as 4.40104E+17); "
                        "format the column as Text and re-type the ids")
            elif not VENUE_ID.match(value) or len(value) > MAX_ID_LENGTH:
                problem(column, f"{value!r} may hold only letters, digits and single hyphens, at most "
                        f"{MAX_ID_LENGTH} characters (it names the venue's file)")
        elif column == "district" and value.lower() not in districts:
            problem(column, f"unknown district {value!r}; use a district of campaign.toml, e.g. "
                    f"{', '.join(sorted({v for v in districts.values()})[:4])}")
        elif column == "category" and value.lower() not in categories:
            known = ", ".join(sorted(set(categories.values())))
            problem(column, f"unknown place category {value!r}; use one of {known} (or its Chinese name)")
        elif column == "reprint" and value and (not value.isdigit() or int(value) > 255):
            problem(column, f"{value!r} is not a whole number from 0 to 255")
        elif (most := _limit(limits, column)) and width(value) > most:
            problem(column, f"is too long to print legibly ({width(value)} half-width units, at most "
                    f"{most}; a Chinese character counts 2): shorten it")
        if (column in ("name", "address") or TRANSLATED.match(column)) and value:
            missing = fonts.uncovered(value, families)
            if missing:
                problem(column, f"no font covers {fonts.describe(missing[0])}; replace the character")
    return problems


def _limit(limits: dict[str, int], column: str) -> int | None:
    """Longest printable text of a column; a name or address in any other language gets the `_en` limit."""
    translated = TRANSLATED.match(column)
    return limits.get(column) or (limits[f"{translated.group(1)}_en"] if translated else None)


def _cell_kind(column: str, marker: str) -> str:
    """What is wrong with a workbook cell that is not text (see `_xlsx_text`)."""
    kind, _, detail = marker[1:].partition(":")
    if kind == "merged":
        return f"merged cells ({detail}); unmerge and fill every row"
    if kind == "formula":
        return f"is a formula ({detail}); type the value itself"
    if kind == "date" and column == "id":
        return (f"is a date in the workbook ({detail}): Excel turns ids such as 1-3 into dates (1-Mar); format the "
                "column as Text and re-type the ids")
    if kind == "date":
        return f"is a date ({detail}), not text; format the column as Text and type the {column}"
    return f"is {kind} ({detail}), not text; format the column as Text and type the {column}"


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
