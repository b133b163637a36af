"""Which characters the campaign's fonts cover.

Printing tofu boxes on 10,000 posters is the failure this prevents: every character of the content is
checked against the character maps of the configured families (fontTools), found through fontconfig the
same way WeasyPrint finds them.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from materials.errors import MaterialsError
from materials.i18n import _

log = logging.getLogger(__name__)

#: Characters a renderer never draws with a glyph, so they need no font coverage.
INVISIBLE = {"\n", "\r", "\t", "\u00ad"}


@functools.cache
def font_file(family: str, weight: str = "regular") -> tuple[Path, int]:
    """(file, face index) of an installed family's `regular` or `bold` face, as fontconfig resolves it for
    Simplified Chinese text (the way WeasyPrint finds it); error if not installed."""
    if shutil.which("fc-match") is None:
        raise MaterialsError(_("fontconfig's fc-match is not installed; run `make build` to set up the system"))
    pattern = f"{family}:lang=zh-cn" + (":weight=bold" if weight == "bold" else "")
    out = subprocess.run(
        ["fc-match", "-f", "%{family}\n%{file}\n%{index}\n", pattern],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    if len(out) < 3 or family.lower() not in out[0].lower():
        face = "" if weight == "regular" else f" ({weight})"
        raise MaterialsError(
            _("font family {family!r}{face} (campaign.toml fonts.sans) is not installed; "
              "install fonts-noto-cjk (`make build` does it as root) or name an installed family").format(
                  family=family, face=face)
        )
    return Path(out[1]), int(out[2] or 0)


@functools.cache
def _cmap(family: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    path, index = font_file(family)
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def coverage(families: Sequence[str]) -> frozenset[int]:
    """Code points covered by any of `families` (cached: a venue list asks once per cell)."""
    return _coverage(tuple(families))


@functools.lru_cache(maxsize=16)
def _coverage(families: tuple[str, ...]) -> frozenset[int]:
    covered: set[int] = set()
    for family in families:
        covered |= _cmap(family)
    return frozenset(covered)


def uncovered(text: str, families: Sequence[str]) -> list[str]:
    """Characters of `text` that no family covers, in order of first appearance."""
    covered = coverage(families)
    seen: dict[str, None] = {}
    for char in text:
        if char in INVISIBLE or char in seen:
            continue
        if ord(char) not in covered:
            seen[char] = None
    return list(seen)


def describe(char: str) -> str:
    """`'😀' (U+1F600 GRINNING FACE)`: how an error names a character."""
    name = unicodedata.name(char, "") or _("unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def check_lines(lines: Iterable[tuple[int, str]], families: Sequence[str]) -> list[tuple[int, str]]:
    """(line, description) for each uncovered character of numbered lines."""
    found = []
    for number, text in lines:
        for char in uncovered(text, families):
            found.append((number, describe(char)))
    return found
