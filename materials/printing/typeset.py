"""Line breaking for display type: headlines, captions and names set large on posters, signs and covers.

Chinese has no spaces, so a line may break between any two characters: a headline breaks inside a word
(申领 -> 申 / 领) and a caption leaves one character alone on its last line. English leaves one short word
alone on the last line of a headline. A print designer fixes both by hand; these filters do it for every
size and edition:

- Chinese: a space in a headline marks the phrases that stay whole; captions and names stay whole between
  punctuation marks, up to 10 characters: a longer run (an authority's 30-character name) breaks after a
  place or an organisation (天津市 / 指挥部 / 办公室) and, where still long, anywhere; a quoted name (an app,
  a notice's title) never breaks. Phrases are joined by a zero-width space (a break opportunity that prints nothing,
  where a real space would show as a gap in Chinese), and a phrase (not the first) that starts with an
  opening quote or bracket pulls the mark into its own empty left half, so a line that starts with it is
  not indented by half an em (the `.halt` class; `worker.fit_ratio` knows that ink stays inside).
- Other languages: the last two words are joined by a no-break space, so no line holds one word alone.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

ZWSP = "\u200b"
NBSP = "\u00a0"
#: Chinese punctuation after which a caption may break.
BREAK_AFTER = re.compile(r"(?<=[，。？！：；、）》」』】])")
OPENING = "“‘（《「『【"


#: A Chinese name or caption part longer than this may break inside: an authority's full name is 20-30
#: characters with no punctuation, more than a screen's top bar or a cover holds on one line.
LONG_PHRASE = 10
#: Where a long name breaks first: after the end of a place or an organisation (天津市 / …指挥部 / 办公室).
NAME_END = re.compile(r"(?<=[省市区县州镇乡街部室会组局厅委处站])")
#: Quoted names (an app, a notice's title) never break, nor leave the punctuation after them to a new line.
QUOTED = re.compile(r"((?:“[^”]*”|《[^》]*》|「[^」]*」|『[^』]*』)[，。？！：；、）]*)")


def _parts(text: str) -> list[tuple[str, bool]]:
    """(part, whole) of an unmarked Chinese text: phrases that stay whole, and the inside of a long
    unquoted run, which may break anywhere."""
    out: list[tuple[str, bool]] = []
    for part in (p for p in BREAK_AFTER.split(text.strip()) if p):
        if len(part) <= LONG_PHRASE:
            out.append((part, True))
            continue
        for piece in (q for q in QUOTED.split(part) if q):
            if QUOTED.fullmatch(piece):
                out.append((piece, True))
                continue
            for name in (n for n in NAME_END.split(piece) if n):
                out.append((name, len(name) <= LONG_PHRASE))
    return out


def _phrase(text: str, first: bool) -> Markup:
    inner = escape(text)
    if text[:1] in OPENING and not first:
        inner = Markup('<span class="halt">{}</span>{}').format(text[0], text[1:])
    return Markup('<span class="phrase">{}</span>').format(inner)


def display(text: str, lang: str, *, marked: bool = False) -> Markup:
    """`text` as HTML that breaks only where a designer would let it.

    `marked`: the author marked phrases with spaces (Chinese headlines); otherwise phrases end at
    punctuation."""
    if lang.startswith(("zh", "ja")):
        parts = [(p, True) for p in text.split()] if marked else _parts(text)
        return Markup(ZWSP).join(_phrase(part, i == 0) if whole else escape(part)  # noqa: S704 - a constant
                                 for i, (part, whole) in enumerate(parts))
    words = text.split()
    if len(words) > 2 and len(words[-1]) + len(words[-2]) < 24:
        words[-2:] = [words[-2] + NBSP + words[-1]]
    return escape(" ".join(words))
