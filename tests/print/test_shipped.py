"""The shipped Tianjin campaign's print run, end to end: every material, size, edition and image."""

from __future__ import annotations

import json
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
