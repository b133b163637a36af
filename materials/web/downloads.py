"""Offer the print target's files on the "tips and posters" page.

The print target writes `output/print/manifest.json`: one entry per material with its title per language,
kind, size, language and the paths of its PDF and PNG preview relative to output/print. When that folder
exists the files are copied into the site (`downloads/`), so the site stays self-contained on any static
host; when it does not, the page shows its texts only and links nothing that would 404.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from materials.errors import MaterialsError

if TYPE_CHECKING:
    from materials.campaign import Campaign

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
KIND_LABELS = {
    "poster": {"zh-CN": "海报", "en": "Poster"},
    "tip": {"zh-CN": "提示牌", "en": "Tips sign"},
    "tips": {"zh-CN": "提示牌", "en": "Tips sign"},
    "booklet": {"zh-CN": "问答手册", "en": "FAQ booklet"},
    "screen": {"zh-CN": "电子屏图片", "en": "Display-screen image"},
    "wechat": {"zh-CN": "微信图片", "en": "WeChat image"},
    "billboard": {"zh-CN": "广告牌", "en": "Billboard"},
}


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def _entries(data: Any) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("materials", "items", "files"):
            if isinstance(data.get(key), list):
                return list(data[key])
    raise ValueError("expected a list of materials (or an object with a `materials` list)")


def _inside(print_dir: Path, rel: Any, label: str, index: int, key: str) -> Path | None:
    if rel in (None, ""):
        return None
    if not isinstance(rel, str):
        raise MaterialsError(f"{label} item {index}: {key} must be a path string")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        raise MaterialsError(f"{label} item {index}: {key} {rel!r} must be a path inside the print folder")
    path = print_dir / pure
    if not path.is_file():
        raise MaterialsError(f"{label} item {index}: {key} {rel!r} does not exist; rebuild with "
                             "`materials build --only print` before the web target")
    return path


def _per_language(value: Any, languages: list[str]) -> dict[str, str]:
    if isinstance(value, dict):
        first = next((str(v) for v in value.values() if v), "")
        return {lang: str(value.get(lang) or first) for lang in languages}
    return dict.fromkeys(languages, "" if value is None else str(value))


def collect(campaign: Campaign, print_dir: Path | None, dest: Path) -> list[dict[str, Any]]:
    """Copy the print files into `dest/downloads` and describe them for the tips template."""
    if print_dir is None or not (print_dir / MANIFEST).is_file():
        log.info("no print output found; the tips page shows its texts without downloads")
        return []
    label = f"{print_dir.name}/{MANIFEST}"
    try:
        entries = _entries(json.loads((print_dir / MANIFEST).read_text(encoding="utf-8")))
    except (ValueError, UnicodeDecodeError) as e:
        raise MaterialsError(f"{label}: cannot read the print manifest ({e}); rebuild the print target") from None
    languages = campaign.languages
    items: list[dict[str, Any]] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise MaterialsError(f"{label} item {index}: expected an object with title, kind, pdf")
        pdf = _inside(print_dir, entry.get("pdf"), label, index, "pdf")
        png = _inside(print_dir, entry.get("png") or entry.get("preview"), label, index, "png")
        if pdf is None and png is None:
            if entry.get("html"):
                continue  # the WeChat article: published through WeChat, not offered as a download
            raise MaterialsError(f"{label} item {index}: neither a pdf nor a png path")
        kind = str(entry.get("kind") or "")
        item: dict[str, Any] = {
            "id": str(entry.get("id") or ""),
            "title": _per_language(entry.get("title") or kind, languages),
            "text": _per_language(entry.get("text") or entry.get("summary"), languages),
            "kind_label": _per_language(KIND_LABELS.get(kind, kind), languages),
            "size": str(entry.get("size") or ""),
            "lang": entry.get("language") if entry.get("language") in languages else None,
            "pdf": None,
            "png": None,
        }
        for key, path in (("pdf", pdf), ("png", png)):
            if path is None:
                continue
            rel = path.relative_to(print_dir).as_posix()
            target = dest / "downloads" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            item[key] = f"downloads/{rel}"
            item[f"{key}_size"] = human_size(path.stat().st_size)
        if png is not None:
            item["png_width"], item["png_height"] = _png_size(png)
        items.append(item)
    return items


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, so the page reserves the image's space (no layout shift)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise MaterialsError(f"{path.name}: not a PNG file")
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def materials_texts(campaign: Campaign, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every poster and tip with its words per language and its downloads (if the print target ran).

    The words come from the campaign's posters/ and tips/ sources (read by the print target's loader),
    so the page says what each material says even before any PDF exists. Downloads whose id matches
    no source are listed on their own at the end, never dropped.
    """
    from materials.printing import sources

    if any((campaign.root / folder).is_dir() for folder in (sources.POSTER_DIR, sources.TIP_DIR)):
        found, problems = sources.load(campaign)
    else:
        found, problems = [], []  # a campaign without print materials: only downloads, if any
    for problem in problems:
        log.warning("%s (the tips page shows the materials that could be read)", problem)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_id.setdefault(item["id"], []).append(item)
    out: list[dict[str, Any]] = []
    for material in found:
        words = {}
        for lang in campaign.languages:
            w = material.words.get(lang) or material.words[campaign.primary_language]
            body = campaign.markdown(w.body, lang=lang, channel="portal") if w.body.strip() else ""
            words[lang] = {"headline": w.headline, "body": body, "lang": w.lang}
        out.append({"id": material.id, "kind": material.kind, "words": words,
                    "downloads": by_id.pop(material.id, [])})
    for material_id, rest in by_id.items():
        first = rest[0]
        out.append({"id": material_id, "kind": "other",
                    "words": {lang: {"headline": first["title"][lang], "body": "", "lang": lang}
                              for lang in campaign.languages},
                    "downloads": rest})
    return out
