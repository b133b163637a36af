"""Render the FAQ website into an empty folder: pages, assets, search index, server files.

Template context (every page; built only in `page_context`):
- `page` (a `pages.Page`), `lang` (page language; the primary language on language-neutral pages),
  `s` (interface texts of `lang`, from templates/web/strings.toml), `strings` (all of them);
- `url(site_relative)`: a link relative to the current page; `absolute(site_relative)`: public URL;
- `root`: relative path from the page to the site root (used by assets/search.js);
- `page_alternates`: {lang: url} of this page's language versions (the switch), `head_alternates`: the
  hreflang links (the root chooser lists the language homes); `nav`: (key, url, label) rows and
  `section`: the nav key of this page;
- `site_title`, `authority`, `issued`, `issued_text`, `brand`, `csp`, `apply_href` (the declaration
  service tagged with the `portal` channel), `format_date(day, lang)`, `search_enabled`;
- plus the page's own context (`groups`, `faq`, `previous`, `next`, `materials`, `intro`, `jsonld`).
Globals from `materials.templating.environment` (campaign, settings, languages, t, ...) are there too.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from markupsafe import Markup

from materials import scripts, templating
from materials.campaign import Campaign
from materials.output import write_atomic
from materials.templating import environment, format_date, template_file
from materials.web import downloads, extras, portal, search
from materials.web.pages import (
    Page,
    alternates,
    collect,
    faq_anchor,
    href_from_question,
    href_in_list,
    relative,
)
from materials.web.settings import SiteSettings

log = logging.getLogger(__name__)

#: Sent in a <meta> tag on every page. frame-ancestors and the other header-only directives are in
#: `extras.HEADERS` (the _headers file and the nginx snippet).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'"
)

ASSET_NAMES = ("site.css", "search.js", "search-core.js", "favicon.svg")
#: Assets only the search page loads.
SEARCH_ASSETS = ("search.js", "search-core.js")
#: Assets rendered through Jinja for the brand colours; the others are copied as they are.
TEMPLATED_ASSETS = ("site.css", "favicon.svg")


def render(campaign: Campaign, dest: Path, built: dict[str, Path]) -> dict[str, float]:
    """Write the whole site into `dest` (empty). Returns seconds per phase for the benchmark."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    site = SiteSettings.of(campaign.settings)
    strings = templating.strings(campaign, "web")
    print_dir = built.get("print")
    manifest = downloads.printed(print_dir)
    items = (downloads.collect(campaign, print_dir, manifest, dest)
             if print_dir and manifest and site.copy_print_downloads else [])
    materials = downloads.materials_texts(campaign, items, dest, manifest)
    lap("downloads")
    pages = collect(campaign, strings, materials, site.search)
    env = environment(campaign, "web")
    alts = alternates(pages)
    for page in pages:
        html = env.get_template(page.template).render(page_context(campaign, page, strings, alts))
        write_atomic(dest / page.path, html)
    lap("pages")
    assets = dest / "assets"
    assets.mkdir(exist_ok=True)
    for name in ASSET_NAMES:
        if name in SEARCH_ASSETS and not site.search:
            continue
        if name in TEMPLATED_ASSETS:
            css = env.get_template(f"assets/{name}").render(brand=campaign.settings.brand)
            write_atomic(assets / name, css)
        else:
            shutil.copyfile(template_file(campaign, f"web/assets/{name}"), assets / name)
    extras.write_share_image(campaign, assets / "share.png")
    lap("assets")
    extras.write_server_files(campaign, pages, dest)
    portal.write(campaign, dest, strings)
    lap("sitemap")
    if site.search:
        search.build_index(campaign, dest)
    lap("search")
    return timings


@functools.lru_cache(maxsize=4)
def notice_nav(campaign: Campaign) -> dict[str, str]:
    """Language -> the notice page's navigation label (`label` of notice/<lang>.md), for languages with one."""
    from materials import notice

    return {lang: str(n.meta.get("label") or n.title) for lang, n in notice.load(campaign).by_lang.items()}


