"""Every text of a campaign that a person reads, with its file, line and language.

The fact and glossary checks (`materials/facts.py`, `materials/glossary.py`) and the sign-off proof
(`materials/proof.py`) walk the same list, so a check and the proof never disagree about what is
published: FAQ questions and answers, each language section of a poster or tips sign, the FAQ category
names, the site's description and home-page intro in campaign.toml, the website's interface strings and
the venue poster templates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from materials import registry, safefile
from materials.errors import Problem
from materials.textfiles import read_text, split_front_matter

if TYPE_CHECKING:
    from materials.campaign import Campaign

SECTION = re.compile(r"^:::\s*(\S+)\s*$")
STRING_LINE = re.compile(r'^\s*([A-Za-z0-9_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$')
TABLE_LINE = re.compile(r"^\s*\[\s*\"?([A-Za-z-]+)\"?\s*\]\s*$")


@dataclass(frozen=True)
class Text:
    """One piece of published text in one language (None: a template holding every language)."""

    file: str  # as users see it: relative to the campaign
    line: int  # line of the text's first line in `file`
    lang: str | None
    text: str
    unit: str  # texts that read as one (a question and its answer) share a unit
    kind: str  # faq | poster | tip | site | strings | template
    markdown: bool = True  # may hold `{{ fact }}` placeholders
    part: str = ""  # "question" for a FAQ's question (shown as written: no facts filled in)

    def lines(self) -> list[tuple[int, str]]:
        return [(self.line + i, t) for i, t in enumerate(self.text.split("\n"))]


def collect(campaign: Campaign, problems: list[Problem] | None = None) -> list[Text]:
    """Every text of the campaign, in reading order: FAQs, posters, tips, site texts, strings, templates."""
    problems = problems if problems is not None else []
    found: list[Text] = []
    for lang in campaign.languages:
        for faq in campaign.faqs.get(lang, []):
            label = campaign.relative(faq.path)
            unit = f"faq:{faq.id}:{lang}"
            found.append(Text(label, _question_line(faq.path), lang, faq.question, unit, "faq", part="question"))
            if faq.tags:  # published on the question's page and indexed by the search: checked like the answer
                joined = ("、" if lang.startswith("zh") else ", ").join(faq.tags)
                found.append(Text(label, _front_line(faq.path, "tags"), lang, joined, unit, "faq", part="tags"))
            found.append(Text(label, faq.body_line, lang, faq.body, unit, "faq"))
    for folder, kind in registry.text_folders():  # the kinds' own Markdown (posters, tips: print declares them)
        root = campaign.root / folder
        for path in sorted(root.glob("*.md")) if root.is_dir() else []:
            found += _material(campaign, path, kind, problems)
    found += _site(campaign)
    found += _strings(campaign)
    found += _templates(campaign)
    return found


def _front_line(path: Path, key: str) -> int:
    """Line of `key:` in a FAQ's front matter (1 if it cannot be found)."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 1
    return next((i for i, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)


def _question_line(path: Path) -> int:
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return 2
    return next((i for i, line in enumerate(lines, 1) if line.startswith("question:")), 2)


def _material(campaign: Campaign, path: Path, kind: str, problems: list[Problem]) -> list[Text]:
    """The language sections of a poster or tips sign (the print target validates the format itself)."""
    label = campaign.relative(path)
    text = read_text(path, label, problems)
    parsed = split_front_matter(text, label, problems) if text is not None else None
    if parsed is None:
        return []
    _, body, body_line = parsed
    sections: list[Text] = []
    lang: str | None = None
    start = 0
    lines: list[str] = []

    def close() -> None:
        if lang is not None:
            sections.append(Text(label, start, lang, "\n".join(lines).strip("\n"), f"{kind}:{path.stem}:{lang}",
                                 kind))

    for offset, line in enumerate(body.split("\n")):
        match = SECTION.match(line)
        if match:
            close()
            lang, start, lines = match.group(1), body_line + offset + 1, []
        elif lang is not None:
            if not lines and not line.strip():
                start += 1
                continue
            lines.append(line)
    close()
    return sections


def _toml_line(raw: list[str], table: str, key: str) -> int:
    """Line of `key` inside `[table]` of a TOML file (1 if not found: campaign.toml is still named)."""
    inside = False
    for number, line in enumerate(raw, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == f"[{table}]"
            continue
        if inside and re.match(rf'^"?{re.escape(key)}"?\s*=', stripped):
            first = number
            # A multi-line string starts on the next line.
            return first + 1 if stripped.endswith('"""') else first
    return 1


def _site(campaign: Campaign) -> list[Text]:
    path = campaign.root / "campaign.toml"
    try:  # read (and refused, if need be) by the settings' own reader first
        raw = safefile.read_text(path, safefile.TOML, encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        raw = []
    found = []
    for kind_table in campaign.settings.kind_tables():  # the output kinds' own texts ([site] description, intro)
        for table, lang, value, markdown in kind_table.texts():
            found.append(Text("campaign.toml", _toml_line(raw, table, lang), lang, value.strip("\n"),
                              f"{table}:{lang}", "site", markdown=markdown))
    for category in campaign.settings.faq_categories:
        line = _category_line(raw, category.key)
        for lang, name in category.names.items():
            # Headings of the FAQ, the booklet's chapters: shown as written, no facts filled in.
            found.append(Text("campaign.toml", line, lang, name, f"faq_categories:{category.key}:{lang}", "site",
                              markdown=False))
    return found


def _category_line(raw: list[str], key: str) -> int:
    """Line of the `names` of the `[[faq_categories]]` entry with this key."""
    for number, line in enumerate(raw, 1):
        if re.match(rf'^\s*key\s*=\s*"{re.escape(key)}"', line):
            following = raw[number: number + 3]
            return number + 1 + next((i for i, t in enumerate(following) if t.strip().startswith("names")), -1)
    return 1


def _strings(campaign: Campaign) -> list[Text]:
    """The interface strings of the website, print labels and venue posters, one text per key (each is read
    on its own). A key the campaign's own strings.toml sets hides the built-in one (templating.strings)."""
    from materials.templating import STRINGS, template_roots

    found: list[Text] = []
    for kind in registry.kinds():  # every output kind's strings.toml, in render order
        seen: set[tuple[str, str]] = set()
        for root in template_roots(campaign):  # the campaign's own files first
            path = root / kind / STRINGS
            if not path.is_file():
                continue
            label = _template_label(campaign, path)
            lang: str | None = None
            try:  # the templating check names a file it refuses
                lines = safefile.read_text(path, safefile.TOML).split("\n")
            except (OSError, UnicodeDecodeError):
                continue
            for number, line in enumerate(lines, 1):
                table = TABLE_LINE.match(line)
                if table:
                    lang = table.group(1)
                    continue
                match = STRING_LINE.match(line)
                if match and lang in campaign.languages and (lang, match.group(1)) not in seen:
                    seen.add((lang, match.group(1)))
                    found.append(Text(label, number, lang, match.group(2), f"strings:{kind}:{lang}:{match.group(1)}",
                                      "strings", markdown=False))
    return found


def _templates(campaign: Campaign) -> list[Text]:
    """Templates that hold printed words of their own (the venue posters': words printed on every code), the
    campaign's own file where it has one."""
    from materials.templating import template_file, template_roots

    found = []
    for kind in registry.template_words():
        names = sorted({path.name for root in template_roots(campaign) for path in (root / kind).glob("*.html")})
        for name in names:
            path = template_file(campaign, f"{kind}/{name}")
            try:  # a FIFO or a huge file is refused, named by the templating check
                source = safefile.read_text(path, safefile.TEMPLATE)
            except (OSError, UnicodeDecodeError):
                continue
            found.append(Text(_template_label(campaign, path), 1, None, source,
                              f"template:{name}", "template", markdown=False))
    return found


def _template_label(campaign: Campaign, path: Path) -> str:
    from materials.templating import BUILTIN

    if path.is_relative_to(BUILTIN):
        return "materials/templates/" + path.relative_to(BUILTIN).as_posix()
    return campaign.relative(path)
