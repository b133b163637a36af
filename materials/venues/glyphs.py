"""The venue's own text on a poster: shaped with HarfBuzz, broken into lines, fitted to its slot, and the
PDF fonts of exactly the glyphs a file prints.

Text is shaped with the run's font pack (materials/venues/fontpack.py: the campaign family, Noto Sans CJK
SC by default, cut down to the run's characters). The pack is CID-keyed CFF whose CIDs are its glyph ids
(materials/fontsubset.py), and each file's font is cut from the pack keeping those CIDs in its charset
(HarfBuzz's subsetter writes the source's CIDs there), so a page's content stream shows glyphs by their
CID through `Identity-H`: the same bytes whichever font subset the file embeds, and every code a CID of
the embedded charset (ISO 32000-1 9.7.4.2). That is what lets a district file reuse every venue's page
content with one font subset for the whole district.
"""

from __future__ import annotations

import functools
import hashlib
import io
import itertools
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from materials import scripts
from materials.i18n import _
from materials.venues.fontpack import FontPack

#: Resource names of the venue text's fonts in every page (the static layer is the form XObject /S).
FONT_NAMES = {"regular": "V0", "bold": "V1"}
LINE_HEIGHT = 1.2
#: Where a line may break, by script (materials/scripts.py).
NO_START, NO_END, _wide = scripts.NO_START, scripts.NO_END, scripts.wide


class Face:
    """One weight of the pack: HarfBuzz font for shaping, CIDs and widths for the PDF."""

    def __init__(self, data: bytes, weight: str) -> None:
        import uharfbuzz as hb
        from fontTools.ttLib import TTFont

        self.weight = weight
        self.data = data
        self.hb_face = hb.Face(data)
        self.hb_font = hb.Font(self.hb_face)
        self.upem = self.hb_face.upem
        extents = self.hb_font.get_font_extents("ltr")
        self.ascender, self.descender = extents.ascender / self.upem, extents.descender / self.upem
        charset = TTFont(io.BytesIO(data), lazy=True)["CFF "].cff.topDictIndex[0].charset
        self.cid_of = [0 if name == ".notdef" else int(name[3:]) for name in charset]
        self.gid_of = {cid: gid for gid, cid in enumerate(self.cid_of)}
        head = self.hb_face.reference_table("head").data
        self.bbox = struct.unpack(">4h", head[36:44])
        self.psname = self.hb_face.get_name(6) or f"VenueSans-{weight}"
        # ToUnicode: each glyph's lowest code point in the pack's cmap (the same in every file).
        text: dict[int, str] = {}
        for code in sorted(self.hb_face.unicodes, reverse=True):
            gid = self.hb_font.get_nominal_glyph(code)
            if gid:
                text[self.cid_of[gid]] = chr(code)
        self.text_of_cid = text
        self._widths: dict[int, int] = {}
        self._shaped: dict[tuple[str, str], list[tuple[int, int, int]]] = {}

    def width(self, cid: int) -> int:
        """Advance of a glyph in thousandths of an em (the PDF's W array)."""
        found = self._widths.get(cid)
        if found is None:
            found = self._widths[cid] = round(self.hb_font.get_glyph_h_advance(self.gid_of[cid]) * 1000 / self.upem)
        return found

    def shape(self, text: str, language: str) -> list[tuple[int, int, int]]:
        """(cid, advance in thousandths of an em, cluster = index of its first character) for each glyph.

        Kept per process: a name is shaped once however many sizes it is tried at, and the category and
        district texts and labels once for every poster."""
        key = (text, language)
        found = self._shaped.get(key)
        if found is None:
            if len(self._shaped) > 4096:
                self._shaped.clear()
            found = self._shaped[key] = self._shape(text, language)
        return found

    def _shape(self, text: str, language: str) -> list[tuple[int, int, int]]:
        import uharfbuzz as hb

        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        buffer.language = scripts.script(language).shaping
        hb.shape(self.hb_font, buffer, {})
        scale = 1000 / self.upem
        return [(self.cid_of[info.codepoint], round(pos.x_advance * scale), info.cluster)
                for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)]


@functools.lru_cache(maxsize=4)
def faces(pack: FontPack) -> dict[str, Face]:
    """The pack's faces, made once per process (and pack)."""
    return {weight: Face(data, weight) for weight, data in pack.faces}


Colour = tuple[float, float, float, float]


@dataclass(frozen=True)
class Style:
    weight: str
    size: float
    colour: Colour
    #: Letter spacing in em.
    tracking: float = 0.0
    #: Space before and after the run, in pt (the `|` between category and district).
    pad: float = 0.0


