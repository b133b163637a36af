"""The sign-off proof: one PDF the authority reads, corrects and signs before anything is printed.

`materials proof [--out FILE] [--output DIR]` writes it. The cover starts with the blockers (placeholder
addresses, facts with contrary evidence, a notice text still to be checked, missing pictures), then where
every code and link leads, then every fact with its source and a line to confirm or correct it. Then the
notice in each language, and every text of the campaign, numbered: each FAQ with its languages side by
side, each poster's and tips sign's words beside pictures of the printed material (posters, billboards,
screens, WeChat covers, the booklet cover and a venue poster, from a build's output folder), the staff
guide, the website's home texts, the FAQ category names and every interface string printed or published
(web, print frames, venue posters). Every fact in a text is highlighted and tagged with its number (F1,
F2…). The last page has the approver's name, post, signature and seal.

One fingerprint of the sources (materials/fingerprint.py) stands on every page; every print PDF and web
page carries the same one in its metadata, so a signed proof ties to the files printed later.

The texts come from `materials/texts.py`, the same list the fact and glossary checks read, so the proof
shows exactly what `materials check` passed.
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from materials import content
from materials import facts as facts_mod
from materials import markdown as mdown
from materials.campaign import Campaign, load
from materials.errors import MaterialsError
from materials.i18n import _
from materials.texts import Text, collect
from materials.venues.settings import VenueSettings
from materials.web.settings import SiteSettings

log = logging.getLogger(__name__)

#: Private-use characters around a fact's number while Markdown and the sanitiser run.
OPEN, CLOSE = "\ue000", "\ue001"
TOKEN = re.compile(f"{OPEN}(\\d+){CLOSE}")
HEADLINE = re.compile(r"^#\s+(.*)$")
#: Interface strings of the home page shown with the home texts (every string is listed in its own section).
HOME_STRINGS = ("apply", "apply_note", "footer_note")
#: Sections of interface strings: the output kind whose strings.toml holds them, and the proof's section.
STRING_SECTIONS = (("web", "strings_web"), ("print", "strings_print"), ("venues", "strings_venues"))
#: Width in pixels of the pictures embedded in the proof (280 dpi at 58 mm: the body text of a poster reads).
PICTURE_PX = 640


@dataclass
class FactRow:
    number: int
    name: str
    texts: dict[str, str]
    confirmed: bool
    source: str
    note: str
    uses: int
    contrary: str = ""
    evidenced: bool = False  # a source document with a date or link states it; else only the campaign says it
    setting: str = ""  # the campaign.toml setting that prints the fact's words on the materials (SETTING_FACTS)


@dataclass
class Item:
    """One numbered entry of the proof: a text in every language, side by side."""

    number: int
    title: str
    where: str
    columns: dict[str, Markup] = field(default_factory=dict)
    anchor: str = ""  # target of `faq:ID` links inside the proof
    pictures: list[tuple[str, str]] = field(default_factory=list)  # (caption, data: URI) of the material


@dataclass
class Proof:
    facts: list[FactRow]
    sections: list[tuple[str, list[Item]]]
    fingerprint: str = ""
    blockers: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (what, where it leads)
    notice: dict[str, Any] = field(default_factory=dict)  # language -> materials.notice.Notice
    articles: list[tuple[str, list[str]]] = field(default_factory=list)  # notice part -> texts citing it
    synonyms: list[list[str]] = field(default_factory=list)  # the site search's synonym groups
    decisions: list[list[FactRow]] = field(default_factory=list)  # facts to decide together (`decide_with`)
    pictures_from: Path | None = None  # the build whose pictures the proof shows; None: no pictures

    @property
    def unconfirmed(self) -> list[FactRow]:
        return [f for f in self.facts if not f.confirmed]


def collect_proof(campaign: Campaign, output: Path | None = None) -> Proof:
    """Everything the proof shows, numbered, with facts marked; pictures from the build in `output`
    (default `<campaign>/output`)."""
    from materials import fingerprint, notice

    texts = collect(campaign)
    uses = facts_mod.uses(texts)
    # A fact also printed from a setting (the names, the date, the districts, the billboard's size) is used
    # wherever the materials print that setting, not only where a text writes {{ name }}.
    printed = {fact_name: key for key, fact_name in notice.SETTING_FACTS}
    rows = []
    for number, (name, fact) in enumerate(campaign.settings.facts.items(), 1):
        rows.append(FactRow(number, name, dict(fact.text), fact.confirmed, facts_mod.source_line(fact),
                            fact.source.note if fact.source else "", len(uses.get(name, [])),
                            fact.source.contrary if fact.source else "",
                            facts_mod.evidenced(fact), printed.get(name, "")))
    notices = notice.load(campaign)
    render = _renderer(campaign, {row.name: row for row in rows}, notices)
    counter = iter(range(1, 10_000))
    sections: list[tuple[str, list[Item]]] = [("faq", _faqs(campaign, render, counter))]
    by_kind: dict[str, list[Text]] = {}
    for text in texts:
        by_kind.setdefault(text.kind, []).append(text)
    pictures = Pictures(output if output is not None else campaign.root / "output", campaign)
    posters = _materials(campaign, by_kind.get("poster", []), render, counter)
    signs = _materials(campaign, by_kind.get("tip", []), render, counter)
    for item in posters:
        item.pictures = pictures.poster(Path(item.where).stem)
    for item in signs:
        item.pictures = pictures.sign(Path(item.where).stem)
    guide = [item for item in signs if _is_guide(campaign, item.where)]
    sections += [("posters", posters), ("tips", [i for i in signs if i not in guide]), ("guide", guide)]
    site = _site(campaign, by_kind, render, counter)
    if site:
        site[0].pictures = pictures.booklet()
    sections.append(("site", site))
    sections.append(("categories", _categories(campaign, by_kind, counter)))
    sections.append(("settings", _settings(campaign, counter)))
    for kind, key in STRING_SECTIONS:
        items = _strings(by_kind, kind, counter)
        if items and kind == "venues":
            items[0].pictures = pictures.venue()
        sections.append((key, items))
    proof = Proof(rows, sections, fingerprint=fingerprint.sources(campaign), links=_links(campaign),
                  notice=dict(notices.by_lang))
    proof.blockers = _blockers(campaign, proof, notices.blockers(), pictures)
    proof.articles = _articles(texts)
    # as the site searches them: a {{ fact }} entry shows the fact's words
    from materials.web.search import synonym_groups

    proof.synonyms = synonym_groups(campaign)
    proof.decisions = _decisions(campaign, rows)
    proof.pictures_from = pictures.root if pictures.found else None
    return proof


def _decisions(campaign: Campaign, rows: list[FactRow]) -> list[list[FactRow]]:
    """Each fact with the facts it names in `source.decide_with`: rules that may contradict each other, which
    the authority must decide together (an unknown name is skipped here; `materials check` reports it)."""
    by_name = {row.name: row for row in rows}
    out = []
    for name, fact in campaign.settings.facts.items():
        others = [by_name[other] for other in (fact.source.decide_with if fact.source else []) if other in by_name]
        if others:
            out.append([by_name[name], *others])
    return out


#: How a text cites a part of the notice: its preamble, or Article 1-4 (the notice's four articles).
ARTICLE_CITES = [
    ("开头 Preamble", re.compile(r"通知开头|preamble", re.IGNORECASE)),
    ("第一条 Article 1", re.compile(r"第一条|Article 1\b")),
    ("第二条 Article 2", re.compile(r"第二条|Article 2\b")),
    ("第三条 Article 3", re.compile(r"第三条|Article 3\b")),
    ("第四条 Article 4", re.compile(r"第四条|Article 4\b")),
]


def _articles(texts: list[Text]) -> list[tuple[str, list[str]]]:
    """Each part of the notice with the FAQs, posters and signs that quote or cite it (empty: uncovered). A
    question is named by its id and its words in every language, so a signer of either language reads it."""
    questions: dict[str, list[str]] = {}
    for text in texts:
        if text.kind == "faq" and text.part == "question":
            questions.setdefault(text.unit.split(":")[1], []).append(text.text)
    out = []
    for label, pattern in ARTICLE_CITES:
        where: list[str] = []
        for text in texts:
            if text.kind not in ("faq", "poster", "tip", "site") or not pattern.search(text.text):
                continue
            if text.kind == "faq":
                faq_id = text.unit.split(":")[1]
                name = f"{faq_id} ({' / '.join(questions.get(faq_id, []))})"
            else:
                name = text.file
            if name not in where:
                where.append(name)
        out.append((label, where))
    return out


def _blockers(campaign: Campaign, proof: Proof, notice_blockers: list[str], pictures: Pictures) -> list[str]:
    """What must be settled before anyone signs, first on the cover."""
    from materials.schema import is_placeholder_host

    found = []
    if is_placeholder_host(campaign.settings.service.url):
        found.append(f"campaign.toml service.url {campaign.settings.service.url} is a placeholder: every code "
                     "and link leads nowhere. Set the real declaration service.")
    site = SiteSettings.of(campaign.settings)
    if is_placeholder_host(site.base_url):
        found.append(f"campaign.toml site.base_url {site.base_url} is a placeholder: set the portal's address.")
    for row in proof.facts:
        if row.contrary:
            found.append(f"F{row.number} {row.name}: contrary evidence: {row.contrary}")
    found += notice_blockers
    found += _authority_blockers(campaign)
    venues = VenueSettings.of(campaign.settings)
    if venues.demo_key:
        found.append("campaign.toml venues.demo_key = true: the venue posters are signed with a throw-away demo key; "
                     "make the campaign's own with `materials keys new`, set key_file and demo_key = false")
    if venues.list and Path(venues.list).stem == "sample":
        found.append(f"campaign.toml venues.list {venues.list} is the sample list (fictional sample venues): set "
                     "the city's real venue list before printing venue posters")
    if not pictures.found:
        found.append(f"no pictures of the materials: {pictures.root} holds no build; run `materials build` "
                     "first, then `materials proof` (or give --output DIR)")
    if proof.unconfirmed:
        found.append(f"{len(proof.unconfirmed)} fact(s) not confirmed (listed below): confirm or correct each "
                     "one on this proof; the outputs carry the draft mark until they are confirmed")
    return found


def _authority_blockers(campaign: Campaign) -> list[str]:
    """The names printed as the authority (the full one, and the short one where space is tight) beside the
    notice's issuer, in each language that records one."""
    from materials import notice

    out = []
    for lang, text in notice.load(campaign).by_lang.items():
        issuer = str(text.meta.get("issuer") or "")
        printed = campaign.text(campaign.settings.authority, lang)
        if issuer and printed != issuer:
            out.append(f"campaign.toml authority ({lang}) prints “{printed}”, while the notice's issuer in "
                       f"{text.file} is “{issuer}”: approve the printed name, or set the issuer's name")
        short = campaign.text(campaign.settings.short_authority, lang)
        if issuer and short not in (printed, issuer):
            out.append(f"campaign.toml authority_short ({lang}) prints “{short}” where space is tight (venue "
                       f"posters, stickers, screens, signs), for the notice's issuer “{issuer}” ({text.file}): "
                       "approve the short name")
    return out


