"""Issue 19: every code a PDF draws selects a real glyph, read as ISO 32000 reads it.

The fault this guards against drew Chinese as crossed boxes in Ghostscript and every print RIP, blanks in
MuPDF, and looked right in poppler and pdfium (which fall back to the code as a glyph index). So the tests
read fonts with fontTools (materials.glyphcheck) and compare Ghostscript's and MuPDF's renders with pdfium's,
never trusting poppler alone.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from materials import fontsubset, glyphcheck
from materials.fonts import font_file

TEXT = "扫码申领“健康码” Apply 2020"
#: Percentage points of ink coverage per character (conftest.text_area_difference) below which two renders
#: draw the same glyphs: measured 1-6 for the same glyphs, 11-24 (Ghostscript's crossed boxes) and 32-43
#: (MuPDF's blanks) for the fault of issue 19.
SAME_GLYPHS = 8.0


def _charset(data: bytes) -> list[str]:
    return list(TTFont(io.BytesIO(data), lazy=True)["CFF "].cff.topDictIndex[0].charset)


def _weasyprint(font: bytes, folder: Path) -> Path:
    from weasyprint import HTML

    (folder / "cut.otf").write_bytes(font)
    html = (f'<html lang="zh-CN"><style>@font-face {{ font-family: Cut; src: url("{(folder / "cut.otf").as_uri()}"); }}'
            f"@page {{ size: 120mm 40mm; margin: 5mm }} body {{ font: 40pt Cut; margin: 0 }}</style>"
            f"<body>{TEXT}</body></html>")
    path = folder / "text.pdf"
    HTML(string=html).write_pdf(path)
    return path


@pytest.fixture(scope="module")
def source() -> tuple[Path, int]:
    return font_file("Noto Sans CJK SC")


def test_a_cut_font_numbers_its_cids_as_its_glyphs(source: tuple[Path, int]) -> None:
    path, index = source
    charset = _charset(fontsubset.subset(path, index, TEXT))
    assert len(charset) > 15
    assert charset == [".notdef", *(f"cid{gid:05d}" for gid in range(1, len(charset)))]


def test_the_fault_of_issue_19_is_found_by_the_checker_and_by_ghostscript_and_mupdf(
        source: tuple[Path, int], tmp_path: Path, text_difference: Callable[..., float]) -> None:
    """HarfBuzz's cut keeps the source CIDs: WeasyPrint's codes then miss the charset. The same text with
    the fixed cut passes both the checker and the render comparison."""
    path, index = source
    raw = fontsubset._subset_harfbuzz(path, index, TEXT)
    assert _charset(raw)[-1] != f"cid{len(_charset(raw)) - 1:05d}", "HarfBuzz now numbers CIDs itself"
    (tmp_path / "bad").mkdir()
    bad = _weasyprint(raw, tmp_path / "bad")
    problems = glyphcheck.check(bad, name="bad.pdf")
    assert len(problems) == 1
    assert problems[0].file == "bad.pdf" and "CIDs" in problems[0].message and ".notdef" in problems[0].message
    assert text_difference(bad, 1, "ghostscript") > SAME_GLYPHS
    assert text_difference(bad, 1, "mupdf") > SAME_GLYPHS

    (tmp_path / "good").mkdir()
    good = _weasyprint(fontsubset.subset(path, index, TEXT), tmp_path / "good")
    assert glyphcheck.check(good) == []
    assert text_difference(good, 1, "ghostscript") < SAME_GLYPHS
    assert text_difference(good, 1, "mupdf") < SAME_GLYPHS


def test_checker_reads_truetype_cid_to_gid_maps(tmp_path: Path) -> None:
    """A CIDFontType2 draws glyph CIDToGIDMap[cid]: a CID past the map's end, or mapped to glyph 0, is not drawn."""
    check = glyphcheck.truetype_glyphs(None, None)
    assert check(40) and not check(0x10000)
    pdf = pikepdf.new()
    table = pdf.make_stream(bytes([0, 0, 0, 5, 0, 0]))  # CID 1 -> glyph 5, CID 2 -> glyph 0
    check = glyphcheck.truetype_glyphs(None, table)
    assert check(1) and not check(2) and not check(3)