@dataclass
class Piece:
    """What cannot be broken across lines: a Chinese character, a Latin word with its trailing space."""

    style: Style
    #: (cid, shaped advance, the font's advance), thousandths of an em.
    glyphs: list[tuple[int, int, int]]
    width: float
    #: Width of trailing spaces, not counted at the end of a line.
    trail: float = 0.0
    language: str = ""
    #: The text of glyphs the font's cmap does not name (a contextual form of a digit, say), for ToUnicode.
    texts: dict[int, str] = field(default_factory=dict)


@dataclass
class Line:
    pieces: list[Piece] = field(default_factory=list)

    @property
    def width(self) -> float:
        if not self.pieces:
            return 0.0
        return sum(p.width for p in self.pieces) - self.pieces[-1].trail

    @property
    def size(self) -> float:
        return max((p.style.size for p in self.pieces), default=0.0)


_TOKEN = re.compile(r"\s+|[^\s]")


def pieces(faces_: dict[str, Face], runs: Sequence[tuple[str, Style, str]]) -> list[Piece]:
    """Shape each run (text, style, language) and cut it where a line may break."""
    out: list[Piece] = []
    for text, style, language in runs:
        if not text:
            continue
        shaped = faces_[style.weight].shape(text, language)
        face = faces_[style.weight]
        per_char: dict[int, list[tuple[int, int, int]]] = {}
        texts: dict[int, str] = {}
        clusters = [*sorted({cluster for _, _, cluster in shaped}), len(text)]
        ends = dict(itertools.pairwise(clusters))
        for cid, advance, cluster in shaped:
            per_char.setdefault(cluster, []).append((cid, advance, face.width(cid)))
            if cid not in face.text_of_cid:
                texts[cid] = min(texts.get(cid, "\uffff"), text[cluster:ends[cluster]])
        current: Piece | None = None
        first = len(out)
        for index, char in enumerate(text):
            glyphs = per_char.get(index, [])
            width = (sum(a for _, a, _ in glyphs) / 1000 + (style.tracking if glyphs else 0)) * style.size
            space = char.isspace()
            joins = current is not None and (
                space or char in NO_START or (not _wide(char) and not current.trail
                                              and not _wide(text[index - 1]) and text[index - 1] not in NO_START)
                or text[index - 1] in NO_END)
            if current is None or not joins:
                current = Piece(style, [], 0.0, language=language)
                out.append(current)
            current.glyphs.extend(glyphs)
            current.texts.update((cid, texts[cid]) for cid, _, _ in glyphs if cid in texts)
            current.width += width
            current.trail = current.trail + width if space else 0.0
        if style.pad and len(out) > first:
            out[first].width += style.pad
            out[-1].width += style.pad
    return out


def break_lines(items: list[Piece], width: float, max_lines: int) -> list[Line] | None:
    """Greedy line filling; None when the text needs more than `max_lines` lines or a piece is too wide."""
    lines = [Line()]
    for piece in items:
        line = lines[-1]
        if line.pieces and line.width + piece.width - piece.trail > width + 0.01:
            if piece.width - piece.trail > width + 0.01:
                return None
            lines.append(Line())
            if len(lines) > max_lines:
                return None
        elif not line.pieces and piece.width - piece.trail > width + 0.01:
            return None
        lines[-1].pieces.append(piece)
    return lines


def line_ops(line: Line, x: float, baseline: float) -> bytes:
    """PDF text operators of one line from (x, baseline): consecutive pieces of one style in one TJ."""
    out = []
    style: Style | None = None
    codes: list[str] = []
    cursor = x

    def flush() -> None:
        if codes:
            out.append(f"[{''.join(codes)}] TJ")
            codes.clear()

    for piece in line.pieces:
        pad = piece.style.pad
        if piece.style is not style or pad:
            flush()
            style = piece.style
            c, m, y, k = style.colour
            out.append(f"/{FONT_NAMES[style.weight]} {style.size:g} Tf {style.tracking * style.size:g} Tc "
                       f"{c:g} {m:g} {y:g} {k:g} k 1 0 0 1 {cursor + pad:.3f} {baseline:.3f} Tm")
        codes.append(_codes(piece.glyphs))
        cursor += piece.width
    flush()
    return ("\n".join(out) + "\n").encode() if out else b""


def _codes(glyphs: list[tuple[int, int, int]]) -> str:
    """A TJ string of CIDs; where shaping moved a glyph (kerning), the difference as a TJ number."""
    parts = ["<"]
    for cid, advance, width in glyphs:
        parts.append(f"{cid:04x}")
        if advance != width:
            parts.append(f">{width - advance}<")
    parts.append(">")
    return "".join(parts).replace("<>", "")


