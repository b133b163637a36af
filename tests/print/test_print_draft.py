"""Draft until approved (issue 20): while a fact is unconfirmed or an address is a placeholder, every page of
every PDF and every image carries 草稿 · DRAFT; a copy with every fact confirmed and real addresses carries
none. Read from the rendered files (pypdfium2 text), as a printer's preflight would see them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from materials.campaign import DRAFT_MARK

REAL_SERVICE = "https://declare.health.tj.gov.cn/apply"


def page_texts(folder: Path) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.pdf")):
        pdf = pdfium.PdfDocument(path)
        try:
            texts[path.relative_to(folder).as_posix()] = [
                pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        finally:
            pdf.close()
    return texts


def test_every_page_of_every_pdf_of_a_draft_says_draft(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    assert campaign.draft_mark == DRAFT_MARK  # the fixture's service is a .example placeholder
    texts = page_texts(dest)
    assert len(texts) > 5
    unmarked = [f"{name} page {i + 1}" for name, pages in texts.items() for i, text in enumerate(pages)
                if "DRAFT" not in text]
    assert unmarked == []
    article = next(dest.rglob("faq-article-en.html")).read_text(encoding="utf-8")
    assert DRAFT_MARK in article.split("<h1", 1)[0]  # before the title: the first thing an editor sees
    note = next(dest.rglob("faq-article-zh-CN-note.txt")).read_text(encoding="utf-8")
    assert note.lstrip().startswith(DRAFT_MARK)


@pytest.mark.slow
def test_a_confirmed_campaign_with_real_addresses_prints_no_mark(print_campaign: Path) -> None:
    from materials import printing
    from materials.campaign import load

    os.environ["SOURCE_DATE_EPOCH"] = "1583798400"
    root = print_campaign
    toml = root / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://declare.health-code.example/apply",
                                                             REAL_SERVICE)
                    + '\n[site]\nbase_url = "https://jkm.tj.gov.cn/"\n', encoding="utf-8")
    campaign = load(root)
    assert campaign.draft_reasons() == [] and campaign.draft_mark == ""
    assert printing.validate(campaign) == []
    dest = root / "output" / "print"
    printing.render(campaign, dest, {})
    texts = page_texts(dest)
    assert texts and not [name for name, pages in texts.items() if any("DRAFT" in t for t in pages)]
    assert not [p for p in dest.rglob("*.html") if DRAFT_MARK in p.read_text(encoding="utf-8")]


def test_every_pdf_carries_the_proofs_fingerprint(rendered: tuple[Any, Path]) -> None:
    """The signed proof ties to the press files: the same sources fingerprint in every PDF's keywords."""
    from materials import fingerprint

    campaign, dest = rendered
    mark = fingerprint.sources(campaign)
    missing = []
    for path in sorted(dest.rglob("*.pdf")):
        pdf = pdfium.PdfDocument(path)
        try:
            if f"materials-sources {mark}" not in pdf.get_metadata_dict().get("Keywords", ""):
                missing.append(path.relative_to(dest).as_posix())
        finally:
            pdf.close()
    assert missing == []



def test_the_draft_mark_covers_no_text_on_any_page(rendered: tuple[Any, Path]) -> None:
    """The review of issue 20 found the stamp across the middle of a poster hid its English text, crossed
    the booklet's answers, touched the billboard's headline and sat on the A6 card's authority line: the mark
    now sits in a band of its own (signs: above the authority's bar; booklet: the bottom margin, and the
    cover's top band). No character of any page of any PDF lies under the mark's box or within 1 pt of it."""
    _, dest = rendered
    pdfs = sorted(dest.rglob("*.pdf"))
    kinds = {p.parts[len(dest.parts)] for p in pdfs}
    assert {"posters", "booklet", "tips"} <= kinds, kinds
    covered: list[str] = []
    for path in pdfs:
        pdf = pdfium.PdfDocument(path)
        try:
            for number in range(len(pdf)):
                page = pdf[number].get_textpage()
                text = page.get_text_range()
                start = text.find(DRAFT_MARK)
                assert start >= 0, (path.name, number)
                marks = []
                while start >= 0:  # a sheet of cards has one mark per card
                    marks.append(range(start, start + len(DRAFT_MARK)))
                    start = text.find(DRAFT_MARK, start + len(DRAFT_MARK))
                in_mark = {i for mark in marks for i in mark}
                areas = []
                for mark in marks:
                    boxes = [page.get_charbox(i) for i in mark if not text[i].isspace()]
                    areas.append((min(b[0] for b in boxes) - 1, min(b[1] for b in boxes) - 1,
                                  max(b[2] for b in boxes) + 1, max(b[3] for b in boxes) + 1))
                for i in range(page.count_chars()):
                    if i in in_mark or i >= len(text) or text[i].isspace():
                        continue
                    x0, y0, x1, y1 = page.get_charbox(i)
                    if any(x0 < right and x1 > left and y0 < top and y1 > bottom
                           for left, bottom, right, top in areas):
                        covered.append(f"{path.relative_to(dest)} page {number + 1}: {text[i]!r}")
        finally:
            pdf.close()
    assert covered == []
