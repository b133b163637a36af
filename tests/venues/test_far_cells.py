"""A workbook's declared dimension and far cells cost nothing (issue #17, red team 9): reading is bounded by the
cells the sheet stores, a value beyond the column limit is refused naming the file, sheet and cell, and data in a
column without a header is never dropped unseen."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from materials.campaign import load
from materials.errors import MaterialsError
from materials.venues import reading
from materials.venues.reading import read_list

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = ["id", "name", "district", "category", "address"]
ROW = ["HP-1", "宁夏路社区", "和平区", "社区", "和平区宁夏路12号"]


def sparse_workbook(path: Path, far: str, dimension: str) -> Path:
    """A workbook with the header and one venue, plus one stored cell `far` holding "x", and the sheet's
    `<dimension>` set to `dimension`: written by openpyxl, then its sheet XML edited as a hostile file would be."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    plain = path.with_suffix(".plain.xlsx")
    book.save(plain)
    _column, row = re.fullmatch(r"([A-Z]+)([0-9]+)", far).groups()  # type: ignore[union-attr]
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', data.decode())
                cell = f'<c r="{far}" t="inlineStr"><is><t>x</t></is></c>'
                if f'<row r="{row}"' in text:
                    text = re.sub(rf'(<row r="{row}"[^>]*>.*?)</row>', rf"\1{cell}</row>", text, flags=re.S)
                else:
                    text = text.replace("</sheetData>", f'<row r="{row}">{cell}</row></sheetData>')
                data = text.encode()
            target.writestr(info, data)
    plain.unlink()
    assert path.stat().st_size < 10_000
    return path


def test_a_far_cell_with_a_huge_dimension_is_refused_quickly(venue_campaign: Path, tmp_path: Path) -> None:
    """XFD1048576 and <dimension ref="A1:XFD1048576"/> used to hang `materials venues` (never finished)."""
    path = sparse_workbook(tmp_path / "far.xlsx", "XFD1048576", "A1:XFD1048576")
    try:
        done = subprocess.run([*CLI, "venues", str(path), "--campaign", str(venue_campaign), "--out",
                               str(tmp_path / "out"), "--jobs", "1"], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail("materials venues did not finish reading a 5 KB workbook within 60 s")
    told = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in told, told
    assert "far.xlsx" in told and "Sheet" in told and "XFD1048576" in told and str(reading.MAX_COLUMNS) in told, told
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_a_huge_declared_dimension_alone_costs_nothing(venue_campaign: Path, tmp_path: Path) -> None:
    path = sparse_workbook(tmp_path / "dim.xlsx", "A3", "A1:XFD1048576")  # "x" in A3: a venue row with an id only
    settings = load(venue_campaign).settings
    listing = read_list(path, settings)
    assert [v.id for v in listing.venues] == ["HP-1"] and [p.key for p in listing.problems][:1] == ["row 3, name"]


def test_data_in_a_column_without_a_header_is_never_dropped(venue_campaign: Path, tmp_path: Path) -> None:
    """"x" in a headerless column: the row is refused naming it (it was read as nothing when the sheet's
    dimension padded the header), and beyond the column limit the cell is named."""
    settings = load(venue_campaign).settings
    near = read_list(sparse_workbook(tmp_path / "near.xlsx", "H2", "A1:H2"), settings)
    assert near.venues == [] and [p.key for p in near.problems] == ["row 2"], near.problems
    assert "'x' in column 8 (H)" in near.problems[0].message
    with pytest.raises(MaterialsError) as far:
        read_list(sparse_workbook(tmp_path / "xfd.xlsx", "XFD2", "A1:XFD2"), settings)
    assert "XFD2" in far.value.message and "'Sheet'" in far.value.message and "xfd.xlsx" in far.value.message


def test_a_row_number_beyond_excel_s_last_is_refused(venue_campaign: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-made <row r="99999999"> took 27 s (a blank row for each number skipped); refused past the limit,
    here lowered so that the test is quick."""
    monkeypatch.setattr(reading, "MAX_SHEET_ROWS", 1000)
    settings = load(venue_campaign).settings
    assert [v.id for v in read_list(sparse_workbook(tmp_path / "near.xlsx", "A999", "A1:E999"), settings).venues
            ] == ["HP-1"]
    with pytest.raises(MaterialsError) as far:
        read_list(sparse_workbook(tmp_path / "far.xlsx", "A1001", "A1:E1001"), settings)
    assert "far.xlsx, sheet 'Sheet'" in far.value.message and "beyond 1000" in far.value.message


def test_a_value_under_an_empty_header_cell_is_named_never_dropped(venue_campaign: Path, tmp_path: Path) -> None:
    """A blank header cell between named columns: the value under it was dropped with no note."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER, None, "备注"])
    sheet.append([*ROW, "x", "note"])
    path = tmp_path / "gap.xlsx"
    book.save(path)
    listing = read_list(path, load(venue_campaign).settings)
    assert [v.id for v in listing.venues] == ["HP-1"]
    assert (True, "gap.xlsx, sheet 'Sheet': column 6 (F) has no header, so its values on row 2 are not read and "
            "NOT printed; give the column a header (or delete the values) and run again") in listing.notes
