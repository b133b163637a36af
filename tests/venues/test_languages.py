"""Every language of the campaign reaches the venue poster: the `name_<lang>` and `address_<lang>` columns of
the three-language fixture (tests/fixtures/trilingual) are printed in the campaign's language order, read
back from the written PDF's text."""

from __future__ import annotations

import csv
import logging
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from materials.campaign import load
from materials.venues.run import Options, run

TRILINGUAL = Path(__file__).resolve().parent.parent / "fixtures" / "trilingual"
HEADER = ["id", "name", "district", "category", "address", "name_en", "address_en", "name_fr", "address_fr", "reprint"]
#: Each text at the list's width limit for its column (48 and 90 half-width units, 72 and 135 for translations).
LONGEST = ["HP-C-009", "和平区南营门街道宁夏路社区居民委员会服务站", "heping", "community",
           "天津市和平区南营门街道宁夏路与南京路交口东南侧宁夏路社区居民委员会一楼",
           "Nanyingmen Subdistrict Ningxia Road Community Residents Committee Servic",
           "Ground floor, Ningxia Road Community Residents Committee, SE corner of Ningxia Road and Nanjing Road, "
           "Heping",
           "Comité des résidents du quartier de la rue Ningxia, sous-district Nanyin",
           "Rez-de-chaussée, comité des résidents de la rue Ningxia, angle sud-est des rues Ningxia et Nanjing, "
           "Heping", "0"]


def text_of(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return " ".join(document[0].get_textpage().get_text_range().split())
    finally:
        document.close()


@pytest.fixture
def trilingual(tmp_path: Path) -> Path:
    return shutil.copytree(TRILINGUAL, tmp_path / "campaign")


@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_names_in_every_language_in_the_campaigns_order(trilingual: Path, tmp_path: Path, size: str) -> None:
    out = tmp_path / size
    run(load(trilingual), trilingual / "venues" / "list.csv", out, Options(size=size))
    text = text_of(out / "heping" / "HP-C-001.pdf")
    names = ["宁夏路社区", "Ningxia Road Community", "Quartier de la rue Ningxia"]
    assert all(name in text for name in names), text
    assert [text.index(name) for name in names] == sorted(text.index(name) for name in names)
    addresses = ["和平区宁夏路12号", "12 Ningxia Road, Heping", "12 rue Ningxia, Heping"]
    # A sticker's footer has room for the first language's address only (materials/venues/sizes.py).
    shown = addresses if size != "A6" else addresses[:1]
    assert [text.index(a) for a in shown] == sorted(text.index(a) for a in shown), text
    assert all(a not in text for a in addresses[len(shown):])


def test_addresses_that_do_not_fit_together_leave_off_the_last_language_with_a_warning(
    trilingual: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    listing = trilingual / "venues" / "long.csv"
    with listing.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, LONGEST])
    campaign = load(trilingual)
    run(campaign, listing, tmp_path / "A4", Options(size="A4"))
    text = text_of(tmp_path / "A4" / "heping" / "HP-C-009.pdf")
    assert all(LONGEST[i].split(",")[0] in text for i in (1, 4, 5, 6, 7, 8)), text
    with caplog.at_level(logging.WARNING, logger="materials"):
        summary = run(campaign, listing, tmp_path / "A5", Options(size="A5"))
    assert summary.rendered == 1
    text = text_of(tmp_path / "A5" / "heping" / "HP-C-009.pdf")
    assert LONGEST[5] in text and LONGEST[7] in text, "every name still prints"
    assert "Rez-de-chaussée" not in text and "Ground floor" in text
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "HP-C-009" in r.getMessage()]
    assert warned and "address in fr" in warned[0] and "row 2" in warned[0], warned


def test_the_posters_own_text_running_into_a_venue_box_is_named(trilingual: Path, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    # Regression: on the trilingual A4 and A5 posters the third step, in three languages, runs under the footer
    # and is printed over every venue's address (a template matter), without a word. Stickers show one
    # language's steps and fit.
    for size, overlaps in (("A5", True), ("A4", True), ("A6", False)):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="materials"):
            run(load(trilingual), trilingual / "venues" / "list.csv", tmp_path / size, Options(size=size))
        warned = [r.getMessage() for r in caplog.records if "runs into the address box" in r.getMessage()]
        assert len(warned) == overlaps, (size, warned)
        assert all(f"venue poster {size}" in w and "in 3 languages" in w for w in warned)
