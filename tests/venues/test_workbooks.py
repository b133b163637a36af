"""Workbooks as district offices send them: several sheets, hidden sheets, merged cells, cells that are not text,
ids Excel turned into dates, blank rows by the hundred thousand. Nothing is read or dropped silently."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from materials.campaign import load
from materials.cli import cli
from materials.errors import CampaignError, MaterialsError, Problem
from materials.venues.reading import read_list

HEADER = ["id", "name", "district", "category", "address"]
ROW = ["HP-1", "宁夏路社区", "和平区", "社区", "和平区宁夏路12号"]


@pytest.fixture
def settings(venue_campaign: Path):  # type: ignore[no-untyped-def]
    return load(venue_campaign).settings


def workbook(path: Path, sheets: dict[str, list[list[Any]]], hidden: tuple[str, ...] = (),
             merge: tuple[str, ...] = ()) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    for ref in merge:
        book.worksheets[0].merge_cells(ref)
    book.save(path)
    return path


def problems(path: Path, settings, **kwargs: Any) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in read_list(path, settings, **kwargs).problems]


def test_a_hidden_sheet_with_data_is_never_read_silently(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    path = workbook(tmp_path / "v.xlsx", {"Blank": [], "Old list": [HEADER, ROW]}, hidden=("Old list",))
    with pytest.raises(MaterialsError, match=r"the only sheet with data, 'Old list' \(hidden\), is hidden"):
        read_list(path, settings)
    assert [v.id for v in read_list(path, settings, sheet="Old list").venues] == ["HP-1"]


def test_several_sheets_with_data_are_refused_by_name(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    other = ["BH-1", "邮轮码头", "滨海新区", "码头", "滨海新区邮轮大道"]
    path = workbook(tmp_path / "v.xlsx", {"Heping": [HEADER, ROW], "Binhai": [HEADER, other],
                                          "Archive": [HEADER, ROW]}, hidden=("Archive",))
    with pytest.raises(MaterialsError) as info:
        read_list(path, settings)
    assert "3 sheets hold data: 'Heping', 'Binhai', 'Archive' (hidden)" in info.value.message
    assert "--sheet NAME" in info.value.message
    assert [v.id for v in read_list(path, settings, sheet="Binhai").venues] == ["BH-1"]
    with pytest.raises(MaterialsError, match="no sheet named 'Chaoyang'; its sheets are 'Heping', 'Binhai'"):
        read_list(path, settings, sheet="Chaoyang")


def test_cli_sheet_option(venue_campaign: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "v.xlsx", {"A": [HEADER, ROW], "B": [HEADER, ROW]})
    runner = CliRunner()
    result = runner.invoke(cli, ["venues", str(path), "--campaign", str(venue_campaign), "--out", str(tmp_path / "o"),
                                 "--jobs", "1"])
    assert result.exit_code == 1 and "2 sheets hold data: 'A', 'B'" in result.output
    result = runner.invoke(cli, ["venues", str(path), "--campaign", str(venue_campaign), "--out", str(tmp_path / "o"),
                                 "--jobs", "1", "--sheet", "B"])
    assert result.exit_code == 0, result.output
    assert "1 venue in 1 district ->" in result.output


def test_cells_that_are_not_text_are_named_by_row_and_header(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    rows = [[*HEADER, "name_en"],
            [datetime.datetime(2020, 3, 1), "宁夏路社区", "和平区", "社区", "和平区宁夏路12号", "x"],
            ["HP-2", True, "和平区", "社区", "和平区宁夏路12号", "x"],
            ["HP-3", "宁夏路社区", "和平区", "社区", "和平区宁夏路12号", datetime.date(2020, 3, 10)],
            ["HP-4", "宁夏路社区", "和平区", "社区", "和平区宁夏路12号", False]]
    found = problems(workbook(tmp_path / "v.xlsx", {"S": rows}), settings)
    text = "\n".join(found)
    assert "row 2, id: is a date in the workbook (2020-03-01): Excel turns ids such as 1-3 into dates" in text
    assert "row 3, name: is a TRUE/FALSE cell (TRUE), not text" in text
    assert "row 4, name_en: is a date (2020-03-10), not text" in text
    assert "row 5, name_en: is a TRUE/FALSE cell (FALSE)" in text
    assert "column 2" not in text and "True" not in text


def test_merged_cells_are_named(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    rows = [HEADER, ROW, ["HP-2", "南京路社区", "和平区", "社区", "和平区南京路1号"],
            ["HP-3", "成都道社区", None, "社区", "和平区成都道1号"], ["HP-4", "西康路社区", None, "社区", "西康路1号"]]
    found = problems(workbook(tmp_path / "v.xlsx", {"S": rows}, merge=("C3:C5",)), settings)
    # One line for the three rows of the range (grouped, as every problem repeated on several rows is).
    assert "v.xlsx: rows 3–5, district: merged cells (C3:C5); unmerge and fill every row" in found, found
    assert not any("row 2" in p for p in found)


def test_blank_rows_do_not_count_towards_the_row_limit(write_list: Callable[[str, str], Path], settings,  # type: ignore[no-untyped-def]
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from materials.venues import reading

    monkeypatch.setattr(reading, "MAX_ROWS", 1000)  # the limit, lowered: 1,500 blank rows prove what 300,000 did
    path = write_list("v.csv", ",".join(HEADER) + "\n" + ",".join(ROW) + "\n" + ",,,,\n" * 1500)
    listing = read_list(path, settings)
    assert [v.id for v in listing.venues] == ["HP-1"] and listing.problems == []
    many = write_list("w.csv", ",".join(HEADER) + "\n" + "".join(
        ",".join([f"HP-{n}", *ROW[1:]]) + "\n" for n in range(1001)))
    with pytest.raises(MaterialsError, match="more than 1000 venues"):  # venue rows still count
        read_list(many, settings)


def test_blank_workbook_rows_do_not_count_either(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from materials.venues import reading

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=reading.MAX_ROWS + 50, column=1, value="")  # Excel keeps formatted empty rows
    path = tmp_path / "v.xlsx"
    book.save(path)
    assert [v.id for v in read_list(path, settings).venues] == ["HP-1"]


@pytest.mark.parametrize("mangled", ["1-Mar", "Mar-20", "01-Mar-2020", "2020/3/1", "3月1日"])
def test_ids_excel_turned_into_dates_are_caught(mangled: str, write_list: Callable[[str, str], Path],
                                                settings) -> None:  # type: ignore[no-untyped-def]
    path = write_list("v.csv", ",".join(HEADER) + "\n" + ",".join([mangled, *ROW[1:]]) + "\n")
    found = problems(path, settings)
    assert any(f"row 2, id: {mangled} looks like a date Excel made of an id" in p for p in found), found


def test_problems_are_listed_in_numeric_row_order() -> None:
    error = CampaignError([Problem("v.csv", None, f"row {n}, id", "bad") for n in (100, 9, 10, 2)])
    assert [p.key for p in error.problems] == ["row 2, id", "row 9, id", "row 10, id", "row 100, id"]


def test_hidden_columns_and_invisible_text_are_not_printed_silently(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """Red team 5 (D5): a hidden (or outline-collapsed) column name_en was printed on every poster without a
    word, as were white text, a 1 pt font and a row 0.1 pt high. A hidden column is read as empty (as a hidden
    row is skipped), with a warning naming it; invisible text is printed with a warning naming its rows."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER, "name_en"])
    for number in range(1, 6):
        sheet.append([f"HP-{number}", f"宁夏路社区{number}", "和平区", "社区", f"和平区宁夏路{number}号", "Secret"])
    sheet.column_dimensions["F"].hidden = True
    sheet["B3"].font = Font(color="FFFFFF")
    sheet["E4"].font = Font(size=1)
    sheet.row_dimensions[5].height = 0.1
    path = tmp_path / "v.xlsx"
    book.save(path)
    listing = read_list(path, settings)
    assert [v.name_en for v in listing.venues] == [""] * 5, "a hidden column is never printed"
    warnings = [text for warning, text in listing.notes if warning]
    assert any("column F is hidden in the workbook and NOT printed" in text for text in warnings), listing.notes
    assert any("rows 3–5: text that cannot be seen in the workbook" in text for text in warnings), listing.notes
    sheet.column_dimensions["F"].hidden = False
    for cell in ("B3", "E4"):
        sheet[cell].font = Font()
    sheet.row_dimensions[5].height = None
    book.save(path)
    assert [text for warning, text in read_list(path, settings).notes if warning] == []
