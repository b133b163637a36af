"""A small font for one venue run: the campaign family cut down to the characters the run prints.

Why: WeasyPrint subsets each PDF's fonts but keeps glyph ids, so a poster that uses one Chinese glyph
with id 40,000 still embeds a glyph table 40,000 entries long (~80 KB per weight of Noto Sans CJK). A
font that holds only the few thousand characters of the list has low glyph ids, and each per-venue PDF
drops from ~250 KB to ~40 KB. Made once per run (cached by its characters), shipped to every worker.
"""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from materials.errors import MaterialsError
from materials.output import write_atomic

log = logging.getLogger(__name__)

#: Bumped when the way the pack is made changes, so cached packs are rebuilt.
PACK_VERSION = "2"
WEIGHTS = ("regular", "bold")

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


def face_file(family: str, weight: str) -> tuple[Path, int]:
    """(file, index) of a family's weight, resolved by fontconfig the way WeasyPrint resolves it."""
    pattern = f"{family}:lang=zh-cn" + (":weight=bold" if weight == "bold" else "")
    out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}\n%{index}\n", pattern],
                         capture_output=True, text=True, check=False).stdout.splitlines()
    if len(out) < 3 or family.lower() not in out[0].lower():
        raise MaterialsError(f"font family {family!r} ({weight}) is not installed; install fonts-noto-cjk")
    return Path(out[1]), int(out[2] or 0)


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t; typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t; typedef uint32_t hb_codepoint_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
void hb_set_clear(hb_set_t *set);
void hb_set_invert(hb_set_t *set);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
# hb_subset_sets_t and hb_subset_flags_t values (hb-subset.h, stable since HarfBuzz 2.9).
_SETS_UNICODE, _SETS_NAME_ID, _SETS_LAYOUT_FEATURE_TAG = 1, 4, 6
_FLAG_NOTDEF_OUTLINE = 0x40


def _subset_harfbuzz(path: Path, index: int, chars: str) -> bytes:
    """Cut the face down with libharfbuzz-subset (the library WeasyPrint itself subsets with).

    ~40 ms for 3,000 characters of Noto Sans CJK where fontTools takes ~4 s a weight: on a fresh
    10,000-venue run that was 8-15 s of the budget. Every layout feature and name is kept (as before).
    """
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    hb: Any = ffi.dlopen("libharfbuzz.so.0")
    hbs: Any = ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        raise MaterialsError(f"cannot read font file {path}")
    face = hb.hb_face_create(blob, index)
    subset_input = hbs.hb_subset_input_create_or_fail()
    try:
        unicodes = hbs.hb_subset_input_set(subset_input, _SETS_UNICODE)
        for char in chars:
            hb.hb_set_add(unicodes, ord(char))
        for kind in (_SETS_LAYOUT_FEATURE_TAG, _SETS_NAME_ID):
            every = hbs.hb_subset_input_set(subset_input, kind)
            hb.hb_set_clear(every)
            hb.hb_set_invert(every)
        hbs.hb_subset_input_set_flags(subset_input, _FLAG_NOTDEF_OUTLINE)
        result = hbs.hb_subset_or_fail(face, subset_input)
        if result == ffi.NULL:
            raise MaterialsError(f"cannot cut font {path} down to the run's characters")
        out_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = bytes(ffi.buffer(hb.hb_blob_get_data(out_blob, length), length[0]))
        hb.hb_blob_destroy(out_blob)
        hb.hb_face_destroy(result)
        return data
    finally:
        hbs.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def _subset_fonttools(path: Path, index: int, chars: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    options = subset.Options()
    options.layout_features = ["*"]  # keep kerning and CJK punctuation forms for shaping
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    # The pack's bytes must depend only on its inputs (reproducible PDFs): fix the head timestamps.
    font["head"].modified = font["head"].created
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _subset(path: Path, index: int, chars: str) -> bytes:
    try:
        return _subset_harfbuzz(path, index, chars)
    except OSError:  # no libharfbuzz-subset0: the slow, pure-Python way
        log.warning("libharfbuzz-subset not found; cutting the font pack with fontTools (slow)")
        return _subset_fonttools(path, index, chars)


def make_pack(family: str, text: str, cache: Path | None) -> FontPack:
    """The pack for every character of `text` (plus BASE_CHARS), from the cache when it is there."""
    chars = "".join(sorted(set(text + BASE_CHARS) - {"\n", "\r", "\t"}))
    sources = [face_file(family, weight) for weight in WEIGHTS]
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
        log.info("font pack: %d characters of %s (%s)", len(chars), family, ", ".join(w for w, _, _ in missing))
        made = {weight: _subset(path, index, chars) for weight, path, index in missing}
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
