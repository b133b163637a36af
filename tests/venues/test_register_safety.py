"""A register of signed venues that cannot be read or written stops a run before anything is signed, and a
workbook's one long string in many cells costs one search (red team 9, issue #17).

The register (.materials/signed-venues.csv) is the record of every venue the campaign signed. A run used to read
a register it could not decode (saved as GBK by Excel, its header deleted) as empty, sign its ids for other
venues, and write the register again with its own rows only; a register it could not write was a warning after
the run had signed; a FIFO in its place hung the run."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"
REGISTER = Path(".materials") / "signed-venues.csv"


def venues(campaign: Path, listing: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign), "--out", str(out),
                           "--jobs", "1"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize("spoil", ["gbk", "no-header", "fifo", "folder", "link-out"])
def test_a_register_that_cannot_be_read_stops_the_run_before_signing(venue_campaign: Path, tmp_path: Path,
                                                                     spoil: str) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "HP-X-1,甲社区,和平区,社区,地址甲\n", encoding="utf-8")
    second.write_text(HEADER + "HP-X-1,乙社区,和平区,社区,地址乙\n", encoding="utf-8")
    done = venues(venue_campaign, first, tmp_path / "oa")
    assert done.returncode == 0, done.stdout + done.stderr
    register = venue_campaign / REGISTER
    text = register.read_text(encoding="utf-8-sig")
    assert "甲社区" in text
    if spoil == "gbk":  # Excel's plain "CSV" save on a Chinese Windows
        register.write_bytes(text.encode("gbk"))
    elif spoil == "no-header":
        register.write_text(text.split("\n", 1)[1], encoding="utf-8")
    elif spoil == "fifo":
        register.unlink()
        os.mkfifo(register)
    elif spoil == "folder":
        register.unlink()
        register.mkdir()
    else:
        outside = tmp_path / "outside.csv"
        outside.write_text(text, encoding="utf-8")
        register.unlink()
        register.symlink_to(outside)
    before = register.read_bytes() if spoil in ("gbk", "no-header") else None
    done = venues(venue_campaign, second, tmp_path / "ob")  # a FIFO used to hang here: the timeout fails it
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "signed-venues.csv" in output and "nothing is signed until it can be read" in output, output
    assert not (tmp_path / "ob").exists() or not list((tmp_path / "ob").rglob("*.pdf")), "nothing was signed"
    if before is not None:
        assert register.read_bytes() == before, "the register is left as it was"
    if spoil == "link-out":
        assert (tmp_path / "outside.csv").read_text(encoding="utf-8") == text
        assert register.is_symlink()


def test_verify_refuses_to_answer_from_a_register_it_cannot_read(venue_campaign: Path, tmp_path: Path) -> None:
    listing = tmp_path / "a.csv"
    listing.write_text(HEADER + "HP-X-1,甲社区,和平区,社区,地址甲\n", encoding="utf-8")
    assert venues(venue_campaign, listing, tmp_path / "oa").returncode == 0
    import re

    manifest = next((tmp_path / "oa").rglob("manifest.csv")).read_text(encoding="utf-8-sig")
    code = re.search(r"HP-X-1-[A-Z0-9]{8}", manifest).group(0)  # type: ignore[union-attr]
    register = venue_campaign / REGISTER
    register.write_bytes(register.read_text(encoding="utf-8-sig").encode("gbk"))
    done = subprocess.run([*CLI, "verify", code, "--campaign", str(venue_campaign)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in output, output
    assert "signed-venues.csv: byte" in output and "is not UTF-8" in output, output


def test_one_long_shared_string_in_many_cells_is_searched_once(venue_campaign: Path, tmp_path: Path) -> None:
    """One string of 300,000 characters as the name and address of 3,000 rows (a small file: the workbook
    stores it once). Each cell used to be searched for key material and folded for a totals row again:
    1,000 rows took 144 s, 2,000 never finished."""
    import zipfile

    rng = random.Random(9)
    long = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(300_000))
    strings = ["id", "name", "district", "category", "address", long, "和平区", "社区"]
    rows = ['<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCDE")) + "</row>"]
    for number in range(2, 3002):
        rows.append(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>HP-L-{number}</t></is></c>'
                    f'<c r="B{number}" t="s"><v>5</v></c><c r="C{number}" t="s"><v>6</v></c>'
                    f'<c r="D{number}" t="s"><v>7</v></c><c r="E{number}" t="s"><v>5</v></c></row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relationships}">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
        'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData>'
        + "".join(rows) + "</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">' + "".join(f"<si><t>{t}</t></si>" for t in strings) + "</sst>",
    }
    listing = tmp_path / "long.xlsx"
    with zipfile.ZipFile(listing, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    assert listing.stat().st_size < 2_000_000
    done = venues(venue_campaign, listing, tmp_path / "ol")  # 120 s timeout: minutes before
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "rows 2–3001, name: is 300000 characters long; at most 2000" in output, output


@pytest.mark.parametrize(("edit", "why"), [
    (lambda row: row.replace("HP-X-1,", "HP-X-1 ,", 1), "is not a venue id as a run writes it"),
    (lambda row: row.replace("heping,", "和平区,", 1), "is not a district key as a run writes it"),
    (lambda row: row.replace("heping,", ",", 1), "district '' is not a district key as a run writes it"),
    (lambda row: ",".join(row.split(",")[:3]), "another number of cells than the header"),
    (lambda row: 'heping,HPQ1,HP-Q-1,"Bad name,社区,x,0,q.csv,2026-12-07\n' + row + '"',
     "another number of cells than the header"),
    (lambda row: row + "\nheping,HPZ1,HP-Z-1," + "长" * 140_000 + ",社区,x,0,b.csv,2026-12-07",
     "is not a CSV file this run can read"),
])
def test_a_register_row_no_run_wrote_stops_the_run(venue_campaign: Path, tmp_path: Path, edit: object,
                                                   why: str) -> None:
    """Red team 10: a row the clash check could not match (a space after the id, the district as a name or
    empty, a short row, rows swallowed by an unclosed quote) counted as no record, so its id was signed again
    for another venue and verify vouched for the impostor; a cell over csv's field limit was a traceback."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "HP-X-1,甲社区,和平区,社区,地址甲\n", encoding="utf-8")
    second.write_text(HEADER + "HP-X-1,冒名场所,和平区,社区,假地址\n", encoding="utf-8")
    assert venues(venue_campaign, first, tmp_path / "oa").returncode == 0
    register = venue_campaign / REGISTER
    header, row = register.read_text(encoding="utf-8-sig").rstrip("\n").split("\n", 1)
    assert row.startswith("heping,HPX1,HP-X-1,"), row
    register.write_text(header + "\n" + edit(row) + "\n", encoding="utf-8")  # type: ignore[operator]
    before = register.read_bytes()
    done = venues(venue_campaign, second, tmp_path / "ob")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert why in output and "nothing is signed until it can be read" in output, output
    assert register.read_bytes() == before


