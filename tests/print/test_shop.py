"""Issue 19: the print-shop pack of a build (materials/printing/shop.py) and the order sheet's shape
(materials/printorder.py), read back as a print shop would: the zip, the CSV, the checksums, the one-page
order PDF, the contact sheet."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest

from materials import glyphcheck, printorder
from materials.printing import shop
from materials.printing.batches import plan_batches


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


def test_pack_holds_every_press_file_and_nothing_else_with_an_order_row_each(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    pack = dest / shop.FOLDER
    press = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*.pdf")
                   if not p.is_relative_to(pack) and not p.is_relative_to(dest / "home")
                   and not p.name.endswith("-screen.pdf"))
    held = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*.pdf")
                  if p.name not in (shop.ORDER_PDF, shop.CONTACT_SHEET))
    assert held == press and len(press) > 10
    rows = _rows(pack / shop.ORDER_CSV)
    assert list(rows[0]) == printorder.HEADER
    assert [row["file"] for row in rows] == press
    for row in rows:
        with pikepdf.open(pack / row["file"]) as pdf:
            assert int(row["pages"]) == len(pdf.pages)
            assert row["colours"] == ("4/4" if len(pdf.pages) > 1 else "4/0")
        assert row["paper"] and row["finishing"] and int(row["quantity"]) > 0 and " mm" in row["trim_size"]
    booklet = next(row for row in rows if row["file"].startswith("booklet/"))
    assert "saddle-stitch" in booklet["finishing"] and int(booklet["pages"]) % 4 == 0
    assert shop.verify(campaign, plan_batches(campaign)[1], dest) == []


def test_zip_checksums_order_sheet_and_contact_sheet(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    pack = dest / shop.FOLDER
    files = {p.relative_to(pack).as_posix(): p.read_bytes() for p in pack.rglob("*") if p.is_file()}
    with zipfile.ZipFile(dest / shop.ZIP) as archive:
        assert archive.testzip() is None
        assert {name: archive.read(name) for name in archive.namelist()} == \
            {f"{shop.FOLDER}/{name}": data for name, data in files.items()}
    sums = dict(reversed(line.split("  ", 1)) for line in files[shop.SUMS].decode().splitlines())
    assert set(sums) == set(files) - {shop.SUMS}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in sums.items())
    order = pdfium.PdfDocument(pack / shop.ORDER_PDF)
    try:
        assert len(order) == 1
        text = order[0].get_textpage().get_text_range()
    finally:
        order.close()
    for row in _rows(pack / shop.ORDER_CSV):
        assert row["file"] in text
    assert "PDF/X-4" in text and "FOGRA39" in text  # what to tell the shop travels with the files
    assert glyphcheck.check(pack / shop.ORDER_PDF) == []
    with pikepdf.open(pack / shop.CONTACT_SHEET) as sheet:
        per_page = shop.GRID[0] * shop.GRID[1]
        assert len(sheet.pages) == -(-len(_rows(pack / shop.ORDER_CSV)) // per_page)


def test_a_pack_that_lost_a_file_or_was_changed_is_caught(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    import shutil

    campaign, dest = rendered
    copy = tmp_path / "print"
    shutil.copytree(dest, copy)
    rows = _rows(copy / shop.FOLDER / shop.ORDER_CSV)
    (copy / shop.FOLDER / rows[0]["file"]).unlink()
    (copy / shop.FOLDER / rows[1]["file"]).write_bytes(b"%PDF-1.6\n")
    messages = [p.message for p in shop.verify(campaign, plan_batches(campaign)[1], copy)]
    assert "holds other files than the press files" in messages
    assert f"{rows[1]['file']} does not match its checksum" in messages
    assert f"{rows[0]['file']} does not match its checksum" in messages


def test_order_settings_give_quantities_and_paper_and_refuse_unknown_kinds() -> None:
    order = printorder.OrderSettings(quantity={"poster": 300}, paper={"booklet": "115 g/m² gloss"})
    assert order.quantity_of("poster") == 300 and order.quantity_of("tip") == printorder.QUANTITY["tip"]
    assert order.paper_of("booklet") == "115 g/m² gloss" and order.paper_of("poster") == printorder.PAPER["poster"]
    with pytest.raises(ValueError, match="unknown kind 'postr'"):
        printorder.OrderSettings(quantity={"postr": 3})
    cells = printorder.order_csv([printorder.Row("", "=cmd", "@x", "", "", 1, "4/0", "+p", "-f", 1)])
    assert b"'=cmd" in cells and b"'@x" in cells and b"'+p" in cells and b"'-f" in cells


@pytest.mark.parametrize("count", [61, 160])
def test_the_order_sheet_is_one_page_whatever_its_rows_say(rendered: tuple[Any, Path], count: int) -> None:
    """The table's type used to be estimated from the number of rows alone: a new campaign's 61 rows, whose long
    titles wrapped to three lines, ran to two pages and failed the build. The sheet is now laid out at smaller type
    until it fits one page; a sheet of more rows than fit at the smallest runs on, every row on it."""
    from materials.printing import incremental

    campaign, _ = rendered
    rows = [printorder.Row("", f"posters/long-named-material-{n}/long-named-material-{n}-billboard-bilingual.pdf",
                           "Scan the code to apply for your health code before you travel (billboard) "
                           "扫码申领健康码，出行更便捷", "bilingual", "billboard 2400 × 1200 mm", 1, "4/0",
                           printorder.PAPER["billboard"], printorder.FINISHING["billboard"], 1)
            for n in range(count)]
    data = shop._order_pdf(campaign, rows, incremental.Cache.of(campaign))
    order = pdfium.PdfDocument(data)
    try:
        text = "".join(page.get_textpage().get_text_range() for page in order)
        assert (len(order) == 1) == (count <= shop.ONE_PAGE_ROWS), len(order)
    finally:
        order.close()
    # pdfium gives a hyphen that ends a line as U+FFFE (a name is broken after its hyphen to fit its column).
    flat = text.replace("\r\n", "").replace("\n", "").replace("\ufffe", "-")
    assert all(row.file in flat for row in rows)
