"""The shipped Tianjin campaign's print run, end to end: every material, size, edition and image."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from materials.build import build

pytestmark = pytest.mark.slow


def test_shipped_print_build(shipped_root: Path, tmp_path: Path) -> None:
    result = build(shipped_root, tmp_path / "out", only="print")  # renders, then verifies (raises on a problem)
    folder = result.outputs["print"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["materials"]
    by_kind: dict[str, int] = {}
    for entry in manifest:
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], 0) + 1
    posters = {p.stem for p in (shipped_root / "posters").glob("*.md")}
    assert len(posters) >= 4
    assert by_kind["poster"] == len(posters) * 4 * 3  # A4, A3, A2, billboard x zh-CN, en, bilingual
    assert by_kind["booklet"] == 6  # A5 and A4 per language for the press, and a screen edition per language
    assert by_kind["guide"] == 3
    assert by_kind["card"] >= 4 * 3
    assert by_kind["wechat-article"] == 2
    assert by_kind["screen"] >= (len(posters) + 4) * 2 * 3
    billboard = [e for e in manifest if e["size"] == "billboard"]
    assert billboard and all(e["link"].endswith("ch=billboard") for e in billboard)
    check_channels(folder, manifest, len(posters))


def check_channels(folder: Path, manifest: list[dict[str, object]], posters: int) -> None:
    """Issue 13's "done when" on the shipped campaign, measured on the rendered files."""
    from PIL import Image
    from test_channels import ink, inked

    covers = sorted((folder / "wechat").glob("*-cover-*.png"))
    assert len(covers) == posters * 2
    for path in covers:
        with Image.open(path) as image:
            mask = ink(image)
        left = (image.width - image.height) // 2
        assert inked(mask, (left, 0, left + image.height, image.height)) / inked(mask) >= 0.7, path
        assert path.with_name(path.name.replace("-cover-", "-square-")).is_file()
    screens = sorted((folder / "screens").rglob("*.png"))
    assert len(screens) == sum(1 for e in manifest if e["kind"] == "screen")
    for path in screens:
        with Image.open(path) as image:
            mask = ink(image)
            mx, my = round(image.width * 0.05), round(image.height * 0.05)
            assert inked(mask) == inked(mask, (mx, my, image.width - mx, image.height - my)), path
    for lang in ("zh-CN", "en"):
        html = (folder / "wechat" / f"faq-article-{lang}.html").read_text("utf-8")
        assert not re.search(r"<(?:a|script|style)\b|\s(?:class|id|href)=", html)
        assert len(re.findall(r"<h3 [^>]*>\d+\. ", html)) == 40  # every question, numbered
        assert (folder / "screens" / "hall" / f"playlist-{lang}.m3u8").is_file()
    assert len(list((folder / "billboards").glob("*.pdf"))) == posters * 2
