"""Validation lays pages out: words that do not fit, and templates that reach outside the campaign."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from materials import printing
from materials.campaign import load
from materials.templating import BUILTIN

LONG = " ".join(["Everyone arriving must show the health code and answer every question truthfully."] * 14)


def test_words_too_long_name_poster_language_and_size(print_campaign: Path) -> None:
    path = print_campaign / "posters" / "apply.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Scan with your phone camera to apply.", LONG), encoding="utf-8")
    problems = [str(p) for p in printing.validate(load(print_campaign))]
    assert problems, "an overflowing poster must not pass"
    assert all(p.startswith("posters/apply.md") for p in problems), problems
    assert any("the words ('" in p and "overflow the en, A4 poster" in p and "75%" in p for p in problems), problems
    assert not any("zh-CN, A4" in p for p in problems), problems  # the Chinese words still fit


def test_shipped_length_words_fit(print_campaign: Path) -> None:
    assert printing.validate(load(print_campaign)) == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "../../../../etc/passwd", "https://example.com/tracker.png", "http://169.254.169.254/"],
)
def test_templates_cannot_fetch_outside_the_campaign(print_campaign: Path, url: str) -> None:
    templates = print_campaign / "templates"
    shutil.copytree(BUILTIN / "print", templates / "print")
    css = templates / "print" / "print.css"
    css.write_text(css.read_text(encoding="utf-8") + f'\nbody {{ background-image: url("{url}"); }}\n',
                   encoding="utf-8")
    problems = [str(p) for p in printing.validate(load(print_campaign))]
    assert problems and all("templates/print" in p and "refused to load" in p for p in problems), problems
    assert not (print_campaign / "output").exists()
