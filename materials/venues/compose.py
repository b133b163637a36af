"""A venue's page: its own text (name in every language the list gives, category and district, the venue code
line, the address), shaped with HarfBuzz (materials/venues/glyphs.py) and fitted to the static layer's slots,
and its QR code, all composed onto the static layer as one content stream in K only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from materials import scripts
from materials.i18n import _
from materials.venues import glyphs
from materials.venues.codes import qr_operators
from materials.venues.context import Poster, VenueText, cmyk
from materials.venues.static import MIN_PT, PT_PER_MM, StaticArt, scaled_pt

BLACK = (0.0, 0.0, 0.0, 1.0)


def grey(k: float) -> glyphs.Colour:
    return (0.0, 0.0, 0.0, k)


@dataclass(frozen=True)
class PageArt:
    """A venue's page: its content stream (uncompressed), the CIDs it prints per weight, and the text of those
    of its glyphs that the font's cmap does not name (for the fonts' ToUnicode)."""

    content: bytes
    cids: dict[str, tuple[int, ...]]
    texts: dict[str, dict[int, str]] = field(default_factory=dict)
    #: What the page could not print, for the run to warn about (a translated address left off).
    notes: tuple[str, ...] = ()


def _languages(poster: Poster) -> list[str]:
    return [poster.primary, *poster.others]


class TooLong(ValueError):
    pass


def _fit(faces: dict[str, glyphs.Face], runs: list[tuple[str, glyphs.Style, str]], width: float, largest: float,
         smallest: float, lines: int) -> tuple[list[glyphs.Line], float]:
    """The text of `runs` at the largest size (from `largest` down to `smallest`) at which it fits `lines`
    lines of `width`. A long name would rather shrink a little on one line than break: two lines only below
    three quarters of the largest size, and then at most four fifths of it (as the posters always did)."""

    reference = runs[0][1].size  # the runs' styles are at this size; other sizes scale every run alike

    def at(size: float, most: int) -> list[glyphs.Line] | None:
        factor = size / reference
        sized = [(text, glyphs.Style(s.weight, s.size * factor, s.colour, s.tracking, s.pad * factor), lang)
                 for text, s, lang in runs]
        return glyphs.break_lines(glyphs.pieces(faces, sized), width, most)

    one = at(largest, 1)
    if one is not None:
        return one, largest
    natural = sum(p.width for p in glyphs.pieces(faces, runs)) or 1.0
    single = reference * width / natural * 0.999
    if lines == 1 or single >= largest * 0.75:
        found = at(max(single, smallest), 1)
        if found is not None:
            return found, max(single, smallest)
        if lines == 1:
            raise TooLong(_("does not fit on one line"))
    size = max(min(largest * 0.8, single * lines), smallest)
    while True:
        found = at(size, lines)
        if found is not None:
            return found, size
        if size <= smallest:
            raise TooLong(_("needs more than {lines} lines").format(lines=lines))
        size = max(size * 0.96, smallest)


def _venue_block(art: StaticArt, faces: dict[str, glyphs.Face], poster: Poster,
                 venue: VenueText) -> tuple[bytes, list[list[glyphs.Line]]]:
    """Name (in every language the list gives), category and district, fitted together into the `venue` slot
    and centred in it."""
    scale = poster.paper.scale
    brand = cmyk(poster.brand.primary, poster.brand.inks)
    primary, others = poster.primary, poster.others

    def pt(value: float) -> float:
        return scaled_pt(value, scale)

    left, bottom, width, height = art.slots["venue"]
    name_runs = [(venue.name, glyphs.Style("bold", pt(34), BLACK), primary)]
    # The name in every other language of the campaign that the list gives, in the campaign's order, each on
    # lines of its own and set smaller by its script (materials/scripts.py).
    translated = []
    for lang, text in venue.names.items():
        size = 34 * scripts.script(lang).name_share
        translated.append((size, [(text, glyphs.Style("regular", pt(size), grey(0.8)), lang)]))
    where_runs = []
    for index, values in enumerate((venue.category, venue.district)):
        if index:
            where_runs.append(("|", glyphs.Style("regular", pt(12), grey(0.4), pad=2.5 * scale * PT_PER_MM), "en"))
        where_runs.append((values[primary], glyphs.Style("bold", pt(12), brand), primary))
        where_runs += [(" " + values[lang], glyphs.Style("regular", pt(12), brand), lang)
                       for lang in others if values.get(lang)]
    gap_en, gap_where = 1.5 * scale * PT_PER_MM, 4 * scale * PT_PER_MM
    try:
        shrink = 1.0
        while True:
            # Shrinking goes below the usual smallest name size only as far as three quarters of it.
            least = max(shrink, 0.75)
            name, _shrunk = _fit(faces, name_runs, width, pt(34) * shrink, max(17 * scale, 9) * least, 2)
            in_others = [_fit(faces, runs, width, pt(size) * shrink, max(size * 0.625 * scale, 7) * least, 2)[0]
                      for size, runs in translated]
            where, _shrunk = _fit(faces, where_runs, width, pt(12) * shrink, MIN_PT, 1)
            total = (glyphs.height(name) + sum(gap_en + glyphs.height(lines) for lines in in_others) + gap_where +
                     glyphs.height(where))
            if total <= height + 0.01:
                break
            if shrink < 0.5:
                raise TooLong(_("does not fit its box"))
            shrink *= 0.95
    except TooLong as e:
        raise TooLong(_("the name of venue {id} is too long for a {size} poster ({why}); shorten it").format(
            id=venue.id, size=poster.size, why=e)) from None
    top = bottom + height - (height - total) / 2
    content = []
    for lines, gap in ((name, 0.0), *((lines, gap_en) for lines in in_others), (where, gap_where)):
        if lines:
            top -= gap
            h = glyphs.height(lines)
            content.append(glyphs.paragraph_ops(lines, (left, top - h, width, h), faces))
            top -= h
    return b"".join(content), [name, *in_others, where]


def _address(faces: dict[str, glyphs.Face], poster: Poster, venue: VenueText, slot: tuple[float, float, float, float],
             pt: Callable[[float], float]) -> tuple[list[glyphs.Line], list[str]]:
    """The address in the first language, then in the others the size has room for, in the campaign's order, on
    two lines (one in a small slot). Each address fits by itself (the list's width limits), but not always all of
    them together: the last languages' are left off (and named) before the first one's is refused."""
    translations = list(venue.addresses.items()) if poster.paper.translated_address else []
    for keep in range(len(translations), -1, -1):
        runs = [(venue.address, glyphs.Style("regular", pt(10), BLACK), poster.primary)]
        runs += [(" " + text, glyphs.Style("regular", pt(10), grey(0.73)), lang) for lang, text in translations[:keep]]
        try:
            lines, _shrunk = _fit(faces, runs, slot[2], pt(10), MIN_PT, 2)
            if glyphs.height(lines) > slot[3] + 0.01:  # two lines do not fit a small slot: one line
                lines, _shrunk = _fit(faces, runs, slot[2], pt(10), MIN_PT, 1)
            return lines, [lang for lang, _ in translations[keep:]]
        except TooLong as e:
            if keep == 0:
                raise TooLong(_("the address of venue {id} is too long for a {size} poster ({why}); shorten "
                                "it").format(id=venue.id, size=poster.size, why=e)) from None
    raise AssertionError("unreachable")  # i18n: not shown


def compose(art: StaticArt, faces: dict[str, glyphs.Face], poster: Poster, venue: VenueText,
            matrix: tuple[bytes, ...]) -> PageArt:
    """The venue's page content: the static layer, its own text in the slots, its QR code."""
    scale = poster.paper.scale
    langs = _languages(poster)
    primary = poster.primary

    def pt(value: float) -> float:
        return scaled_pt(value, scale)

    block, block_lines = _venue_block(art, faces, poster, venue)
    content = [b"q /S Do Q\n", block]
    code = art.slots["code"]
    labels = art.strings.get("code_label", {})
    label = " ".join(labels[lang] for lang in langs if lang in labels)
    code_runs = [(label + " ", glyphs.Style("regular", pt(11), BLACK), primary),
                 (venue.code, glyphs.Style("bold", pt(13), BLACK, tracking=0.06), "en")]
    code_lines, _shrunk = _fit(faces, code_runs, code[2], pt(13), MIN_PT, 1)
    content.append(glyphs.paragraph_ops(code_lines, code, faces, valign="middle"))

    address = art.slots["address"]
    address_lines, left_off = _address(faces, poster, venue, address, pt)
    content.append(glyphs.paragraph_ops(address_lines, address, faces))

    left, bottom, size, _height = art.slots["qr"]
    content.append(qr_operators(matrix, left, bottom, size))
    printed = [piece for lines in (*block_lines, code_lines, address_lines) for line in lines
               for piece in line.pieces]
    cids = glyphs.used((piece.style.weight, cid) for piece in printed for cid, _, _ in piece.glyphs)
    texts: dict[str, dict[int, str]] = {}
    for piece in printed:
        for cid, text in piece.texts.items():
            texts.setdefault(piece.style.weight, {}).setdefault(cid, text)
    notes = () if not left_off else (
        _("its address in {languages} does not fit a {size} poster beside the others and is left off; shorten the "
          "addresses to print it").format(languages=", ".join(left_off), size=poster.size),)
    return PageArt(b"".join(content), cids, texts, notes)
