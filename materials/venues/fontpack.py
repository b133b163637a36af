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
    cached = {weight: cache / f"{digest}-{weight}.otf" if cache else None for weight in WEIGHTS}
    missing = [(weight, path, index) for weight, (path, index) in zip(WEIGHTS, sources, strict=True)
               if cached[weight] is None or not cached[weight].is_file()]  # type: ignore[union-attr]
    made: dict[str, bytes] = {}
    if missing:
        log.log(DETAIL, _("font pack: %d characters of %s (%s)"), len(chars), family,
                 ", ".join(_(WEIGHT_NAMES.get(w, w)) for w, _path, _index in missing))
        made = {weight: subset(path, index, chars) for weight, path, index in missing}
    faces = []
    for weight in WEIGHTS:
        target = cached[weight]
        if weight in made:
            if target is not None:
                write_atomic(target, made[weight])
            faces.append((weight, made[weight]))
        else:
            assert target is not None
            faces.append((weight, target.read_bytes()))
    return FontPack(family, digest, tuple(faces))