def _links(campaign: Campaign) -> list[tuple[str, str]]:
    """Where every code and link leads: the declaration service per publicity channel, venue codes, the site."""
    out = [(channel, campaign.service_link(channel)) for channel in campaign.channels]
    host = (VenueSettings.of(campaign.settings).link_host or campaign.service_host).upper()
    out.append(("venue check-in codes", f"HTTPS://{host}/…/TOKEN (signed per venue; check one with "
                "`materials verify LINK`)"))
    out.append(("FAQ website", SiteSettings.of(campaign.settings).base_url))
    return out


def _settings(campaign: Campaign, counter: Iterator[int]) -> list[Item]:
    """What every material prints (or is sized by) from campaign.toml: the names, the notice's date, the
    districts and the billboard's size, each with the fact and source it comes from, then the place categories
    (the notice's Article 2 words) and the billboard's reading and scanning distances: values the approver
    confirms like the facts."""
    settings = campaign.settings
    items = []
    from materials.notice import SETTING_FACTS, setting_text

    for key, fact_name in SETTING_FACTS:
        fact = settings.facts.get(fact_name)
        item = Item(next(counter), key, f"campaign.toml {key}")
        for lang in campaign.languages:
            item.columns[lang] = Markup("<p>%s</p><p class=\"meta\">%s</p>") % (
                setting_text(campaign, key, lang), _origin(fact, fact_name))
        items.append(item)
    item = Item(next(counter), "place_categories", "campaign.toml place_categories")
    for lang in campaign.languages:
        comma = "、" if lang.startswith("zh") else ", "
        item.columns[lang] = Markup("<p>%s</p><p class=\"meta\">%s</p>") % (
            comma.join(campaign.text(names, lang) for names in settings.place_categories.values()),
            "printed on every venue poster; the notice's Article 2 words (notice/zh-CN.md, notice/en.md: "
            "“communities” in English is 小区, printed “Residential compound”): confirm them here / "
            "通知第二条原文，请在此核对")
    items.append(item)
    from materials.printing.settings import PrintSettings

    billboard = PrintSettings.of(settings).sizes.get("billboard")
    if billboard is not None:
        item = Item(next(counter), "billboard", "campaign.toml print.sizes.billboard")
        fact = settings.facts.get("billboard_size")
        for lang in campaign.languages:
            item.columns[lang] = Markup("<p>%s</p><p>%s</p><p class=\"meta\">%s</p>") % (
                f"{billboard.width_mm:g} mm × {billboard.height_mm:g} mm",
                f"read from {billboard.viewing_distance_m:g} m, scanned from {billboard.scan_distance_m:g} m "
                f"/ 阅读距离 {billboard.viewing_distance_m:g} 米，扫码距离 {billboard.scan_distance_m:g} 米",
                _origin(fact, "billboard_size"))
        items.append(item)
    return items


