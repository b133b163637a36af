"""A campaign folder, loaded and validated as a whole.

`load(root)` reads `campaign.toml` and every FAQ, checks them against each other (translations, orders,
categories, links, fonts) and raises one `CampaignError` listing every problem. What it returns is what
every target renders from; targets read their own sources (posters, tips, venue lists) in their
`validate` functions.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from materials import fonts, registry, safefile
from materials import markdown as mdown
from materials.config import Settings, load_settings
from materials.errors import CampaignError, MaterialsError, Problem
from materials.i18n import _
from materials.keys import file_key_material
from materials.schema import PLACEHOLDER_MARK, is_placeholder_host
from materials.sourcedate import source_date_epoch
from materials.textfiles import read_text, split_front_matter

FAQ_DIR = "faq"
FRONT_MATTER_KEYS = {"id", "order", "category", "question", "updated", "tags", "keywords", "redirect_from"}
REQUIRED_KEYS = ("id", "order", "category", "question")
#: Printed on every page of every output while a fact is unconfirmed or an address is a placeholder.
DRAFT_MARK = "草稿 · DRAFT"
#: What the mark means, where there is room for a sentence (web banner, WeChat article, feeds).
DRAFT_NOTE = "未经审定，内容可能更改，请勿转发。Not yet approved: this may change; do not republish."
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Faq:
    """One question in one language."""

    id: str
    lang: str
    order: int
    category: str
    question: str
    body: str
    #: The file on this machine: kept out of the repr, which a template may print into published output.
    path: Path = field(repr=False)
    body_line: int
    updated: date | None = None
    tags: tuple[str, ...] = ()
    #: Words people type when they mean this question (search weighs them above the answer).
    keywords: tuple[str, ...] = ()
    #: Former ids of this question (merged or renamed): the site keeps their addresses as redirects here.
    redirect_from: tuple[str, ...] = ()
    campaign: Campaign | None = field(default=None, repr=False, compare=False)
    #: The line of the file where `question:` is written (messages about the question name it).
    question_line: int = field(default=2, repr=False, compare=False)

    def html(self, channel: str, faq_href: Callable[[str], str] | None = None) -> str:
        """The answer as sanitised HTML, service links tagged with `channel`."""
        assert self.campaign is not None
        return self.campaign.markdown(self.body, lang=self.lang, channel=channel, faq_href=faq_href)


@dataclass
class Campaign:
    root: Path
    settings: Settings
    faqs: dict[str, list[Faq]] = field(default_factory=dict)
    #: Warnings about facts (unconfirmed, unused), found at load and logged by the commands that use facts.
    fact_notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        """What `{{ campaign }}` prints in a template: the campaign's title, never the folder's path on this
        machine or its settings (the output is published)."""
        return self.settings.title.get(self.primary_language, "campaign")

    __str__ = __repr__

    @property
    def languages(self) -> list[str]:
        return list(self.settings.languages)

    @property
    def primary_language(self) -> str:
        return self.settings.languages[0]

    def relative(self, path: Path) -> str:
        """A path as users see it in messages: relative to the campaign folder when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)

    def text(self, mapping: Mapping[str, str], lang: str) -> str:
        """The text of a per-language table, falling back to the primary language."""
        return mapping.get(lang) or mapping[self.primary_language]

    def facts(self, lang: str) -> dict[str, str]:
        """Facts available to content as `{{ name }}` in one language. A fact whose words are still a
        PLACEHOLDER is never printed as if it were prose: it shows as a bracketed gap naming the fact."""
        values = {name: self.text(fact.text, lang) for name, fact in self.settings.facts.items()}
        values.setdefault("authority", self.text(self.settings.authority, lang))
        values.setdefault("title", self.text(self.settings.title, lang))
        values.setdefault("service_host", self.service_host)
        return {name: f"［{name} 待填写 to be filled in］" if PLACEHOLDER_MARK in value else value
                for name, value in values.items()}

    @functools.cached_property
    def channels(self) -> list[str]:
        """Publicity channels a link may be tagged with: the output kinds' own (materials/registry.py), then
        the ones campaign.toml adds."""
        kinds = registry.channels()
        return kinds + [c for c in self.settings.channels if c not in kinds]

    def draft_reasons(self) -> list[str]:
        """Why this campaign is still a draft: every unconfirmed fact and every placeholder address. While
        the list is not empty, every output carries DRAFT_MARK (PDF pages, web pages, WeChat, feeds)."""
        reasons = [f"unconfirmed fact {{{{ {name} }}}}" for name, fact in self.settings.facts.items()
                   if not fact.confirmed]
        reasons += [f"fact {{{{ {name} }}}} is a placeholder" for name, fact in self.settings.facts.items()
                    if any(PLACEHOLDER_MARK in text for text in fact.text.values())]
        if is_placeholder_host(self.settings.service.url):
            reasons.append(f"service.url {self.settings.service.url} is a placeholder")
        for table in self.settings.kind_tables():  # each output kind's table names its own placeholders
            reasons += table.draft_reasons()
        return reasons

    @property
    def draft_note(self) -> str:
        """What the draft mark means, where there is room for a sentence."""
        return DRAFT_NOTE

    @property
    def draft_mark(self) -> str:
        """The mark every output carries while the campaign is a draft; empty once all is confirmed."""
        return DRAFT_MARK if self.draft_reasons() else ""

    @property
    def service_host(self) -> str:
        return urlsplit(self.settings.service.url).hostname or ""

    def service_link(self, channel: str) -> str:
        """The declaration-service URL tagged with the publicity channel it is published on."""
        if channel not in self.channels:
            raise MaterialsError(_("unknown publicity channel {channel!r}; campaign.toml channels: "
                                   "{channels}").format(channel=channel, channels=', '.join(self.channels)))
        parts = urlsplit(self.settings.service.url)
        tag = urlencode({self.settings.service.channel_parameter: channel})
        query = parts.query + ("&" if parts.query else "") + tag
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))

    def markdown(
        self,
        source: str,
        *,
        lang: str,
        channel: str,
        faq_href: Callable[[str], str] | None = None,
    ) -> str:
        """Markdown -> sanitised HTML for one language and channel."""
        return _render_cached(self, source, lang, channel, faq_href or faq_anchor)

    def source_date(self) -> datetime:
        """Date stamped into outputs: SOURCE_DATE_EPOCH if set (reproducible builds), else `issued`."""
        epoch = source_date_epoch()
        if epoch is not None:
            return epoch
        issued = self.settings.issued
        return datetime(issued.year, issued.month, issued.day, tzinfo=UTC)

    def faq(self, lang: str, faq_id: str) -> Faq:
        for item in self.faqs[lang]:
            if item.id == faq_id:
                return item
        raise KeyError(faq_id)

    def __hash__(self) -> int:
        return id(self)


