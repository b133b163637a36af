"""Press files read back by tools that are not ours: Ghostscript's colour separations (`tiffsep`) show which
ink plate carries what, and the `pdfua` checker reads the booklet's screen edition. Then materials.pdfx's
own preflight, on files we spoil on purpose, and `materials check --output` printing one line per problem."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image, ImageChops

from materials import pdfx
from materials.cli import cli

MM = 72 / 25.4
PLATES = ("Cyan", "Magenta", "Yellow", "Black")
#: A plate pixel counts as inked below this (tiffsep: 255 is no ink, 0 is 100 %).
INKED = 250


def press_files(dest: Path) -> list[Path]:
    """The print folder's press files: not the screen booklets, the home editions or the pack's sheets."""
    return [p for p in dest.rglob("*.pdf") if not p.name.endswith("-screen.pdf")
            and p.relative_to(dest).parts[0] not in ("home", "print-shop")]


def separations(pdf: Path, out: Path, dpi: int = 72) -> dict[str, Image.Image]:
    """Ghostscript's plates of page 1 over the whole MediaBox: plate name -> ink image (255 = no ink)."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", f"-r{dpi}",
                    "-dFirstPage=1", "-dLastPage=1", f"-sOutputFile={out / 'p.tif'}", str(pdf)], check=True)
    return {name: Image.open(out / f"p({name}).tif").convert("L") for name in PLATES}


def boxes(pdf: Path) -> dict[str, tuple[float, ...]]:
    with pikepdf.open(pdf) as document:
        page = document.pages[0].obj
        return {key: tuple(float(v) for v in page[f"/{key}"]) for key in ("MediaBox", "BleedBox", "TrimBox")}


