"""What district and agency portals republish: per language an Atom feed, a JSON export and an embeddable
HTML fragment, in `portal/<lang>/` of the website.

- `feed.atom`: one entry per question, its id the question's permalink, `updated` from the question's
  `updated` date (else the campaign's `issued` date), so a feed reader sees an answer change when its date
  does. The answer is the entry's HTML content, links absolute.
- `faq.json`: every question with id, order, category (key and name), question, answer HTML and text,
  updated and permalink; for portals that render the FAQ in their own templates.
- `embed.html`: a fragment to paste into a portal page: the apply button and the question list linking to
  the permalinks. No script; every style rule is scoped under one class so it cannot restyle the portal.

Links carry the `portal` channel tag. Permalinks use `[site] base_url`, so set it before publishing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from materials.campaign import Campaign, Faq
from materials.errors import Problem
from materials.i18n import _
from materials.output import write_atomic
from materials.templating import environment

ATOM = "http://www.w3.org/2005/Atom"
FOLDER = "portal"
#: The class every style rule of the fragment is scoped under.
SCOPE = "hcq-embed"


def permalink(campaign: Campaign, lang: str, faq_id: str) -> str:
    return f"{campaign.settings.site.base_url}{lang}/faq/{faq_id}/"


def _linker(campaign: Campaign, lang: str) -> Callable[[str], str]:
    def href(faq_id: str) -> str:
        return permalink(campaign, lang, faq_id)

    return href


def answer_text(html: str) -> str:
    """The answer as plain text: blocks become lines, list items get a bullet."""
    html = re.sub(r"<li\b[^>]*>", "\n• ", html)
    html = re.sub(r"</?(?:p|h\d|br|div|ul|ol|tr|blockquote|pre|table)\b[^>]*>", "\n", html)
    html = re.sub(r"</t[dh]>", " ", html)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def updated(campaign: Campaign, faq: Faq) -> date:
    return faq.updated or campaign.settings.issued


def stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def ordered(campaign: Campaign, lang: str) -> list[Faq]:
    """Questions in the site's order: by category, then by order."""
    keys = [c.key for c in campaign.settings.faq_categories]
    return sorted(campaign.faqs[lang], key=lambda f: (keys.index(f.category) if f.category in keys else len(keys),
                                                      f.order))


def records(campaign: Campaign, lang: str) -> list[dict[str, Any]]:
    names = {c.key: c.names.get(lang, c.key) for c in campaign.settings.faq_categories}
    href = _linker(campaign, lang)
    out = []
    for faq in ordered(campaign, lang):
        html = faq.html("portal", href)
        out.append({
            "id": faq.id, "order": faq.order, "category": faq.category, "category_name": names.get(faq.category),
            "question": faq.question, "answer_html": html, "answer_text": answer_text(html),
            "updated": updated(campaign, faq).isoformat(), "permalink": permalink(campaign, lang, faq.id),
        })
    return out


