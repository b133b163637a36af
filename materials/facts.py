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
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from materials import markdown as mdown
from materials import safefile
from materials.config import Fact
from materials.errors import Problem
from materials.i18n import N_, _
from materials.notice import SETTING_FACTS
from materials.texts import Text

if TYPE_CHECKING:
    from materials.campaign import Campaign

log = logging.getLogger(__name__)

#: Shorter words than this are not searched for as typed-out facts (a city's one-character short name).
MIN_LITERAL = 2

#: Colour names of a code that the notice does not make: which colours exist and what they are called are
#: local facts (`{{ colour_medium }}`), so a colour typed in a text is an error. The notice names only the
#: green code (绿码), which texts may write.
COLOURS = {
    "zh": re.compile(r"[红黄橙](?:码|色)"),
    "en": re.compile(r"\b(?:red|yellow|orange|amber)\b", re.IGNORECASE),
}
LINK_TARGET = re.compile(r"\]\([^)]*\)")
HTML_TAG = re.compile(r"<[^>]*>")
#: Kinds of text the colour rule reads (templates hold CSS colour names).
COLOUR_KINDS = ("faq", "poster", "tip", "site", "strings")


#: The warning for each unconfirmed fact; `materials serve`'s gallery tells these apart from other warnings.
UNCONFIRMED = N_("unconfirmed fact {{{{ {name} }}}} ({text}): {source}; have the authority confirm it, then set "
                 "confirmed = true in campaign.toml")

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
            _filled, unknown = mdown.fill_facts(text.text, campaign.facts(text.lang or campaign.primary_language),
                                          text.file, text.line)
            problems += unknown
        if text.part == "question" and mdown.FACT.search(text.text):
            problems.append(Problem(text.file, text.line, "question", _("facts are not filled in a question (lists, "
                                      "page titles and search show it as written): write it without {{ … }}")))
        if text.markdown and text.lang is not None:
            problems += _typed_out(facts, text)
        if text.kind in COLOUR_KINDS and text.lang is not None:
            problems += _colours(text)
    problems += _colours_in_search(campaign)
    for name, fact in facts.items():
        for other in fact.source.decide_with if fact.source else []:
            if other not in facts:
                problems.append(Problem("campaign.toml", None, f"facts.{name}.source.decide_with",
                                        _("{other!r} is not a fact; name facts of campaign.toml").format(
                                            other=other)))
    used = uses(texts)
    used.update({name: [] for name in _named_in_search(campaign)})
    used.update({name: [] for _setting, name in SETTING_FACTS})  # printed from the settings (notice.py)
    notes = campaign.fact_notes
    notes.clear()
    for name, fact in facts.items():
        if name not in used:
            notes.append(_("campaign.toml: facts.{name} is not used by any FAQ, poster, tip or site text; use it as "
                           "{{{{ {name} }}}} or remove it").format(name=name))
        if not fact.confirmed:
            notes.append(_(UNCONFIRMED).format(
                               name=name, text=describe(fact, campaign.primary_language), source=source_line(fact)))
    return problems


def report(campaign: Campaign, *, each: bool) -> None:
    """Log the facts' warnings: each one (`check`, `build`), or one summary line (commands that use facts)."""
    notes = campaign.fact_notes
    if each:
        for note in notes:
            log.warning("%s", note)
    elif notes:
        log.warning(_("%d local fact(s) not confirmed or not used; `materials check` lists them and `materials proof` "
                      "prints them for sign-off"), len(notes))


def _typed_out(facts: dict[str, Fact], text: Text) -> list[Problem]:
    problems = []
    assert text.lang is not None
    lines = [(line, mdown.FACT.sub("", content)) for line, content in text.lines()]  # once, not once per fact
    whole = "\n".join(content for _line, content in lines)
    for name, fact in facts.items():
        words = fact.text.get(text.lang, "")
        if len(words) < MIN_LITERAL or words not in whole:  # not in the text: in none of its lines
            continue
        for line, content in lines:
            if words in content:
                problems.append(Problem(text.file, line, None, _("“{words}” is the fact {{{{ {name} }}}} typed out; "
                                          "write {{{{ {name} }}}} so the text follows campaign.toml").format(
                                              words=words, name=name)))
    return problems


def _colours(text: Text) -> list[Problem]:
    """A code colour the notice does not name, typed out instead of written as its fact."""
    assert text.lang is not None
    pattern = COLOURS.get(text.lang.split("-")[0].lower())
    if pattern is None:
        return []
    problems = []
    for line, content in text.lines():
        words = HTML_TAG.sub("", LINK_TARGET.sub("]()", mdown.FACT.sub("", content)))  # not link targets, tags
        for match in pattern.finditer(words):
            problems.append(Problem(text.file, line, None, _("“{group}”: the colours of the code are local "
                                      "facts (the notice names only the green code); write the colour's fact, such "
                                      "as {{{{ colour_high }}}}, and set its words in campaign.toml").format(
                                          group=match.group(0))))
    return problems