def paragraph_ops(lines: list[Line], box: tuple[float, float, float, float], faces_: dict[str, Face],
                  valign: str = "top") -> bytes:
    """Lines centred in `box` = (left, bottom, width, height), PDF points; from the top or centred vertically."""
    left, bottom, width, height = box
    face = next(iter(faces_.values()))
    total = sum(line.size * LINE_HEIGHT for line in lines)
    top = bottom + height - (max(0.0, height - total) / 2 if valign == "middle" else 0.0)
    parts = [b"BT\n"]
    for line in lines:
        size = line.size
        # As CSS does: the line box is size x line-height, the font's ascent and descent centred in it.
        baseline = top - ((LINE_HEIGHT - (face.ascender - face.descender)) / 2 + face.ascender) * size
        parts.append(line_ops(line, left + (width - line.width) / 2, baseline))
        top -= size * LINE_HEIGHT
    parts.append(b"ET\n")
    return b"".join(parts)


def height(lines: list[Line]) -> float:
    return sum(line.size * LINE_HEIGHT for line in lines)


# ---- the fonts of a file ----------------------------------------------------------------------------------


def used(content_cids: Iterable[tuple[str, int]]) -> dict[str, tuple[int, ...]]:
    found: dict[str, set[int]] = {}
    for weight, cid in content_cids:
        found.setdefault(weight, set()).add(cid)
    return {weight: tuple(sorted(cids)) for weight, cids in sorted(found.items())}


def cff_subset(face: Face, cids: Sequence[int]) -> bytes:
    """The bare CFF of the pack's glyphs `cids` (plus .notdef), their CIDs kept, no hinting."""
    import uharfbuzz as hb

    subset_input = hb.SubsetInput()
    glyphs = subset_input.glyph_set
    glyphs.add(0)
    for cid in cids:
        glyphs.add(face.gid_of[cid])
    subset_input.flags = (hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NO_LAYOUT_CLOSURE |
                          hb.SubsetFlags.DESUBROUTINIZE | hb.SubsetFlags.NOTDEF_OUTLINE)
    drop = subset_input.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for tag in face.hb_face.table_tags:
        if tag != "CFF ":
            drop.add(_tag(tag))
    result = hb.subset(face.hb_face, subset_input)
    if result is None:
        raise RuntimeError(_("HarfBuzz could not subset the {weight} font pack").format(weight=face.weight))
    return bytes(result.reference_table("CFF ").data)


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


def to_unicode(face: Face, cids: Sequence[int], texts: dict[int, str]) -> bytes:
    """The ToUnicode CMap of a font's glyphs (copy and search of the printed text): a glyph's text is its
    lowest code point in the font's cmap, else the text it was shaped from (`texts`)."""
    entries = [(cid, face.text_of_cid.get(cid) or texts[cid]) for cid in cids
               if cid in face.text_of_cid or texts.get(cid)]
    blocks = []
    for start in range(0, len(entries), 100):
        chunk = entries[start:start + 100]
        rows = "\n".join(f"<{cid:04x}> <{text.encode('utf-16-be').hex()}>" for cid, text in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{rows}\nendbfchar")
    return ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n" + "\n".join(blocks) +
            "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n").encode()


def read_to_unicode(cmap: bytes) -> dict[int, str]:
    """The glyph texts of a ToUnicode CMap that `to_unicode` wrote."""
    return {int(cid, 16): bytes.fromhex(text.decode()).decode("utf-16-be")
            for cid, text in re.findall(rb"<([0-9a-f]{4})> <([0-9a-f]+)>", cmap)}


def pdf_font(pdf: Any, face: Face, cids: Sequence[int], texts: dict[int, str]) -> Any:
    """A Type0 font object in `pdf` (pikepdf) that embeds exactly `cids` of `face`."""
    from pikepdf import Array, Dictionary, Name, String

    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(repr((face.psname, tuple(cids))).encode()).digest()[:6])
    base = Name(f"/{tag}+{face.psname}")
    # `first last width` for every glyph: plain numbers, no nested array per glyph (each costs an object).
    widths = Array([value for cid in cids for value in (cid, cid, face.width(cid))])
    descriptor = Dictionary(
        Type=Name.FontDescriptor, FontName=base, Flags=4, FontBBox=Array(list(face.bbox)), ItalicAngle=0,
        Ascent=round(face.ascender * 1000), Descent=round(face.descender * 1000), CapHeight=733,
        StemV=80 if face.weight == "regular" else 140,
        FontFile3=pdf.make_stream(cff_subset(face, cids), Subtype=Name.CIDFontType0C))
    cid_font = Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType0, BaseFont=base, FontDescriptor=pdf.make_indirect(descriptor),
        CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("Identity"), Supplement=0),
        DW=1000, W=widths)
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=base, Encoding=Name("/Identity-H"),
        DescendantFonts=Array([pdf.make_indirect(cid_font)]), ToUnicode=pdf.make_stream(to_unicode(face, cids, texts))))
