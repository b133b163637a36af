"""The two layers of a venue poster: the static layer (rendered once by WeasyPrint, shared as one form
XObject) and each venue's own text and code composed onto it. Checked on the written PDFs: their objects,
colours, fonts and boxes (pikepdf), their text and rasters (pypdfium2), never their bytes against a golden.
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest

from materials.campaign import load
from materials.errors import MaterialsError
from materials.fonts import font_file
from materials.venues import renderer, static
from materials.venues.fontpack import FontPack
from materials.venues.run import Options, Plan, _jobs, make_plan, read_and_check, run

PACKAGE = Path(renderer.__file__).parent
#: Colour operators of RGB and of colour spaces chosen by name (`sc`, `scn` after an RGB `cs`).
RGB = re.compile(rb"(?<![^\s])(rg|RG)(?=\s)|/DeviceRGB|/CalRGB")


def _plan(venue_campaign: Path, size: str = "A4") -> Plan:
    campaign = load(venue_campaign)
    listing = read_and_check(campaign, venue_campaign / "venues.csv", False)
    return make_plan(campaign, listing, Options(size=size), None)


def _streams(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Stream, bytes]]:
    fonts = ("/CIDFontType0C", "/OpenType", "/Type1C")
    return [(obj, obj.read_bytes()) for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") not in fonts and "/Length1" not in obj]


def _forms(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    return [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form"]


@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_static_layer_is_one_shared_object_in_venue_and_district_files(
    venue_campaign: Path, venue_rows: Callable[..., str], tmp_path: Path, size: str
) -> None:
    (venue_campaign / "venues.csv").write_text(venue_rows(9, seed=5), encoding="utf-8")
    out = tmp_path / size
    run(load(venue_campaign), venue_campaign / "venues.csv", out, Options(size=size))
    plan = _plan(venue_campaign, size)
    job = _jobs(plan, plan.venues)[0]
    art = static.static_art(job.templates, job.static_fonts, job.poster)
    assert static.static_art(job.templates, job.static_fonts, job.poster) is art, "rendered once per process"
    venue_contents = {}
    layer = set()
    for path in sorted(out.glob("*/*.pdf")):
        with pikepdf.open(path) as pdf:
            page = pdf.pages[0].obj
            assert set(page.Resources.XObject.keys()) == {"/S"}
            layer.add(page.Resources.XObject.S.read_bytes())
            assert set(page.Resources.Font.keys()) <= {"/V0", "/V1"}
            venue_contents[path.stem] = pdf.pages[0].obj.Contents.read_bytes()
            assert venue_contents[path.stem].startswith(b"q /S Do Q\n")
    assert len(layer) == 1, "every venue draws the same static layer"
    for district in out.glob("*.pdf"):
        with pikepdf.open(district) as pdf:
            shared = {page.obj.Resources.XObject.S.objgen for page in pdf.pages}
            assert len(shared) == 1, f"{district.name}: one static XObject for all pages"
            fonts = {name: font.objgen for page in pdf.pages for name, font in page.obj.Resources.Font.items()}
            assert set(fonts) <= {"/V0", "/V1"}
            assert len(_forms(pdf)) == len(_forms(pikepdf.open(next(out.glob("*/*.pdf"))))), \
                "no copy of the static layer per page"
            contents = [page.obj.Contents.read_bytes() for page in pdf.pages]
        ids = sorted(p.stem for p in (out / district.stem).glob("*.pdf"))
        if size == "A6":  # four stickers to a sheet, each the venue's own page moved into its slot
            for index, venue_id in enumerate(ids):
                assert venue_contents[venue_id] in contents[index // 4]
        else:
            assert contents == [venue_contents[i] for i in ids], "district pages are the venues' own pages"


def test_print_colours_are_k_only_with_trim_bleed_and_crop_marks_outside(venue_campaign: Path,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    run(load(venue_campaign), venue_campaign / "venues.csv", out, Options())
    for path in [*out.glob("*/*.pdf"), *out.glob("*.pdf")]:
        with pikepdf.open(path) as pdf:
            for obj, data in _streams(pdf):
                assert not RGB.search(data), f"{path.name}: RGB colour in a content stream"
                assert "RGB" not in repr(obj.stream_dict), f"{path.name}: an RGB group or colour space"
            content = pdf.pages[0].obj.Contents.read_bytes()
    assert b"q 0 0 0 1 k\n" in content, "the QR code is filled in K only"

    path = next(out.glob("*/*.pdf"))
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        assert [round(float(v), 2) for v in page.trimbox] == [0, 0, 595.28, 841.89]
        assert [round(float(v), 2) for v in page.obj.BleedBox] == [-10, -10, 605.28, 851.89]
        assert [round(float(v), 2) for v in page.mediabox] == [-17.01, -17.01, 612.28, 858.90]
    document = pdfium.PdfDocument(path)
    image = document[0].render(scale=4).to_pil().convert("L")  # 4 px a point; the media box from its top left

    def px(x: float, y: float) -> int:
        return int(image.getpixel((round((x + 17.01) * 4), round((858.90 - y) * 4))))

    # Crop marks in line with the trim's edges, between the BleedBox and the media edge ...
    for x, y in [(0, -14), (595.28, -14), (-14, 0), (-14, 841.89), (609, 0), (0, 855)]:
        assert px(x, y) < 128, f"no crop mark at ({x}, {y})"
    # ... and none inside the bleed: the bottom corners of the bleed are white.
    for x, y in [(-5, -5), (600, -5), (-5, 3), (3, -5)]:
        assert px(x, y) > 230, f"a mark or colour inside the bleed at ({x}, {y})"
    # The band's colour runs into the bleed at the top.
    assert px(300, 846) < 200


def test_sc_glyph_forms_embedded_fonts_and_extractable_text(venue_campaign: Path, tmp_path: Path,
                                                           write_list: Callable[[str, str], Path]) -> None:
    # 直 and 骨 are drawn differently for Chinese and Japanese readers (the Japanese face is fontconfig's
    # default for Noto Sans CJK without a language).
    listing = write_list("forms.csv", "id,name,district,category,address\n"
                                      "HP-1,直骨社区,和平区,社区,和平区直骨路1号\n")
    out = tmp_path / "out"
    run(load(venue_campaign), listing, out, Options())
    path = out / "heping" / "HP-1.pdf"
    sc_path, sc_index = font_file("Noto Sans CJK SC", "bold")
    jp_path, jp_index = font_file("Noto Sans CJK JP", "bold")
    from fontTools.cffLib import CFFFontSet
    from fontTools.pens.recordingPen import DecomposingRecordingPen
    from fontTools.ttLib import TTFont

    def outline(path: Path, index: int, char: str) -> list[Any]:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            glyphs = font.getGlyphSet()
            pen = DecomposingRecordingPen(glyphs)
            glyphs[font.getBestCmap()[ord(char)]].draw(pen)
            return pen.value

    with pikepdf.open(path) as pdf:
        fonts = [f for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
                 and o.get("/Subtype") == "/Type0" for f in [o]]
        assert fonts
        for font in fonts:
            descriptor = font.DescendantFonts[0].FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
        bold = pdf.pages[0].obj.Resources.Font.V1
        cmap = bold.ToUnicode.read_bytes().decode()
        printed = {bytes.fromhex(u).decode("utf-16-be"): int(c, 16)
                   for c, u in re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", cmap)}
        content = pdf.pages[0].obj.Contents.read_bytes().decode("latin-1")
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(bold.DescendantFonts[0].FontDescriptor.FontFile3.read_bytes()), None)
    top = cff.topDictIndex[0]
    for char in "直骨":
        # The glyph the code selects through the embedded charset (as a RIP reads it) is drawn like the
        # Simplified Chinese face's, not like the Japanese one's.
        name = f"cid{printed[char]:05d}"
        assert name in top.charset, f"{char}: its code is not a CID of the embedded font"
        pen = DecomposingRecordingPen(top.CharStrings)
        top.CharStrings[name].draw(pen)
        assert pen.value == outline(sc_path, sc_index, char), f"{char}: not the Simplified Chinese form"
        assert pen.value != outline(jp_path, jp_index, char), f"{char}: the fixture cannot tell SC from JP"
        assert f"{printed[char]:04x}" in content, f"{char} is not printed with the glyph its ToUnicode names"
    text = pdfium.PdfDocument(path)[0].get_textpage().get_text_range()
    assert "直骨社区" in text and "和平区直骨路1号" in text and "HP-1-" in text


@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_longest_names_are_fitted_inside_their_slot(venue_campaign: Path, tmp_path: Path, size: str,
                                                    fixture_file: Callable[[str], Path]) -> None:
    listing = fixture_file("longest.csv")
    out = tmp_path / size
    run(load(venue_campaign), listing, out, Options(size=size))
    plan = _plan(venue_campaign, size)
    art = static.static_art(plan.templates, plan.static_fonts, plan.poster)
    name = listing.read_text(encoding="utf-8").splitlines()[1].split(",")[1]
    textpage = pdfium.PdfDocument(next(out.glob("*/*.pdf")))[0].get_textpage()
    text = textpage.get_text_range()
    start = text.find(name[:6])
    assert start >= 0, text
    found = [i for i in range(start, len(text)) if not text[i].isspace()][:len(name)]
    assert "".join(text[i] for i in found) == name
    left, bottom, width, height = art.slots["venue"]
    bottoms = []
    for index in found:
        x0, y0, x1, y1 = textpage.get_charbox(index)  # PDF user space: points from the trim's bottom left
        assert left - 0.5 <= x0 and x1 <= left + width + 0.5, f"{size}: the name leaves its slot sideways"
        assert bottom - 0.5 <= y0 and y1 <= bottom + height + 0.5, f"{size}: the name leaves its slot"
        bottoms.append(y0)
    bottoms.sort()
    lines = 1 + sum(1 for a, b in itertools.pairwise(bottoms) if b - a > 5)
    # A4 and A5 set it on two lines; an A6 sticker's slot is too low for two lines and all the rest.
    assert lines == (1 if size == "A6" else 2), f"{size}: the longest name on {lines} lines"


def test_jobs_and_reruns_write_the_same_bytes(venue_campaign: Path, tmp_path: Path,
                                              venue_rows: Callable[..., str]) -> None:
    (venue_campaign / "venues.csv").write_text(venue_rows(12, seed=9), encoding="utf-8")
    campaign = load(venue_campaign)
    listing = venue_campaign / "venues.csv"
    run(campaign, listing, tmp_path / "one", Options(jobs=1))
    with ProcessPoolExecutor(max_workers=2) as pool:
        run(campaign, listing, tmp_path / "two", Options(executor=pool))
    run(campaign, listing, tmp_path / "again", Options(jobs=1, resume=False))

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    one = files(tmp_path / "one")
    assert any(name.endswith(".pdf") and "/" not in name for name in one), "district files are compared too"
    assert files(tmp_path / "two") == one
    assert files(tmp_path / "again") == one


def _own_templates(campaign: Path, old: str, new: str) -> None:
    """The built-in venue templates as the campaign's own, with `old` replaced by `new`."""
    from materials.templating import BUILTIN

    folder = campaign / "templates" / "venues"
    folder.mkdir(parents=True)
    for source in (BUILTIN / "venues").iterdir():
        (folder / source.name).write_text(source.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_template_without_a_slot_is_a_clear_error(venue_campaign: Path, tmp_path: Path) -> None:
    _own_templates(venue_campaign, '{{ slot("qr") }}', "")
    with pytest.raises(MaterialsError, match="no slot `qr`"):
        run(load(venue_campaign), venue_campaign / "venues.csv", tmp_path / "out", Options())
    assert not (tmp_path / "out").exists()


def test_an_rgb_colour_in_the_template_is_refused(venue_campaign: Path, tmp_path: Path) -> None:
    _own_templates(venue_campaign, "device-cmyk(0 0 0 0.27)", "#bbb")
    with pytest.raises(MaterialsError, match="RGB colour"):
        run(load(venue_campaign), venue_campaign / "venues.csv", tmp_path / "out", Options())


def test_the_venue_engine_uses_public_apis_only() -> None:
    # No import of WeasyPrint's or pydyf's internals, no assignment to anything of theirs.
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in ("weasyprint", "pydyf") or node.module == "weasyprint", \
                    f"{path.name} imports {node.module}"
                if node.module == "weasyprint":
                    assert {a.name for a in node.names} <= {"HTML", "CSS"}, f"{path.name}: weasyprint internals"
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] not in ("weasyprint", "pydyf") for a in node.names), path.name
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    assert "weasyprint" not in ast.unparse(target) and "pydyf" not in ast.unparse(target)


def _font_folder(digest: str) -> str:
    pack = FontPack("Venue Sans", digest, (("regular", b"not a font"),))
    _, folder = static.font_faces(pack)
    assert folder.is_dir()
    return str(folder)


def test_font_folders_are_removed_when_the_process_ends() -> None:
    # A pool worker (ends through multiprocessing) ...
    with ProcessPoolExecutor(max_workers=1) as pool:
        folder = pool.submit(_font_folder, "0123456789abcdef0123").result()
        assert Path(folder).is_dir()
    assert not Path(folder).exists(), "a worker left its font folder behind"
    # ... and a plain process (ends through the interpreter's exit).
    code = ("from tests.venues.test_layers import _font_folder; "
            "print(_font_folder('fedcba9876543210fedc'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    folder = out.stdout.strip()
    assert folder and not Path(folder).exists(), "the process left its font folder behind"
