"""Poster and tip sources: every mistake a publicity officer can make is a problem naming file and key."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from materials.campaign import load
from materials.printing import sources
from materials.printing.settings import PrintSettings


def problems_of(root: Path) -> list[str]:
    _, problems = sources.load(load(root))
    return [str(p) for p in problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_fixture_sources_are_clean(print_campaign: Path) -> None:
    materials, problems = sources.load(load(print_campaign))
    assert problems == []
    assert [m.id for m in materials] == ["apply", "show-code", "staff-guide"]
    apply = materials[0]
    assert apply.words["zh-CN"].headline == "扫码申领“健康码”"
    assert apply.words["en"].caption == "Scan with your phone to apply now"
    assert "Test City" in apply.words["en"].body or "{{ city }}" in apply.words["en"].body


def test_missing_translation(print_campaign: Path) -> None:
    path = print_campaign / "posters" / "apply.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("::: en")], encoding="utf-8")
    assert any("posters/apply.md" in p and "no en translation" in p for p in problems_of(print_campaign))


def test_unknown_size(print_campaign: Path) -> None:
    edit(print_campaign / "posters" / "apply.md", "icon: scan\n", "icon: scan\nsizes: [A4, B7]\n")
    found = problems_of(print_campaign)
    assert any("posters/apply.md" in p and "sizes" in p and "'B7'" in p for p in found), found


def test_unknown_size_in_settings_is_a_settings_problem(print_campaign: Path) -> None:
    from materials.errors import CampaignError

    edit(print_campaign / "campaign.toml", 'tip_sizes = ["A5"]', 'tip_sizes = ["A9"]')
    with pytest.raises(CampaignError) as error:
        load(print_campaign)
    assert "print" in str(error.value) and "A9" in str(error.value)


def test_unknown_front_matter_key_and_bad_values(print_campaign: Path) -> None:
    edit(print_campaign / "posters" / "apply.md", "theme: green\n", "theme: purple\ncolour: red\n")
    found = problems_of(print_campaign)
    assert any("theme" in p and "purple" in p for p in found)
    assert any("colour" in p and "unknown front-matter field" in p for p in found)


def test_text_outside_a_language_section(print_campaign: Path) -> None:
    edit(print_campaign / "posters" / "apply.md", "::: zh-CN\n", "Stray words\n::: zh-CN\n")
    assert any("outside a language section" in p for p in problems_of(print_campaign))


def test_unknown_fact(print_campaign: Path) -> None:
    edit(print_campaign / "posters" / "apply.md", "{{ city }}", "{{ ctiy }}")
    assert any("unknown fact" in p and "ctiy" in p for p in problems_of(print_campaign))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("missing.png", "does not exist"),
        # Red team 11, #12: both said "through a folder that is a symbolic link", and there was none
        ("../../outside.png", "'../../outside.png' is outside the campaign folder ("),
        ("/etc/passwd", "'/etc/passwd' is outside the campaign folder (/etc/passwd); copy the file into the "
                        "campaign folder"),
        ("https://example.com/x.png", "is a URL"),
        ("file:///etc/passwd", "is a URL"),
        ("big.png", "the limit is"),
        # Red team 11, #11: WeasyPrint logged "Failed to load image" and printed the poster without the picture
        ("one-byte.png", "'one-byte.png' is not a PNG or JPEG picture that can be read (cannot identify image"),
        ("cut.png", "'cut.png' is not a PNG or JPEG picture that can be read"),
        ("wide.png", "'wide.png' has 10,001 × 8,000 pixels; a picture may have at most 80,000,000 (such as 10,000 "
                     "× 8,000), and is refused before it is decoded"),
        ("bomb.png", "'bomb.png' has more than 80,000,000 pixels; a picture may have at most 80,000,000"),
    ],
)
def test_bad_images(print_campaign: Path, value: str, expected: str) -> None:
    (print_campaign / "posters" / "big.png").write_bytes(b"\x89PNG" + b"\0" * 9_000_000)
    (print_campaign.parent / "outside.png").write_bytes(b"\x89PNG")
    (print_campaign / "posters" / "one-byte.png").write_bytes(b"x")
    good = png_header(40, 40, zlib.compress(b"\0" * (40 * 41)))
    (print_campaign / "posters" / "cut.png").write_bytes(good[:len(good) // 2])
    (print_campaign / "posters" / "wide.png").write_bytes(png_header(10_001, 8_000, b""))
    (print_campaign / "posters" / "bomb.png").write_bytes(png_header(30_000, 30_000, b""))
    edit(print_campaign / "posters" / "apply.md", "icon: scan\n", f"icon: scan\nimage: {value}\n")
    found = problems_of(print_campaign)
    assert any("posters/apply.md" in p and "image" in p and expected in p for p in found), found


def test_a_picture_through_a_linked_folder_says_so(print_campaign: Path) -> None:
    outside = print_campaign.parent / "elsewhere"
    outside.mkdir()
    (outside / "x.png").write_bytes(png_header(40, 40, zlib.compress(b"\0" * (40 * 41))))
    (print_campaign / "posters" / "pictures").symlink_to(outside)
    edit(print_campaign / "posters" / "apply.md", "icon: scan\n", "icon: scan\nimage: pictures/x.png\n")
    found = problems_of(print_campaign)
    assert any("'pictures/x.png' leads to" in p and "through a folder that is a symbolic link" in p
               for p in found), found


def png_header(width: int, height: int, pixels: bytes) -> bytes:
    """A greyscale PNG of `width` × `height` whose IDAT holds `pixels` (compressed rows): its header alone names a
    size a file of a few bytes can claim."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))


