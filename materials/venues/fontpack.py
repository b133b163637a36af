"""A small font for one venue run: the campaign family cut down to the characters the run prints.

Why: WeasyPrint subsets each PDF's fonts but keeps glyph ids, so a poster that uses one Chinese glyph
with id 40,000 still embeds a glyph table 40,000 entries long (~80 KB per weight of Noto Sans CJK). A
font that holds only the few thousand characters of the list has low glyph ids, and each per-venue PDF
drops from ~250 KB to ~40 KB. Made once per run (cached by its characters), shipped to every worker.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from materials import localcache, safefile
from materials.fonts import font_file
from materials.fontsubset import subset
from materials.i18n import N_, _
from materials.log import DETAIL
from materials.output import write_atomic

log = logging.getLogger(__name__)

#: Bumped when the way the pack is made changes, so cached packs are rebuilt.
PACK_VERSION = "3"
WEIGHTS = ("regular", "bold")
#: The weights as the font-pack line names them.
WEIGHT_NAMES = {"regular": N_("regular"), "bold": N_("bold")}

#: Always present: digits, Latin and the punctuation of dates, addresses and codes.
#: Only the characters a run prints are added: a pack with the 6,763 GB2312 hanzi as a stable base was
#: measured at ~99 KB per poster and 40 s to make, so a list that gains or loses a character simply makes
#: a new pack and re-renders (the run's other inputs, such as a reprint, re-render only their venue).
BASE_CHARS = "".join(chr(c) for c in range(0x20, 0x7F)) + "·–—‘’“”…、。，：；！？（）《》「」【】年月日号路街道区市"


@dataclass(frozen=True)
class FontPack:
    """The subset fonts of a run: bytes per weight and a hash that names them."""

    family: str
    digest: str
    faces: tuple[tuple[str, bytes], ...]

    def write(self, folder: Path) -> dict[str, Path]:
        """Write the faces into `folder` (once per process) and return weight -> file."""
        paths = {}
        for weight, data in self.faces:
            path = folder / f"{self.digest}-{weight}.otf"
            if not path.exists():
                write_atomic(path, data)
            paths[weight] = path
        return paths


def make_pack(family: str, text: str, cache: Path | None) -> FontPack:
    """The pack for every character of `text` (plus BASE_CHARS), from the cache when it is there."""
    chars = "".join(sorted(set(text + BASE_CHARS) - {"\n", "\r", "\t"}))
    sources = [font_file(family, weight) for weight in WEIGHTS]
    key = hashlib.sha256()
    key.update(f"{PACK_VERSION}\0{family}\0{chars}".encode())
    for path, index in sources:
        stat = path.stat()
        key.update(f"\0{path}\0{index}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    digest = key.hexdigest()[:20]
    cache = _trusted(cache)
    kept = _kept(cache, digest) if cache is not None else {}
    missing = [(weight, path, index) for weight, (path, index) in zip(WEIGHTS, sources, strict=True)
               if weight not in kept]
    made: dict[str, bytes] = {}
    if missing:
        log.log(DETAIL, _("font pack: %d characters of %s (%s)"), len(chars), family,
                 ", ".join(_(WEIGHT_NAMES.get(w, w)) for w, _path, _index in missing))
        made = {weight: subset(path, index, chars) for weight, path, index in missing}
    faces = tuple((weight, kept[weight] if weight in kept else made[weight]) for weight in WEIGHTS)
    if made and cache is not None:
        shas = {weight: hashlib.sha256(data).hexdigest() for weight, data in faces}
        record = localcache.seal("fonts", digest, {"faces": shas})
        if record is not None:
            for weight, data in made.items():
                write_atomic(cache / f"{digest}-{weight}.otf", data)
            write_atomic(cache / f"{digest}.json", record)
    return FontPack(family, digest, faces)


def _trusted(cache: Path | None) -> Path | None:
    """The font cache folder if it is a real folder (every folder from the campaign down, for the campaign's
    own `.materials/cache/fonts`) and this machine has its cache secret (materials.localcache)."""
    if cache is None:
        return None
    parts = Path(".materials/cache/fonts").parts
    if cache.parts[-len(parts):] == parts:
        return localcache.folder(cache.parents[len(parts) - 1], "/".join(parts))
    return localcache.folder(cache.parent, cache.name)


def _kept(cache: Path, digest: str) -> dict[str, bytes]:
    """The faces of the pack `digest` this machine made before: its record sealed, each face a plain file of
    the cache with the sha256 the record names (anything else is made again)."""
    record = localcache.read_record(cache, f"{digest}.json", "fonts", digest)
    faces = record.get("faces") if record is not None else None
    if not isinstance(faces, dict):
        return {}
    kept = {}
    for weight in WEIGHTS:
        data = localcache.read_blob(cache, f"{digest}-{weight}.otf", str(faces.get(weight)), safefile.IMAGE)
        if data is not None:
            kept[weight] = data
    return kept