def _origin(fact: Any, fact_name: str) -> str:
    """The fact a printed setting is, with its status and source, for the approver."""
    if fact is None:
        return "no fact records it: confirm it here / 无对应事实，请在此核对"
    status = "confirmed / 已确认" if fact.confirmed else "NOT CONFIRMED / 待确认"
    return f"= {{{{ {fact_name} }}}} ({status}): {facts_mod.source_line(fact)}"


def _categories(campaign: Campaign, by_kind: dict[str, list[Text]], counter: Iterator[int]) -> list[Item]:
    items = []
    for category in campaign.settings.faq_categories:
        texts = [t for t in by_kind.get("site", []) if t.unit.startswith(f"faq_categories:{category.key}:")]
        if texts:
            item = Item(next(counter), category.key, f"campaign.toml faq_categories {category.key}")
            for text in texts:
                assert text.lang is not None
                item.columns[text.lang] = Markup("<p>%s</p>") % text.text
            items.append(item)
    return items


def _strings(by_kind: dict[str, list[Text]], kind: str, counter: Iterator[int]) -> list[Item]:
    """Every interface string of one output kind, its languages side by side."""
    items: dict[str, Item] = {}
    for text in by_kind.get("strings", []):
        _unit, text_kind, lang, key = text.unit.split(":", 3)
        if text_kind != kind:
            continue
        item = items.get(key)
        if item is None:
            item = items[key] = Item(next(counter), key, f"{text.file} line {text.line}")
        item.columns[lang] = Markup("<p>%s</p>") % text.text
    return list(items.values())