def test_a_real_png_and_jpeg_pass(print_campaign: Path) -> None:
    from PIL import Image

    Image.new("RGB", (60, 40), "#0b6b3a").save(print_campaign / "posters" / "pic.jpg")
    (print_campaign / "posters" / "pic.png").write_bytes(png_header(40, 40, zlib.compress(b"\0" * (40 * 41))))
    for name in ("pic.jpg", "pic.png"):
        assert sources.raster_problem(print_campaign / "posters" / name, name) is None


def test_duplicate_ids(print_campaign: Path) -> None:
    edit(print_campaign / "tips" / "show-code.md", "id: show-code", "id: apply")
    assert any("duplicate id 'apply'" in p for p in problems_of(print_campaign))


def test_campaign_adds_sizes_without_losing_iso_sizes(print_campaign: Path) -> None:
    toml = print_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[print.sizes.billboard]\nwidth_mm = 3000\nheight_mm = 1000\n"
                    "\n[print.sizes.door]\nwidth_mm = 300\nheight_mm = 800\n", encoding="utf-8")
    settings = PrintSettings.of(load(print_campaign).settings)
    assert settings.sizes["billboard"].width_mm == 3000 and settings.sizes["door"].height_mm == 800
    assert settings.sizes["A4"].width_mm == 210


def test_every_print_setting_is_documented() -> None:
    from materials.printing.settings import PaperSize, PrintSettings

    for model in (PrintSettings, PaperSize):
        for name, field in model.model_fields.items():
            assert field.description and len(field.description) > 15, name


def test_campaign_without_posters_or_tips_prints_the_booklet_only(print_campaign: Path, tmp_path: Path) -> None:
    import shutil

    from materials import printing

    shutil.rmtree(print_campaign / "posters")
    shutil.rmtree(print_campaign / "tips")
    campaign = load(print_campaign)
    assert printing.validate(campaign) == []
    dest = tmp_path / "print"
    printing.render(campaign, dest, {})
    assert sorted(p.name for p in (dest / "booklet").iterdir()) == ["faq-A5-en-screen.pdf", "faq-A5-en.pdf",
                                                                   "faq-A5-zh-CN-screen.pdf", "faq-A5-zh-CN.pdf"]
    assert not (dest / "posters").exists()
    assert printing.verify(campaign, dest) == []
