"""Print-readiness read back from pixels and boxes: backgrounds in the bleed, crop marks outside it, QR
codes' quiet zone, size for their reading distance, error level and place inside the safe area; line
breaking of display type; and a `materials check` that leaves nothing behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import segno
from PIL import Image, ImageDraw

from materials import printing
from materials.campaign import load
from materials.printing import checks, typeset

MM = 72 / 25.4


def _page_raster(path: Path, dpi: float) -> tuple[Any, tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    document = pdfium.PdfDocument(str(path))
    page = document[0]
    boxes = page.get_mediabox(), page.get_bleedbox(), page.get_trimbox()
    image = page.render(scale=dpi / 72).to_pil().convert("RGB")
    page.close()
    document.close()
    return image, *boxes


def test_background_runs_into_the_bleed_and_crop_marks_sit_outside_it(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    image, media, bleed, trim = _page_raster(dest / "posters/apply/apply-A4-en.pdf", 72)  # 1 px = 1 pt
    green = tuple(int(campaign.settings.brand.primary[i:i + 2], 16) for i in (1, 3, 5))

    def px(x_pt: float, y_pt: float) -> tuple[int, int, int]:  # PDF space (y up) to raster pixels
        return image.getpixel((round(x_pt - media[0]), round(media[3] - y_pt)))

    middle_x, middle_y = (trim[0] + trim[2]) / 2, (trim[1] + trim[3]) / 2
    for x, y in ((trim[0] - 1.5 * MM, middle_y), (trim[2] + 1.5 * MM, middle_y),
                 (middle_x, trim[1] - 1.5 * MM), (middle_x, trim[3] + 1.5 * MM)):
        assert all(abs(a - b) < 8 for a, b in zip(px(x, y), green, strict=True)), (x, y, px(x, y))
    # Crop marks: hairlines outside the BleedBox in line with the trim's corners, none inside the bleed.
    def darkest(points: list[tuple[float, float]]) -> int:  # a 0.25 pt line may straddle two pixels
        return min(sum(px(x, y)) for x, y in points)

    marks = [darkest([(trim[0] + d, media[1] + 3) for d in (-1, 0, 1)]),
             darkest([(media[0] + 3, trim[1] + d) for d in (-1, 0, 1)]),
             darkest([(trim[2] + d, media[3] - 3) for d in (-1, 0, 1)])]
    assert all(m < 600 for m in marks), marks
    assert sum(px(trim[0] + 3, media[1] + 3)) > 750  # beside a mark: white paper
    inside_bleed = image.crop((round(bleed[0] - media[0]), round(media[3] - bleed[3]),
                               round(bleed[2] - media[0]), round(media[3] - bleed[1]))).convert("L")
    assert inside_bleed.crop((0, 0, 8, 8)).getextrema()[0] > 60  # the corner of the bleed: green, no mark


def _check(**overrides: Any) -> checks.Check:
    values: dict[str, Any] = dict(path="x.pdf", file="x.pdf", kind="poster", width_mm=100, height_mm=100,
                                  link="HTTPS://EXAMPLE.ORG/A", pages=1, png=None, safe_mm=5.0, bleed_mm=6.0,
                                  cells=[(0.0, 0.0, 100.0, 100.0)], qr_mm=40.0, qr_min_mm=30.0, qr_level="M")
    values.update(overrides)
    return checks.Check(**values)


def _page_with_code(left_mm: float, width_mm: float, level: str = "m", px_per_mm: int = 4) -> Image.Image:
    """A 100 mm white page at `px_per_mm` with a code (quiet zone included) `width_mm` wide at `left_mm`."""
    code = segno.make_qr("HTTPS://EXAMPLE.ORG/A", error=level, boost_error=False)
    modules = code.symbol_size(border=4)[0]
    scale = max(1, round(width_mm * px_per_mm / modules))
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"qr-{os.getpid()}.png"
    code.save(str(path), kind="png", scale=scale, border=4)
    symbol = Image.open(path).convert("L")
    path.unlink()
    page = Image.new("L", (100 * px_per_mm, 100 * px_per_mm), 255)
    page.paste(symbol, (round(left_mm * px_per_mm), 30 * px_per_mm))
    return page


def test_codes_pass_when_sized_placed_and_quiet() -> None:
    page = _page_with_code(left_mm=20, width_mm=40)
    assert checks.codes(_check(), page, "page 1", px_per_mm=4) == []


def test_codes_too_small_for_their_reading_distance() -> None:
    page = _page_with_code(left_mm=20, width_mm=40)
    found = [str(p) for p in checks.codes(_check(qr_min_mm=60.0), page, "page 1", px_per_mm=4)]
    assert any("must be at least 60 mm" in p and "0.6 m" in p for p in found), found


def test_codes_closer_than_the_safe_margin() -> None:
    page = _page_with_code(left_mm=2, width_mm=40)
    found = [str(p) for p in checks.codes(_check(), page, "page 1", px_per_mm=4)]
    assert any("closer than 5 mm to the trim" in p for p in found), found


def test_codes_with_something_in_the_quiet_zone() -> None:
    page = _page_with_code(left_mm=20, width_mm=40)
    # a rule drawn 1.5 modules left of the symbol: the code still decodes, but the quiet zone is broken
    draw = ImageDraw.Draw(page)
    module = 40 * 4 / segno.make_qr("HTTPS://EXAMPLE.ORG/A", error="m", boost_error=False).symbol_size(border=4)[0]
    x = 20 * 4 + 2.5 * module
    top = 30 * 4 + 4 * module
    draw.rectangle((round(x), round(top), round(x + module * 0.6), round(top + 20 * module)), fill=0)
    found = [str(p) for p in checks.codes(_check(), page, "page 1", px_per_mm=4)]
    assert any("quiet zone left of the code" in p for p in found), found


def test_codes_with_the_wrong_error_level() -> None:
    page = _page_with_code(left_mm=20, width_mm=40, level="l")
    found = [str(p) for p in checks.codes(_check(qr_level="Q"), page, "page 1", px_per_mm=4)]
    assert any("error level L; the settings ask for Q" in p for p in found), found


def test_verify_holds_a_folder_to_the_current_settings(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    """The same folder, checked against stricter settings: codes too small for a longer reading distance,
    the wrong error level, and booklet text inside a wider safe margin are all reported."""
    campaign, dest = rendered
    root = tmp_path / "campaign"
    shutil.copytree(campaign.root, root, ignore=shutil.ignore_patterns("output"))
    toml = root / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'poster_qr_error = "H"\nsafe_margin_mm = 16\n'
                    "reading_distance_m = { A4 = 3.0, A5 = 0.5, A6 = 0.4, billboard = 6.0 }\n", encoding="utf-8")
    found = [str(p) for p in printing.verify(load(root), dest)]
    assert any("apply-A4-en.pdf" in p and "must be at least 300 mm" in p for p in found), found
    assert any("apply-A4-zh-CN.pdf" in p and "error level Q; the settings ask for H" in p for p in found), found
    assert any(p.startswith("booklet/faq-A5-en.pdf") and "closer than 16 mm" in p for p in found), found


@pytest.mark.parametrize(
    ("text", "lang", "marked", "expected"),
    [
        ("扫码申领 “健康码”", "zh-CN", True,
         '<span class="phrase">扫码申领</span>\u200b<span class="phrase"><span class="halt">“</span>健康码”</span>'),
        ("用手机扫描二维码，立即申报", "zh-CN", False,
         '<span class="phrase">用手机扫描二维码，</span>\u200b<span class="phrase">立即申报</span>'),
        ("Scan to get your health QR code", "en", False, "Scan to get your health QR\u00a0code"),
        ("Go <now>", "en", False, "Go &lt;now&gt;"),
    ],
)
def test_display_type_breaks_only_between_phrases(text: str, lang: str, marked: bool, expected: str) -> None:
    assert str(typeset.display(text, lang, marked=marked)) == expected


def test_validate_leaves_nothing_behind_and_writes_no_output(print_campaign: Path) -> None:
    """Validation (what `materials check` runs) lays every page out in a private temporary folder that its
    plan holds, never under output/; closing the plan removes it (no module cache, no exit handler)."""
    from materials.printing import TARGET

    with TARGET.validate(load(print_campaign)) as plan:
        assert plan.problems == []
        folder = plan.folder
        # The pages it laid out (render adds the cached ones, the playlists, the article and manifest.json).
        assert folder is not None and any(folder.rglob("*.pdf"))
    assert not folder.exists() and plan.folder is None
    assert not (print_campaign / "output").exists()
