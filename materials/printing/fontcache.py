"""The print run's fonts: the configured family cut down (materials.fontsubset) to the characters the
print run uses, once per build, and given to WeasyPrint through `@font-face`; its own per-PDF subsetting
then costs well under a millisecond. Characters outside the subset still fall back to the installed
fonts, so a missed character is slower, never a tofu box.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from materials.fonts import font_file
from materials.fontsubset import subset

#: The family name the print stylesheets use; WeasyPrint names the embedded fonts after it
#: (Noto-Sans-CJK-SC-Print-Bold), which shows which face was embedded.
FAMILY = "Noto Sans CJK SC Print"
WEIGHTS = {400: "regular", 700: "bold"}
#: Always kept, whatever the content: digits, Latin, punctuation used by templates and page numbers.
BASE_TEXT = "".join(chr(c) for c in range(0x20, 0x7F)) + "·—–‘’“”…•×、。，：；！？（）《》「」『』【】—"


def subset_one(source: str, index: int, text: str, dest: str) -> str:
    """Write the subset of one face covering `text` to `dest` (runs in a worker process)."""
    Path(dest).write_bytes(subset(Path(source), index, text))
    return dest


def jobs(family: str, chars: Iterable[str], folder: Path) -> list[tuple[str, int, str, str]]:
    """Arguments of `subset_one` for each weight."""
    text = "".join(sorted(set(BASE_TEXT) | set(chars)))
    result = []
    for name in WEIGHTS.values():
        path, index = font_file(family, name)
        result.append((str(path), index, text, str(folder / f"print-{name}.otf")))
    return result


def css(folder: Path, fallbacks: Iterable[str]) -> str:
    """`@font-face` rules for the subset fonts written in `folder`."""
    rules = []
    for weight, name in WEIGHTS.items():
        uri = (folder / f"print-{name}.otf").resolve().as_uri()
        rules.append(f'@font-face {{ font-family: "{FAMILY}"; src: url("{uri}"); font-weight: {weight}; }}')
    families = ", ".join(f'"{f}"' for f in [FAMILY, *fallbacks])
    rules.append(f"html {{ font-family: {families}, sans-serif; }}")
    return "\n".join(rules)


def css_system(families: Iterable[str]) -> str:
    """The font rule without the subset fonts: WeasyPrint embeds (and subsets) the installed faces."""
    names = ", ".join(f'"{f}"' for f in families)
    return f"html {{ font-family: {names}, sans-serif; }}"
