"""Cut a font face down to a set of characters: once per run, instead of once per PDF.

WeasyPrint subsets every font it embeds but keeps glyph ids, and Noto Sans CJK has 65,000 glyphs: each
PDF would carry tables spanning them and pay ~20 ms per weight to subset the whole face. The print and
venue targets therefore cut the configured family down to the characters their run prints, once, and give
WeasyPrint that small font through `@font-face`.

The cut font's glyphs are renumbered 0..n, and its CID-keyed CFF charset is rewritten so that each glyph's
CID is its new glyph id (`_identity_charset`). Both subsetters keep the source font's CIDs in the charset
(glyph 673 stays CID 63,282), while WeasyPrint, and a PDF reader's `Identity-H` encoding, take the code in
the text as the CID: with the source's CIDs kept, every code looks up a CID the charset lacks and selects
`.notdef` (ISO 32000-1 9.7.4.2), which Ghostscript, MuPDF and print RIPs draw as boxes or blanks.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from materials.errors import MaterialsError
from materials.i18n import _

log = logging.getLogger(__name__)

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
    """libharfbuzz-subset (the library WeasyPrint itself subsets with): ~40 ms for 3,000 characters of
    Noto Sans CJK where fontTools takes ~4 s a weight. Every layout feature (vertical forms, locl,
    kerning) and name is kept."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef(_HB_CDEF)
    hb: Any = ffi.dlopen("libharfbuzz.so.0")
    hbs: Any = ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        raise MaterialsError(_("cannot read font file {path}").format(path=path))
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
            raise MaterialsError(_("cannot cut font {path} down to the run's characters").format(path=path))
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
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, recalcTimestamp=False)
    options = ft_subset.Options()
    options.layout_features = ["*"]  # keep kerning and CJK punctuation forms for shaping
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = ft_subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    # The subset's bytes must depend only on its inputs (reproducible PDFs): fix the head timestamps.
    font["head"].modified = font["head"].created
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _identity_charset(data: bytes) -> bytes:
    """The OpenType font `data` with a CID-keyed CFF whose charset says CID = glyph id. The charset is
    overwritten in place with one format-2 range (5 bytes, never longer than the charset it replaces), so
    no offset moves and every other table, which refers to glyphs by id, is copied as it is: ~2 ms where
    rebuilding the CFF with fontTools takes ~130 ms for 1,600 glyphs. A name-keyed CFF or a TrueType font
    is returned unchanged (there the code in the text is the glyph id)."""
    from fontTools.cffLib import CFFFontSet
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables.DefaultTable import DefaultTable

    font = TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
    if "CFF " not in font:
        return data
    cff_data = font.reader["CFF "]
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(cff_data), None)
    top = cff.topDictIndex[0]
    if "ROS" not in top.rawDict:
        return data
    glyphs = int.from_bytes(cff_data[top.rawDict["CharStrings"]:][:2], "big")
    offset = top.rawDict["charset"]
    old = _charset_length(cff_data, offset, glyphs)
    new = bytes([2]) + (1).to_bytes(2, "big") + (glyphs - 2).to_bytes(2, "big") if glyphs > 1 else bytes([0])
    if len(new) > old:
        raise MaterialsError(_("cannot renumber the CIDs of a font subset with fewer than three glyphs"))
    if cff_data[offset:offset + len(new)] == new:
        return data
    table = DefaultTable("CFF ")
    table.data = cff_data[:offset] + new + cff_data[offset + len(new):]
    font["CFF "] = table
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=False)
    return buffer.getvalue()


def _charset_length(cff: bytes, offset: int, glyphs: int) -> int:
    """Bytes of the CFF charset at `offset` that covers `glyphs` glyphs (formats 0, 1 and 2)."""
    form, at, covered = cff[offset], offset + 1, 1
    if form == 0:
        return 1 + 2 * (glyphs - 1)
    size = 3 if form == 1 else 4
    while covered < glyphs:
        covered += int.from_bytes(cff[at + 2:at + size], "big") + 1
        at += size
    return at - offset


def subset(path: Path, index: int, chars: str) -> bytes:
    """The face `index` of font file `path`, cut down to `chars` (an OpenType font file's bytes), its
    CIDs equal to its glyph ids."""
    try:
        data = _subset_harfbuzz(path, index, chars)
    except OSError:  # no libharfbuzz-subset0: the slow, pure-Python way
        log.warning(_("libharfbuzz-subset not found; cutting %s with fontTools (slow)"), path.name)
        data = _subset_fonttools(path, index, chars)
    return _identity_charset(data)