def _png_uri(image: Any) -> str:
    import base64
    import io

    image = image.convert("RGB")
    image.thumbnail((PICTURE_PX, PICTURE_PX * 2))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Pictures:
    """Pictures of the printed materials from a build's output folder, as data: URIs for the proof."""

    def __init__(self, root: Path, campaign: Campaign) -> None:
        self.root = root
        self.print = root / "print"
        self.langs = campaign.languages
        self.primary = campaign.primary_language
        self.found = self.print.is_dir()

    def _first(self, pattern: str, caption: str) -> list[tuple[str, str]]:
        from PIL import Image

        found = sorted(self.print.glob(pattern)) if self.found else []
        if not found:
            return []
        with Image.open(found[0]) as image:
            return [(caption, _png_uri(image))]

    def poster(self, material: str) -> list[tuple[str, str]]:
        out = []
        for lang in self.langs:
            out += self._first(f"previews/posters-{material}-{material}-A4-{lang}.png", f"A4 {lang}")
        out += self._first(f"previews/billboards-{material}-{self.primary}.png", "billboard")
        out += self._first(f"screens/*/{material}-bilingual.png", "screen")
        out += self._first(f"wechat/{material}-cover-{self.primary}.png", "WeChat cover")
        return out

    def sign(self, material: str) -> list[tuple[str, str]]:
        return [p for lang in self.langs for p in self._first(f"previews/tips-{material}-{material}-A*-{lang}.png",
                                                               lang)]

    def booklet(self) -> list[tuple[str, str]]:
        return [p for lang in self.langs for p in self._first(f"previews/booklet-faq-*-{lang}.png",
                                                               f"booklet cover {lang}")]

    def venue(self) -> list[tuple[str, str]]:
        """The first venue poster of the build, rasterised (venues write PDFs only)."""
        folder = self.root / "venues"
        pdfs = sorted(folder.glob("*/*.pdf")) if folder.is_dir() else []
        if not pdfs:
            return []
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(pdfs[0])
        try:
            page = document[0]
            image = page.render(scale=PICTURE_PX / page.get_width()).to_pil()
        finally:
            document.close()
        return [(f"venue poster {pdfs[0].stem}", _png_uri(image))]


