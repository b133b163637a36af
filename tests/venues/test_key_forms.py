"""A signing key in a venue list is refused in every form it is likely to be copied in, and never quoted
(red team 12, D1 and D2): base64 split by a space, an ideographic space, a line break or in groups; hex with
full-width digits; a key as a formula's text in a workbook; a piece of the key as a sheet's name."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"
#: The key of the `venue_campaign` fixture.
KEY = bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))
B64 = base64.b64encode(KEY).decode()
URL = base64.urlsafe_b64encode(KEY).decode().rstrip("=")
FULL = str.maketrans("0123456789abcdef", "０１２３４５６７８９ａｂｃｄｅｆ")


def venues(campaign: Path, listing: Path, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign), "--out", str(out),
                           "--jobs", "1", *more], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


SPLIT = {
    "space": f"{B64[:22]} {B64[22:]}",
    "ideographic-space": f"{B64[:22]}\u3000{B64[22:]}",
    "line-break": f"{B64[:20]}\n{B64[20:]}",
    "groups": " ".join(B64[i:i + 11] for i in range(0, 44, 11)),
    "base64url-tab": f"{URL[:30]}\t{URL[30:]}",
    "fullwidth-hex": KEY.hex()[:38] + KEY.hex()[38:].translate(FULL),
    "all-fullwidth-hex": KEY.hex().translate(FULL),
}


@pytest.mark.parametrize("form", sorted(SPLIT))
def test_a_split_or_full_width_key_in_a_cell_is_refused(venue_campaign: Path, tmp_path: Path, form: str) -> None:
    listing = tmp_path / "list.csv"
    cell = SPLIT[form].replace('"', '""')
    listing.write_text(HEADER + f'HP-K-1,"{cell}",和平区,社区,和平区宁夏路12号\n', encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "row 2, column B (name): this cell holds" in output, output
    assert not (tmp_path / "out").exists()
    assert not (venue_campaign / ".materials" / "signed-venues.csv").exists()


def test_a_real_venue_name_with_spaces_is_not_refused(venue_campaign: Path, tmp_path: Path) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + "HP-K-2,ＡＢＣ１２３　大厦 5 楼,和平区,社区,"
                       "Room 12 Building A No 3 Nanjing Road Heping District Tianjin\n", encoding="utf-8")
    done = venues(venue_campaign, listing, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr


B32 = base64.b32encode(KEY).decode()


@pytest.mark.parametrize("text", [f'="{B64}"', f'=CONCAT("{B64[:30]}","{B64[30:]}")', f'="{KEY.hex()}"'])
@pytest.mark.parametrize("skip", [False, True])
def test_a_key_as_a_formula_s_text_is_refused_and_never_quoted(venue_campaign: Path, tmp_path: Path, text: str,
                                                                skip: bool) -> None:
    """The formula was quoted cut at 40 characters ("is a formula (="…")"): 38 of the key's 43 base64 digits,
    on screen and in rejects.csv, and its whole text was never searched for the key."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["id", "name", "district", "category", "address"], ["HP-F-1", text, "和平区", "社区", "一号"],
                ["HP-F-2", "宁夏路社区", "和平区", "社区", "二号"]):
        sheet.append(row)
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    out = tmp_path / "out"
    done = venues(venue_campaign, listing, out, *(["--skip-invalid"] if skip else []))
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "row 2, column B (name): this cell holds" in output, output
    for piece in (B64[:16], B64[-17:-1], KEY.hex()[:16], KEY.hex()[-16:]):
        assert piece not in output, output
    assert not out.exists()


@pytest.mark.parametrize("title", [B64[:31], B64[10:41], B32[:31], B32.lower()[5:36], URL[:31]])
def test_a_sheet_named_with_a_piece_of_the_key_is_never_quoted(venue_campaign: Path, tmp_path: Path,
                                                               title: str) -> None:
    """Sheet names (at most 31 characters) are quoted in messages: a piece of a known key's base64 or base32
    of 16 characters or more is hidden as hex pieces are."""
    import openpyxl

    book = openpyxl.Workbook()
    for sheet in (book.active, book.create_sheet()):
        sheet.append(["id", "name", "district", "category", "address"])
        sheet.append(["HP-S-1", "宁夏路社区", "和平区", "社区", "一号"])
    book.worksheets[1].title = title
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    done = venues(venue_campaign, listing, tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "2 sheets hold data" in output and "[…]" in output, output
    assert title[:16] not in output and title[-16:] not in output, output


def test_a_formula_quoting_a_piece_of_the_key_is_hidden_on_screen_and_in_rejects(venue_campaign: Path,
                                                                                 tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["id", "name", "district", "category", "address"],
                ["HP-F-1", f'="{B64[:38]}"', "和平区", "社区", "一号"],
                ["HP-F-2", "宁夏路社区", "和平区", "社区", "二号"]):
        book.active.append(row)
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    out = tmp_path / "out"
    done = venues(venue_campaign, listing, out)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "row 2, name: is a formula (=\"[…]" in output, output
    assert B64[:16] not in output and B64[22:38] not in output, output
    done = venues(venue_campaign, listing, out, "--skip-invalid")
    assert done.returncode == 0, done.stdout + done.stderr
    rejects = (out / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "is a formula" in rejects and B64[:16] not in rejects and B64[22:38] not in rejects, rejects
