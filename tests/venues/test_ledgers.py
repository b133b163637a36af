"""Ledgers as district offices keep them (issue 22): title rows above the header, columns posters do not use,
a totals row, full-width ids, repeated problems as one line, and hidden or filtered rows reported, never printed
(issue 17). The workbooks are real openpyxl files (tests/venues/make_fixtures.py makes ledger.xlsx)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from materials.campaign import load
from materials.cli import cli
from materials.venues.reading import read_list

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "id,name,district,category,address\n"


def test_an_office_ledger_is_read_as_it_is_kept(venue_campaign: Path) -> None:
    listing = read_list(FIXTURES / "ledger.xlsx", load(venue_campaign).settings, "ledger.xlsx")
    assert listing.problems == []
    assert [(v.row, v.id, v.district) for v in listing.venues] == [
        (4, "HP-SQ-0011", "heping"), (5, "HP-SQ-0012", "heping"), (6, "HP-SQ-0014", "heping"),
        (7, "HP-QY-0001", "heping"), (8, "HP-LY-0001", "heping")]
    notes = [text for _, text in listing.notes]
    assert "ledger.xlsx: rows 1–2 above the header are a title; the header is row 3" in notes
    assert "ledger.xlsx: columns 序号, 联系人, 联系电话 are not printed on posters; ignored" in notes
    assert "ledger.xlsx: row 11: a totals row (合计), not a venue; skipped" in notes
    assert "ledger.xlsx: row 6: full-width letters, digits or dashes made half-width (ＨＰ－ＳＱ－００１４ → " \
        "HP-SQ-0014)" in notes
    warnings = [text for warning, text in listing.notes if warning]
    assert len(warnings) == 1 and "rows 9–10 are hidden or filtered out by the AutoFilter" in warnings[0]


def test_hidden_and_filtered_rows_are_reported_not_printed(venue_campaign: Path, tmp_path: Path) -> None:
    """Issue 17: on main a hidden row and a row filtered out were printed as venues without a word."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "district", "category", "address"])
    for number in range(1, 6):
        sheet.append([f"HP-{number}", f"第{number}社区", "和平区", "社区", f"和平区某路{number}号"])
    sheet.row_dimensions[3].hidden = True
    book.save(tmp_path / "hidden-row.xlsx")
    listing = read_list(tmp_path / "hidden-row.xlsx", load(venue_campaign).settings, "hidden-row.xlsx")
    assert [v.id for v in listing.venues] == ["HP-1", "HP-3", "HP-4", "HP-5"]
    assert listing.notes == [(True, "hidden-row.xlsx: row 3 is hidden in the workbook and NOT printed; to print "
                              "them, clear the filter or unhide the rows (Home > Format > Hide & Unhide) and run "
                              "again")]

    sheet.auto_filter.ref = "A1:E6"
    sheet.auto_filter.add_filter_column(0, ["HP-1", "HP-2"])
    for row in (4, 5, 6):
        sheet.row_dimensions[row].hidden = True
    sheet.row_dimensions[3].hidden = False
    book.save(tmp_path / "filtered.xlsx")
    listing = read_list(tmp_path / "filtered.xlsx", load(venue_campaign).settings, "filtered.xlsx")
    assert [v.id for v in listing.venues] == ["HP-1", "HP-2"]
    assert "rows 4–6 are hidden or filtered out by the AutoFilter" in listing.notes[0][1]


def test_a_problem_on_many_rows_is_one_line_with_the_rows_and_what_to_do(
        write_list: Callable[[str, str], Path], venue_campaign: Path) -> None:
    rows = [f"HP-{n},第{n}公园,和平区,{'公园' if 12 <= n <= 36 else '社区'},某路{n}号\n" for n in range(2, 41)]
    path = write_list("parks.csv", HEADER + "".join(rows))
    found = [str(p) for p in read_list(path, load(venue_campaign).settings).problems]
    assert len(found) == 1, found
    assert found[0].startswith("parks.csv: rows 12–36, category: unknown place category '公园'; use one of 小区 "
                               "(community)"), found
    assert "add it to place_categories in campaign.toml" in found[0]


def test_districts_by_name_or_key_and_hints_in_official_order(
        write_list: Callable[[str, str], Path], venue_campaign: Path) -> None:
    path = write_list("d.csv", HEADER + "HP-1,甲社区,和平,社区,x\nHP-2,乙社区,heping,社区,x\n"
                      "HP-3,丙社区,南开区,社区,x\n")
    listing = read_list(path, load(venue_campaign).settings)
    assert [v.district for v in listing.venues] == ["heping", "heping"]
    # The mini campaign lists 和平区 before 滨海新区 (official order), not alphabetically by key.
    assert [str(p) for p in listing.problems] == [
        "d.csv: row 4, district: unknown district '南开区'; write it by name or key: the districts of campaign.toml "
        "are 和平区 (heping), 滨海新区 (binhai)"]


def test_a_totals_row_in_a_csv_is_skipped_with_a_note(write_list: Callable[[str, str], Path],
                                                      venue_campaign: Path) -> None:
    path = write_list("t.csv", "序号," + HEADER + "1,HP-1,甲社区,和平区,社区,x\n2,HP\u20132,乙社区,和平区,社区,x\n"
                      "合计,,2,,,\n")
    listing = read_list(path, load(venue_campaign).settings)
    assert listing.problems == [] and [v.id for v in listing.venues] == ["HP-1", "HP-2"], "an en dash is a hyphen"
    assert (False, "t.csv: row 4: a totals row (合计), not a venue; skipped") in listing.notes


def test_the_ledger_gives_posters_without_editing(venue_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["venues", str(FIXTURES / "ledger.xlsx"), "--campaign", str(venue_campaign),
                                      "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "5 venues in 1 district ->" in result.output
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ["HP-LY-0001", "HP-QY-0001", "HP-SQ-0011", "HP-SQ-0012", "HP-SQ-0014"]
    assert all(r["code"].startswith(r["id"] + "-") and len(r["code"]) == len(r["id"]) + 9 for r in rows), rows


def test_a_long_problem_list_of_a_venue_run_is_written_whole_and_hidden_rows_fail_strict(
        venue_campaign: Path, tmp_path: Path) -> None:
    rows = "".join(f"HP-{n},某社区,朝阳{n}区,社区,某路{n}号\n" for n in range(2, 80))
    (tmp_path / "ledger.csv").write_text(HEADER + "HP-1,甲社区,和平区,社区,x\n" + rows, encoding="utf-8")
    result = CliRunner().invoke(cli, ["venues", str(tmp_path / "ledger.csv"), "--campaign", str(venue_campaign)])
    folder = venue_campaign / "output" / "venue-lists" / "heping-A4"
    assert result.exit_code == 1 and f"the whole list is in {folder / 'problems.txt'}" in result.output, result.output
    assert (folder / "problems.txt").read_text(encoding="utf-8").count("unknown district") == 78
    assert not (folder / "manifest.csv").exists()

    result = CliRunner().invoke(cli, ["venues", str(FIXTURES / "ledger.xlsx"), "--campaign", str(venue_campaign),
                                      "--out", str(tmp_path / "strict"), "--strict"])
    assert result.exit_code == 1 and "rows 9–10 are hidden" in result.output and "--strict" in result.output