def to_px(media: tuple[float, ...], dpi: int, x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
    """A rectangle in PDF points (y up) as a raster box over the MediaBox (y down)."""
    scale = dpi / 72
    return (round((x0 - media[0]) * scale), round((media[3] - y1) * scale),
            round((x1 - media[0]) * scale), round((media[3] - y0) * scale))


def inked(plate: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Pixels of a plate (or of a box of it) that carry ink."""
    part = plate.crop(box) if box else plate
    return sum(part.histogram()[:INKED])


def outside(plate: Image.Image, box: tuple[int, int, int, int]) -> Image.Image:
    """The plate with `box` blanked (no ink): what prints outside the box."""
    copy = plate.copy()
    copy.paste(255, box)
    return copy


def text_boxes(pdf: Path, text: str) -> list[tuple[float, float, float, float]]:
    """PDF-space boxes of the characters of `text` on page 1 (pdfium's text layer)."""
    document = pdfium.PdfDocument(str(pdf))
    page = document[0]
    textpage = page.get_textpage()
    searcher = textpage.search(text)
    found = searcher.get_next()
    assert found is not None, f"{text!r} not on {pdf.name}"
    index, count = found
    result = [textpage.get_charbox(i) for i in range(index, index + count)]
    searcher.close()
    textpage.close()
    page.close()
    document.close()
    return [b for b in result if b[2] > b[0]]


@pytest.fixture(scope="module")
def poster(rendered: tuple[Any, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    campaign, dest = rendered
    path = dest / "posters/apply/apply-A4-en.pdf"
    dpi = 72
    return {"campaign": campaign, "path": path, "dpi": dpi, "boxes": boxes(path),
            "plates": separations(path, tmp_path_factory.mktemp("sep"), dpi)}


def test_black_text_and_qr_code_print_on_the_black_plate_alone(poster: dict[str, Any]) -> None:
    campaign, plates, media, dpi = poster["campaign"], poster["plates"], poster["boxes"]["MediaBox"], poster["dpi"]
    # The QR code, found where a phone finds it: in the K plate alone.
    found = zxingcpp.read_barcodes(plates["Black"], formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in found] == [campaign.service_link("poster")]
    position = found[0].position
    xs = [p.x for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
    ys = [p.y for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
    code = (min(xs), min(ys), max(xs) + 1, max(ys) + 1)
    assert inked(plates["Black"], code) > 0.3 * (code[2] - code[0]) * (code[3] - code[1])
    for name in ("Cyan", "Magenta", "Yellow"):
        assert inked(plates[name], code) == 0, f"the QR code prints on the {name} plate"
    # The caption and host under the code are dark text on the white card: black ink alone.
    for text in ("Scan with your phone to apply now", campaign.service_host):
        for x0, y0, x1, y1 in text_boxes(poster["path"], text):
            box = to_px(media, dpi, x0, y0, x1, y1)
            for name in ("Cyan", "Magenta", "Yellow"):
                assert inked(plates[name], box) == 0, f"{text!r} prints on the {name} plate"
    boxes_k = [to_px(media, dpi, *b) for b in text_boxes(poster["path"], campaign.service_host)]
    assert sum(inked(plates["Black"], b) for b in boxes_k) > 0


def test_nothing_prints_outside_the_bleed_but_the_crop_marks(poster: dict[str, Any]) -> None:
    plates, dpi = poster["plates"], poster["dpi"]
    media, bleed, trim = poster["boxes"]["MediaBox"], poster["boxes"]["BleedBox"], poster["boxes"]["TrimBox"]
    # One pixel of slack (0.35 mm at 72 dpi): the clip's anti-aliased edge.
    left, top, right, bottom = to_px(media, dpi, *bleed)
    inside = (left - 1, top - 1, right + 1, bottom + 1)
    for name in ("Cyan", "Magenta", "Yellow"):
        assert inked(plates[name], inside) > 0, f"the {name} plate is empty: the green background is gone"
        assert inked(outside(plates[name], inside)) == 0, f"the {name} plate prints outside the bleed"
    # On the K plate, outside the bleed: only the crop marks, thin lines in line with the trim's edges.
    marks = outside(plates["Black"], inside)
    assert inked(marks) > 0, "no crop marks"
    lines = Image.new("L", marks.size, 0)  # 255 (no ink) along the trim lines
    x0, y0, x1, y1 = to_px(media, dpi, *trim)
    for x in (x0, x1):
        lines.paste(255, (x - 2, 0, x + 2, lines.height))
    for y in (y0, y1):
        lines.paste(255, (0, y - 2, lines.width, y + 2))
    stray = ImageChops.lighter(marks, lines)  # ink that is not on a trim line
    assert inked(stray) == 0, "something prints outside the bleed besides the crop marks"


def test_total_ink_stays_under_300_percent(poster: dict[str, Any]) -> None:
    from PIL import ImageMath

    plates = [poster["plates"][name].convert("I") for name in PLATES]
    total = ImageMath.lambda_eval(lambda a: 4 * 255 - a["c"] - a["m"] - a["y"] - a["k"],
                                  c=plates[0], m=plates[1], y=plates[2], k=plates[3])
    assert total.getextrema()[1] / 255 * 100 <= 300.5


def test_screen_editions_of_the_booklet_pass_the_pdfua_checker(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    screens = sorted((dest / "booklet").glob("*-screen.pdf"))
    assert [p.name for p in screens] == [f"faq-A5-{lang}-screen.pdf" for lang in sorted(campaign.languages)]
    pdfua = Path(sys.executable).parent / "pdfua"
    outloud = Path(sys.executable).parent / "outloud"
    for screen in screens:
        result = subprocess.run([str(pdfua), "check", str(screen)], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        # Errors only: its warnings are about WeasyPrint's tagging of running headers and page numbers.
        result = subprocess.run([str(outloud), "--no-info", "--fail-on", "error", str(screen)],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0 and " 0 error(s)" in result.stdout, result.stdout + result.stderr
        with pikepdf.open(screen) as pdf:
            assert "/StructTreeRoot" in pdf.Root and "/OutputIntents" not in pdf.Root
            assert "/BleedBox" not in pdf.pages[0].obj or pdf.pages[0].obj.BleedBox == pdf.pages[0].obj.MediaBox
            assert sum(len(page.obj.get("/Annots", [])) for page in pdf.pages) > 5  # the contents' links stay


def test_every_press_file_passes_the_preflight_and_screen_files_stay_srgb(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    press = press_files(dest)
    assert len(press) > 10
    for path in press:
        assert pdfx.preflight(path) == [], path
    screen = dest / "booklet/faq-A5-en-screen.pdf"
    assert any("RGB" in p.message for p in pdfx.preflight(screen))
    with Image.open(dest / "previews/posters-apply-apply-A4-en.png") as preview:
        assert preview.mode == "RGB"


def test_press_files_are_4n_page_booklets_without_links_with_complete_xmp(rendered: tuple[Any, Path]) -> None:
    """Issue 19: what a print shop's preflight reads beyond colour: saddle stitching, no interactive
    annotations, the XMP (title, ISO 8601 dates, ids) and one PDF version."""
    _, dest = rendered
    press = press_files(dest)
    booklets = [p for p in press if p.parent.name == "booklet"]
    assert booklets
    for path in press:
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == pdfx.PDF_VERSION, path
            assert not [page for page in pdf.pages if "/Annots" in page.obj], path
            with pdf.open_metadata() as meta:
                for key in pdfx.XMP_REQUIRED:
                    assert meta.get(key), f"{path}: {key}"
                for key in pdfx.XMP_DATES:
                    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", str(meta[key])), path
            if path in booklets:
                assert len(pdf.pages) % 4 == 0, f"{path.name} has {len(pdf.pages)} pages"
                with pikepdf.open(path.with_name(path.stem + "-screen.pdf")) as unpadded:  # at most 3 notes pages
                    assert 0 <= len(pdf.pages) - len(unpadded.pages) < 4, path.name


def test_preflight_names_a_booklet_that_cannot_be_stitched_links_and_incomplete_xmp(rendered: tuple[Any, Path],
                                                                                    tmp_path: Path) -> None:
    _, dest = rendered
    spoiled = tmp_path / "booklet.pdf"
    with pikepdf.open(dest / "booklet/faq-A5-en.pdf") as pdf:
        del pdf.pages[-1]
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 10, 10]))]))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta["dc:title"]
            meta["xmp:MetadataDate"] = "D:20200310000000+00'00'"
        pdf.save(spoiled, force_version="1.5")
    messages = [p.message for p in pdfx.preflight(spoiled, pages_multiple=4)]
    assert any("saddle stitching needs a multiple of 4" in m for m in messages), messages
    assert any("page 1: has interactive annotations (Link)" in m for m in messages), messages
    assert any("XMP lacks dc:title" in m for m in messages), messages
    assert any("not ISO 8601: xmp:MetadataDate" in m for m in messages), messages
    assert any("is PDF 1.5" in m for m in messages), messages


def _weasy(html: str, **options: Any) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf(pdf_identifier=b"0" * 32, **options))


PAGE = '<html lang="zh-CN"><style>@page { size: 100mm 100mm; margin: 0; bleed: 3mm; background: #0b6b3a }</style>'


def test_preflight_names_every_problem_of_a_plain_weasyprint_pdf(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(_weasy(PAGE + '<p style="color: #1b1b1b; opacity: .5">Hello 你好</p>'))
    found = [str(p) for p in pdfx.preflight(plain, name="posters/plain.pdf")]
    assert all(line.startswith("posters/plain.pdf: ") for line in found)
    text = "\n".join(found)
    assert "does not claim PDF/X-4" in text and "no GTS_PDFX output intent" in text
    assert "page 1: uses RGB colour (rg)" in text and "RGB transparency group" in text
    fixed = tmp_path / "fixed.pdf"
    fixed.write_bytes(pdfx.press_ready(_weasy(PAGE + "<p>Hello 你好</p>", pdf_variant="pdf/x-4"), bleed_mm=3))
    assert pdfx.preflight(fixed, trim_mm=(100, 100)) == []
    assert "TrimBox is 100.0x100.0 mm, expected 90.0x100.0 mm" in str(pdfx.preflight(fixed, trim_mm=(90, 100)))


def test_preflight_finds_rich_black_text_and_too_much_ink(tmp_path: Path) -> None:
    rich = PAGE + '<p style="color: device-cmyk(0.6 0.5 0.5 1)">Rich</p><div style="height: 5mm; ' \
        'background: device-cmyk(1 1 1 0.5)"></div>'
    path = tmp_path / "rich.pdf"
    path.write_bytes(pdfx.press_ready(_weasy(rich, pdf_variant="pdf/x-4"), bleed_mm=3))
    found = "\n".join(str(p) for p in pdfx.preflight(path))
    assert "page 1: text in rich black (C60 M50 Y50 K100)" in found
    assert "page 1: total ink reaches 350% (at most 300%)" in found


def test_preflight_finds_a_bleed_under_3_mm_and_a_missing_trim(tmp_path: Path) -> None:
    data = _weasy(PAGE.replace("bleed: 3mm", "bleed: 2mm") + "<p>x</p>", pdf_variant="pdf/x-4")
    path = tmp_path / "thin.pdf"
    path.write_bytes(pdfx.press_ready(data, bleed_mm=2))
    assert "page 1: BleedBox is 2.0 mm outside the TrimBox; at least 3 mm" in str(pdfx.preflight(path))
    bare = tmp_path / "bare.pdf"
    with pikepdf.open(io.BytesIO(_weasy("<p>x</p>"))) as pdf:
        for key in ("/TrimBox", "/BleedBox"):
            if key in pdf.pages[0].obj:
                del pdf.pages[0].obj[key]
        pdf.save(bare)
    assert "page 1: has no TrimBox" in str(pdfx.preflight(bare))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really")
    assert "not a readable PDF" in str(pdfx.preflight(broken))


def test_rgb_images_become_cmyk_and_greys_black_ink_alone(tmp_path: Path) -> None:
    picture = tmp_path / "p.png"
    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture)
    html = PAGE.replace("#0b6b3a", "#fff") + f'<img src="{picture.as_uri()}" style="width: 20mm">' \
        '<p style="color: #333">grey</p>'
    from weasyprint import HTML

    data = bytes(HTML(string=html, base_url=str(tmp_path)).write_pdf(pdf_variant="pdf/x-4"))
    out = tmp_path / "out.pdf"
    out.write_bytes(pdfx.press_ready(data, bleed_mm=3))
    assert pdfx.preflight(out) == []
    with pikepdf.open(out) as pdf:
        images = [x for x in pdf.pages[0].Resources.XObject.values() if x.get("/Subtype") == "/Image"]
        assert [str(i.ColorSpace) for i in images] == ["/DeviceCMYK"]
        fills = [[float(v) for v in i.operands] for i in pikepdf.parse_content_stream(pdf.pages[0])
                 if str(i.operator) == "k"]
        assert [0, 0, 0, 0.8] in fills  # #333 text: 80 % black ink
    plates = separations(out, tmp_path / "sep")
    grey = text_boxes(out, "grey")
    media = boxes(out)["MediaBox"]
    for x0, y0, x1, y1 in grey:
        for name in ("Cyan", "Magenta", "Yellow"):
            assert inked(plates[name], to_px(media, 72, x0, y0, x1, y1)) == 0


def test_check_output_prints_one_line_per_problem_naming_file_and_page(rendered: tuple[Any, Path],
                                                                        tmp_path: Path) -> None:
    campaign, dest = rendered
    copy = tmp_path / "output" / "print"
    shutil.copytree(dest, copy)
    # The sRGB page a poster was made from, put where the press file belongs.
    spoiled = copy / "posters/apply/apply-A4-en.pdf"
    with pikepdf.open(dest / "posters/apply/apply-A4-en.pdf") as pdf:
        del pdf.Root["/OutputIntents"]
        pdf.save(spoiled)
    result = CliRunner().invoke(cli, ["check", "--campaign", str(campaign.root), "--output", str(tmp_path / "output")])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "apply-A4-en.pdf" in line]
    assert lines == ["  posters/apply/apply-A4-en.pdf: has no GTS_PDFX output intent (the print shop cannot tell "
                     "which printing condition it is for)"], result.output


def test_every_way_of_writing_rgb_becomes_cmyk(tmp_path: Path) -> None:
    """WeasyPrint's plain `r g b rg`, and what other producers write: colour space operators, literal strings
    that merely look like operators, operators sharing a line."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)))
    page.obj.Contents = pdf.make_stream(b"0.2 0.2 0.2 rg 0 0 10 10 re f 1 0 0 RG\n/DeviceRGB cs 0 0 1 sc 0 0 5 5 re f\n"
                                        b"BT /F1 12 Tf 0 0 Td (0 0 0 rg) Tj ET")
    pdfx.to_cmyk(pdf, pdfx.Inks({"#0000ff": (100, 80, 0, 0)}))
    ops = [(str(i.operator), [str(o) for o in i.operands]) for i in pikepdf.parse_content_stream(page)]
    assert ("k", ["0", "0", "0", "0.8"]) in ops  # a grey: black ink alone
    assert ("cs", ["/DeviceCMYK"]) in ops and ("sc", ["1", "0.8", "0", "0"]) in ops  # the brand's own values
    assert any(op == "K" for op, _ in ops) and not any(op in ("rg", "RG") for op, _ in ops)
    assert ("Tj", ["0 0 0 rg"]) in ops  # a string is text, not an operator
    other = tmp_path / "other.pdf"
    pdf.save(other)
    assert not [p for p in pdfx.preflight(other) if "RGB" in p.message]
