"""How small words may be where they are read from far away: display screens and billboards.

A word read from D metres needs letters at least D / `[print] legibility_ratio` tall. Letter height means
the capitals of Latin script (0.714 em in Noto Sans) and the whole character in Chinese (0.88 em of Noto
Sans CJK's ideographic face). The check measures the laid-out page (WeasyPrint's box tree), so a campaign's
own template with tiny print is refused as surely as words shrunk to fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from materials.campaign import DRAFT_MARK
from materials.errors import Problem
from materials.i18n import _
from materials.printing.planner import Item

#: Letter height as a share of the type size: Noto Sans capitals, Noto Sans CJK ideographs.
LATIN_CAP = 0.714
CJK_HEIGHT = 0.88
#: CSS px per millimetre (page sizes are in mm, WeasyPrint lays out in CSS px).
PX_PER_MM = 96 / 25.4


@dataclass
class LegibleItem(Item):
    """A screen image or billboard whose every word must be legible from `distance_m`."""

    min_letter_px: float = 0.0  # smallest letter height allowed, in CSS px of the page
    distance_m: float = 0.0
    where: str = ""  # "the lobby screen (55 in)", "the billboard"
    unit_mm: float = 1 / PX_PER_MM  # millimetres one CSS px of the page stands for on the real surface
    background: str = "#ffffff"


def min_letter_mm(distance_m: float, ratio: float) -> float:
    """Smallest letter height (mm) readable from `distance_m`."""
    return distance_m * 1000 / ratio


def is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"


def letter_height(text: str, font_px: float) -> float | None:
    """Height of the letters of `text` set at `font_px`; None if it has no letters or digits."""
    if any(is_cjk(c) for c in text):
        return font_px * CJK_HEIGHT
    if any(c.isalnum() for c in text):
        return font_px * LATIN_CAP
    return None


def font_for(letter_px: float, lang: str) -> float:
    """Type size (px) whose letters are `letter_px` tall in `lang`."""
    return letter_px / (CJK_HEIGHT if lang.startswith(("zh", "ja")) else LATIN_CAP)


def phrase_em(headline: str, lang: str) -> float:
    """Width in em of a headline's longest unbreakable run, roughly (a Chinese headline breaks only between
    its marked phrases, an English one between words; a bold Latin letter is about 0.6 em)."""
    if lang.startswith(("zh", "ja")):
        return float(max((len(part) for part in headline.split()), default=1))
    words = headline.split()
    runs = [len(word) for word in words]
    if len(words) > 2 and len(words[-1]) + len(words[-2]) < 24:  # typeset.display keeps these two together
        runs.append(len(words[-2]) + 1 + len(words[-1]))
    return max(runs, default=1) * 0.6


def text_em(text: str) -> float:
    """Width in em of a line of text set without breaks, roughly (Latin ~0.55 em a character)."""
    return sum(1.0 if is_cjk(c) else 0.55 for c in text)


def smallest(page: Any) -> tuple[float, str] | None:
    """(letter height in CSS px, the text) of the smallest visible words on a laid-out page."""
    from weasyprint.formatting_structure import boxes

    found: tuple[float, str] | None = None
    for box in _walk(page._page_box):
        if not isinstance(box, boxes.TextBox) or not box.text.strip():
            continue
        if box.style["visibility"] != "visible" or box.style["opacity"] == 0:
            continue
        if box.text.strip() == DRAFT_MARK:  # a proof's mark, in the top band: a draft billboard never goes up
            continue
        height = letter_height(box.text, box.style["font_size"])
        if height is not None and (found is None or height < found[0]):
            found = (height, box.text.strip())
    return found


def _walk(box: Any) -> Any:
    """Every box under `box`, including those of absolutely positioned boxes (which sit behind a
    placeholder in WeasyPrint's tree)."""
    for child in box.descendants():
        yield child
        inner = getattr(child, "_box", None)
        if inner is not None and inner is not child:
            yield from _walk(inner)


def problems(items: list[Item], pages: dict[str, tuple[Any, list[Any]]]) -> list[Problem]:
    """A problem for each screen image or billboard whose smallest words are too small to read."""
    out = []
    for item in items:
        if not isinstance(item, LegibleItem) or item.path not in pages:
            continue
        found = smallest(pages[item.path][1][0])
        if found is None or found[0] >= item.min_letter_px * 0.99:
            continue
        height, text = found
        excerpt = text if len(text) <= 24 else text[:23] + "…"
        out.append(Problem(item.label, None, None, (
            _("{edition} {kind} for {where}: the words {excerpt!r} are "
              "{value:.0f} mm tall; read from {distance_m:g} m they need at least "
              "{value2:.0f} mm ([print] legibility_ratio); shorten the words or "
              "make them larger").format(edition=item.edition, kind=item.kind, where=item.where, excerpt=excerpt,
                                         value=height * item.unit_mm, distance_m=item.distance_m,
                                         value2=item.min_letter_px * item.unit_mm))))
    return out
