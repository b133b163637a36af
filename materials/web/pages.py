"""Collect every page of the FAQ website before any is rendered.

Pages are gathered first (as MkDocs does) so that each one knows all the others: the language switch
points at the same page in the other language, hreflang alternates and the sitemap list every
counterpart, and previous/next links follow the category order.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from typing import TYPE_CHECKING, Any

from materials import scripts

if TYPE_CHECKING:
    from materials.campaign import Campaign, Faq



@dataclass
class Page:
    """One HTML file of the site. `url` is site-relative ("en/faq/" or "" for the root)."""

    key: str  # the same for every language version of a page: "home", "faq/what-is-it", ...
    lang: str | None  # None for language-neutral pages (the root chooser, 404)
    url: str
    template: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    in_sitemap: bool = True

    @property
    def path(self) -> str:
        """Output file, relative to the site root."""
        if self.url == "" or self.url.endswith("/"):
            return self.url + "index.html"
        return self.url


def relative(from_url: str, to_url: str) -> str:
    """Relative link from one site-relative URL to another, so the site works under any path."""
    if to_url.startswith(("https://", "http://", "mailto:", "tel:", "#")):
        return to_url
    target, _, anchor = to_url.partition("#")
    base = posixpath.dirname(from_url) if not from_url.endswith("/") else from_url.rstrip("/")
    rel = posixpath.relpath(target or ".", base or ".") if target else posixpath.relpath(".", base or ".")
    if target.endswith("/") or target == "":
        rel = rel.rstrip("/") + "/" if rel != "." else "./"
    return rel + (f"#{anchor}" if anchor else "")


#: Labels of the notice page (its nav entry is the notice's own `label` in notice/<lang>.md).
NOTICE_LABELS = {
    "zh": {"number": "文号", "issuer": "发文机关", "date": "日期", "source": "文本来源",
           "reprint": "本文取自转载，尚待与官方文本逐字核对。",
           "translation": "本文为译文，以中文原文为准。"},
    "en": {"number": "Number", "issuer": "Issued by", "date": "Date", "source": "Source of this text",
           "reprint": "This text is a reprint, still to be checked word for word against the official text.",
           "translation": "This is a translation: the Chinese original is the notice."},
}


def faq_anchor(faq_id: str) -> str:
    return f"faq-{faq_id}"


# Module-level functions, so the foundation's Markdown cache (keyed by this callable) hits across pages.
def href_in_list(faq_id: str) -> str:
    """`faq:ID` links inside the all-questions page: the anchor on the same page."""
    return f"#{faq_anchor(faq_id)}"


def href_from_question(faq_id: str) -> str:
    """`faq:ID` links inside one question's page: the sibling question page."""
    return f"../{faq_id}/"


def category_anchor(key: str) -> str:
    return f"cat-{key}"


def collect(campaign: Campaign, strings: Mapping[str, Mapping[str, str]], materials: list[dict[str, Any]],
            search: bool) -> list[Page]:
    """Every page of the site, in a stable order."""
    from materials import notice as notice_mod

    settings = campaign.settings
    site = settings.site
    pages: list[Page] = []
    notices = notice_mod.load(campaign).by_lang
    titles = settings.title
    for lang in campaign.languages:
        title = titles[lang]
        description = site.description.get(lang) or title
        faqs = list(campaign.faqs[lang])
        groups: list[dict[str, Any]] = []
        ordered: list[Faq] = []
        for cat in settings.faq_categories:
            members = [f for f in faqs if f.category == cat.key]
            if members:
                groups.append({"key": cat.key, "anchor": category_anchor(cat.key), "name": cat.names[lang],
                               "faqs": members})
                ordered += members
        base = f"{lang}/"
        pages.append(Page("home", lang, base, "home.html", title, description,
                          {"groups": groups, "faq_count": len(faqs)}))
        pages.append(Page("faq", lang, f"{base}faq/", "faq_list.html",
                          f"{strings[lang]['faq']} | {title}", description,
                          {"groups": groups, "faq_count": len(faqs)}))
        for i, faq in enumerate(ordered):
            group = next(g for g in groups if g["key"] == faq.category)
            pages.append(Page(
                f"faq/{faq.id}", lang, f"{base}faq/{faq.id}/", "faq_page.html",
                f"{faq.question} | {title}", _summary(faq, lang) or description,
                {"faq": faq, "group": group,
                 "previous": ordered[i - 1] if i > 0 else None,
                 "next": ordered[i + 1] if i + 1 < len(ordered) else None}))
            # Addresses of merged or renamed questions stay valid: a page that sends the reader on. Not in
            # the sitemap or the search index; the same CSP as every page (a <meta> refresh, no script).
            for old in faq.redirect_from:
                pages.append(Page(f"moved/{old}", lang, f"{base}faq/{old}/", "redirect.html", faq.question,
                                  description, {"target": f"{base}faq/{faq.id}/", "faq": faq}, in_sitemap=False))
        notice = notices.get(lang)
        if notice is not None:
            pages.append(Page("notice", lang, f"{base}notice/", "notice.html", f"{notice.title} | {title}",
                              description, {"notice": notice, "notice_labels": NOTICE_LABELS.get(
                                  lang.split("-")[0], NOTICE_LABELS["en"])}))
        pages.append(Page("tips", lang, f"{base}tips/", "tips.html",
                          f"{strings[lang]['tips']} | {title}", description, {"materials": materials}))
        if search:
            pages.append(Page("search", lang, f"{base}search/", "search.html",
                              f"{strings[lang]['search']} | {title}", description,
                              {"groups": groups, "popular": popular_questions(campaign, lang)}, in_sitemap=False))
    primary = campaign.languages[0]
    pages.insert(0, Page("root", None, "", "root.html", titles[primary],
                         site.description.get(primary) or titles[primary]))
    pages.append(Page("404", None, "404.html", "404.html", titles[primary], "", in_sitemap=False))
    return pages


#: Questions offered when a search finds nothing, unless `[search] popular` names them.
POPULAR_DEFAULT = 5


def popular_questions(campaign: Campaign, lang: str) -> list[Faq]:
    """The most-read questions of `[search] popular` (ids missing in `lang` are skipped), else the first five."""
    ids = campaign.settings.search.popular
    faqs = campaign.faqs[lang]
    if not ids:
        return faqs[:POPULAR_DEFAULT]
    by_id = {f.id: f for f in faqs}
    return [by_id[i] for i in ids if i in by_id]


def _summary(faq: Faq, lang: str, limit: int = 110) -> str:
    """First sentence-ish of the answer, as plain text, for the meta description."""
    html = faq.html("portal", href_from_question)
    # Block boundaries become spaces, inline tags vanish (no "means ." before punctuation).
    html = re.sub(r"</?(?:p|li|h\d|br|div|ul|ol|tr|td|th|blockquote|pre)\b[^>]*>", " ", html)
    text = " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut.rsplit(" ", 1)[0] + "…" if scripts.script(lang).spaced else cut + "…"


def alternates(pages: list[Page]) -> dict[str, dict[str, str]]:
    """key -> {lang: url} for every page that exists in more than one language."""
    out: dict[str, dict[str, str]] = {}
    for page in pages:
        if page.lang is not None:
            out.setdefault(page.key, {})[page.lang] = page.url
    return out