def page_context(campaign: Campaign, page: Page, strings: dict[str, dict[str, str]],
                 alts: dict[str, dict[str, str]]) -> dict[str, Any]:
    settings = campaign.settings
    lang = page.lang or campaign.primary_language
    base_url = SiteSettings.of(settings).base_url
    if page.key == "404":
        # The host serves 404.html at any depth: link from the site's base path instead.
        base_path = "/" + base_url.split("/", 3)[3]

        def url(target: str) -> str:
            return relative("", target) if target.startswith(("https:", "#")) else base_path + target
    else:
        def url(target: str) -> str:
            return relative(page.url, target)

    s = strings[lang]
    nav = [
        ("home", f"{lang}/", s["home"]),
        ("faq", f"{lang}/faq/", s["faq"]),
        ("tips", f"{lang}/tips/", s["tips"]),
    ]
    notice_label = notice_nav(campaign).get(lang)
    if notice_label:
        nav.insert(2, ("notice", f"{lang}/notice/", notice_label))
    if SiteSettings.of(settings).search:
        nav.append(("search", f"{lang}/search/", s["search"]))
    section = page.key.split("/")[0]
    page_alts = alts.get(page.key, {}) if page.lang else {}
    # The root chooser is the x-default: it names the language homes in its head but has no switch.
    head_alts = alts.get("home", {}) if page.key == "root" else page_alts
    if page.key == "root":
        page_alts = {}
    context: dict[str, Any] = {
        "page": page,
        "lang": lang,
        "s": s,
        "strings": strings,
        "url": url,
        "absolute": lambda target: base_url + target,
        "root": relative(page.url, "") if page.key != "404" else url(""),
        "page_alternates": page_alts,
        "head_alternates": head_alts,
        "nav": nav,
        "section": section,
        "site_title": settings.title[lang],
        "authority": settings.authority[lang],
        "issued": settings.issued,
        "issued_text": format_date(settings.issued, strings[lang]),
        "brand": settings.brand,
        "csp": CSP,
        "apply_href": campaign.service_link("portal"),
        "format_date": lambda day, lang: format_date(day, strings[lang]),
        "search_enabled": SiteSettings.of(settings).search,
        "faq_anchor": faq_anchor,
        "phrases": phrases,
        "sections": downloads.SECTIONS,
    }
    context.update(page.context)
    if page.key == "home":
        intro = SiteSettings.of(settings).intro.get(lang, "")
        # Markup: the foundation's Markdown output is already sanitised by nh3.
        html = campaign.markdown(intro, lang=lang, channel="portal") if intro else ""
        context["intro"] = Markup(html)  # noqa: S704
    if page.key == "faq":
        faqs = [f for g in page.context["groups"] for f in g["faqs"]]
        context["answers"] = {f.id: Markup(f.html("portal", href_in_list)) for f in faqs}  # noqa: S704 (nh3)
        context["jsonld"] = faq_jsonld(faqs, context["answers"])
    elif page.key.startswith("faq/"):
        faq = page.context["faq"]
        answer = Markup(faq.html("portal", href_from_question))  # noqa: S704 (sanitised by nh3)
        context["answer"] = answer
        context["jsonld"] = faq_jsonld([faq], {faq.id: answer})
    return context


def phrases(text: str, lang: str) -> Markup:
    """A print headline for the web. In Chinese a space marks phrases that must stay whole (docs/print.md):
    on the page each phrase becomes an unbreakable span and the space goes, as Chinese has none."""
    if scripts.script(lang).spaced or " " not in text.strip():
        return Markup.escape(text)
    parts = text.split()
    out = Markup('<span class="phrase">{}</span>').format(parts[0])
    for before, part in itertools.pairwise(parts):
        # A space between two Latin words stays a space ("QR code"); between Chinese phrases it goes.
        gap = " " if before[-1].isascii() and part[0].isascii() else ""
        out += Markup('{}<span class="phrase">{}</span>').format(gap, part)
    return out


def faq_jsonld(faqs: list[Any], answers: dict[str, str]) -> Markup:
    """schema.org FAQPage; the same answers are visible on the page."""
    data = {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {"@type": "Question", "name": f.question,
             "acceptedAnswer": {"@type": "Answer", "text": str(answers[f.id])}}
            for f in faqs
        ],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # "</" would end the <script> element early; \u003c is the same character to a JSON parser.
    return Markup(text.replace("<", "\\u003c"))  # noqa: S704 - JSON with every "<" escaped