def _named_in_search(campaign: Campaign) -> set[str]:
    """Facts written in FAQ keywords or `[search]` synonyms (used by the search only)."""
    words = [w for items in campaign.faqs.values() for faq in items for w in faq.keywords]
    words += [w for table in campaign.settings.kind_tables() for _key, w in table.searched_words()]
    return {m.group(1) for w in words for m in mdown.FACT.finditer(w)}


def _colours_in_search(campaign: Campaign) -> list[Problem]:
    """Colour names typed in what the search reads and shows (FAQ keywords, `[search]` words and synonyms):
    write the colour's fact there too (`{{ colour_high }}`). A question's id and old ids are public addresses
    (/faq/<id>/ and its redirects), where no fact can be written: a colour there is refused outright."""
    problems = []

    def typed(words: str, lang: str) -> list[str]:
        patterns = [COLOURS[lang]] if lang in COLOURS else list(COLOURS.values())
        plain = mdown.FACT.sub("", words)
        return [m.group(0) for pattern in patterns for m in pattern.finditer(plain)]

    message = _("“{found}” in “{word}”: the colours of the code are local facts; write the colour's fact, such "
                "as {{{{ colour_high }}}}, or leave the word out")
    address = _("“{found}” in the address “{word}”: the colours of the code are local facts and an address cannot "
                "follow campaign.toml; name the topic instead (such as what-the-colours-mean)")
    for lang, items in campaign.faqs.items():
        for faq in items:
            for key, slugs in (("id", (faq.id,)), ("redirect_from", faq.redirect_from)):
                for slug in slugs:
                    for found in typed(slug, ""):
                        problems.append(Problem(campaign.relative(faq.path), None, key,
                                                address.format(found=found, word=slug)))
            for word in faq.keywords:
                for found in typed(word, lang.split("-")[0].lower()):
                    problems.append(Problem(campaign.relative(faq.path), None, "keywords",
                                            message.format(found=found, word=word)))
    for table in campaign.settings.kind_tables():
        for key, word in table.searched_words():
            for found in typed(word, ""):
                problems.append(Problem("campaign.toml", None, key, message.format(found=found, word=word)))
    return problems


def describe(fact: Fact, lang: str) -> str:
    return fact.text.get(lang) or next(iter(fact.text.values()))


def source_line(fact: Fact) -> str:
    """The fact's source in one line, as warnings and the proof show it."""
    source = fact.source
    if source is None:
        return _("no source given")
    parts = [source.document]
    if source.date is not None:
        parts.append(source.date.isoformat())
    if source.link:
        parts.append(source.link)
    return ", ".join(parts)


def evidenced(fact: Fact) -> bool:
    """Whether a document outside the campaign states the fact: a source with a date or a link. Otherwise only
    the campaign says it (a proposal or a question to the authority), and the proof shows it apart."""
    source = fact.source
    return source is not None and (source.date is not None or bool(source.link))


def unconfirmed(campaign: Campaign) -> list[str]:
    return [name for name, fact in campaign.settings.facts.items() if not fact.confirmed]


# --- recording a confirmation (`materials facts confirm`) -----------------------------------------------

TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")