def export(campaign: Campaign, lang: str) -> str:
    rows = records(campaign, lang)
    data = {
        "version": 1, "language": lang, "title": campaign.text(campaign.settings.title, lang),
        "draft": campaign.draft_mark != "", "draft_reasons": campaign.draft_reasons(),
        "authority": campaign.text(campaign.settings.authority, lang),
        "updated": max((r["updated"] for r in rows), default=campaign.settings.issued.isoformat()),
        "apply": campaign.service_link("portal"), "questions": rows,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def feed(campaign: Campaign, lang: str) -> str:
    ET.register_namespace("", ATOM)
    base = campaign.settings.site.base_url
    rows = records(campaign, lang)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    sub(root, "id", f"{base}{lang}/faq/")
    # A draft campaign's feed says so first, in the feed's title and in every entry (issue 20).
    mark = campaign.draft_mark
    prefix = f"{mark}: " if mark else ""
    sub(root, "title", prefix + campaign.text(campaign.settings.title, lang))
    description = campaign.settings.site.description.get(lang)
    if description:
        sub(root, "subtitle", description)
    sub(root, "updated", stamp(max((date.fromisoformat(r["updated"]) for r in rows),
                                   default=campaign.settings.issued)))
    author = sub(root, "author")
    sub(author, "name", campaign.text(campaign.settings.authority, lang))
    sub(root, "link", rel="self", type="application/atom+xml", href=f"{base}{FOLDER}/{lang}/feed.atom")
    sub(root, "link", rel="alternate", type="text/html", href=f"{base}{lang}/faq/")
    for row in rows:
        entry = sub(root, "entry")
        sub(entry, "id", row["permalink"])
        sub(entry, "title", row["question"])
        sub(entry, "updated", stamp(date.fromisoformat(row["updated"])))
        sub(entry, "link", rel="alternate", type="text/html", href=row["permalink"])
        sub(entry, "category", term=row["category"], label=row["category_name"] or row["category"])
        draft = f"<p><strong>{mark}</strong> {campaign.draft_note}</p>\n" if mark else ""
        sub(entry, "content", draft + row["answer_html"], type="html")
    ET.indent(root, " ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def fragment(campaign: Campaign, lang: str, strings: dict[str, str]) -> str:
    env = environment(campaign, "web")
    return env.get_template("portal-embed.html").render(
        lang=lang, s=strings, scope=SCOPE, apply_href=campaign.service_link("portal"),
        faqs=[(f, permalink(campaign, lang, f.id)) for f in ordered(campaign, lang)],
        brand=campaign.settings.brand, feed=f"{campaign.settings.site.base_url}{FOLDER}/{lang}/feed.atom",
    )


def write(campaign: Campaign, dest: Path, strings: dict[str, dict[str, str]]) -> list[str]:
    """Feed, export and fragment of every language; returns the paths written, relative to `dest`."""
    written = []
    for lang in campaign.languages:
        folder = f"{FOLDER}/{lang}"
        for name, text in (("feed.atom", feed(campaign, lang)), ("faq.json", export(campaign, lang)),
                           ("embed.html", fragment(campaign, lang, strings[lang]))):
            write_atomic(dest / folder / name, text)
            written.append(f"{folder}/{name}")
    return written


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    """Each language's feed parses with every question, the export lists them all, the fragment has no script
    and only scoped style rules."""
    problems = []
    for lang in campaign.languages:
        folder = dest / FOLDER / lang
        label = f"{dest.name}/{FOLDER}/{lang}"
        want = {f.id for f in campaign.faqs[lang]}
        try:
            # Our own output, just written: not untrusted XML.
            entries = ET.parse(folder / "feed.atom").getroot().findall(f"{{{ATOM}}}entry")  # noqa: S314
            if len(entries) != len(want):
                problems.append(Problem(f"{label}/feed.atom", None, None,
                                        _("{count} entries for {count2} questions").format(count=len(entries),
                                                                                           count2=len(want))))
        except (OSError, ET.ParseError) as error:
            problems.append(Problem(f"{label}/feed.atom", None, None, _("missing or not XML ({error})").format(
                error=error)))
        try:
            ids = {q["id"] for q in json.loads((folder / "faq.json").read_text("utf-8"))["questions"]}
            if ids != want:
                problems.append(Problem(f"{label}/faq.json", None, None, _("does not list every question")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(Problem(f"{label}/faq.json", None, None, _("missing or unreadable ({error})").format(
                error=error)))
        try:
            problems += [Problem(f"{label}/embed.html", None, None, p) for p in
                         fragment_problems((folder / "embed.html").read_text("utf-8"))]
        except OSError as error:
            problems.append(Problem(f"{label}/embed.html", None, None, _("missing ({error})").format(error=error)))
    return problems


class _Fragment(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(f"has a <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(_("has an event handler {name}= on <{tag}>").format(name=name, tag=tag))
            if name in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(_("has a javascript: link on <{tag}>").format(tag=tag))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)


def fragment_problems(html: str) -> list[str]:
    """What would make the fragment unsafe to paste into someone else's page: scripts, event handlers,
    style rules that are not scoped under the fragment's class."""
    parser = _Fragment()
    parser.feed(html)
    parser.close()
    found = parser.found
    for css in parser.css:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        for selectors in re.findall(r"([^{}]+)\{[^{}]*\}", css):
            for selector in selectors.split(","):
                if not selector.strip().startswith(f".{SCOPE}"):
                    found.append(_("style rule {selector!r} is not scoped under .{scope}").format(
                        selector=selector.strip(), scope=SCOPE))
    return found
