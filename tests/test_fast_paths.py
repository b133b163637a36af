"""The quicker ways a rebuild or `check` reads its sources give what the slower ways gave (issue 21): front
matter through libyaml, one Markdown converter per thread, a font's coverage from fontconfig's cache, the
glossary seeking a word only in texts that hold it (tests/test_content.py)."""

from __future__ import annotations

import markdown
import pytest
import yaml

from materials import fonts
from materials.errors import Problem
from materials.markdown import to_html
from materials.textfiles import split_front_matter


@pytest.mark.parametrize("front", [
    "id: a\norder: 08\nupdated: 2020-03-10\ntags: [green code, 2]\nquestion: '是否 yes?'",
    "id: b\nflag: yes\nempty:\nnested: {a: [1, 2.5, null]}\nquoted: \"\\u00e9 é\"",
    "id: c\nid: d\ntext: |\n  two\n  lines\nanchor: &x 1\nalias: *x",
])
def test_front_matter_values_are_the_safe_loaders(front: str) -> None:
    problems: list[Problem] = []
    parsed = split_front_matter(f"---\n{front}\n---\nbody", "x.md", problems)
    assert parsed is not None and not problems
    assert parsed[0] == yaml.safe_load(front)
    assert [type(v) for v in parsed[0].values()] == [type(v) for v in yaml.safe_load(front).values()]


@pytest.mark.parametrize("front", ["id: a\nquestion: [open", "id: a\n  bad: indent", "id: a\nq: 'unclosed",
                                   "id: a\n\tq: tab"])
def test_front_matter_errors_are_the_safe_loaders(front: str) -> None:
    """Message and line as the pure-Python loader words them, whichever parser refused the document first."""
    problems: list[Problem] = []
    assert split_front_matter(f"---\n{front}\n---\nbody", "x.md", problems) is None
    with pytest.raises(yaml.YAMLError) as info:
        yaml.safe_load(front)
    line = info.value.problem_mark.line + 2  # type: ignore[attr-defined]  # the file's line: after '---'
    assert [str(p) for p in problems] == [f"x.md line {line}: front matter is not valid YAML: {info.value.problem}"]


def test_one_converter_gives_what_a_new_converter_gives() -> None:
    """Each text is converted as if alone: a reference defined in one text does not resolve a link in the
    next, and a table or list of one does not change the next."""
    texts = ["See [the notice][n].\n\n[n]: https://example.org/notice", "See [the notice][n] again.",
             "| a | b |\n|---|---|\n| 1 | 2 |", "1. one\n2. two\n\n* three", "<div>raw *x*</div>\n\ntext", ""]
    for text in texts + texts[::-1]:
        assert to_html(text) == markdown.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    assert "example.org" not in to_html("See [the notice][n] again.")


def test_font_coverage_is_the_faces_character_map() -> None:
    from fontTools.ttLib import TTFont

    path, index = fonts.font_file("Noto Sans CJK SC")
    font = TTFont(path, fontNumber=index, lazy=True)
    try:
        assert fonts.coverage(["Noto Sans CJK SC"]) == frozenset(font.getBestCmap())
    finally:
        font.close()
    assert fonts._ranges("20-7e a0 4e00-4e01") == frozenset([*range(0x20, 0x7F), 0xA0, 0x4E00, 0x4E01])
    assert fonts._ranges("not a charset") == frozenset()