def test_a_column_an_office_added_to_the_register_is_kept(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 10: a column an office added to the register (who approved a venue) was dropped the next time a
    run wrote the register."""
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(HEADER + "HP-X-1,甲社区,和平区,社区,地址甲\n", encoding="utf-8")
    second.write_text(HEADER + "HP-X-2,乙社区,和平区,社区,地址乙\n", encoding="utf-8")
    assert venues(venue_campaign, first, tmp_path / "oa").returncode == 0
    register = venue_campaign / REGISTER
    lines = register.read_text(encoding="utf-8-sig").splitlines()
    register.write_text("\n".join([lines[0] + ",approved by", *(line + ",王科长" for line in lines[1:])]) + "\n",
                        encoding="utf-8")
    done = venues(venue_campaign, second, tmp_path / "ob")
    assert done.returncode == 0, done.stdout + done.stderr
    import csv

    rows = list(csv.DictReader(register.read_text(encoding="utf-8-sig").splitlines()))
    assert {row["id"]: row["approved by"] for row in rows} == {"HP-X-1": "王科长", "HP-X-2": ""}


def test_a_register_from_before_the_typed_column_is_still_written(venue_campaign: Path, tmp_path: Path) -> None:
    """A register with only some of its columns (written by hand, or before a column existed) gets the next run's
    records beside its own; the typed codes it lacked are filled in (it used to be a KeyError)."""
    register = venue_campaign / REGISTER
    register.parent.mkdir(exist_ok=True)
    register.write_text("district,id,name\nheping,HP-X-1,甲社区\n", encoding="utf-8")
    second = tmp_path / "b.csv"
    second.write_text(HEADER + "HP-X-2,乙社区,和平区,社区,地址乙\n", encoding="utf-8")
    done = venues(venue_campaign, second, tmp_path / "ob")
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in output, output
    import csv

    rows = list(csv.DictReader(register.read_text(encoding="utf-8-sig").splitlines()))
    assert [(row["id"], row["typed"], row["name"]) for row in rows] == [("HP-X-1", "HPX1", "甲社区"),
                                                                        ("HP-X-2", "HPX2", "乙社区")]
