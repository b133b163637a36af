"""A venue's printed names and addresses in the campaign's other languages (`name_<lang>`, `address_<lang>`) are
part of what was signed (red team 12, D7): the same id and Chinese name with another English name got the same
code with no clash and no record of the English name."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from venues.test_key_forms import venues

HEADER = "id,name,district,category,address,name_en,address_en,reprint\n"
REGISTER = Path(".materials") / "signed-venues.csv"


@pytest.mark.parametrize(("before", "after"), [
    ("Real Community,No 1 Road", "Totally Different Place,No 1 Road"),
    ("Real Community,No 1 Road", "Real Community,No 99 Other Road"),
])
def test_another_english_name_or_address_under_one_id_is_a_clash(venue_campaign: Path, tmp_path: Path,
                                                                  before: str, after: str) -> None:
    listing = tmp_path / "ne.csv"
    listing.write_text(HEADER + f"HP-E-1,英名测试,和平区,社区,一号,{before},0\n", encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    with (venue_campaign / REGISTER).open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name_en"], r["address_en"]) for r in rows] == [tuple(before.split(","))], rows
    listing.write_text(HEADER + f"HP-E-1,英名测试,和平区,社区,一号,{after},0\n", encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "HP-E-1 is already signed in district heping for another venue" in output, output
    column = "name_en" if before.split(",")[0] != after.split(",")[0] else "address_en"
    signed, given = (text.split(",")[column == "address_en"] for text in (before, after))
    assert f"it was signed with {column} {signed!r}, this row gives {column} {given!r}" in output, output
    # The same venue again (another spacing, full-width letters) is not a clash; a raised reprint is signed.
    listing.write_text(HEADER + f"HP-E-1,英名测试,和平区,社区,一号,{before.replace(' ', '  ')},0\n",
                       encoding="utf-8")
    assert venues(venue_campaign, listing, tmp_path / "out").returncode == 0
    listing.write_text(HEADER + f"HP-E-1,英名测试,和平区,社区,一号,{after},1\n", encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_register_without_the_language_columns_is_still_read(venue_campaign: Path, tmp_path: Path) -> None:
    (venue_campaign / ".materials").mkdir(exist_ok=True)
    (venue_campaign / REGISTER).write_text(
        "district,typed,id,name,category,address,reprint,list,signed\n"
        "heping,HPE2,HP-E-2,旧登记,community,一号,0,old.csv,2026-01-01\n", encoding="utf-8")
    listing = tmp_path / "ne.csv"
    listing.write_text(HEADER + "HP-E-2,旧登记,和平区,社区,一号,Old Record,,0\n", encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    text = (venue_campaign / REGISTER).read_text(encoding="utf-8-sig")
    assert text.count("HP-E-2") == 1 and "old.csv" in text, text
