"""Venue sizes are data: a campaign adds one in campaign.toml (`[venues.sizes.NAME]`, the same row as
materials/venues/sizes.py holds for the built-in sizes), with no code change.

The sizes added here are what "How to add a size" in docs/architecture.md describes: a poster size that is a
press file of its own, and a sticker size imposed nine up on a larger sheet. Both are rendered for real, and
the build's own `verify` (preflight, page counts, QR codes read back) checks them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from materials import qr
from materials.campaign import load
from materials.errors import MaterialsError
from materials.venues import target
from materials.venues.outputs import page_count
from materials.venues.run import Options, run

B5 = """
[venues.sizes.B5]
width_mm = 176
height_mm = 250
qr_mm = 84
"""
#: SRA3 sheets, 3 x 3 A6 stickers.
A6_SRA3 = """
[venues.sizes.A6-SRA3]
width_mm = 105
height_mm = 148
qr_mm = 50
translated_address = false
sheet = { name = "SRA3", width_mm = 320, height_mm = 450, across = 3, down = 3 }
"""


def _add_size(venue_campaign: Path, table: str, use: str | None = None) -> None:
    toml = venue_campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    if use is not None:
        text = text.replace('size = "A4"', f'size = "{use}"')
    toml.write_text(text + table, encoding="utf-8")


def test_a_poster_size_added_as_data_renders_and_verifies(venue_campaign: Path, tmp_path: Path) -> None:
    _add_size(venue_campaign, B5, "B5")
    campaign = load(venue_campaign)
    dest = tmp_path / "stage"
    dest.mkdir()
    target.render(campaign, dest, {})
    assert target.verify(campaign, dest) == []  # each poster preflighted as a press file, its code read back
    poster = next(dest.glob("*/*.pdf"))
    with pikepdf.open(poster) as pdf:
        trim = [float(v) for v in pdf.pages[0].obj.TrimBox]
    assert [round(v / 72 * 25.4, 1) for v in trim[2:]] == [176.0, 250.0]
    assert "venue apply code posters B5" in (dest / "print-order.csv").read_text(encoding="utf-8-sig")


def test_a_sticker_size_added_as_data_is_imposed_on_its_sheet(
    venue_campaign: Path, tmp_path: Path, venue_rows: Callable[..., str]
) -> None:
    _add_size(venue_campaign, A6_SRA3, "A6-SRA3")
    (venue_campaign / "venues.csv").write_text(venue_rows(11, seed=3), encoding="utf-8")
    campaign = load(venue_campaign)
    dest = tmp_path / "stage"
    dest.mkdir()
    target.render(campaign, dest, {})
    assert target.verify(campaign, dest) == []
    order = (dest / "print-order.csv").read_text(encoding="utf-8-sig")
    assert "venue stickers A6-SRA3, 9 up on SRA3 sheets" in order
    for district in dest.glob("*.pdf"):
        stickers = len(list((dest / district.stem).glob("*.pdf")))
        assert page_count(district) == -(-stickers // 9)
        with pikepdf.open(district) as pdf:
            media = [float(v) for v in pdf.pages[0].obj.MediaBox]
        assert round((media[2] - media[0]) / 72 * 25.4) == 320 + 12  # the sheet and its bleed
        assert sum(len(page) for page in qr.decode_pdf(district, 100)) == stickers


def test_an_unknown_size_names_the_sizes_there_are(venue_campaign: Path) -> None:
    toml = venue_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('size = "A4"', 'size = "A3"'), encoding="utf-8")
    with pytest.raises(MaterialsError) as caught:
        load(venue_campaign)
    message = caught.value.format_message()
    assert "venues.size" in message and "A4, A5, A6" in message


def test_run_options_take_any_size_of_the_table(venue_campaign: Path, tmp_path: Path) -> None:
    _add_size(venue_campaign, B5)
    summary = run(load(venue_campaign), venue_campaign / "venues.csv", tmp_path / "out", Options(size="B5"))
    assert summary.rendered == 4


@pytest.mark.parametrize(("table", "message"), [
    ("[venues.sizes.tiny]\nwidth_mm = 50\nheight_mm = 50\nqr_mm = 60\n",
     "qr_mm 60 is wider than the page (50 × 50 mm)"),
    ('[venues.sizes.A6-A5]\nwidth_mm = 105\nheight_mm = 148\nqr_mm = 50\n'
     'sheet = { name = "A5", width_mm = 148, height_mm = 210, across = 2, down = 2 }\n',
     "2 × 2 stickers of 105 × 148 mm do not fit a A5 sheet of 148 × 210 mm"),
])
def test_a_size_that_cannot_be_printed_is_refused_naming_it(venue_campaign: Path, table: str, message: str) -> None:
    _add_size(venue_campaign, "\n" + table)
    with pytest.raises(MaterialsError) as caught:
        load(venue_campaign)
    text = caught.value.format_message()
    assert "venues.sizes." in text and message in text, text


def test_an_unknown_size_option_names_the_campaigns_sizes_too(venue_campaign: Path) -> None:
    from click.testing import CliRunner

    from materials.cli import cli

    _add_size(venue_campaign, B5)
    result = CliRunner().invoke(cli, ["venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                                      "--size", "B7"])
    assert result.exit_code == 2 and "--size" in result.output and "A4, A5, A6, B5" in result.output, result.output