BLOCKQUOTE = re.compile(r"<blockquote>(.*?)</blockquote>", re.DOTALL)
PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
OWN_BLOCK = re.compile(r"<(p|li)>(.*?)</\1>", re.DOTALL)


def _mark_own_words(body: str) -> str:
    """Class `own` on each paragraph or list item outside a blockquote that holds no fact: words the campaign
    wrote itself, neither the notice's nor a sourced fact, which a signer must read as such."""
    def own(match: re.Match[str]) -> str:
        tag, content = match.group(1), match.group(2)
        if OPEN in content:
            return match.group(0)
        return f'<{tag} class="own">{content}</{tag}>'

    parts = re.split(r"(<blockquote.*?</blockquote>)", body, flags=re.DOTALL)
    return "".join(part if part.startswith("<blockquote") else OWN_BLOCK.sub(own, part) for part in parts)


def _label_quotations(body: str, notice_text: Any) -> str:
    """Label each blockquote: `notice-quote` only when its words between “ and ” are verbatim in that
    language's notice, otherwise `own-words` (a poster's or sign's call to action is the campaign's)."""
    from materials.notice import quoted_words

    def verbatim(paragraph: str) -> bool:
        words = quoted_words(html.unescape(re.sub(r"<[^>]*>", "", paragraph)))
        return words is not None and notice_text is not None and notice_text.contains(words)

    def label(match: re.Match[str]) -> str:
        # Adjacent quotations become one blockquote: each of its paragraphs must be the notice's words.
        paragraphs = PARAGRAPH.findall(match.group(1)) or [match.group(1)]
        verbatim_all = all(verbatim(paragraph) for paragraph in paragraphs)
        return f'<blockquote class="{"notice-quote" if verbatim_all else "own-words"}">{match.group(1)}</blockquote>'

    return BLOCKQUOTE.sub(label, body)


