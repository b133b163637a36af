"""Offer the print target's files on the "tips and posters" page.

The print target writes `output/print/manifest.json` (docs/print.md): one entry per file with its material
id, kind (`poster`, `tip`, `card`, `guide`, `booklet`, `screen`, `wechat-cover`, `wechat-article`), size,
edition (a campaign language or `bilingual`), title per language and the paths of its PDF and PNG relative
to output/print. When that folder exists, the home editions (`home_pdf`: A4 and A5 without bleed or crop
marks, materials/printing/home.py) are copied into the site (`downloads/`) so the site stays self-contained
on any static host; press, billboard, display-screen and WeChat files are never published. When the folder
does not exist, the page shows the materials' words only and links nothing that would 404.

Each material gets one download table: a row per kind and size, a column per edition. The PNG preview of
each PDF is not copied whole: the page shows a small thumbnail (two widths, for `srcset`) cut from the
preview of the page language's edition, so the page stays light on a phone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from materials.errors import MaterialsError, OutputError
from materials.i18n import _
from materials.printing.manifest import NAME as MANIFEST
from materials.printing.manifest import ManifestEntry, PrintManifest, material_texts

if TYPE_CHECKING:
    from materials.campaign import Campaign

log = logging.getLogger(__name__)

BILINGUAL = "bilingual"
#: Kinds that are a material's own print files (the first row group of its table), in row order.
MAIN_KINDS = ("poster", "tip", "guide", "booklet")
#: Every other kind, in row order after the main ones. Unknown kinds follow, by name.
EXTRA_KINDS = ("card", "screen", "wechat-cover")
#: Sections of the page, in order (see `section_of`).
SECTIONS = ("poster", "tip", "guide", "booklet", "other")
#: Widths in CSS pixels x1 and x2 of the preview thumbnail (matches `.material img` in site.css).
THUMB_WIDTHS = (160, 320)
PAPER_SIZE = re.compile(r"^[ABC]\d+$")


@dataclass(frozen=True)
class Download:
    """One file the tips page offers: a manifest entry's home edition, copied into the site."""

    id: str
    kind: str
    size: str
    size_text: str
    edition: str
    """A campaign language, or `bilingual`."""
    titles: dict[str, str]
    href: str
    """The copy in the site, relative to its root (`downloads/...`)."""
    bytes: str
    """Its size for people (`1.2 MB`)."""
    preview: Path | None
    """The PDF's PNG preview in the print folder: cut into thumbnails, not offered as a file."""
    preview_name: str
    format: str = "PDF"


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


def _inside(print_dir: Path, rel: str | None, label: str, index: int, key: str) -> Path | None:
    if rel is None:
        return None
    path = print_dir / PurePosixPath(rel)  # PrintManifest has refused absolute paths and `..`
    if not path.is_file():
        raise MaterialsError(_("{label} item {index}: {key} {rel!r} does not exist; rebuild with "
                               "`materials build --only print` before the web target").format(label=label, index=index,
                                                                                              key=key, rel=rel))
    return path


def _size_text(size: str, entry: ManifestEntry) -> str:
    """"1920x1080" -> "1920 × 1080 px", "hall 1920x1080" (a screen kind) -> "hall 1920 × 1080 px"; a named
    size without a paper name gets its measure in mm."""
    if re.fullmatch(r"(?:[a-z][\w-]* )?\d+x\d+", size):
        return re.sub(r"(\d+)x(\d+)$", r"\1 × \2", size) + " px"
    width, height = entry.width_mm, entry.height_mm
    if not PAPER_SIZE.match(size) and "(" not in size and width and height and width > 0 and height > 0:
        return f"{width:g} × {height:g} mm"
    return size


def printed(print_dir: Path | None) -> PrintManifest | None:
    """The print folder's manifest (its files and the words print read), or None without a print build."""
    if print_dir is None or not (print_dir / MANIFEST).is_file():
        log.info(_("no print output found; the tips page shows its texts without downloads"))
        return None
    return PrintManifest.read(print_dir, f"{print_dir.name}/{MANIFEST}")


