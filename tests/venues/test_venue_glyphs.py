"""Issue 19 on venue posters and district files: every code drawn (the static layer WeasyPrint drew, and the
venue text we set ourselves with the font pack) is a CID of the embedded charset, and Ghostscript and MuPDF
draw a poster's text as pdfium does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from materials import glyphcheck
from materials.campaign import load
from materials.venues.run import Options, run

#: As in tests/test_glyphs.py: 1-6 points for the same glyphs, 11 and more for .notdef boxes or blanks.
SAME_GLYPHS = 8.0


@pytest.mark.parametrize("size", ["A4", "A6"])
def test_venue_posters_and_district_files_draw_only_glyphs_their_fonts_have(
        venue_campaign: Path, tmp_path: Path, venue_rows: Callable[..., str],
        text_difference: Callable[..., float], size: str) -> None:
    (venue_campaign / "venues.csv").write_text(venue_rows(9, seed=19), encoding="utf-8")
    out = tmp_path / "out"
    run(load(venue_campaign), venue_campaign / "venues.csv", out, Options(size=size))
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) >= 11  # nine posters and the district files
    for pdf in pdfs:
        assert glyphcheck.check(pdf) == [], pdf
    poster = next(p for p in pdfs if p.parent != out)
    district = next(p for p in pdfs if p.parent == out)
    for pdf in (poster, district):
        for tool in ("ghostscript", "mupdf"):
            assert text_difference(pdf, 1, tool) < SAME_GLYPHS, f"{pdf.name} in {tool}"
