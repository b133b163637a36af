"""Venue lists as district staff send them: every bad input is a clear problem with its row, never a poster."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from materials.campaign import load
from materials.errors import MaterialsError
from materials.venues import reading
from materials.venues.reading import read_list


@pytest.fixture
def settings(venue_campaign: Path):  # type: ignore[no-untyped-def]
    return load(venue_campaign).settings


def problems_of(path: Path, settings) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in read_list(path, settings).problems]


def test_gbk_with_chinese_headers(fixture_file: Callable[[str], Path], settings) -> None:  # type: ignore[no-untyped-def]
    listing = read_list(fixture_file("gbk-chinese-headers.csv"), settings)
    assert not listing.problems
    assert [(v.id, v.name, v.district, v.category) for v in listing.venues] == [
        ("HP-001", "和平区宁夏路社区", "heping", "community"), ("BH-001", "天津港东疆集装箱码头", "binhai", "dock")]


def test_utf8_with_bom(fixture_file: Callable[[str], Path], settings) -> None:  # type: ignore[no-untyped-def]
    listing = read_list(fixture_file("utf8-bom.csv"), settings)
    assert not listing.problems and [v.id for v in listing.venues] == ["HP-001", "BH-001"]
    assert listing.venues[0].name_en == "Ningxia Road Community"


def test_line_breaks_and_spaces_collapse_and_blank_lines_keep_row_numbers(
    fixture_file: Callable[[str], Path], settings  # type: ignore[no-untyped-def]
) -> None:
    listing = read_list(fixture_file("multiline.csv"), settings)
    assert not listing.problems
    assert listing.venues[0].name == "和平区 宁夏路 社区"
    assert [v.row for v in listing.venues] == [3, 5], "rows as a spreadsheet shows them, blank rows counted"


@pytest.mark.parametrize(("name", "expected"), [
    ("duplicate-id.csv", ["row 2, id: HP-001 is also the id on row 4", "row 4, id: HP-001 is also the id on row 2"]),
    ("path-id.csv", ["row 3, id: '../x' may hold only letters, digits and single hyphens"]),
    ("long-name.csv", ["row 3, name: is too long to print legibly"]),
    ("bidi.csv", ["row 3, name: contains a bidirectional control character (U+202E)"]),
    ("zero-width.csv", ["row 3, name: contains an invisible zero-width character (U+200B)"]),
    ("uncovered.csv", ["row 3, name: no font covers", "U+13000"]),
    ("excel-id.csv", ["row 3, id: 4.40104E+17 looks like a number Excel rewrote"]),
    ("formula.xlsx", ["row 3, name: is a formula", "row 4, id: is a number in the workbook"]),
    ("missing-column.csv", ["row 1: missing column 'category'"]),
])
def test_bad_rows_are_reported_with_row_and_column(
    name: str, expected: list[str], fixture_file: Callable[[str], Path], settings  # type: ignore[no-untyped-def]
) -> None:
    problems = problems_of(fixture_file(name), settings)
    text = "\n".join(problems)
    for fragment in expected:
        assert fragment in text, text
    assert all(p.startswith(name) for p in problems)


@pytest.mark.parametrize(("name", "message"), [
    ("empty.csv", "the file is empty"),
    ("header-only.csv", "no venues, only a header row"),
    ("oversized.xlsx", "inflates"),
])
def test_unusable_files_are_refused_whole(
    name: str, message: str, fixture_file: Callable[[str], Path], settings  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(MaterialsError, match=message):
        read_list(fixture_file(name), settings)


def test_formula_payloads_in_names_are_text(fixture_file: Callable[[str], Path], settings) -> None:  # type: ignore[no-untyped-def]
    listing = read_list(fixture_file("formula.csv"), settings)
    assert not listing.problems
    assert listing.venues[0].name.startswith("=HYPERLINK")


def test_total_uncompressed_size_is_limited(tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "MAX_XLSX_UNCOMPRESSED", 1000)
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/worksheets/sheet1.xml", "x" * 5000)
    with pytest.raises(MaterialsError, match="unpacks to"):
        read_list(path, settings)


def test_the_one_sheet_with_data_is_read_even_if_not_first(tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    book = openpyxl.Workbook()
    book.create_sheet("second").append(["id", "name"])
    path = tmp_path / "empty-sheet.xlsx"
    book.save(path)
    problems = [str(p) for p in read_list(path, settings).problems]
    assert any("missing column 'district'" in p for p in problems), "the second sheet's header was read"


@pytest.mark.parametrize("name", ["Café Zoë Müller", "Cafés Müller Légère"])
def test_latin1_is_refused_not_guessed(name: str, tmp_path: Path, settings) -> None:  # type: ignore[no-untyped-def]
    # The second name is also valid GBK byte by byte: it must be refused as implausible, not read as Chinese.
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"id,name,district,category,address\nHP-1,{name},heping,community,x\n".encode("latin-1"))
    with pytest.raises(MaterialsError, match="UTF-8"):
        read_list(path, settings)


def test_unknown_district_and_category_name_the_choices(write_list: Callable[[str, str], Path], settings) -> None:  # type: ignore[no-untyped-def]
    path = write_list("v.csv", "id,name,district,category,address\n"
                      "A-1,某社区,朝阳区,学校,某路1号\nA-2,某社区,和平,社区,某路\n")
    problems = problems_of(path, settings)
    assert any("row 2, district: unknown district '朝阳区'" in p for p in problems)
    assert any("row 2, category: unknown place category '学校'" in p for p in problems)
    assert not any("row 3" in p for p in problems), "和平 is accepted for 和平区"


def test_unquoted_comma_is_not_silently_shifted(write_list: Callable[[str, str], Path], settings) -> None:  # type: ignore[no-untyped-def]
    path = write_list("v.csv", "id,name,district,category,address,name_en\nA-1,某社区,和平区,社区,某路1号,Foo, Ltd.\n")
    assert any("row 2: has 7 cells" in p and "double quotes" in p for p in problems_of(path, settings))