def faq_anchor(faq_id: str) -> str:
    """Default target of a `faq:ID` link: the question's anchor on the same page (booklet, one-page lists).

    A module-level function, not a lambda per call, so `_render_cached` sees the same key every time."""
    return f"#faq-{faq_id}"


@functools.lru_cache(maxsize=4096)
def _render_cached(campaign: Campaign, source: str, lang: str, channel: str, faq_href: Callable[[str], str]) -> str:
    return mdown.render(
        source,
        facts=campaign.facts(lang),
        service_href=campaign.service_link(channel),
        faq_href=faq_href,
    )


def _faq_from_file(path: Path, root: Path, lang: str, settings: Settings, label: str,
                   problems: list[Problem]) -> Faq | None:
    before = len(problems)
    text = read_source(path, root, label, problems)
    if text is None:
        return None
    parsed = split_front_matter(text, label, problems)
    if parsed is None:
        return None
    meta, body, body_line = parsed
    lines = _front_matter_lines(text)

    def line(key: str) -> int:  # where the key is written; a missing key: the front matter's first line (2)
        return lines.get(key, 2)

    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            problems.append(Problem(label, line(key), key, _("required front-matter field is missing or empty")))
    for key in sorted(set(meta) - FRONT_MATTER_KEYS):
        allowed = ", ".join(sorted(FRONT_MATTER_KEYS))
        problems.append(Problem(label, line(key), key, _("unknown front-matter field; allowed: {allowed}").format(
            allowed=allowed)))
    faq_id, order, category = meta.get("id"), meta.get("order"), meta.get("category")
    if faq_id is not None and (not isinstance(faq_id, str) or not ID.match(faq_id)):
        problems.append(Problem(label, line("id"), "id",
                                _("{faq_id!r} must be lower-case letters, digits and hyphens").format(faq_id=faq_id)))
    if order is not None and (isinstance(order, bool) or not isinstance(order, int) or order < 1):
        problems.append(Problem(label, line("order"), "order", _("{order!r} must be a whole number from 1").format(
            order=order)))
    categories = [c.key for c in settings.faq_categories]
    if category is not None and category not in categories:
        problems.append(Problem(label, line("category"), "category", _("{category!r} is not one of "
                                  "{categories} (campaign.toml faq_categories)").format(
            category=category, categories=", ".join(categories))))
    question = meta.get("question")
    if question is not None and not isinstance(question, str):
        problems.append(Problem(label, line("question"), "question", _("must be text")))
    updated = meta.get("updated")
    if updated is not None and not isinstance(updated, date):
        problems.append(Problem(label, line("updated"), "updated",
                                _("{updated!r} must be a real day written YYYY-MM-DD, such as 2020-03-11, without "
                                  "a time of day (the feed and faq.json give the day)").format(updated=updated)))
    tags = _word_list(meta, "tags", "[green code, travel]", label, problems, line("tags"))
    keywords = _word_list(meta, "keywords", "[elderly, grandparents, older people]", label, problems,
                          line("keywords"))
    redirect_from = _word_list(meta, "redirect_from", "[old-id, other-old-id]", label, problems,
                               line("redirect_from"))
    for old in redirect_from:
        if not ID.match(str(old)):
            problems.append(Problem(label, line("redirect_from"), "redirect_from",
                                    _("{old!r} must be a former id: lower-case letters, digits and hyphens").format(
                                        old=old)))
    if not body.strip():
        problems.append(Problem(label, body_line, None, _("the answer is empty")))
    problems += mdown.source_problems(body, label, body_line)
    if len(problems) > before:
        return None
    assert isinstance(faq_id, str) and isinstance(order, int) and isinstance(category, str)
    assert isinstance(question, str)
    return Faq(
        id=faq_id, lang=lang, order=order, category=category, question=question.strip(), body=body,
        path=path, body_line=body_line, updated=updated, tags=tags, keywords=keywords,
        redirect_from=tuple(str(old) for old in redirect_from), question_line=line("question"),
    )


