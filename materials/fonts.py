"""Which characters the campaign's fonts cover.

Printing tofu boxes on 10,000 posters is the failure this prevents: every character of the content is
checked against the character sets of the configured families, found through fontconfig the same way
WeasyPrint finds them (fontconfig's cached character set of the face; its character map read with fontTools
where fontconfig gives none).
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
    path, index, _charset = _match(family, weight)
    return path, index


@functools.cache
def _match(family: str, weight: str) -> tuple[Path, int, str]:
    """fontconfig's face for `family` (`font_file`), with its character set as fontconfig's cache holds it
    (`20-7e a0-ff ...`, hexadecimal ranges; empty if this fontconfig does not print it)."""
    if shutil.which("fc-match") is None:
        raise MaterialsError(_("fontconfig's fc-match is not installed; run `make build` to set up the system"))
    pattern = f"{family}:lang=zh-cn" + (":weight=bold" if weight == "bold" else "")
    out = subprocess.run(
        ["fc-match", "-f", "%{family}\n%{file}\n%{index}\n%{charset}\n", pattern],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    if len(out) < 3 or family.lower() not in out[0].lower():
        face = "" if weight == "regular" else f" ({weight})"
        raise MaterialsError(
            _("font family {family!r}{face} (campaign.toml fonts.sans) is not installed; "
              "install fonts-noto-cjk (`make build` does it as root) or name an installed family").format(
                  family=family, face=face)
        )
    return Path(out[1]), int(out[2] or 0), out[3] if len(out) > 3 else ""


@functools.cache
def _cmap(family: str) -> frozenset[int]:
    """The code points of the family's regular face: fontconfig's character set of it (what Pango, and so
    WeasyPrint, asks when it picks a font for a character), which fontconfig keeps in its cache; the face's
    own character map read with fontTools if fontconfig gives none. Reading the map of a CJK face with
    fontTools (45,000 characters) cost a tenth of a second at every start."""
    path, index, charset = _match(family, "regular")
    covered = _ranges(charset)
    if covered:
        return covered
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _ranges(charset: str) -> frozenset[int]:
    """fontconfig's `%{charset}` (`20-7e a0 100-17f`) as code points; empty if it is not that."""
    covered: list[range] = []
    for part in charset.split():
        first, _dash, last = part.partition("-")
        try:
            covered.append(range(int(first, 16), int(last or first, 16) + 1))
        except ValueError:
            return frozenset()
    return frozenset(code for span in covered for code in span)


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
