"""Venue sizes are data (materials/venues/sizes.py): a row of the table is a new size, with no code change.

The rows added here are what "How to add a size" in docs/architecture.md describes: a poster size that is a
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
from materials.venues import sizes, target
from materials.venues.outputs import page_count
from materials.venues.run import Options, run

B5 = sizes.VenueSize("B5", 176.0, 250.0, qr_mm=84.0)
#: SRA3 sheets, 3 x 3 A6 stickers.
A6_SRA3 = sizes.VenueSize("A6-SRA3", 105.0, 148.0, qr_mm=50.0, translated_address=False,
                          sheet=sizes.Sheet("SRA3", 320.0, 450.0, across=3, down=3))


def _use_size(venue_campaign: Path, size: sizes.VenueSize, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sizes.SIZES, size.name, size)
    toml = venue_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('size = "A4"', f'size = "{size.name}"'),
                    encoding="utf-8")


def test_a_poster_size_added_as_data_renders_and_verifies(venue_campaign: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _use_size(venue_campaign, B5, monkeypatch)
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
    venue_campaign: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, venue_rows: Callable[..., str]
) -> None:
    _use_size(venue_campaign, A6_SRA3, monkeypatch)
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


def test_run_options_take_any_size_of_the_table(venue_campaign: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sizes.SIZES, B5.name, B5)
    summary = run(load(venue_campaign), venue_campaign / "venues.csv", tmp_path / "out", Options(size="B5"))
    assert summary.rendered == 4
