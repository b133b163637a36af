"""Venue posters of a draft campaign say so, and every venue PDF carries the signed proof's sources
fingerprint in its Keywords (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium

from materials import fingerprint
from materials.build import build
from materials.campaign import load


def test_venue_pdfs_are_marked_draft_and_carry_the_proofs_fingerprint(venue_campaign: Path, tmp_path: Path) -> None:
    build(venue_campaign, tmp_path / "out", only="venues")
    campaign = load(venue_campaign)
    assert campaign.draft_mark  # the mini campaign's service is a placeholder
    mark = fingerprint.sources(campaign)
    pdfs = sorted((tmp_path / "out" / "venues").rglob("*.pdf"))
    assert pdfs
    for path in pdfs:
        pdf = pdfium.PdfDocument(path)
        try:
            assert pdf.get_metadata_dict().get("Keywords") == f"materials-sources {mark}", path
            assert all("DRAFT" in pdf[i].get_textpage().get_text_range() for i in range(len(pdf))), path
        finally:
            pdf.close()