def _front_matter_lines(text: str) -> dict[str, int]:
    """Line of each top-level key of a file's front matter (the last, as YAML keeps the last of a repeat)."""
    found: dict[str, int] = {}
    for number, row in enumerate(text.split("\n")[1:], start=2):  # not splitlines: U+2028 ends no line
        if row.rstrip() == "---":
            break
        match = re.match(r"^([^\s:#][^:]*?)\s*:", row)
        if match:
            found[match.group(1).strip("'\"")] = number
    return found


def _word_list(meta: dict[str, Any], key: str, example: str, label: str, problems: list[Problem],
               line: int = 1) -> tuple[str, ...]:
    value = meta.get(key, [])
    if not isinstance(value, list) or not all(isinstance(t, str | int) and str(t).strip() for t in value):
        problems.append(Problem(label, line, key, _("must be a list of words, like {example}").format(example=example)))
        return ()
    return tuple(str(t).strip() for t in value)


def link_outside(path: Path, root: Path) -> str | None:
    """Why a campaign source file `path` is refused when it is a symbolic link leading outside the campaign
    folder `root` (its text would be published as the campaign's), else None: one check for every folder walk
    of the sources (faq/, notice/, posters/, tips/)."""
    target = path.resolve()
    if target.is_relative_to(root.resolve()):
        return None
    if path.is_symlink():
        return _("is a link to {target}, outside the campaign folder; copy the file into the campaign folder "
                 "instead").format(target=target)
    # A folder on the way is the link (`faq/en -> /elsewhere`): every file under it leads out the same way.
    if any(folder.is_symlink() for folder in path.parents if folder.is_relative_to(root) and folder != root):
        return _("leads to {target}, outside the campaign folder, through a folder that is a symbolic link; copy "
                 "the files into the campaign folder instead").format(target=target)
    # No link at all: an absolute path (`/etc/passwd`) or one climbing out with `..` (red team 11, #12)
    return _("is outside the campaign folder ({target}); copy the file into the campaign folder and name it "
             "from there").format(target=target)


def read_source(path: Path, root: Path, label: str, problems: list[Problem]) -> str | None:
    """The text of campaign source file `path` (labelled `label`), or None with the problem recorded: a link
    leading outside the campaign, or what `read_text` refuses."""
    refused = link_outside(path, root)
    if refused is not None:
        problems.append(Problem(label, None, None, refused))
        return None
    return read_text(path, label, problems)


