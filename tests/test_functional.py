"""One build of the three-language fixture campaign (tests/fixtures/trilingual) through every output kind in
one process, compared with its expected, normalised result (Pelican's functional tests, with parsed
outputs instead of bytes): page counts, first-page texts and QR contents of every print file, the venue
manifest rows with every link verified, and the title and heading of every web page.

After an intended change, regenerate and review `git diff tests/fixtures/trilingual.expected.json`:

    MATERIALS_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/test_functional.py

The regenerating run fails on purpose after writing, so it can never pass by itself.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from materials import qr
from materials.build import build
from materials.campaign import load
from materials.printing.manifest import PrintManifest
from materials.venues import links
from materials.venues.run import link_base

#: Every district of the campaigns these tests sign for (a city-wide key may sign any of them).
DISTRICTS = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan", "beichen",
             "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = FIXTURES / "trilingual.expected.json"


def pdf_summary(path: Path) -> dict[str, Any]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        text = document[0].get_textpage().get_text_range()
        pages = len(document)
    finally:
        document.close()
    codes = sorted({code for page in qr.decode_pdf(path, 150) for code in page})
    return {"pages": pages, "text": " ".join(text.split())[:100], "qr": codes}


def print_summary(folder: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in PrintManifest.read(folder).materials:
        row: dict[str, Any] = {"kind": entry.kind, "language": entry.language, "size": entry.size}
        if entry.pdf:
            row.update(pdf_summary(folder / entry.pdf))
        out[entry.file or entry.id] = row
    return out


def venues_summary(folder: Path, ring: links.KeyRing, base: str) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO((folder / "manifest.csv").read_text(encoding="utf-8-sig"))))
    out = []
    for row in rows:
        # Raises for a link that does not verify.
        venue = links.verify_link(row["link"], ring, base=base, districts=DISTRICTS)
        assert venue.venue_id == row["id"]
        assert qr.decode_pdf(folder / row["file"], 150) == [[row["link"]]], row["file"]
        out.append({k: row[k] for k in ("id", "name", "district", "category", "file")})
    return out


class Heading(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inside: str | None = None
        self.texts: dict[str, str] = {"title": "", "h1": ""}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.texts and not self.texts[tag]:
            self.inside = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self.inside:
            self.inside = None

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.texts[self.inside] += data


def web_summary(folder: Path) -> dict[str, dict[str, str]]:
    out = {}
    for path in sorted(folder.rglob("*.html")):
        parser = Heading()
        parser.feed(path.read_text(encoding="utf-8"))
        out[path.relative_to(folder).as_posix()] = {k: " ".join(v.split()) for k, v in parser.texts.items()}
    return out


@pytest.mark.slow
def test_three_languages_build_every_output(tmp_path: Path) -> None:
    root = shutil.copytree(FIXTURES / "trilingual", tmp_path / "campaign")
    result = build(root, tmp_path / "out")
    assert list(result.outputs) == ["print", "venues", "web"]
    ring = links.read_key_file(root / ".materials" / "venue-signing.key")
    actual = {
        "print": print_summary(result.outputs["print"]),
        "venues": venues_summary(result.outputs["venues"], ring, link_base(load(root))),
        "web": web_summary(result.outputs["web"]),
    }
    # The French edition is there in every output kind, in French.
    assert "Campagne test du code santé" in actual["print"]["booklet/faq-A5-fr.pdf"]["text"]
    assert actual["web"]["fr/index.html"]["title"].startswith("Campagne test du code santé")
    home = (result.outputs["web"] / "fr" / "index.html").read_text("utf-8")
    assert re.search(r"Publié le <time[^>]*>10 mars 2020</time>", home)
    if os.environ.get("MATERIALS_REGENERATE_GOLDEN"):
        text = json.dumps(actual, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        EXPECTED.write_text(text, encoding="utf-8")
        raise AssertionError(f"{EXPECTED.name} rewritten; review the diff, then rerun without "
                             "MATERIALS_REGENERATE_GOLDEN")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    for kind in ("print", "venues", "web"):
        assert actual[kind] == expected[kind], f"{kind} differs from {EXPECTED.name} (regenerate if intended)"