def collect(campaign: Campaign, print_dir: Path, manifest: PrintManifest, dest: Path) -> list[Download]:
    """Copy the print files `manifest` names in `print_dir` into `dest/downloads` and describe each one for the
    tips page."""
    label = f"{print_dir.name}/{MANIFEST}"
    languages = campaign.languages
    items: list[Download] = []
    for index, entry in enumerate(manifest.materials, start=1):
        pdf = _inside(print_dir, entry.pdf, label, index, "pdf")
        png = _inside(print_dir, entry.png, label, index, "png")
        if pdf is None and png is None:
            if entry.html:
                continue  # the WeChat article: published through WeChat, not offered as a download
            raise MaterialsError(_("{label} item {index}: neither a pdf nor a png path").format(label=label,
                                                                                                index=index))
        # Citizens get what an office printer prints right; press, billboard, screen and WeChat files are
        # production files for the print shop and the channels, never on the public site.
        pdf = _inside(print_dir, entry.home_pdf, label, index, "home_pdf")
        if pdf is None:
            continue
        offered = pdf
        for path in (pdf, png):
            _refuse_foreign(path, print_dir)
        rel = offered.relative_to(print_dir).as_posix()
        target = dest / "downloads" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(offered, target)
        if png is not None:
            png_size(png)  # a preview or image that is not a PNG is a broken print folder: say so now
        kind = entry.kind or "other"
        items.append(Download(
            id=entry.id or kind, kind=kind, size=entry.size, size_text=_size_text(entry.size, entry),
            edition=entry.language if entry.language in languages else BILINGUAL,
            titles={k: v for k, v in entry.title.items() if v}, href=f"downloads/{rel}",
            bytes=human_size(offered.stat().st_size),
            # The PNG is the PDF's preview: shown as a thumbnail, not offered as a file.
            preview=png,
            # Thumbnail names come from the whole relative path: stems may repeat across folders.
            preview_name=png.relative_to(print_dir).with_suffix("").as_posix().replace("/", "-") if png else ""))
    return items


def _refuse_foreign(path: Path | None, print_dir: Path) -> None:
    """Only the print folder's own regular files are published: a symbolic link (to the signing key, say) or a
    file that is not what its name says would be copied into the public site."""
    if path is None:
        return
    if path.is_symlink() or not path.resolve().is_relative_to(print_dir.resolve()) or not path.is_file():
        raise OutputError(_("{path} is not a regular file of {print_dir} (a symbolic link or a special file); the "
                            "website publishes only the print build's own files. Remove it and run "
                            "`materials build --only print` again").format(path=path, print_dir=print_dir))
    magic = b"%PDF-" if path.suffix == ".pdf" else b"\x89PNG"
    with path.open("rb") as handle:
        if handle.read(5)[:len(magic)] != magic:
            raise OutputError(_("{path} is not a {upper} file; the website publishes only the "
                                "print build's own files. Run `materials build --only print` again").format(
                                    path=path, upper=path.suffix[1:].upper()))


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link when print and web output share a disk (they do under output/): megabytes of PDFs and
    screen images then cost nothing. The print target replaces its folder whole on rebuild (a new
    inode per file), so a linked file never changes under the published site."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, so the page reserves the image's space (no layout shift)."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise MaterialsError(_("{name}: not a PNG file").format(name=path.name))
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _kind_rank(kind: str) -> tuple[int, str]:
    order = MAIN_KINDS + EXTRA_KINDS
    return (order.index(kind), "") if kind in order else (len(order), kind)


def _size_rank(size: str) -> tuple[int, str]:
    """Paper sizes largest first (A2, A3, A4, A5), then the rest as written ("billboard" last)."""
    if PAPER_SIZE.match(size):
        return (0, f"{size[0]}{int(size[1:]):03d}")
    return (1, size)


def table(items: list[Download], languages: list[str]) -> dict[str, Any]:
    """One material's downloads as rows (kind + size) by edition columns, for the template."""
    editions = [e for e in [*languages, BILINGUAL] if any(i.edition == e for i in items)]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for item in sorted(items, key=lambda i: (_kind_rank(i.kind), _size_rank(i.size))):
        row = rows.setdefault((item.kind, item.size), {
            "kind": item.kind, "main": item.kind in MAIN_KINDS, "size_key": item.size.lower(),
            "size": item.size_text, "cells": {}})
        row["cells"].setdefault(item.edition, item)
    return {"editions": editions, "rows": list(rows.values())}


