"""The sign-off proof: one PDF the authority reads, corrects and signs before anything is printed.

`materials proof [--out FILE]` writes it. The cover lists every unconfirmed fact with its source; then
come every text of the campaign, numbered: each FAQ with its languages side by side, each poster's and
tips sign's words, the staff guide, the website's home texts. Every fact in a text is highlighted and
tagged with its number (F1, F2…) on the cover, where its source and status stand. The last page has
the lines for comments and approval.

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

from markupsafe import Markup

from materials import facts as facts_mod
from materials import markdown as mdown
from materials.campaign import Campaign, load
from materials.errors import MaterialsError
from materials.texts import Text, collect

log = logging.getLogger(__name__)

#: Private-use characters around a fact's number while Markdown and the sanitiser run.
OPEN, CLOSE = "\ue000", "\ue001"
TOKEN = re.compile(f"{OPEN}(\\d+){CLOSE}")
HEADLINE = re.compile(r"^#\s+(.*)$")
#: Interface strings of the home page shown on the proof (the rest are navigation words).
HOME_STRINGS = ("apply", "apply_note", "footer_note")


@dataclass
class FactRow:
    number: int
    name: str
    texts: dict[str, str]
    confirmed: bool
    source: str
    note: str
    uses: int


@dataclass
class Item:
    """One numbered entry of the proof: a text in every language, side by side."""

    number: int
    title: str
    where: str
    columns: dict[str, Markup] = field(default_factory=dict)
    anchor: str = ""  # target of `faq:ID` links inside the proof


@dataclass
class Proof:
    facts: list[FactRow]
    sections: list[tuple[str, list[Item]]]

    @property
    def unconfirmed(self) -> list[FactRow]:
        return [f for f in self.facts if not f.confirmed]


def collect_proof(campaign: Campaign) -> Proof:
    """Everything the proof shows, numbered, with facts marked."""
    texts = collect(campaign)
    uses = facts_mod.uses(texts)
    rows = []
    for number, (name, fact) in enumerate(campaign.settings.facts.items(), 1):
        rows.append(FactRow(number, name, dict(fact.text), fact.confirmed, facts_mod.source_line(fact),
                            fact.source.note if fact.source else "", len(uses.get(name, []))))
    render = _renderer(campaign, {row.name: row for row in rows})
    counter = iter(range(1, 10_000))
    sections: list[tuple[str, list[Item]]] = [("faq", _faqs(campaign, render, counter))]
    by_kind: dict[str, list[Text]] = {}
    for text in texts:
        by_kind.setdefault(text.kind, []).append(text)
    posters = _materials(campaign, by_kind.get("poster", []), render, counter)
    signs = _materials(campaign, by_kind.get("tip", []), render, counter)
    guide = [item for item in signs if _is_guide(campaign, item.where)]
    sections += [("posters", posters), ("tips", [i for i in signs if i not in guide]), ("guide", guide)]
    sections.append(("site", _site(campaign, by_kind, render, counter)))
    return Proof(rows, sections)


def _renderer(campaign: Campaign, rows: dict[str, FactRow]) -> Callable[[str, str], Markup]:
    """Markdown -> HTML with every fact marked: highlighted words and their number on the cover."""
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

        return Markup(TOKEN.sub(mark, body))  # noqa: S704 - sanitised by mdown.render, facts escaped above

    return render


def _faqs(campaign: Campaign, render: Callable[[str, str], Markup], counter: Iterator[int]) -> list[Item]:
    items = []
    primary = campaign.faqs[campaign.primary_language]
    for faq in primary:
        item = Item(next(counter), faq.question, f"faq:{faq.id} (order {faq.order})", anchor=f"faq-{faq.id}")
        for lang in campaign.languages:
            other = campaign.faq(lang, faq.id)
            item.columns[lang] = Markup('<p class="q">%s</p>') % other.question + render(other.body, lang)
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
            title, _ = mdown.fill_facts(headline, campaign.facts(text.lang or campaign.primary_language), text.file)
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


def write_proof(campaign_dir: Path | str = ".", out: Path | str | None = None) -> tuple[Path, Proof]:
    """Load and check the campaign, then write its proof PDF (default `<campaign>/output/proof.pdf`)."""
    campaign = load(campaign_dir)
    target = Path(out) if out is not None else campaign.root / "output" / "proof.pdf"
    if target.suffix.lower() != ".pdf":
        raise MaterialsError(f"--out {target}: the proof is a PDF; give a file name ending in .pdf")
    if target.is_dir():
        raise MaterialsError(f"--out {target} is a folder; give a file name ending in .pdf")
    from materials import output

    output.check_single_file(target, campaign.root, is_proof, "proof")
    proof = collect_proof(campaign)
    data = render_pdf(campaign, html_document(campaign, proof))
    with output.machine_errors(target.parent, f"{target} was not changed"):
        target.parent.mkdir(parents=True, exist_ok=True)
        output.write_atomic(target, data)
    log.info("proof: %d items, %d unconfirmed facts", sum(len(i) for _, i in proof.sections), len(proof.unconfirmed))
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


def render_pdf(campaign: Campaign, document: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.pdf.metadata import DocumentMetadata

    from materials.fetcher import RefusedResource, url_fetcher
    from materials.templating import template_file, template_roots

    root = template_file(campaign, "proof/proof.html.j2").parent
    fetcher = url_fetcher([*(r / "proof" for r in template_roots(campaign)), campaign.root],
                          "proof template (templates/proof/)")
    created = proof_date().isoformat()
    title = " / ".join(campaign.settings.title.values())
    identifier = hashlib.sha256(document.encode()).hexdigest()[:32].encode()
    try:  # WeasyPrint fetches while laying out and while writing (attachments)
        rendered = HTML(string=document, base_url=root.as_uri() + "/", url_fetcher=fetcher).render()
        rendered.metadata = DocumentMetadata(
            title=f"Proof: {title}", authors=[campaign.text(campaign.settings.authority, "en")],
            lang=campaign.primary_language, created=created, modified=created, generator="materials",
        )
        return bytes(rendered.write_pdf(pdf_identifier=identifier))
    except RefusedResource as e:  # a BaseException inside WeasyPrint: the template asked for a file it may not
        raise e.as_error() from None
