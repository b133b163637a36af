"""Does every code a PDF draws select a real glyph, as ISO 32000 reads it (not as poppler guesses)?

A Type0 font draws 2-byte codes through `Identity-H`, so a code is a CID. What a CID selects depends on the
descendant font (ISO 32000-1 9.7.4.2):
- CIDFontType0 with a CID-keyed CFF (Noto Sans CJK): the CFF charset maps the CID to a glyph. A CID that the
  charset lacks selects `.notdef`: Ghostscript, MuPDF and every RIP that follows the standard print boxes or
  blanks. Poppler falls back to using the code as a glyph index, so its renders hide the fault.
- CIDFontType0 with a name-keyed CFF: the CID is the glyph index.
- CIDFontType2 (TrueType): `CIDToGIDMap` (Identity or a table) gives the glyph index; it must exist.

The checker reads content streams with pikepdf (pages, form XObjects, annotation appearances) and fonts with
fontTools, so it is independent of any renderer. Used by `materials check --output` on every PDF we write.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from materials.errors import Problem
from materials.i18n import _

#: Codes listed in a message; the count says how many more.
SHOWN = 8

Glyphs = Callable[[int], bool]


@dataclass
class _Font:
    name: str
    has: Glyphs | None  # None: a font we do not check (simple fonts, not embedded, another CMap)
    missing: set[int] = field(default_factory=set)
    drawn: int = 0


def cff_glyphs(data: bytes, opentype: bool) -> Glyphs:
    """Which CIDs a CFF (bare, or inside an OpenType font) can draw."""
    from fontTools.cffLib import CFFFontSet

    if opentype:
        from fontTools.ttLib import TTFont

        cff = TTFont(io.BytesIO(data), lazy=True)["CFF "].cff
    else:
        cff = CFFFontSet()
        cff.decompile(io.BytesIO(data), None)
    top = cff.topDictIndex[0]
    charset = top.charset
    if hasattr(top, "ROS"):  # CID-keyed: the charset names the CIDs
        cids = frozenset(0 if name == ".notdef" else int(name[3:]) for name in charset)
        return cids.__contains__
    count = len(charset)
    return lambda cid: cid < count


def truetype_glyphs(data: bytes | None, cid_to_gid: Any) -> Glyphs:
    """Which CIDs a CIDFontType2 can draw: through CIDToGIDMap to a glyph the font has."""
    count = 0xFFFF
    if data is not None:
        from fontTools.ttLib import TTFont

        count = TTFont(io.BytesIO(data), lazy=True)["maxp"].numGlyphs
    if cid_to_gid is None or str(cid_to_gid) == "/Identity":
        return lambda cid: cid < count
    table = cid_to_gid.read_bytes()
    gids = struct.unpack(f">{len(table) // 2}H", table[: len(table) // 2 * 2])
    return lambda cid: cid == 0 or (cid < len(gids) and 0 < gids[cid] < count)


def _font(font: Any) -> _Font:
    name = str(font.get("/BaseFont", "?")).lstrip("/")
    if str(font.get("/Subtype")) != "/Type0" or str(font.get("/Encoding")) not in ("/Identity-H", "/Identity-V"):
        return _Font(name, None)
    descendant = font.DescendantFonts[0]
    descriptor = descendant.get("/FontDescriptor")
    if descriptor is None:
        return _Font(name, None)
    subtype = str(descendant.get("/Subtype"))
    try:
        if subtype == "/CIDFontType0" and "/FontFile3" in descriptor:
            stream = descriptor.FontFile3
            return _Font(name, cff_glyphs(stream.read_bytes(), str(stream.get("/Subtype")) == "/OpenType"))
        if subtype == "/CIDFontType2":
            stream = descriptor.get("/FontFile2")
            return _Font(name, truetype_glyphs(stream.read_bytes() if stream is not None else None,
                                               descendant.get("/CIDToGIDMap")))
    except Exception as error:  # an unreadable font program is itself what a RIP rejects
        broken = _Font(name, lambda cid: False)
        broken.name = _("{name} (unreadable font program: {error})").format(name=name, error=error)
        return broken
    return _Font(name, None)


def _codes(operands: Any, op: str) -> Iterator[int]:
    import pikepdf

    strings: list[Any] = []
    if op == "TJ":
        strings = [item for item in operands[0] if isinstance(item, pikepdf.String)] if operands else []
    elif operands:
        strings = [operands[-1]]
    for string in strings:
        raw = bytes(string)
        yield from struct.unpack(f">{len(raw) // 2}H", raw[: len(raw) // 2 * 2])


class _Walker:
    def __init__(self) -> None:
        self.fonts: dict[tuple[int, int], _Font] = {}
        self.seen: set[tuple[int, int]] = set()

    def font(self, font: Any) -> _Font:
        key = font.objgen
        found = self.fonts.get(key) if key != (0, 0) else None
        if found is None:
            found = _font(font)
            if key != (0, 0):
                self.fonts[key] = found
        return found

    def walk(self, stream: Any, resources: Any) -> None:
        import pikepdf

        fonts = resources.get("/Font", {}) if resources is not None else {}
        xobjects = resources.get("/XObject", {}) if resources is not None else {}
        current: _Font | None = None
        stack: list[_Font | None] = []
        for instruction in pikepdf.parse_content_stream(stream):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            op, operands = str(instruction.operator), instruction.operands
            if op == "q":
                stack.append(current)
            elif op == "Q" and stack:
                current = stack.pop()
            elif op == "Tf" and operands:
                font = fonts.get(str(operands[0]))
                current = self.font(font) if font is not None else None
            elif op in ("Tj", "TJ", "'", '"'):
                if current is not None and current.has is not None:
                    for cid in _codes(operands, op):
                        current.drawn += 1
                        if not current.has(cid):
                            current.missing.add(cid)
            elif op == "Do" and operands:
                xobject = xobjects.get(str(operands[0]))
                if xobject is not None and str(xobject.get("/Subtype")) == "/Form":
                    self.form(xobject)

    def form(self, xobject: Any) -> None:
        import pikepdf

        if xobject.objgen != (0, 0):
            if xobject.objgen in self.seen:
                return
            self.seen.add(xobject.objgen)
        self.walk(xobject, xobject.get("/Resources", pikepdf.Dictionary()))


def undrawable(pdf: Any) -> list[tuple[str, int, list[int]]]:
    """(font, codes drawn, sorted codes outside the font) for every font of an open pikepdf.Pdf that draws a
    code its font program cannot select."""
    import pikepdf

    walker = _Walker()
    for page in pdf.pages:
        walker.walk(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()))
        for annotation in page.obj.get("/Annots", []):
            appearance = annotation.get("/AP", {}).get("/N")
            if isinstance(appearance, pikepdf.Stream):
                walker.form(appearance)
    return [(font.name, font.drawn, sorted(font.missing)) for font in walker.fonts.values() if font.missing]


def check(path: str | Path, *, name: str | None = None) -> list[Problem]:
    """One problem per font whose drawn codes are not all glyphs of its font program."""
    import pikepdf

    label = name or str(path)
    try:
        pdf = pikepdf.open(path)
    except (OSError, pikepdf.PdfError) as error:
        return [Problem(label, None, None, _("not a readable PDF ({error})").format(error=error))]
    with pdf:
        found = undrawable(pdf)
    problems = []
    for font, drawn, missing in found:
        shown = ", ".join(str(cid) for cid in missing[:SHOWN]) + (f" and {len(missing) - SHOWN} more"
                                                                  if len(missing) > SHOWN else "")
        problems.append(Problem(label, None, None,
                                _("font {font} draws {count} codes (of {drawn} drawn) that its font program "
                                  "does not have (CIDs {shown}): print RIPs and Ghostscript show .notdef boxes "
                                  "there").format(font=font, count=len(missing), drawn=drawn, shown=shown)))
    return problems