def _load_faqs(
    root: Path, settings: Settings, problems: list[Problem], broken: set[str]
) -> dict[str, list[Faq]]:
    faq_root = root / FAQ_DIR
    result: dict[str, list[Faq]] = {lang: [] for lang in settings.languages}
    if not faq_root.is_dir():
        problems.append(Problem(f"{FAQ_DIR}/", None, None, _("folder is missing: write one Markdown file per "
                                  "question per language in faq/<language>/")))
        return result
    for lang in settings.languages:
        folder = faq_root / lang
        files = sorted(folder.glob("*.md")) if folder.is_dir() else []
        for path in files:
            label = f"{FAQ_DIR}/{lang}/{path.name}"
            faq = _faq_from_file(path, root, lang, settings, label, problems)
            if faq is not None:
                result[lang].append(faq)
            else:
                broken.add(lang)
    for extra in sorted(p for p in faq_root.iterdir() if p.is_dir() and p.name not in settings.languages):
        problems.append(Problem(f"{FAQ_DIR}/{extra.name}/", None, None,
                                _("{name!r} is not a campaign language ({languages})").format(
                                    name=extra.name, languages=", ".join(settings.languages))))
    if not any(result.values()) and not problems:
        problems.append(Problem(f"{FAQ_DIR}/", None, None, _("no questions found: add faq/<language>/<id>.md files")))
    return result


def _cross_check(
    faqs: dict[str, list[Faq]], settings: Settings, problems: list[Problem], broken: set[str]
) -> None:
    """Translations, orders and links across files; languages with unreadable files are not judged
    for what they lack (the unreadable file may be the missing one)."""
    def label(faq: Faq) -> str:
        return f"{FAQ_DIR}/{faq.lang}/{faq.path.name}"

    by_lang: dict[str, dict[str, Faq]] = {}
    for lang, items in faqs.items():
        seen: dict[str, Faq] = {}
        orders: dict[int, Faq] = {}
        for faq in items:
            if faq.id in seen:
                problems.append(Problem(label(faq), 2, "id", _("duplicate id {id!r}, also in {seen}").format(
                    id=faq.id, seen=label(seen[faq.id]))))
            else:
                seen[faq.id] = faq
            if faq.order in orders:
                problems.append(Problem(label(faq), 2, "order",
                                        _("order {order} is also used by {orders}").format(order=faq.order,
                                                                                           orders=label(orders[faq.order]))))
            else:
                orders[faq.order] = faq
        by_lang[lang] = seen
        # A former id leads to one question, and never shadows a live one (its page would be overwritten).
        claimed: dict[str, Faq] = {}
        for faq in items:
            for old in faq.redirect_from:
                if old in seen:
                    problems.append(Problem(label(faq), 2, "redirect_from", _(
                        "{old!r} is the id of {faq}: remove it from redirect_from").format(old=old,
                                                                                           faq=label(seen[old]))))
                elif old in claimed and claimed[old] is not faq:
                    problems.append(Problem(label(faq), 2, "redirect_from", _(
                        "{old!r} already redirects to {faq}: a former id leads to one question").format(
                            old=old, faq=label(claimed[old]))))
                else:
                    claimed[old] = faq
    all_ids = sorted(set().union(*(set(d) for d in by_lang.values()))) if by_lang else []
    for faq_id in all_ids:
        present = [lang for lang in settings.languages if faq_id in by_lang[lang]]
        source = by_lang[present[0]][faq_id]
        for lang in settings.languages:
            if faq_id not in by_lang[lang]:
                if lang in broken:
                    continue
                message = _("{faq_id!r} has no {lang} translation: add faq/{lang}/ file with id: {faq_id}").format(
                    faq_id=faq_id, lang=lang)
                problems.append(Problem(label(source), None, "id", message))
            elif by_lang[lang][faq_id].order != source.order:
                other = by_lang[lang][faq_id]
                problems.append(Problem(label(other), 2, "order", _("order {order} differs from "
                                          "{source} ({order2}); use the same order in every language").format(
                                              order=other.order, source=label(source), order2=source.order)))
    for lang, items in faqs.items():
        for faq in items:
            for offset, target in mdown.faq_links(faq.body):
                if target not in by_lang[lang] and lang not in broken:
                    problems.append(Problem(label(faq), faq.body_line + offset, None,
                                            _("link to faq:{target} but no {lang} question has that id").format(
                                                target=target, lang=lang)))