def _renderer(campaign: Campaign, rows: dict[str, FactRow], notices: Any = None) -> Callable[[str, str], Markup]:
    """Markdown -> HTML with every fact marked: highlighted words and their number on the cover; a blockquote
    is labelled a checked quotation only when it is the notice's words (`_label_quotations`)."""
    def render(source: str, lang: str) -> Markup:
        values = campaign.facts(lang)
        values.update({name: f"{OPEN}{row.number}{CLOSE}" for name, row in rows.items()})
        body = mdown.render(source, facts=values, service_href=campaign.service_link("portal"),
                            faq_href=lambda faq_id: f"#faq-{faq_id}")
        number_to_row = {row.number: row for row in rows.values()}

        def mark(match: re.Match[str]) -> str:
            row = number_to_row[int(match.group(1))]
            status = "confirmed" if row.confirmed else "unconfirmed"
            words = html.escape(row.texts.get(lang) or next(iter(row.texts.values())))
            return f'<mark class="{status}">{words}</mark><sup class="ref">F{row.number}</sup>'

        body = _label_quotations(body, notices.by_lang.get(lang) if notices is not None else None)
        body = _mark_own_words(body)
        return Markup(TOKEN.sub(mark, body))  # noqa: S704 - sanitised by mdown.render, facts escaped above

    return render


def _faqs(campaign: Campaign, render: Callable[[str, str], Markup], counter: Iterator[int]) -> list[Item]:
    items = []
    primary = campaign.faqs[campaign.primary_language]
    for faq in primary:
        item = Item(next(counter), faq.question, f"faq:{faq.id} (order {faq.order})", anchor=f"faq-{faq.id}")
        for lang in campaign.languages:
            other = campaign.faq(lang, faq.id)
            tags = Markup('<p class="tags">标签 Tags: %s</p>') % " · ".join(other.tags) if other.tags else Markup("")
            item.columns[lang] = Markup('<p class="q">%s</p>') % other.question + tags + render(other.body, lang)
        items.append(item)
    return items


def _materials(campaign: Campaign, texts: list[Text], render: Callable[[str, str], Markup],
               counter: Iterator[int]) -> list[Item]:
    items: dict[str, Item] = {}
    for text in texts:
        item = items.get(text.file)
        lines = text.text.split("\n")
        match = HEADLINE.match(lines[0]) if lines else None
        headline = match.group(1) if match else ""
        if item is None:
            facts = campaign.facts(text.lang or campaign.primary_language)
            title, _unknown = mdown.fill_facts(headline, facts, text.file)
            item = items[text.file] = Item(next(counter), title, text.file)
        rest = "\n".join(lines[1:] if match else lines)
        shown = f"### {headline}\n\n{rest}" if match else rest
        assert text.lang is not None
        item.columns[text.lang] = render(shown, text.lang)
    return list(items.values())


def _is_guide(campaign: Campaign, file: str) -> bool:
    from materials.campaign import split_front_matter

    path = campaign.root / file
    parsed = split_front_matter(path.read_text(encoding="utf-8"), file, [])
    return parsed is not None and parsed[0].get("layout") == "guide"


def _site(campaign: Campaign, by_kind: dict[str, list[Text]], render: Callable[[str, str], Markup],
          counter: Iterator[int]) -> list[Item]:
    settings = campaign.settings
    items = [Item(next(counter), "title", "campaign.toml title",
                  {lang: Markup("<p>%s</p>") % settings.title[lang] for lang in campaign.languages})]
    for key, title in (("site.description", "description"), ("site.intro", "home page")):
        texts = [t for t in by_kind.get("site", []) if t.unit.startswith(key + ":")]
        if texts:
            item = Item(next(counter), title, f"campaign.toml {key}")
            for text in texts:
                assert text.lang is not None
                item.columns[text.lang] = render(text.text, text.lang) if text.markdown else \
                    Markup("<p>%s</p>") % text.text
            items.append(item)
    strings = [t for t in by_kind.get("strings", []) if t.unit.split(":")[-1] in HOME_STRINGS]
    for key in HOME_STRINGS:
        found = [t for t in strings if t.unit.endswith(":" + key)]
        if found:
            item = Item(next(counter), key, f"{found[0].file} {key}")
            for text in found:
                assert text.lang is not None
                item.columns[text.lang] = Markup("<p>%s</p>") % text.text
            items.append(item)
    return items


