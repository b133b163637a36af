"""The venue engine's font-pack cache (`.materials/cache/fonts`) trusts only what this machine made (issue 17, D2)."""

from __future__ import annotations

from pathlib import Path

from materials.venues.fontpack import make_pack

FAMILY = "Noto Sans CJK SC"


def test_a_replaced_font_in_the_cache_is_made_again(tmp_path: Path) -> None:
    (tmp_path / "campaign").mkdir()
    cache = tmp_path / "campaign" / ".materials" / "cache" / "fonts"
    first = make_pack(FAMILY, "宁夏路", cache)
    [regular] = cache.glob(f"{first.digest}-regular.otf")
    regular.write_bytes(b"OTTO a font someone else put there")
    again = make_pack(FAMILY, "宁夏路", cache)
    assert again.faces == first.faces
    assert regular.read_bytes() == dict(first.faces)["regular"]


def test_a_font_cache_linked_out_of_the_campaign_is_not_used(tmp_path: Path) -> None:
    root, outside = tmp_path / "campaign", tmp_path / "outside"
    (root / ".materials").mkdir(parents=True)
    outside.mkdir()
    (root / ".materials" / "cache").symlink_to(outside)
    pack = make_pack(FAMILY, "宁夏路", root / ".materials" / "cache" / "fonts")
    assert dict(pack.faces)["regular"]
    assert list(outside.iterdir()) == []
