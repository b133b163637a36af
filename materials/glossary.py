"""One vocabulary: the campaign's glossary, checked across every published text.

The glossary is a TOML file in the campaign (`glossary = "glossary.toml"` in campaign.toml):

    [[terms]]
    concept = "inspection staff"                 # what the entry is about
    rule = "The notice's 查验人员, one name."     # why, shown in every message
    zh-CN = { preferred = "查验人员", variants = ["检查人员", "值守人员"] }
    en = { preferred = "inspection staff", variants = ["inspection personnel", "inspector"] }

- A variant found in a text is an error naming the file, the line and the preferred term. A variant
  inside a longer preferred term (车站 in 火车站) is not flagged.
- An entry without a preferred term lists words the campaign must not use at all (invented names).
- `allow = ["火车站"]`: words that contain a variant and are right (车站 inside 火车站).
- `first = "health QR code"` (with `preferred = "health code"`): in each text (a question with its
  answer, a poster's or tip's language section, a site text, an interface string), the first mention is
  the long form; later ones may be short.
- `[spelling.en]` maps spellings to the one chosen (`color = "colour"`), matched as whole words with
  their endings (colors, colored).

English words match whole words, case-insensitive, with the endings s/es/d/ed/ing; Chinese matches
anywhere. Templates are checked for variants only (they hold every language and many texts).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from materials.errors import Problem
from materials.i18n import _
from materials.textfiles import load_toml, read_text, toml_problem
from materials.texts import Text

ENDINGS = "(?:s|es|d|ed|ing)?"
#: Markdown link targets (`(faq:green-code)`, `(service:)`) are addresses, not words.
LINK_TARGET = re.compile(r"\]\([^)]*\)")


@dataclass(frozen=True)
class Entry:
    """One term in one language."""

    concept: str
    lang: str
    preferred: str
    variants: tuple[str, ...]
    rule: str = ""
    first: str = ""
    allow: tuple[str, ...] = ()


@dataclass
class Glossary:
    file: str
    entries: list[Entry]

    def protected(self, lang: str) -> list[str]:
        """Preferred terms of a language: a variant inside one of them is not a variant."""
        return [w for e in self.entries if e.lang == lang for w in (e.preferred, e.first, *e.allow) if w]


def load(path: Path, label: str, languages: list[str]) -> tuple[Glossary | None, list[Problem]]:
    """Read and validate a glossary file; every problem names the file and the entry."""
    if not path.is_file():
        return None, [Problem("campaign.toml", None, "glossary", _("{label} does not exist; create it or remove the "
                                "setting").format(label=label))]
    problems: list[Problem] = []
    text = read_text(path, label, problems)  # size limit, UTF-8, no control or bidi characters
    if text is None:
        return None, problems
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as e:
        return None, [toml_problem(label, text, e)]
    entries: list[Entry] = []
    for key in sorted(set(data) - {"terms", "spelling"}):
        problems.append(Problem(label, None, key, _("unknown table; a glossary has [[terms]] and [spelling.LANG]")))
    terms = data.get("terms", [])
    if not isinstance(terms, list):
        terms = []
        problems.append(Problem(label, None, "terms", _("write each term as a [[terms]] table")))
    for index, term in enumerate(terms):
        entries += _term(term, f"terms[{index}]", label, languages, problems)
    spelling = data.get("spelling", {})
    for lang, words in spelling.items() if isinstance(spelling, dict) else []:
        if lang not in languages or not isinstance(words, dict):
            problems.append(Problem(label, None, f"spelling.{lang}", _("must be a table of a campaign language: "
                                      "variant = \"chosen spelling\"")))
            continue
        for variant, chosen in words.items():
            if not isinstance(chosen, str) or not chosen:
                problems.append(Problem(label, None, f"spelling.{lang}.{variant}", _("must be the chosen spelling")))
                continue
            entries.append(Entry(_("spelling {chosen}").format(chosen=chosen), lang, chosen, (variant,),
                                 _("the campaign's chosen spelling")))
    return Glossary(label, entries), problems


def _term(term: Any, key: str, label: str, languages: list[str], problems: list[Problem]) -> list[Entry]:
    if not isinstance(term, dict) or not isinstance(term.get("concept"), str):
        problems.append(Problem(label, None, key, _("each [[terms]] needs concept = \"…\"")))
        return []
    concept, rule = term["concept"], term.get("rule", "")
    entries = []
    for name in sorted(set(term) - {"concept", "rule"}):
        value = term[name]
        where = f"{key}.{name} ({concept})"
        if name not in languages:
            problems.append(Problem(label, None, where, _("not a campaign language")))
            continue
        if not isinstance(value, dict) or set(value) - {"preferred", "variants", "first", "allow"}:
            problems.append(Problem(label, None, where, _("write { preferred = \"…\", variants = [\"…\"] }")))
            continue
        preferred, variants, first = value.get("preferred", ""), value.get("variants", []), value.get("first", "")
        allow = value.get("allow", [])
        if not all(isinstance(x, list) and all(isinstance(v, str) and v.strip() for v in x) for x in (variants, allow)):
            problems.append(Problem(label, None, where, _("variants and allow must be lists of words")))
            continue
        if not isinstance(preferred, str) or not isinstance(first, str) or (first and not preferred):
            problems.append(Problem(label, None, where, _("preferred (and first) must be words; first needs "
                                                          "preferred")))
            continue
        if not preferred and not variants:
            problems.append(Problem(label, None, where, _("give the preferred term, the variants to flag, or both")))
            continue
        entries.append(Entry(concept, name, preferred, tuple(variants), rule, first, tuple(allow)))
    return entries


def _pattern(word: str) -> re.Pattern[str]:
    if word.isascii():
        return re.compile(rf"(?<![A-Za-z]){re.escape(word)}{ENDINGS}(?![A-Za-z])", re.I)
    return re.compile(re.escape(word))


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def check(glossary: Glossary, texts: list[Text], *, first: bool = True) -> list[Problem]:
    """Every variant in every text, and (`first`) every first mention in its short form."""
    problems: list[Problem] = []
    patterns = {w: _pattern(w) for e in glossary.entries for w in (*e.variants, e.preferred, e.first, *e.allow) if w}
    for text in texts:
        langs = [text.lang] if text.lang is not None else sorted({e.lang for e in glossary.entries})
        lines = _lines(text)
        # A word is sought line by line only in a text where it occurs at all (a word holds no line break, so
        # it occurs in a line of the text only if it occurs in the text): most lines hold no variant.
        whole = "\n".join(content for _line, content in lines)
        for lang in langs:
            protected = [w for w in glossary.protected(lang) if "\n" in w or patterns[w].search(whole)]
            entries = [(e, [v for v in e.variants if "\n" in v or patterns[v].search(whole)])
                       for e in glossary.entries if e.lang == lang]
            entries = [(e, variants) for e, variants in entries if variants]
            if not entries:
                continue
            for line, content in lines:
                spans = [m.span() for w in protected for m in patterns[w].finditer(content)]
                for entry, variants in entries:
                    found = [m for v in variants for m in patterns[v].finditer(content)
                             if not _inside(spans, *m.span())]
                    # "as before" inside "the same way as before" is one finding, the longer.
                    for match in found:
                        if not any(o is not match and _inside([o.span()], *match.span()) and o.span() != match.span()
                                   for o in found):
                            problems.append(Problem(text.file, line, None, _message(entry, match.group(0))))
    if first:
        problems += _first_mentions(glossary, patterns, texts)
    return problems


def _lines(text: Text) -> list[tuple[int, str]]:
    """The text's lines with link targets blanked out (same length, so positions stay)."""
    if not text.markdown:
        return text.lines()
    # A blockquote in an FAQ or site text quotes the notice (materials/notice.py): its words are the notice's.
    quotes = text.kind in ("faq", "site")
    return [(n, "" if quotes and t.lstrip().startswith(">") else
             LINK_TARGET.sub(lambda m: "](" + " " * (len(m.group(0)) - 3) + ")", t)) for n, t in text.lines()]


