"""The notice the campaign serves, as its source: one file per language in `notice/<lang>.md`.

Each file holds the notice's own text in that language (the original, or a published translation) under
YAML front matter that says where the text came from: `title`, `number`, `issuer`, `date` (of the
notice), `published`, `source` (`document`, `url`, `date`), `reprint` (a copy, not the official text),
`translation` and `checked` (compared word for word with the official text). A reprint not yet
checked is a blocker on the proof's cover, never silently trusted.

Content quotes the notice only in its own language and only verbatim: a Markdown blockquote in an FAQ
answer or the site's home text is a quotation of the notice, with the notice's words between the
first “ and the last ” of the paragraph (an attribution such as 通知第一条： may come before them).
`check` reports every quotation whose words are not in that language's notice, with file and line.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from materials.campaign import read_source
from materials.errors import Problem
from materials.i18n import _
from materials.schema import PLACEHOLDER_MARK
from materials.textfiles import split_front_matter

if TYPE_CHECKING:
    from pathlib import Path

    from materials.campaign import Campaign
    from materials.texts import Text

FOLDER = "notice"
QUOTE = re.compile(r"^\s*>\s?(.*)$")
SPACE = re.compile(r"\s+")
#: Quotation marks inside a quotation (GB/T 15834: ‘’ within “”) read as the notice's own “”.
NESTED_QUOTES = str.maketrans("‘’", "“”")


@dataclass(frozen=True)
class Notice:
    """The notice in one language."""

    lang: str
    file: str
    meta: dict[str, Any]
    paragraphs: tuple[str, ...]
    body_line: int

    @property
    def title(self) -> str:
        return str(self.meta.get("title", ""))

    @property
    def reprint(self) -> bool:
        return bool(self.meta.get("reprint", False))

    @property
    def checked(self) -> bool:
        return bool(self.meta.get("checked", False))

    @property
    def source(self) -> dict[str, Any]:
        value = self.meta.get("source")
        return value if isinstance(value, dict) else {}

    def source_line(self) -> str:
        parts = [str(self.source.get("document", "no source given"))]
        for key in ("date", "url"):
            if self.source.get(key):
                parts.append(str(self.source[key]))
        return ", ".join(parts)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def contains(self, words: str) -> bool:
        """Verbatim, allowing a quotation's inner marks ‘’ (GB/T 15834) where the notice has “”."""
        return any(_flat(w) in _flat(self.text) for w in (words, words.translate(NESTED_QUOTES)))

    def blockers(self) -> list[str]:
        """What keeps this text from being the signed source (shown first on the proof's cover)."""
        out = []
        if self.reprint and not self.checked:
            out.append(f"{self.file}: a reprint ({self.source_line()}), not yet checked word for word against "
                       "the official text; when checked, set checked: true")
        if self.meta.get("note"):
            out.append(f"{self.file}: {self.meta['note']}")
        return out


@dataclass
class Notices:
    by_lang: dict[str, Notice] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def blockers(self) -> list[str]:
        out = [f"{FOLDER}/{lang}.md is missing: the notice's text in this language is not in the campaign, so "
               "its quotations cannot be checked" for lang in self.missing]
        for notice in self.by_lang.values():
            out += notice.blockers()
        return out


def _flat(text: str) -> str:
    return SPACE.sub("", text)


def load(campaign: Campaign, problems: list[Problem] | None = None) -> Notices:
    """The notice in every language of the campaign that has a `notice/<lang>.md` (none: an empty set)."""
    problems = problems if problems is not None else []
    found = Notices()
    folder = campaign.root / FOLDER
    if not folder.is_dir():
        return found
    for lang in campaign.languages:
        path = folder / f"{lang}.md"
        if not path.is_file():
            found.missing.append(lang)
            continue
        notice = _read(path, campaign.root, campaign.relative(path), lang, problems)
        if notice is not None:
            found.by_lang[lang] = notice
    return found


