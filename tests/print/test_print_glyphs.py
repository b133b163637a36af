"""Issue 19 on the print target: every PDF it writes draws only glyphs its fonts have (ISO 32000's reading,
materials.glyphcheck), Ghostscript and MuPDF draw the Chinese poster and booklet as pdfium does, and
`materials check --output` names a file whose font would print boxes."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

from materials import glyphcheck
from materials.cli import cli

#: Percentage points of ink coverage per character (tests/conftest.py: text_area_difference): measured 1-6
#: for the same glyphs, 11-24 (Ghostscript's crossed boxes) and 32-43 (MuPDF's blanks) for the fault of issue 19.
SAME_GLYPHS = 8.0


def test_every_print_pdf_draws_only_glyphs_its_fonts_have(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    pdfs = sorted(dest.rglob("*.pdf"))
    assert len(pdfs) > 10 and any(p.name.endswith("-screen.pdf") for p in pdfs)
    for pdf in pdfs:
        assert glyphcheck.check(pdf) == [], pdf


@pytest.mark.parametrize("tool", ["ghostscript", "mupdf"])
def test_ghostscript_and_mupdf_draw_the_chinese_poster_and_booklet_as_pdfium_does(
        rendered: tuple[Any, Path], text_difference: Callable[..., float], tool: str) -> None:
    _, dest = rendered
    for pdf, pages in ((dest / "posters/apply/apply-A4-zh-CN.pdf", (1,)),
                       (dest / "booklet/faq-A5-zh-CN.pdf", (1, 3)),
                       (dest / "booklet/faq-A5-en.pdf", (3,))):
        for page in pages:
            assert text_difference(pdf, page, tool) < SAME_GLYPHS, f"{pdf.name} page {page}"


def _renumber_cids(data: bytes) -> bytes:
    """The font of issue 19's fault: the same glyphs under other CIDs than the codes in the text."""
    font = TTFont(io.BytesIO(data), lazy=True)
    top = font["CFF "].cff.topDictIndex[0]
    old = list(top.charset)
    new = [".notdef", *(f"cid{gid + 30000:05d}" for gid in range(1, len(old)))]
    top.CharStrings.charStrings = {n: top.CharStrings.charStrings[o] for o, n in zip(old, new, strict=True)}
    top.charset = new
    font.setGlyphOrder(new)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def test_check_output_names_a_file_whose_font_would_print_boxes(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    campaign, dest = rendered
    copy = tmp_path / "output" / "print"
    shutil.copytree(dest, copy)
    spoiled = copy / "posters/apply/apply-A4-zh-CN.pdf"
    with pikepdf.open(dest / "posters/apply/apply-A4-zh-CN.pdf") as pdf:
        for font in pdf.pages[0].resources.Font.values():
            stream = font.DescendantFonts[0].FontDescriptor.FontFile3
            stream.write(_renumber_cids(stream.read_bytes()))
        pdf.save(spoiled)
    result = CliRunner().invoke(cli, ["check", "--campaign", str(campaign.root), "--output", str(tmp_path / "output")])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "apply-A4-zh-CN.pdf" in line]
    assert lines and all("glyph codes" not in line or "CIDs" in line for line in lines), result.output
    assert any("does not have (CIDs" in line and ".notdef" in line for line in lines), result.output