def proof_date() -> datetime:
    """When the proof was made: SOURCE_DATE_EPOCH if set (reproducible), else now. Not the campaign's
    `issued` date: the approver must see which proof they signed."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def html_document(campaign: Campaign, proof: Proof) -> str:
    from materials.printing.fontcache import css_system
    from materials.templating import environment, template_errors

    env = environment(campaign, "proof")
    with template_errors():
        return env.get_template("proof.html.j2").render(
            proof=proof, font_css=Markup(css_system(campaign.settings.fonts.sans)),  # noqa: S704 - our own CSS
            issued=proof_date().date().isoformat(), primary=campaign.primary_language,
        )


def write_proof(campaign_dir: Path | str = ".", out: Path | str | None = None,
                output_dir: Path | str | None = None) -> tuple[Path, Proof]:
    """Load and check the campaign, then write its proof PDF (default `<campaign>/output/proof.pdf`), with
    pictures of the materials from the build in `output_dir` (default `<campaign>/output`)."""
    campaign = load(campaign_dir)
    content.require(campaign)
    target = Path(out) if out is not None else campaign.root / "output" / "proof.pdf"
    if target.suffix.lower() != ".pdf":
        raise MaterialsError(_("--out {target}: the proof is a PDF; give a file name ending in .pdf").format(
            target=target))
    from materials import output

    unchanged = _("{target} was not changed").format(target=target)
    with output.machine_errors(target.parent, unchanged):  # a name too long for the system, before any work
        if target.is_dir():
            raise MaterialsError(_("--out {target} is a folder; give a file name ending in .pdf").format(
                target=target))
        output.check_single_file(target, campaign.root, is_proof, "proof")
    proof = collect_proof(campaign, Path(output_dir) if output_dir is not None else None)
    data = render_pdf(campaign, html_document(campaign, proof), proof.fingerprint)
    with output.machine_errors(target.parent, unchanged):
        target.parent.mkdir(parents=True, exist_ok=True)
        output.write_atomic(target, data)
    log.info(_("proof: %d items, %d unconfirmed facts, %d blockers"), sum(len(i) for _, i in proof.sections),
             len(proof.unconfirmed), len(proof.blockers))
    return target, proof


def is_proof(path: Path) -> bool:
    """True for a PDF `materials proof` wrote (its title and creator say so): the only file it replaces."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            info = pdf.docinfo
            return str(info.get("/Creator", "")) == "materials" and str(info.get("/Title", "")).startswith("Proof:")
    except (pikepdf.PdfError, OSError, ValueError):
        return False


def render_pdf(campaign: Campaign, document: str, fingerprint: str = "") -> bytes:
    from weasyprint import HTML
    from weasyprint.pdf.metadata import DocumentMetadata

    from materials.fetcher import RefusedResource, url_fetcher
    from materials.templating import template_file, template_roots

    root = template_file(campaign, "proof/proof.html.j2").parent
    fetcher = url_fetcher([*(r / "proof" for r in template_roots(campaign)), campaign.root],
                          _("proof template (templates/proof/)"))
    created = proof_date().isoformat()
    title = " / ".join(campaign.settings.title.values())
    identifier = hashlib.sha256(document.encode()).hexdigest()[:32].encode()
    try:  # WeasyPrint fetches while laying out and while writing (attachments)
        rendered = HTML(string=document, base_url=root.as_uri() + "/", url_fetcher=fetcher).render()
        rendered.metadata = DocumentMetadata(
            title=f"Proof: {title}", authors=[campaign.text(campaign.settings.authority, "en")],
            lang=campaign.primary_language, created=created, modified=created, generator="materials",
            keywords=[f"materials-sources {fingerprint}"] if fingerprint else [],
            # The template's attachments stay, so a file it may not attach is refused as in every template.
            attachments=rendered.metadata.attachments,
        )
        return bytes(rendered.write_pdf(pdf_identifier=identifier))
    except RefusedResource as e:  # a BaseException inside WeasyPrint: the template asked for a file it may not
        raise e.as_error() from None
