"""What a language's script asks of a layout, in one place: where lines may break, how text is shaped, and how
large a name in it is set. The venue engine (materials/venues/glyphs.py and compose.py) reads these; a new
language needs no entry here unless its script behaves like none below.

Han text (Chinese) has no spaces: a line may break between any two characters except before closing and
after opening punctuation (the kinsoku rules). Latin and most other scripts break at spaces. A Han character
is about twice as wide as a Latin letter, so at the same size a name in Latin letters takes twice the room:
the second and further languages of a poster are set smaller than its primary language, whatever script the
primary language has.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: No line starts with these, and none ends with the opening ones (Chinese line-breaking rules, kinsoku).
NO_START = frozenset("，。、；：！？）」』》】〉…·,.;:!?)]}%")
NO_END = frozenset("（「『《【〈([{")


def wide(char: str) -> bool:
    """A character set on a full em (Han, kana, full-width forms): a line may break before and after it."""
    return unicodedata.east_asian_width(char) in "WF"


@dataclass(frozen=True)
class Script:
    """The traits of one language's script that a layout needs."""

    #: The language tag HarfBuzz shapes with (the Simplified Chinese forms of Noto Sans CJK for `zh`).
    shaping: str
    #: Words are separated by spaces (Latin, Cyrillic...); False for Han, where any character may start a line.
    spaced: bool
    #: The size of a venue's name in a second language, as a share of the primary name's size. Han names are
    #: short and dense, so they stay larger; Latin names run twice as long for the same meaning.
    name_share: float


HAN = Script(shaping="zh-Hans", spaced=False, name_share=0.6)


def script(language: str) -> Script:
    """The script traits of a BCP 47 language tag (`zh-CN`, `zh`, `en`, `fr`, `pt-BR`)."""
    if is_han(language):
        return HAN
    return Script(shaping=language, spaced=True, name_share=16 / 34)


def is_han(language: str) -> bool:
    """Chinese, written in Han characters (`zh`, `zh-CN`, `zh-Hans`, `zh-TW`)."""
    return language == "zh" or language.startswith("zh-")