def _read(path: Path, root: Path, label: str, lang: str, problems: list[Problem]) -> Notice | None:
    text = read_source(path, root, label, problems)
    parsed = split_front_matter(text, label, problems) if text is not None else None
    if parsed is None:
        return None
    meta, body, body_line = parsed
    for key in ("title", "date", "source"):
        if key not in meta:
            problems.append(Problem(label, 2, key, _("the notice's front matter needs `{key}` (where this text "
                                      "comes from, so the proof can show it)").format(key=key)))
    if "date" in meta and not isinstance(meta["date"], dt.date):
        problems.append(Problem(label, 2, "date", _("write the notice's date as YYYY-MM-DD")))
    paragraphs = tuple(p.strip() for p in re.split(r"\n\s*\n", body) if p.strip())
    if not paragraphs:
        problems.append(Problem(label, body_line, None, _("the notice's text is empty")))
    return Notice(lang, label, meta, paragraphs, body_line)


def quotations(text: Text) -> list[tuple[int, str]]:
    """(line, quoted words) of every blockquote paragraph in a text: its words between “ and ”."""
    found: list[tuple[int, str]] = []
    start = 0
    lines: list[str] = []
    for number, content in [*text.lines(), (0, "")]:
        match = QUOTE.match(content)
        if match:
            if not lines:
                start = number
            lines.append(match.group(1))
            continue
        if lines:
            found.append((start, " ".join(lines)))
            lines = []
    return found


def quoted_words(paragraph: str) -> str | None:
    first, last = paragraph.find("“"), paragraph.rfind("”")
    if first < 0 or last <= first:
        return None
    return paragraph[first + 1:last]


#: Settings printed on the materials that are sourced facts, one value each (`check_settings` holds them
#: equal; the proof lists them with the fact's source and status): setting -> the fact it is.
SETTING_FACTS = (("authority", "notice_issuer"), ("authority_short", "authority_short"), ("issued", "notice_date"),
                 ("districts", "districts"), ("print.sizes.billboard", "billboard_size"))
#: How a fact lists the districts' names in each language (`districts`: the names in official order).
DISTRICT_SEPARATORS = {"zh": "、"}
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def district_names(campaign: Campaign, lang: str) -> str:
    """The districts' names in one language, as the fact `districts` lists them."""
    separator = DISTRICT_SEPARATORS.get(lang.split("-")[0], ", ")
    return separator.join(campaign.text(district.names, lang) for district in campaign.settings.districts)


def billboard_size(campaign: Campaign) -> tuple[float, float] | None:
    """The billboard's trim (width, height) in mm as `[print.sizes.billboard]` sets it, or None without one."""
    return next((trim for table in campaign.settings.kind_tables()
                 if (trim := table.trim_mm("billboard")) is not None), None)


def setting_text(campaign: Campaign, key: str, lang: str) -> str:
    """What the materials print (or are sized by) from the setting `key` of SETTING_FACTS, in one language."""
    settings = campaign.settings
    if key == "issued":
        return settings.issued.isoformat()
    if key == "districts":
        return district_names(campaign, lang)
    if key == "print.sizes.billboard":
        size = billboard_size(campaign)
        return "" if size is None else f"{size[0]:g} mm × {size[1]:g} mm"
    return campaign.text(settings.short_authority if key == "authority_short" else settings.authority, lang)