def _message(entry: Entry, found: str) -> str:
    why = _rule(entry)
    if entry.preferred:
        return _("“{found}”: write “{preferred}”{why}; glossary term “{concept}”").format(
            found=found, preferred=entry.preferred, why=why, concept=entry.concept)
    return _("“{found}” is not a term of this campaign{why}; glossary term “{concept}”").format(
        found=found, why=why, concept=entry.concept)


def _rule(entry: Entry) -> str:
    """The entry's reason, in brackets after a message (the glossary's own words, as written)."""
    return _(" ({rule})").format(rule=entry.rule) if entry.rule else ""


def _first_mentions(glossary: Glossary, patterns: dict[str, re.Pattern[str]], texts: list[Text]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()  # (unit, concept) whose first mention is behind us
    for text in texts:
        if text.lang is None:
            continue
        for entry in (e for e in glossary.entries if e.lang == text.lang and e.first):
            if (text.unit, entry.concept) in seen:
                continue
            for line, content in _lines(text):
                long = [m.start() for m in patterns[entry.first].finditer(content)]
                short = [m.start() for m in patterns[entry.preferred].finditer(content)]
                if not long and not short:
                    continue
                seen.add((text.unit, entry.concept))
                if short and (not long or short[0] < long[0]):
                    why = _rule(entry)
                    problems.append(Problem(text.file, line, None, _("first mention of the {concept} in this "
                                              "text: write “{first}”, later ones “{preferred}”{why}").format(
                                                  concept=entry.concept, first=entry.first, preferred=entry.preferred,
                                                  why=why)))
                break
    return problems