def _toml_string(value: str) -> str:
    """A TOML basic string."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = "".join(c if ord(c) >= 0x20 and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
    return f'"{out}"'


def confirm(root: Path, name: str, document: str, day: date, link: str = "",
            texts: dict[str, str] | None = None, settings_file: str = "campaign.toml") -> list[str]:
    """Record in campaign.toml that the authority confirmed fact `name`: its words (`texts`, per language,
    optional: a correction), `source` (document, date, link) and `confirmed = true`. Only the fact's own
    lines change; comments and everything else stay as written. Returns the lines written. The file is
    checked with the new values before it is replaced, so a bad value leaves it untouched."""
    from materials.config import load_settings
    from materials.errors import MaterialsError

    # A linked campaign.toml is written through, as `keys new --add` writes a linked key file: replacing the link
    # with a plain file would leave the real settings unconfirmed.
    path = (root / settings_file).resolve()
    if day > date.today():
        raise MaterialsError(_("--date {day} is in the future; give the date of the document that confirms the "
                               "fact").format(day=day.isoformat()))
    texts = dict(texts or {})
    _check_source({"--source": document, "--link": link})
    _check_words(root, name, texts, settings_file)
    try:
        raw = safefile.read_text(path, safefile.TOML)
    except OSError as e:
        raise MaterialsError(_("{path}: cannot read ({strerror})").format(path=path, strerror=e.strerror)) from None
    lines = raw.split("\n")
    start = next((i for i, line in enumerate(lines) if (m := TABLE.match(line)) and m.group(1) == f"facts.{name}"),
                 None)
    _refuse_other_forms(path, settings_file, name, lines, start)
    if start is None:
        known = sorted(m.group(1).removeprefix("facts.") for line in lines
                       if (m := TABLE.match(line)) and m.group(1).startswith("facts."))
        raise MaterialsError(_("{file}: no fact [facts.{name}]; facts: {known}").format(
            file=settings_file, name=name, known=", ".join(known)))
    end = next((i for i in range(start + 1, len(lines)) if TABLE.match(lines[i]) or lines[i].startswith("[[")),
               len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    body = lines[start + 1:end]
    source = f"document = {_toml_string(document)}, date = {day.isoformat()}"
    if link:
        source += f", link = {_toml_string(link)}"
    # Evidence that says otherwise stays until someone removes it by hand: a confirmation does not answer it, and
    # the proof keeps listing the fact among its blockers while it is there. The approver's note stays too.
    old = load_settings(path, settings_file).facts.get(name)
    for key in ("note", "contrary"):
        value = getattr(old.source, key) if old is not None and old.source is not None else ""
        if value:
            source += f", {key} = {_toml_string(value)}"
    wanted = {"confirmed": "confirmed = true", "source": f"source = {{ {source} }}"}
    wanted.update({lang: f"{lang} = {_toml_string(words)}" for lang, words in texts.items()})
    kept: list[str] = []
    for line in body:
        key = line.split("=", 1)[0].strip().strip('"') if "=" in line and not line.lstrip().startswith("#") else ""
        if key in wanted:
            kept.append(wanted.pop(key))
        else:
            kept.append(line)
    languages = [key for key in wanted if key not in ("confirmed", "source")]
    kept = [*(wanted[lang] for lang in languages), *kept, *(wanted[k] for k in ("confirmed", "source") if k in wanted)]
    written = [line for line in kept if line not in body]
    new = "\n".join([*lines[:start + 1], *kept, *lines[end:]])
    temporary = path.with_name(f".{path.name}.facts-confirm")
    try:
        temporary.write_text(new, encoding="utf-8")
        load_settings(temporary, settings_file)  # refuses a bad date, link or language with the key named
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return written


def _refuse_other_forms(path: Path, settings_file: str, name: str, lines: list[str], start: int | None) -> None:
    """Refuse up front a fact that `confirm` cannot edit line by line: one written as an inline table
    (`[facts]` then `name = { … }`), with dotted keys (`source.document = …`) or with a `[facts.name.source]`
    table. Writing `source = { … }` beside those would make a file TOML refuses."""
    from materials.config import load_settings
    from materials.errors import MaterialsError

    def dotted(line: str) -> bool:
        key = line.split("=", 1)[0] if "=" in line and not line.lstrip().startswith("#") else ""
        return "." in key.replace('"', "").strip() and not key.lstrip().startswith(('"', "'"))

    if start is None:
        other = name in load_settings(path, settings_file).facts
    else:
        end = next((i for i in range(start + 1, len(lines)) if TABLE.match(lines[i]) or lines[i].startswith("[[")),
                   len(lines))
        other = any(dotted(line) for line in lines[start + 1:end]) or any(
            (m := TABLE.match(line)) and m.group(1).startswith(f"facts.{name}.") for line in lines)
    if other:
        raise MaterialsError(_(
            "{file}: fact {name} is written in a form `materials facts confirm` cannot edit (an inline table, dotted "
            "keys such as source.document, or a [facts.{name}.source] table); write it as a [facts.{name}] table "
            "with one line per language, `confirmed = false` and `source = {{ document = \"…\", date = "
            "YYYY-MM-DD }}`, then run it again. The file was not changed").format(file=settings_file, name=name))


def _check_source(options: dict[str, str]) -> None:
    """The source is shown to the approver on the proof: no control, bidi or zero-width character in it, which
    could show another document name than the one written (campaign.toml refuses them there too)."""
    from materials.errors import MaterialsError
    from materials.fonts import describe as describe_char
    from materials.textfiles import _forbidden_char

    for option, value in options.items():
        bad = next((c for c in value if _forbidden_char(c) or c == "\t"), None)
        if bad is not None:
            raise MaterialsError(_("{option}: invisible control character {char}; delete it (often pasted from "
                                   "another document)").format(option=option, char=describe_char(bad)))


def _check_words(root: Path, name: str, texts: dict[str, str], settings_file: str) -> None:
    """The rules `check` applies to a fact's words, before they are written: no control or bidi character
    (campaign.toml's fact values refuse them too), no word the campaign's glossary refuses."""
    from materials import glossary
    from materials.config import load_settings
    from materials.errors import MaterialsError
    from materials.fonts import describe as describe_char
    from materials.textfiles import _forbidden_char

    for lang, words in texts.items():
        bad = next((c for c in words if _forbidden_char(c) or c == "\t"), None)
        if bad is not None:
            raise MaterialsError(_("--text {lang}=…: invisible control character {char}; delete it (often pasted "
                                   "from another document)").format(lang=lang, char=describe_char(bad)))
    settings = load_settings(root / settings_file, settings_file)
    if not settings.glossary or not texts:
        return
    found, _problems = glossary.load(root / settings.glossary, settings.glossary, list(texts))
    if found is None:
        return  # `check` reports a missing or broken glossary
    pieces = [Text(f"--text {lang}", 1, lang, words, f"fact:{name}", "fact", markdown=False)
              for lang, words in texts.items()]
    refused = glossary.check(found, pieces, first=False)
    if refused:
        raise MaterialsError("\n".join(_("{where}: {message}").format(where=problem.file, message=problem.message)
                                       for problem in refused))