def check_settings(campaign: Campaign) -> list[Problem]:
    """What every material prints from the settings is a sourced fact, one value each: the authority
    (`[authority]`) is the fact `notice_issuer`, its short name (`[authority_short]`) the fact `authority_short`
    where the campaign has one, the notice's date (`issued`) the date of the fact `notice_date`.
    A difference is an error: the proof lists the fact for sign-off, the materials would print the other value."""
    problems: list[Problem] = []
    settings = campaign.settings
    for key, name, values in (("authority", "notice_issuer", settings.authority),
                              ("authority_short", "authority_short", settings.short_authority)):
        fact = settings.facts.get(name)
        for lang, printed in values.items():
            said = fact.text.get(lang) if fact is not None else None
            if said and printed != said and PLACEHOLDER_MARK not in said:  # a new campaign's fact to fill in
                problems.append(Problem("campaign.toml", None, f"{key}.{lang}", _(
                    "“{printed}” is printed on the materials as the authority, but the fact {name} says "
                    "“{said}”: make them the same name (correct the one that is wrong)").format(
                        printed=printed, name=name, said=said)))
    fact = settings.facts.get("districts")
    for lang, said in (fact.text.items() if fact is not None else []):
        listed = district_names(campaign, lang)
        if said != listed and PLACEHOLDER_MARK not in said:
            problems.append(Problem("campaign.toml", None, f"facts.districts.{lang}", _(
                "the fact districts says “{said}”, but [[districts]] lists “{listed}”: make them the same names "
                "in the same order (correct the one that is wrong)").format(said=said, listed=listed)))
    fact, size = settings.facts.get("billboard_size"), billboard_size(campaign)
    if fact is not None and size is not None:
        for lang, said in fact.text.items():
            numbers = tuple(float(n) for n in NUMBER.findall(said))
            if numbers[:2] != size and PLACEHOLDER_MARK not in said:
                problems.append(Problem("campaign.toml", None, f"facts.billboard_size.{lang}", _(
                    "the fact billboard_size says “{said}”, but [print.sizes.billboard] is {width:g} × {height:g} mm: "
                    "make them the same size (correct the one that is wrong)").format(said=said, width=size[0],
                                                                                         height=size[1])))
    dated = settings.facts.get("notice_date")
    day = dated.source.date if dated is not None and dated.source is not None else None
    if day is not None and day != settings.issued:
        problems.append(Problem("campaign.toml", None, "issued", _(
            "{isoformat} is printed on every material as the notice's date, but the fact notice_date is dated "
            "{isoformat2}: make them agree").format(isoformat=settings.issued.isoformat(),
                                                    isoformat2=day.isoformat())))
    return problems


def check(notices: Notices, texts: list[Text], issued: dt.date | None = None) -> list[Problem]:
    """Every quotation of the notice (a blockquote in an FAQ answer or a site text) is the notice's own words
    in the same language; the date printed on every material (`issued`) is the notice's date."""
    problems: list[Problem] = []
    if not notices.by_lang and not notices.missing:
        return problems
    for text_of_notice in notices.by_lang.values():
        day = text_of_notice.meta.get("date")
        if issued is not None and isinstance(day, dt.date) and day != issued:
            problems.append(Problem("campaign.toml", None, "issued", _("{isoformat} is printed on every "
                                      "material as the notice's date, but {file} says {isoformat2}: "
                                      "make them agree").format(isoformat=issued.isoformat(), file=text_of_notice.file,
                                                                isoformat2=day.isoformat())))
    for text in texts:
        if text.kind not in ("faq", "site") or not text.markdown or text.part == "question" or text.lang is None:
            continue
        for line, paragraph in quotations(text):
            words = quoted_words(paragraph)
            notice = notices.by_lang.get(text.lang)
            if words is None:
                problems.append(Problem(text.file, line, None, _("a blockquote quotes the notice: put the notice's "
                                          "words between “ and ” (an attribution such as 通知第一条： may come "
                                          "first)")))
            elif notice is None:
                problems.append(Problem(text.file, line, None, _("quotes the notice, but {FOLDER}/{lang}.md "
                                          "is missing: add the notice's text in this language to check it").format(
                                              FOLDER=FOLDER, lang=text.lang)))
            elif not notice.contains(words):
                problems.append(Problem(text.file, line, None, _("“{words}” is not the notice's words in "
                                          "{file}: quote it verbatim, or write it as the campaign's own "
                                          "sentence without a blockquote").format(words=words, file=notice.file)))
    return problems
