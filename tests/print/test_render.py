"""The rendered print folder, read back like a print shop and a phone would: page boxes, fonts, QR codes
decoded from rasters, page counts, image sizes, metadata, reproducibility."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from materials import printing, qr

MM = 72 / 25.4


def pdf_boxes(path: Path) -> dict[str, tuple[float, ...]]:
    document = pdfium.PdfDocument(str(path))
    page = document[0]
    boxes = {"trim": page.get_trimbox(), "bleed": page.get_bleedbox(), "media": page.get_mediabox()}
    page.close()
    document.close()
    return boxes


def pages(path: Path) -> int:
    document = pdfium.PdfDocument(str(path))
    count = len(document)
    document.close()
    return count


def test_every_kind_is_written(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    for folder in ("posters", "tips", "booklet", "screens", "wechat", "previews"):
        assert any((dest / folder).rglob("*")), folder
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    kinds = {entry["kind"] for entry in manifest["materials"]}
    assert kinds == {"poster", "tip", "card", "guide", "booklet", "screen", "wechat-cover", "wechat-square",
                     "wechat-article", "billboard", "playlist"}
    for entry in manifest["materials"]:
        for key in ("pdf", "png", "html"):
            if entry.get(key):
                assert (dest / entry[key]).is_file(), entry
        assert entry["language"] in ("zh-CN", "en", "bilingual")
        assert set(entry["title"]) <= {"zh-CN", "en"}


def test_page_boxes_trim_bleed_and_marks(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    for name, (width, height) in {"posters/apply/apply-A4-zh-CN.pdf": (210, 297),
                                  "posters/apply/apply-billboard-en.pdf": (2400, 1200),
                                  "tips/show-code/show-code-A5-bilingual.pdf": (148, 210),
                                  "tips/cards/show-code-A6x4-A4-en.pdf": (210, 297),
                                  "booklet/faq-A5-en.pdf": (148, 210)}.items():
        boxes = pdf_boxes(dest / name)
        trim, bleed, media = boxes["trim"], boxes["bleed"], boxes["media"]
        assert trim[2] - trim[0] == pytest.approx(width * MM, abs=0.5), name
        assert trim[3] - trim[1] == pytest.approx(height * MM, abs=0.5), name
        assert min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]) >= 3 * MM - 0.01
        # crop marks live between the bleed and the media edge
        assert media[0] < bleed[0] and media[2] > bleed[2], name


def test_one_page_materials_are_one_page_and_booklet_has_contents(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    for path in [*(dest / "posters").rglob("*.pdf"), *(dest / "tips").rglob("*.pdf")]:
        bilingual_guide = path.name.startswith("staff-guide-") and path.stem.endswith("-bilingual")
        assert pages(path) == (2 if bilingual_guide else 1), path  # the guide: a page per language
    assert pages(dest / "booklet" / "faq-A5-zh-CN.pdf") >= 3


def test_fonts_embedded_and_simplified_chinese(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    out = subprocess.run(["pdffonts", str(dest / "posters/apply/apply-A4-bilingual.pdf")],
                         capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    for row in rows:
        columns = row.split()
        assert "CJK-SC" in columns[0] or "CJKSC" in columns[0], row
        assert columns[-5] == "yes" and columns[-4] == "yes", row  # embedded, subset


def test_qr_codes_decode_to_their_channel_links(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    expected = {
        "posters/apply/apply-A4-zh-CN.pdf": "poster",
        "posters/apply/apply-billboard-bilingual.pdf": "billboard",
        "tips/show-code/show-code-A5-en.pdf": "tip",
        "tips/cards/show-code-A6x4-A4-zh-CN.pdf": "tip",
        "booklet/faq-A5-zh-CN.pdf": "booklet",
    }
    for name, channel in expected.items():
        decoded = qr.decode_pdf(dest / name, dpi=40 if "billboard" in name else 150)[0]
        assert decoded and set(decoded) == {campaign.service_link(channel)}, name
    cards = qr.decode_pdf(dest / "tips/cards/show-code-A6x4-A4-zh-CN.pdf", dpi=150)[0]
    assert len(cards) == 4


def test_png_sizes_and_screen_codes(rendered: tuple[Any, Path]) -> None:
    from PIL import Image

    campaign, dest = rendered
    with Image.open(dest / "screens/small/apply-zh-CN.png") as image:
        assert image.size == (640, 360)
        assert qr.decode_image(image.convert("L")) == [campaign.service_link("screen")]
    with Image.open(dest / "wechat/apply-cover-en.png") as image:
        assert image.size == (900, 383)
    with Image.open(dest / "previews/posters-apply-apply-A4-en.png") as image:
        assert image.size[0] == 480


def test_metadata(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    out = subprocess.run(["pdfinfo", str(dest / "posters/apply/apply-A4-en.pdf")],
                         capture_output=True, text=True, check=True).stdout
    info = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}
    assert info["Title"] == "Scan to get your health QR code"
    assert info["Author"] == "Test City Headquarters of Epidemic Prevention and Control"
    assert "2020" in out.split("CreationDate:")[1].splitlines()[0]
    screen = subprocess.run(["pdfinfo", str(dest / "booklet/faq-A5-en-screen.pdf")],
                            capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in screen  # PDF/UA-1: screen readers follow the structure tree
    press = subprocess.run(["pdfinfo", "-meta", str(dest / "booklet/faq-A5-en.pdf")],
                           capture_output=True, text=True, check=True).stdout
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in press  # the print shop's edition
    document = pdfium.PdfDocument(str(dest / "booklet/faq-A5-en-screen.pdf"))
    titles = [bookmark.get_title() for bookmark in document.get_toc()]
    assert titles[:2] == ["Contents", "About the code"] and "What is the health code?" in " ".join(titles)
    document.close()


def test_wechat_article_inline_styles_no_scripts(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    html = (dest / "wechat/faq-article-zh-CN.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<style" not in html and "class=" not in html
    assert html.count("<p ") == html.count("<p>") + html.count("<p ") and "<p>" not in html
    # No link in the body (the editor drops them): the address as text, the tagged link in the editor's note.
    assert campaign.settings.service.url in html and "<a " not in html
    assert campaign.service_link("wechat") in (dest / "wechat/faq-article-zh-CN-note.txt").read_text("utf-8")


def test_verify_passes_then_catches_tampering(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    campaign, dest = rendered
    assert printing.verify(campaign, dest) == []
    copy = tmp_path / "print"
    shutil.copytree(dest, copy)
    # A tips sign swapped in for a poster: its QR code carries the wrong channel and its size is wrong.
    shutil.copy(copy / "tips/show-code/show-code-A5-en.pdf", copy / "posters/apply/apply-A4-en.pdf")
    (copy / "screens/small/apply-en.png").unlink()
    found = [str(p) for p in printing.verify(campaign, copy)]
    assert any("apply-A4-en.pdf" in p and "TrimBox" in p for p in found), found
    assert any("apply-A4-en.pdf" in p and "QR code" in p and "ch=tip" in p for p in found), found
    assert any("small/apply-en.png" in p and "missing" in p for p in found), found


def test_reproducible(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    campaign, dest = rendered
    again = tmp_path / "again"
    printing.render(campaign, again, {})
    for path in sorted(dest.rglob("*")):
        if path.is_file():
            assert (again / path.relative_to(dest)).read_bytes() == path.read_bytes(), path


def test_the_bilingual_staff_guide_prints_every_language(rendered: tuple[Any, Path]) -> None:
    """Fresh reading 3: the bilingual staff guide printed the Chinese page only (its English was hidden). Its
    words fill a page in one language, so the bilingual edition has a page per language, the primary first; each
    language edition is one page of its own words."""
    _, dest = rendered
    folder = dest / "tips" / "staff-guide"
    bilingual = next(folder.glob("staff-guide-*-bilingual.pdf"))
    document = pdfium.PdfDocument(str(bilingual))
    try:
        texts = [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()
    assert len(texts) == 2
    flat = [" ".join(text.split()) for text in texts]
    assert "入口检查人员工作指引" in flat[0].replace(" ", "") and "Guide for staff at entrances" not in flat[0]
    assert "Guide for staff at entrances" in flat[1] and "Look at the colour of the code" in flat[1]
    assert "入口检查人员工作指引" not in flat[1].replace(" ", "")
    english = next(folder.glob("staff-guide-*-en.pdf"))
    assert pages(english) == 1


def test_a_build_reads_each_poster_and_tip_once(print_campaign: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Print's validation reads and parses posters/ and tips/; its plan carries them into render, which writes
    their words into the manifest (the print-to-web contract, with the sources fingerprint they were read
    under), and the website's tips page takes them from there: one parse of each source per build, where the
    web used to parse every one again. A web-only build over an older print folder reads the sources itself,
    so its words are never stale."""
    from materials.build import build
    from materials.printing import sources

    parsed: list[str] = []
    parse = sources._material

    def counted(campaign: Any, path: Path, kind: str, label: str, problems: list[Any]) -> Any:
        parsed.append(label)
        return parse(campaign, path, kind, label, problems)

    monkeypatch.setattr(sources, "_material", counted)
    every = sorted(f"{folder}/{path.name}" for folder in ("posters", "tips")
                   for path in (print_campaign / folder).glob("*.md"))
    out = tmp_path / "out"
    build(print_campaign, out, only="print,web")
    assert sorted(parsed) == every
    tips_page = out / "web" / "en" / "tips" / "index.html"
    assert "Scan to get your health QR code" in tips_page.read_text(encoding="utf-8")

    parsed.clear()
    build(print_campaign, out, only="web")  # the print folder was made from these very sources
    assert parsed == []
    poster = print_campaign / "posters" / "apply.md"
    poster.write_text(poster.read_text(encoding="utf-8").replace("# Scan to get your health QR code",
                                                                 "# Scan for your health QR code"), encoding="utf-8")
    build(print_campaign, out, only="web")  # an older print folder: the words come from the sources
    assert sorted(parsed) == every
    assert "Scan for your health QR code" in tips_page.read_text(encoding="utf-8")
