"""Local facts: every statement the notice does not make is a named, sourced fact in campaign.toml.

A hotline, an app's name, what a yellow code means: such things differ from city to city and change,
so content never types them out. It writes `{{ hotline }}`, and `[facts.hotline]` in campaign.toml
holds the words per language, the `source` that states them and whether the authority `confirmed`
them. This module checks how the content uses them:

- a `{{ name }}` that is not a fact is an error with file and line (FAQ answers and print sources are
  checked where they are read; the site texts here);
- a fact's words typed out in the content are an error: the text would not follow a correction;
- a fact no text uses is a warning (it is listed on the proof for nothing);
- every unconfirmed fact is a warning, so `--strict` refuses to build until the authority confirms them.

The warnings are kept on the campaign (`Campaign.fact_notes`) rather than logged at load: `check` and `build`
list each one (`report`), commands that use facts say it in one line, and the others (venue posters use no
fact) say nothing, so a real error is never line 28 of a command's output.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from materials import markdown as mdown
from materials.config import Fact
from materials.errors import Problem
from materials.texts import Text

if TYPE_CHECKING:
    from materials.campaign import Campaign

log = logging.getLogger(__name__)

#: Shorter words than this are not searched for as typed-out facts (a city's one-character short name).
MIN_LITERAL = 2


def uses(texts: Iterable[Text]) -> dict[str, list[tuple[str, int]]]:
    """Fact name -> every (file, line) that writes `{{ name }}`."""
    found: dict[str, list[tuple[str, int]]] = {}
    for text in texts:
        if not text.markdown:
            continue
        for line, content in text.lines():
            for match in mdown.FACT.finditer(content):
                found.setdefault(match.group(1), []).append((text.file, line))
    return found


def check(campaign: Campaign, texts: list[Text]) -> list[Problem]:
    """Unknown fact names in the site texts and facts typed out anywhere; log unused and unconfirmed facts."""
    problems: list[Problem] = []
    facts = campaign.settings.facts
    for text in texts:
        if text.kind == "site" and text.markdown:
            _, unknown = mdown.fill_facts(text.text, campaign.facts(text.lang or campaign.primary_language),
                                          text.file, text.line)
            problems += unknown
        if text.part == "question" and mdown.FACT.search(text.text):
            problems.append(Problem(text.file, text.line, "question", "facts are not filled in a question (lists, "
                                    "page titles and search show it as written): write it without {{ … }}"))
        if text.markdown and text.lang is not None:
            problems += _typed_out(facts, text)
    used = uses(texts)
    notes = campaign.fact_notes
    notes.clear()
    for name, fact in facts.items():
        if name not in used:
            notes.append(f"campaign.toml: facts.{name} is not used by any FAQ, poster, tip or site text; use it as "
                         f"{{{{ {name} }}}} or remove it")
        if not fact.confirmed:
            notes.append(f"unconfirmed fact {{{{ {name} }}}} ({describe(fact, campaign.primary_language)}): "
                         f"{source_line(fact)}; have the authority confirm it, then set confirmed = true in "
                         "campaign.toml")
    return problems


def report(campaign: Campaign, *, each: bool) -> None:
    """Log the facts' warnings: each one (`check`, `build`), or one summary line (commands that use facts)."""
    notes = campaign.fact_notes
    if each:
        for note in notes:
            log.warning("%s", note)
    elif notes:
        log.warning("%d local fact(s) not confirmed or not used; `materials check` lists them and `materials proof` "
                    "prints them for sign-off", len(notes))


def _typed_out(facts: dict[str, Fact], text: Text) -> list[Problem]:
    problems = []
    assert text.lang is not None
    for name, fact in facts.items():
        words = fact.text.get(text.lang, "")
        if len(words) < MIN_LITERAL:
            continue
        for line, content in text.lines():
            if words in mdown.FACT.sub("", content):
                problems.append(Problem(text.file, line, None, f"“{words}” is the fact {{{{ {name} }}}} typed out; "
                                        f"write {{{{ {name} }}}} so the text follows campaign.toml"))
    return problems


def describe(fact: Fact, lang: str) -> str:
    return fact.text.get(lang) or next(iter(fact.text.values()))


def source_line(fact: Fact) -> str:
    """The fact's source in one line, as warnings and the proof show it."""
    source = fact.source
    if source is None:
        return "no source given"
    parts = [source.document]
    if source.date is not None:
        parts.append(source.date.isoformat())
    if source.link:
        parts.append(source.link)
    return ", ".join(parts)


def unconfirmed(campaign: Campaign) -> list[str]:
    return [name for name, fact in campaign.settings.facts.items() if not fact.confirmed]
