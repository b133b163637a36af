"""Workbooks written from raw XML as a damaged or hand-made file would be (red team 12): rows out of order or
numbered twice, cells given twice, error cells, broken shared-string indexes and cell references, `_xHHHH_`
escapes, text Excel hides, Strict OOXML. Nothing is dropped, picked or printed silently, and nothing gives a
traceback."""

from __future__ import annotations

import os
import random
import string
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from materials.campaign import load
from materials.errors import MaterialsError
from materials.venues.reading import read_list

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = ["id", "name", "district", "category", "address"]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def letter(index: int) -> str:
    text, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def cell(ref: str, value: str) -> str:
    if value.startswith("<c"):
        return value.replace("REF", ref)
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def rows(prefix: str, count: int) -> list[list[str]]:
    return [HEADER] + [[f"{prefix}-{i}", f"宁夏路社区{i}", "和平区", "社区", f"和平区宁夏路{i}号"]
                       for i in range(1, count + 1)]


def sheet_xml(table: list[list[str]], cols: str = "") -> str:
    body = "".join(f'<row r="{r}">' + "".join(cell(f"{letter(c)}{r}", v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(table, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{RELS}">'
            f"{cols}<sheetData>{body}</sheetData></worksheet>")


def write(path: Path, sheet: str | None, sst: str | None = None, styles: str | None = None,
          extra: tuple[tuple[str, str], ...] = (), main: str = MAIN) -> Path:
    """A one-sheet workbook from raw XML parts (`sheet` None: the sheet's part is missing)."""
    types = ['<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
             'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"'
             '/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.spreadsheetml.worksheet+xml"/>']
    rels = [f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>']
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if sheet is not None:
            archive.writestr("xl/worksheets/sheet1.xml", sheet.replace(MAIN, main))
        for rid, (name, root, text) in enumerate((("sharedStrings", "sst", sst), ("styles", "styleSheet", styles)), 2):
            if text is None:
                continue
            archive.writestr(f"xl/{name}.xml", f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{MAIN}">'
                                               f"{text}</{root}>")
            types.append(f'<Override PartName="/xl/{name}.xml" ContentType="application/vnd.openxmlformats-'
                         f'officedocument.spreadsheetml.{name}+xml"/>')
            rels.append(f'<Relationship Id="rId{rid}" Type="{RELS}/{name}" Target="{name}.xml"/>')
        archive.writestr("[Content_Types].xml", "".join(types) + "</Types>")
        archive.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                         f'{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/_rels/workbook.xml.rels", "".join(rels) + "</Relationships>")
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
                         f'xmlns:r="{RELS}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        for name, data in extra:
            archive.writestr(name, data)
    return path


def venues(campaign: Path, path: Path, *more: str) -> tuple[int, str]:
    done = subprocess.run([*CLI, "venues", str(path), "--campaign", str(campaign), "--out", str(path.parent / "out"),
                           "--jobs", "1", *more], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    told = done.stdout + done.stderr
    assert "Traceback" not in told, told
    return done.returncode, told


@pytest.mark.parametrize(("name", "order", "row"), [("order", [1, 4, 2, 3], "row 2"), ("zero", [1, 0, 2, 3], "row 0")])
def test_rows_out_of_order_or_numbered_0_are_refused_naming_the_row(venue_campaign: Path, tmp_path: Path,
                                                                    name: str, order: list[int], row: str) -> None:
    """Red team 12 (D3): rows stored 1, 4, 2, 3 (or a row 0) were dropped: "1 venue rendered", exit 0."""
    table = rows("OO", 3)
    body = "".join(f'<row r="{r}">' + "".join(cell(f"{letter(c)}{r}", v) for c, v in enumerate(table[min(r, 3)]))
                   + "</row>" for r in order)
    xml = sheet_xml([]).replace("<sheetData></sheetData>", f"<sheetData>{body}</sheetData>")
    code, told = venues(venue_campaign, write(tmp_path / f"{name}.xlsx", xml))
    assert code == 1 and f"{name}.xlsx, sheet 'S'" in told and row in told and "damaged" in told, told
    assert not (tmp_path / "out" / "manifest.csv").exists()


def one_cell(xml_cell: str) -> str:
    """The sheet of header and two venues with cell B2 replaced by `xml_cell` (REF stands for its reference)."""
    table = rows("TB", 2)
    table[1][1] = xml_cell
    return sheet_xml(table)


DAMAGED = {
    "duprow": (sheet_xml(rows("DR", 3)).replace('<row r="3">', '<row r="2">'), "row 2", "stored twice"),
    "dupcell": (one_cell('<c r="B2" t="inlineStr"><is><t>first</t></is></c><c r="B2" t="inlineStr"><is><t>second'
                         '</t></is></c>'), "cell B2", "stored twice"),
    "sst-oob": (one_cell('<c r="REF" t="s"><v>99</v></c>'), "cell B2", "shared string '99'"),
    "sst-nonint": (one_cell('<c r="REF" t="s"><v>abc</v></c>'), "cell B2", "shared string 'abc'"),
    "num-text": (one_cell('<c r="REF" t="n"><v>abc</v></c>'), "cell B2", "'abc', which is not a number"),
    "badref": (one_cell('<c r="ZZZZ2" t="inlineStr"><is><t>x</t></is></c>'), "row 2", "'ZZZZ2' is not a reference"),
    "rowabc": (sheet_xml(rows("RA", 2)).replace('<row r="3">', '<row r="abc">'), "row 'abc'", "not a whole number"),
}


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_sheet_is_refused_naming_the_row_or_cell(venue_campaign: Path, tmp_path: Path, name: str) -> None:
    """Red team 12: a row number used twice dropped a venue (D4), a cell given twice kept the second (D8), and a
    shared string index out of range or not a number, text in a number cell, a reference such as ZZZZ2 and
    `<row r="abc">` gave tracebacks (D11)."""
    xml, where, what = DAMAGED[name]
    code, told = venues(venue_campaign, write(tmp_path / f"{name}.xlsx", xml, sst="<si><t>x</t></si>"))
    assert code == 1 and f"{name}.xlsx, sheet 'S', {where}: " in told and what in told, told
    assert "the workbook is damaged" in told and "save it again from Excel/WPS" in told, told
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_a_sheet_stored_in_order_reads_every_row(venue_campaign: Path, tmp_path: Path) -> None:
    """Rows and cells without `r` follow the one before; shared strings and numbers that are right are read."""
    table = rows("OK", 2)
    table[2][1] = '<c t="s"><v>0</v></c>'
    xml = sheet_xml(table).replace('<row r="3">', "<row>").replace('<c r="B3" t="s">', '<c t="s">')
    listing = read_list(write(tmp_path / "ok.xlsx", xml, sst="<si><t>宁夏路社区</t></si>"),
                        load(venue_campaign).settings)
    assert [(v.id, v.name) for v in listing.venues] == [("OK-1", "宁夏路社区1"), ("OK-2", "宁夏路社区")]


def test_a_value_openpyxl_cannot_read_is_an_error_not_a_traceback(venue_campaign: Path, tmp_path: Path) -> None:
    code, told = venues(venue_campaign, write(tmp_path / "date.xlsx", one_cell('<c r="REF" t="d"><v>garbage</v></c>')))
    assert code == 1 and "date.xlsx: cannot read the workbook (ValueError" in told and "damaged" in told, told


def test_error_cells_are_refused_never_printed(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D8): an error cell (#N/A, #REF!) was printed as the venue's name."""
    table = rows("NA", 2)
    table[1][1] = '<c r="REF" t="e"><v>#N/A</v></c>'
    table[2][4] = '<c r="REF" t="e"><v>#DIV/0!</v></c>'
    code, told = venues(venue_campaign, write(tmp_path / "error.xlsx", sheet_xml(table)))
    assert code == 1 and "row 2, name: is an error value (#N/A)" in told, told
    assert "row 3, address: is an error value (#DIV/0!)" in told, told
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_a_part_stored_twice_is_refused(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D8): a zip with two xl/worksheets/sheet1.xml members was read from the last one."""
    other = sheet_xml(rows("ZB", 2))
    path = write(tmp_path / "twice.xlsx", sheet_xml(rows("ZA", 2)), extra=(("xl/worksheets/Sheet1.xml", other),))
    code, told = venues(venue_campaign, path)
    assert code == 1 and "twice.xlsx: the workbook holds the part xl/worksheets/Sheet1.xml twice" in told, told
    assert "damaged" in told and not (tmp_path / "out" / "manifest.csv").exists()


def test_excel_escapes_are_decoded_then_meet_the_csv_rules(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D9): `甲_x000D_\\n乙` (CR LF as Excel stores it) was printed as it is, `_x000D_` and all. Now
    CR LF is a line break printed as a space with the warning a CSV cell gets, an escaped ESC is refused as a
    control character, and `_x005F_` is the underscore that keeps an escape's text (in a shared string, which
    openpyxl reads as the escape itself, it is refused)."""
    sst = '<si><t xml:space="preserve">宁夏路_x000D_\n社区</t></si><si><t>宁夏路_x001B_社区</t></si>'
    table = rows("XE", 3)
    for number in (1, 2):
        table[number][1] = f'<c r="REF" t="s"><v>{number - 1}</v></c>'
    table[3][1] = "宁夏路_x005F_x000D_社区"
    path = write(tmp_path / "escape.xlsx", sheet_xml(table), sst=sst)
    listing = read_list(path, load(venue_campaign).settings)
    assert [(v.id, v.name) for v in listing.venues] == [("XE-1", "宁夏路 社区"), ("XE-3", "宁夏路_x000D_社区")
                                                        ], listing.problems
    assert any("row 2, column name: a line break written as CR LF" in text for warning, text in listing.notes
               if warning), listing.notes
    code, told = venues(venue_campaign, path)
    assert code == 1 and "row 3, name: contains a control or unassigned character (U+001B)" in told, told
    code, told = venues(venue_campaign, write(tmp_path / "shared.xlsx", sheet_xml(table),
                                              sst=sst + "<si><t>宁夏路_x005F_x000D_社区</t></si>"))
    assert code == 1 and "shared.xlsx: a text in the workbook holds '_x000D_', an Excel escape" in told, told


STYLES = ('<numFmts count="1"><numFmt numFmtId="164" formatCode=";;;"/></numFmts><fonts count="4"><font><sz val="11"/>'
          '</font><font><sz val="11"/><color rgb="FFFFFFFE"/></font><font><sz val="11"/><color rgb="FF102030"/>'
          '</font><font><sz val="11"/><color rgb="FFF0F0F0"/></font></fonts><fills count="4"><fill><patternFill '
          'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill '
          'patternType="solid"><fgColor rgb="FF000000"/></patternFill></fill><fill><patternFill patternType="solid">'
          '<fgColor rgb="FF102231"/></patternFill></fill></fills><borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
          '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
          '<xf numFmtId="0" fontId="2" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
          '<xf numFmtId="0" fontId="3" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>'
          '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>')


def test_text_excel_hides_is_named_and_fails_strict(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D10): a column of width 0, the number format `;;;`, #FFFFFE text, black on a black fill and
    a colour on a fill of nearly that colour were printed without the warning white text gets."""
    table = rows("HT", 7)
    for number, style in enumerate((1, 2, 3, 4), 1):  # ;;;  #FFFFFE  black on black  #102030 on #102231
        table[number][1] = f'<c r="REF" s="{style}" t="inlineStr"><is><t>宁夏路社区{number}</t></is></c>'
    table[5][1] = '<c r="REF" s="5" t="inlineStr"><is><t>宁夏路社区5</t></is></c>'  # light grey on black: seen
    table[6][1] = '<c r="REF" s="6" t="inlineStr"><is><t>宁夏路社区6</t></is></c>'  # #102030 on white: seen
    table[0].append("name_en")
    table[7].append("Secret")
    xml = sheet_xml(table, cols='<cols><col min="6" max="6" width="0" customWidth="1"/></cols>')
    path = write(tmp_path / "hidden.xlsx", xml, styles=STYLES)
    listing = read_list(path, load(venue_campaign).settings)
    warnings = [text for warning, text in listing.notes if warning]
    assert any("column F is hidden in the workbook and NOT printed" in text for text in warnings), listing.notes
    assert any("rows 2–5: text that cannot be seen in the workbook" in text for text in warnings), listing.notes
    assert [v.name_en for v in listing.venues] == [""] * 7
    code, told = venues(venue_campaign, path, "--strict")
    assert code == 1 and "rows 2–5: text that cannot be seen" in told and "column F is hidden" in told, told
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_strict_ooxml_and_a_missing_sheet_part_say_what_is_wrong(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D14): both said "every sheet is empty"."""
    strict = "http://purl.oclc.org/ooxml/spreadsheetml/main"
    code, told = venues(venue_campaign, write(tmp_path / "strict.xlsx", sheet_xml(rows("ST", 1)), main=strict))
    assert code == 1 and 'strict.xlsx: the workbook is saved as "Strict Open XML Spreadsheet"' in told, told
    assert 'save it as "Excel Workbook (.xlsx)"' in told and "every sheet is empty" not in told, told
    code, told = venues(venue_campaign, write(tmp_path / "nopart.xlsx", None))
    assert code == 1 and "nopart.xlsx: sheet 'S' has no part xl/worksheets/sheet1.xml" in told, told
    assert "damaged" in told and "every sheet is empty" not in told, told


def test_a_header_in_a_column_of_width_0_is_named_hidden(venue_campaign: Path, tmp_path: Path) -> None:
    """The name column at width 0 (red team 12's col0.xlsx) is refused as missing; the warning says it is
    hidden, where the refusal alone would send the office looking for a column it can see in the file."""
    xml = sheet_xml(rows("CZ", 2), cols='<cols><col min="2" max="2" width="0" customWidth="1"/></cols>')
    code, told = venues(venue_campaign, write(tmp_path / "col0.xlsx", xml))
    assert code == 1 and "missing column 'name'" in told and "column B is hidden in the workbook" in told, told


def test_a_long_tag_cut_by_a_chunk_is_still_checked(venue_campaign: Path, tmp_path: Path) -> None:
    """A row stored twice, its tag padded past the 500 bytes kept between the 1 MB chunks the sheet is read in
    and cut by a chunk's end, is still found; a tag longer than MAX_TAG is refused."""
    settings = load(venue_campaign).settings
    rng = random.Random(12)
    noise = "".join(rng.choice(string.ascii_letters) for _ in range(1_200_000))  # compresses little
    pad = " ".join(f'x{i}="{noise[i * 90:i * 90 + 90]}"' for i in range(40))  # 3.8 KB
    xml = sheet_xml(rows("PD", 3)).replace('<row r="3">', f'<row {pad} r="2">')
    filler = (1 << 20) - xml.index(f"<row {pad}") - 2000  # the chunk ends 2000 bytes into the padded tag
    xml = xml.replace("<sheetData>", f"<sheetData><!--{noise[:filler]}-->", 1)
    with pytest.raises(MaterialsError) as twice:
        read_list(write(tmp_path / "pad.xlsx", xml), settings)
    assert "pad.xlsx, sheet 'S', row 2: the row is stored twice" in twice.value.message
    xml = sheet_xml(rows("PD", 3)).replace('<row r="3">', f'<row x="{noise[:1_100_000]}" r="3">')
    with pytest.raises(MaterialsError) as long:
        read_list(write(tmp_path / "long.xlsx", xml), settings)
    assert "long.xlsx, sheet 'S', after row 2: a tag longer than 65,536 bytes" in long.value.message


def test_openpyxl_s_warnings_are_notes_not_python_warnings(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 12 (D14): openpyxl's raw `UserWarning` was printed with its source line."""
    styles = STYLES.replace('<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>', "")
    table = rows("NS", 1)
    table[1][2] = "nowhere"  # refused before anything is rendered
    code, told = venues(venue_campaign, write(tmp_path / "nostyle.xlsx", sheet_xml(table), styles=styles))
    assert code == 1 and "unknown district 'nowhere'" in told, told
    assert "UserWarning" not in told and "site-packages" not in told, told