def thumbnails(items: list[Download], languages: list[str], dest: Path) -> dict[str, dict[str, Any]]:
    """Per page language, a small preview of this material: its own edition's A4 (else first) page."""
    previews = [i for i in items if i.preview is not None and i.kind in MAIN_KINDS] \
        or [i for i in items if i.preview is not None]
    out: dict[str, dict[str, Any]] = {}
    for lang in languages:
        mine = [i for i in previews if i.edition == lang] or [i for i in previews if i.edition == BILINGUAL] \
            or previews
        if not mine:
            continue
        chosen = next((i for i in mine if i.size == "A4"), mine[0])
        assert chosen.preview is not None
        out[lang] = _thumbnail(chosen.preview, chosen.preview_name, dest)
    return out


def _thumbnail(source: Path, name: str, dest: Path) -> dict[str, Any]:
    """Write the preview at THUMB_WIDTHS as palette PNGs (a few KB each); reused when already made."""
    from PIL import Image

    width, height = png_size(source)
    srcset = [(f"downloads/thumbs/{name}-{w}.png", w) for w in THUMB_WIDTHS]
    if not all((dest / rel).exists() for rel, _ in srcset):
        with Image.open(source) as image:
            rgb = image.convert("RGB")
        # Largest first; each smaller width is cut from the one before (cheaper than from the preview).
        for rel, w in sorted(srcset, key=lambda row: -row[1]):
            rgb = rgb.resize((w, round(height * w / width)), Image.Resampling.LANCZOS)
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            # 64 colours are plenty for a poster's flat colours at this size (a few KB); no timestamp is
            # stored. zlib's `optimize` pass would cost 7x the time for 3 % fewer bytes.
            rgb.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(dest / rel, format="PNG")
    return {"src": srcset[0][0], "srcset": srcset, "width": THUMB_WIDTHS[0],
            "height": round(height * THUMB_WIDTHS[0] / width)}


def section_of(kind: str, layout: str = "") -> str:
    if kind == "tip" and layout == "guide":
        return "guide"
    return kind if kind in SECTIONS else "other"


def materials_texts(campaign: Campaign, items: list[Download], dest: Path,
                    manifest: PrintManifest | None = None) -> list[dict[str, Any]]:
    """Every poster and tip with its words per language and its downloads (if the print target ran).

    The words are the print contract's (`printing.manifest.material_texts`): the ones print read, from its
    `manifest` when it was built from these sources (a build reads each source once), else read from
    posters/ and tips/, so the page says what each material says even before any PDF exists. Downloads whose
    id matches no source (the FAQ booklet) get a section of their own kind, never dropped.
    """
    found, problems = material_texts(campaign, manifest)  # no print materials: only downloads, if any
    for problem in problems:
        log.warning(_("%s (the tips page shows the materials that could be read)"), problem)
    languages = campaign.languages
    by_id: dict[str, list[Download]] = {}
    for item in items:
        by_id.setdefault(item.id, []).append(item)
    out: list[dict[str, Any]] = []
    for material in found:
        words = {}
        for lang in languages:
            w = material.words.get(lang) or material.words[campaign.primary_language]
            body = campaign.markdown(w.body, lang=lang, channel="portal") if w.body.strip() else ""
            words[lang] = {"headline": w.headline, "body": body, "lang": w.lang}
        mine = by_id.pop(material.id, [])
        out.append({"id": material.id, "section": section_of(material.kind, material.layout), "words": words,
                    "phrased": True,
                    "downloads": table(mine, languages) if mine else None,
                    "thumbs": thumbnails(mine, languages, dest)})
    for material_id, rest in by_id.items():
        titles: dict[str, str] = {}
        for item in rest:  # each edition's entry may carry only its own language's title
            for lang, text in item.titles.items():
                titles.setdefault(lang, text)
        main = min((i.kind for i in rest), key=_kind_rank)
        words = {}
        for lang in languages:
            text = titles.get(lang) or titles.get("") or next(iter(titles.values()), material_id)
            text_lang = lang if lang in titles else next((k for k in titles if k), lang)
            words[lang] = {"headline": text, "body": "", "lang": text_lang}
        # A manifest title is plain text: its spaces are spaces, not the print headline's phrase marks.
        out.append({"id": material_id, "section": section_of(main), "words": words, "phrased": False,
                    "downloads": table(rest, languages), "thumbs": thumbnails(rest, languages, dest)})
    return out
