"""Web target: the static, bilingual, searchable FAQ website (`materials build --only web`).

Registers the output kind `web` (the shape of materials/targets.py): `validate` checks the web target's
own sources, `render` writes the site into an empty folder (offering print's files when they exist),
`verify` checks a rendered folder (links, anchors, CSP promises). See docs/web.md.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel

from materials import targets
from materials.errors import MaterialsError, Problem
from materials.i18n import N_, _
from materials.web.settings import SearchSettings, SiteSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign

log = logging.getLogger(__name__)

#: The steps of a site build (materials/web/site.py), as its timing line names them.
STEPS = {"downloads": N_("downloads"), "pages": N_("pages"), "assets": N_("assets"), "sitemap": N_("sitemap"),
         "search": N_("search")}

__all__ = ["render", "validate", "verify"]


def _luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _problems(campaign: Campaign) -> list[Problem]:
    """Problems in the web target's sources: [site] texts, interface strings, colours, templates."""
    from materials import markdown, templating
    from materials.web.site import ASSET_NAMES

    problems: list[Problem] = []
    settings = campaign.settings
    site = settings.site
    languages = campaign.languages
    for key, mapping in (("site.description", site.description), ("site.intro", site.intro)):
        for lang in sorted(set(mapping) - set(languages)):
            problems.append(Problem("campaign.toml", None, f"{key}.{lang}", _("not a campaign language")))
        # Optional as a whole (the title stands in), but once written it must exist in every language.
        if any(text.strip() for text in mapping.values()):
            for lang in languages:
                if not mapping.get(lang, "").strip():
                    problems.append(Problem("campaign.toml", None, f"{key}.{lang}",
                                            _("missing: written for another language, so the home page and link "
                                              "previews need it in this one too")))
    for lang, text in site.intro.items():
        problems += markdown.source_problems(text, f"campaign.toml site.intro.{lang}")
    brand = settings.brand
    for name, fg, bg in (("brand.primary", "#ffffff", brand.primary), ("brand.text", brand.text, brand.background)):
        ratio = contrast(fg, bg)
        if ratio < 4.5:
            problems.append(Problem("campaign.toml", None, name, _("contrast {ratio:.2f}:1 is below the 4.5:1 "
                                      "WCAG AA minimum for text on the website; choose a darker colour").format(
                                          ratio=ratio)))
    try:
        problems += templating.check_strings(templating.strings(campaign, "web"), languages, "web")
    except MaterialsError as e:
        problems.append(Problem("templates/web/strings.toml", None, None, e.message))
    for name in ASSET_NAMES:
        if not templating.template_file(campaign, f"web/assets/{name}").is_file():
            problems.append(Problem(f"templates/web/assets/{name}", None, None, _("missing web asset")))
    if site.search:
        from materials.web import search

        problems += search.validate(campaign)
    if site.is_placeholder:
        log.warning(_("campaign.toml site.base_url %s is a PLACEHOLDER on a reserved .example host: canonical "
                      "links, sitemap.xml and link previews point nowhere until you set the real address"),
                    site.base_url)
    return problems


class WebTarget:
    name = "web"
    table = "site"
    settings = SiteSettings
    summary = "The FAQ website."
    #: The site's second table: `[search]`.
    extra_tables: ClassVar[dict[str, tuple[type[BaseModel], str]]] = {
        "search": (SearchSettings, "The website's search: words to keep whole, synonyms, most-read questions."),
    }
    depends_on: tuple[str, ...] = ("print",)

    def validate(self, campaign: Campaign) -> targets.Plan:
        """Problems in the web target's sources: [site] texts, interface strings, colours, templates."""
        return targets.Plan(campaign, _problems(campaign))

    def render(self, plan: targets.Plan, dest: Path, built: Mapping[str, Path]) -> None:
        """Write the site into the empty folder `dest`; `built["print"]`, if present, supplies downloads."""
        from materials.web.site import render as render_site

        timings = render_site(plan.campaign, dest, dict(built))
        # i18n: the separator between the steps of the site build's timing line
        separator = _(", ")
        log.info(_("web: %s"), separator.join(_("{step} {seconds:.2f} s").format(step=_(STEPS.get(k, k)), seconds=v)
                                              for k, v in timings.items()))

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]:
        """Internal links and anchors resolve; no inline script or style; every page has a lang; the portal
        feeds, exports and fragments are complete."""
        from materials.web import portal
        from materials.web.linkcheck import check

        return check(dest, campaign.settings.site.base_url) + portal.verify(campaign, dest)


TARGET = targets.register(WebTarget())


#: validate(campaign) -> problems, render(campaign, dest, built=None), verify(campaign, dest): for tests and
#: benchmarks; `materials build` calls the target itself and passes the plan from validate to render.
validate, render, verify = targets.shortcuts("web")