def _check_fonts(campaign: Campaign, problems: list[Problem]) -> None:
    families = campaign.settings.fonts.sans
    try:
        for family in families:
            fonts.font_file(family)
    except MaterialsError as e:
        problems.append(Problem("campaign.toml", None, "fonts.sans", e.message))
        return
    for lang, items in campaign.faqs.items():
        facts = campaign.facts(lang)
        for faq in items:
            label = f"{FAQ_DIR}/{lang}/{faq.path.name}"
            filled, fact_problems = mdown.fill_facts(faq.body, facts, label, faq.body_line)
            problems += fact_problems
            lines = [(faq.question_line, faq.question)]
            lines += [(faq.body_line + i, t) for i, t in enumerate(filled.split("\n"))]
            for line, what in fonts.check_lines(lines, families):
                problems.append(Problem(label, line, None, _("no font covers {what}; replace the character or add "
                                          "a font that has it to campaign.toml fonts.sans").format(what=what)))
    texts = [("title", campaign.settings.title), ("authority", campaign.settings.authority)]
    texts += [(f"facts.{k}", v.text) for k, v in campaign.settings.facts.items()]
    for key, mapping in texts:
        for value in mapping.values():
            for char in fonts.uncovered(value, families):
                problems.append(Problem("campaign.toml", None, key, _("no font covers {char}").format(
                    char=fonts.describe(char))))


def outside_campaign(root: Path, value: str) -> str | None:
    """Why the setting `value` (a path relative to the campaign folder `root`) names no file of the campaign: an
    absolute path, or one that leads out through `..` or a symbolic link; None for a file of the campaign. The
    one test of `_outside_files` and of `materials keys new`, which writes the key where `venues.key_file` says."""
    if Path(value).is_absolute():
        return _("{value} is an absolute path; a setting names a file inside the campaign folder, relative to it "
                 "(copy the file into the campaign, or give it on the command line)").format(value=value)
    real_root = root.resolve()
    if not (real_root / value).resolve().is_relative_to(real_root):
        return _("{value} leads outside the campaign folder {root} (through `..` or a symbolic link); a setting "
                 "names a file inside the campaign (copy the file into the campaign, or give it on the command "
                 "line)").format(value=value, root=real_root)
    return None


def _outside_files(root: Path, settings: Settings, settings_file: str) -> list[Problem]:
    """Every setting that names a file must name one of the campaign: a campaign folder travels between offices,
    and `glossary = "/etc/passwd"` or `list = "../other/venues.csv"` would read (and print onto posters) any
    file of the machine that runs it. An absolute path, `..` out of the folder, or a link whose target lies
    outside is refused, naming the key. (Command-line arguments such as `materials venues ../x.csv` or
    `--key-file` name files the person running the command chose: they stay free.)"""
    named = [("glossary", settings.glossary)]
    named += [item for table in settings.kind_tables() for item in table.file_settings()]
    # The settings that name a key file (`KindSettings.keys`: "campaign.toml venues.key_file") may name one.
    key_settings = {option.rsplit(" ", 1)[-1] for table in settings.kind_tables() for _path, option in table.keys(root)}
    problems = []
    for key, value in named:
        if not value:
            continue
        if (why := outside_campaign(root, value)) is not None:
            problems.append(Problem(settings_file, None, key, why))
        elif key not in key_settings and (what := file_key_material(root / value, safefile.VENUE_LIST)) is not None:
            # A setting that names the key file (`glossary = ".materials/venue-signing.key"`) would read it and
            # quote it in an error, on screen, in a CI log and in serve's gallery: refused by name, unquoted.
            problems.append(Problem(settings_file, None, key, _(
                "{value} holds {what}; only the key-file setting may name a signing key file. Name the file this "
                "setting is for").format(value=value, what=what)))
    return problems


def load(root: Path | str, settings_file: str = "campaign.toml") -> Campaign:
    """Load and validate a campaign folder; raise `CampaignError` listing every problem."""
    root = Path(root)
    if not root.is_dir():
        raise MaterialsError(_("campaign folder {root} does not exist (use --campaign DIR)").format(root=root))
    settings = load_settings(root / settings_file, settings_file)
    problems: list[Problem] = _outside_files(root, settings, settings_file)
    broken: set[str] = set()
    faqs = _load_faqs(root, settings, problems, broken)
    _cross_check(faqs, settings, problems, broken)
    campaign = Campaign(root=root.resolve(), settings=settings)
    campaign.faqs = {
        lang: sorted((_attach(f, campaign) for f in items), key=lambda f: f.order) for lang, items in faqs.items()
    }
    _check_fonts(campaign, problems)
    if problems:
        raise CampaignError(problems, _("campaign {root} has problems").format(root=root.resolve()))
    return campaign


def _attach(faq: Faq, campaign: Campaign) -> Faq:
    object.__setattr__(faq, "campaign", campaign)
    return faq
