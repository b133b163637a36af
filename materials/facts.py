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
import tomllib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from materials import markdown as mdown
from materials import safefile
from materials.config import Fact
from materials.errors import Problem
from materials.i18n import N_, _
from materials.notice import SETTING_FACTS
from materials.textfiles import load_toml
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


def statement_lines(text: str) -> list[bool]:
    """For each line of a TOML text (split at "\\n"), whether it starts a statement as TOML reads it: a table
    header, a key or a comment. A line that starts inside a multi-line string (three quotes) or inside an array
    or inline table spanning lines does not: what reads like `[facts.city]` there is words (red team 11, #7:
    `facts confirm` rewrote such lines of [site.intro]'s text and left the fact unconfirmed)."""
    starts: list[bool] = []
    quote = ""  # the string the scan is inside: one quote or three, of either kind
    depth = 0  # arrays and inline tables open
    comment = False
    at_line_start = True
    i = 0
    while True:
        if at_line_start:
            starts.append(not quote and depth == 0)
            at_line_start = False
        if i >= len(text):
            return starts
        char = text[i]
        if char == "\n":
            comment = False
            if len(quote) == 1:  # a one-line string never spans lines (TOML refuses the file)
                quote = ""
            at_line_start = True
        elif comment:
            pass
        elif quote:
            if char == "\\" and quote[0] == '"':
                i += 1  # an escaped character, or an escaped line end in a multi-line string, stays in the string
                at_line_start = text[i:i + 1] == "\n"
            elif text.startswith(quote, i):
                run = len(quote)
                while len(quote) == 3 and run < 5 and text.startswith(quote[0], i + run):
                    run += 1  # up to two quotes before the closing three belong to the words
                i += run - 1
                quote = ""
        elif char == "#":
            comment = True
        elif char in "\"'":
            quote = char * 3 if text.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(depth - 1, 0)
        i += 1


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
    tables = _tables(raw)
    start = next((i for i, table in tables if table == f"facts.{name}"), None)
    _refuse_other_forms(path, settings_file, name, lines, start, tables)
    if start is None:
        known = sorted(table.removeprefix("facts.") for _i, table in tables if table.startswith("facts."))
        raise MaterialsError(_("{file}: no fact [facts.{name}]; facts: {known}").format(
            file=settings_file, name=name, known=", ".join(known)))
    end = next((i for i, _table in tables if i > start), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    body = lines[start + 1:end]
    statement = statement_lines(raw)[start + 1:end]
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
    before = load_toml(raw.removeprefix("\ufeff"))["facts"][name]
    expected = {**{k: v for k, v in before.items() if k != "source"}, **texts, "confirmed": True, "source": {
        "document": document, "date": day, **({"link": link} if link else {}),
        **{key: getattr(old.source, key) for key in ("note", "contrary")
           if old is not None and old.source is not None and getattr(old.source, key)}}}
    kept: list[str] = []
    skipping = False
    for line, starts in zip(body, statement, strict=True):
        if not starts:  # a line inside a value: words of a multi-line string, items of an array
            if not skipping:
                kept.append(line)
            continue
        key = line.split("=", 1)[0].strip().strip('"') if "=" in line and not line.lstrip().startswith("#") else ""
        skipping = key in wanted  # a value replaced whole, with the lines it spans
        kept.append(wanted.pop(key) if skipping else line)
    languages = [key for key in wanted if key not in ("confirmed", "source")]
    kept = [*(wanted[lang] for lang in languages), *kept, *(wanted[k] for k in ("confirmed", "source") if k in wanted)]
    written = [line for line in kept if line not in body]
    new = "\n".join([*lines[:start + 1], *kept, *lines[end:]])
    temporary = path.with_name(f".{path.name}.facts-confirm")
    try:
        temporary.write_text(new, encoding="utf-8")
        load_settings(temporary, settings_file)  # refuses a bad date, link or language with the key named
        check_confirmed(raw, new, settings_file, name, expected)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return written


def _tables(text: str) -> list[tuple[int, str]]:
    """The table headers of a TOML text as (line index, name), `[[x]]` as `[x]`; never a line inside a string."""
    found = []
    for i, (line, starts) in enumerate(zip(text.split("\n"), statement_lines(text), strict=True)):
        if starts and (m := TABLE.match(line)):
            found.append((i, m.group(1)))
        elif starts and line.lstrip().startswith("[["):
            found.append((i, line.strip()))
    return found


def check_confirmed(before: str, after: str, settings_file: str, name: str, fact: dict[str, Any]) -> None:
    """The last guard of `confirm`: `after`, read as TOML, is `before` with fact `name` exactly `fact` (its words,
    `confirmed = true`, the new source) and nothing else changed. An edit of the wrong lines (red team 11, #7: lines
    inside a multi-line string) said "confirmed" and left the fact as it was; now it writes nothing and fails."""
    from materials.errors import MaterialsError

    try:
        old, new = (load_toml(text.removeprefix("\ufeff")) for text in (before, after))
    except tomllib.TOMLDecodeError:
        new = None
        old = {}
    expected = {**old, "facts": {**old.get("facts", {}), name: fact}}
    if new != expected:
        raise MaterialsError(_("{file}: editing [facts.{name}] would not confirm exactly that fact and keep every "
                               "other setting as it is (the edited file reads differently); the file was not "
                               "changed: set `confirmed = true` and the `source` of [facts.{name}] by hand").format(
                                   file=settings_file, name=name))


def _refuse_other_forms(path: Path, settings_file: str, name: str, lines: list[str], start: int | None,
                        tables: list[tuple[int, str]]) -> None:
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
        end = next((i for i, _table in tables if i > start), len(lines))
        statement = statement_lines("\n".join(lines))
        other = any(dotted(lines[i]) for i in range(start + 1, end) if statement[i]) or any(
            table.startswith(f"facts.{name}.") for _i, table in tables)
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
