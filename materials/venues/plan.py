"""A venue run's plan: the list read and checked, every link signed with the key that may sign it, the
typed poster and venue contexts, the templates and the font packs, the static layer rendered once."""

from __future__ import annotations

import concurrent.futures
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from materials import fingerprint
from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem
from materials.i18n import _
from materials.printing.settings import PrintSettings
from materials.printorder import OrderSettings
from materials.venues import links, sizes, static
from materials.venues.context import Brand, Poster, VenueText
from materials.venues.fontpack import FontPack, make_pack
from materials.venues.reading import VenueList, VenueRow, read_list, row_span
from materials.venues.settings import VenueSettings

log = logging.getLogger(__name__)

#: Font packs are cached beside the demo key, in the campaign's ignored `.materials/` folder.
FONT_CACHE = ".materials/cache/fonts"
TEMPLATE_FILES = ("macros.html", "posters.html", "screen.html", "poster.css")


@dataclass
class Options:
    size: str | None = None
    jobs: int = 1
    dask: str | None = None
    skip_invalid: bool = False
    screens: bool | None = None
    key_files: list[Path] = field(default_factory=list)
    resume: bool = True
    executor: concurrent.futures.Executor | None = None
    sheet: str | None = None
    #: --replace: the list may lack venues of the run in the output folder; their posters are removed.
    replace: bool = False


def key_ring(campaign: Campaign, key_files: list[Path]) -> links.KeyRing:
    """The signing keys: `--key-file` paths, else the campaign's `venues.key_file` (a demo key if allowed)."""
    if key_files:
        return links.read_key_files(key_files)
    settings = VenueSettings.of(campaign.settings)
    path = campaign.root / settings.key_file
    if not path.exists() and settings.demo_key:
        links.write_key_file(path, [links.new_key(1)])
        log.warning(_("created a DEMO signing key at %s for the sample campaign; real campaigns bring "
                      "their own key (`materials keys new --out FILE`) and keep it secret"), campaign.relative(path))
    return links.read_key_file(path)


def signing_keys(ring: links.KeyRing, key_id: int | None, listing: VenueList) -> dict[str, links.Key]:
    """District -> the key that signs its venues; a district the key file cannot sign is refused, naming rows."""
    signers: dict[str, links.Key] = {}
    refused: list[Problem] = []
    for district in dict.fromkeys(v.district for v in listing.venues):
        try:
            signers[district] = ring.signing_key(key_id, district)
        except MaterialsError as e:
            rows = [v.row for v in listing.venues if v.district == district]
            refused.append(Problem(listing.label, None, _("rows {rows}").format(rows=row_span(rows)), e.message))
    if refused:
        raise CampaignError(refused, _("the signing key cannot sign every venue of the list; nothing was "
                                       "written"))
    return signers


def check_verifiable(campaign: Campaign, key_files: list[Path], signers: Any) -> None:
    """`--key-file` signs only what the campaign's own key file verifies: otherwise `materials verify --campaign`
    would call genuine posters forged. Without a campaign key file at all, say so once."""
    if not key_files:
        return
    own = campaign.root / VenueSettings.of(campaign.settings).key_file
    if not own.exists():
        log.warning(_("the campaign has no key file at %s, so `materials verify --campaign %s` cannot "
                      "check these posters; keep the key with the campaign there (README, Venue check-in "
                      "codes: keys)"),
                    campaign.relative(own), campaign.root)
        return
    ring = links.read_key_file(own)
    for key in signers:
        if not ring.holds(key):
            whose = (_("district {district}'s key").format(district=key.district) if key.district
                     else _("a city-wide key"))
            raise MaterialsError(
                _("refused: key {key_id} of {names} ({whose}) is not in the campaign's key file {path}, so "
                  "`materials verify --campaign` would call these posters forged. Sign with the campaign's "
                  "key (leave out --key-file), or use the district key the city made with `materials keys "
                  "new --district` (README, Venue check-in codes: keys)").format(
                    key_id=key.key_id, names=', '.join(map(str, key_files)), whose=whose, path=campaign.relative(own)))


def link_base(campaign: Campaign) -> str:
    settings = VenueSettings.of(campaign.settings)
    return links.link_base(settings.link_host or campaign.service_host, settings.link_path)


def template_sources(campaign: Campaign) -> tuple[tuple[str, str], ...]:
    from materials.templating import check_syntax, template_file

    sources = []
    for name in TEMPLATE_FILES:
        path = template_file(campaign, f"venues/{name}")  # the campaign's own file, else the built-in one
        try:
            sources.append((name, path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise MaterialsError(_("template {path} is missing").format(path=campaign.relative(path))) from None
        check_syntax(name, sources[-1][1], campaign.relative(path))
    return tuple(sources)


def labels(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """venues/strings.toml turned around for the templates: label -> language -> text, and `steps` ->
    language -> the `step_N` texts in order."""
    from materials.templating import strings

    texts = strings(campaign, "venues")
    out: dict[str, dict[str, Any]] = {"steps": {}}
    for lang in campaign.languages:
        for key, text in sorted(texts.get(lang, {}).items()):
            if key.startswith("step_"):
                out["steps"].setdefault(lang, []).append(text)
            else:
                out.setdefault(key, {})[lang] = text
    return out


def issued_texts(campaign: Campaign, date: datetime) -> dict[str, str]:
    from materials.templating import format_date, strings

    texts = strings(campaign, "venues")
    return {lang: format_date(date.date(), texts[lang]) for lang in campaign.languages}


def poster_context(campaign: Campaign, size: str) -> Poster:
    settings = campaign.settings
    date = campaign.source_date()
    host = VenueSettings.of(settings).link_host or campaign.service_host
    paper = VenueSettings.of(settings).paper(size)
    brand = settings.brand
    return Poster(
        size=size,
        paper=paper,
        page_w=paper.width_mm,
        page_h=paper.height_mm,
        # Stickers are imposed on sheets that carry the bleed and marks; the sticker itself has a white edge.
        bleed=paper.bleed_mm,
        sticker=paper.sticker,
        qr_mm=paper.qr_mm,
        qr_error=VenueSettings.of(settings).qr_error,
        primary=campaign.primary_language,
        others=tuple(lang for lang in campaign.languages if lang != campaign.primary_language),
        title=dict(settings.title),
        authority=dict(settings.authority),
        authority_short=settings.short_authority,
        issued=issued_texts(campaign, date),
        strings=labels(campaign),
        date_iso=date.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        host=host.lower(),
        family=settings.fonts.sans[0],
        brand=Brand(brand.primary, brand.accent, brand.text, brand.background,
                    tuple(sorted(brand.print_colours().items()))),
        draft=campaign.draft_mark,
        sources=fingerprint.sources(campaign),
    )


def venue_context(campaign: Campaign, venue: VenueRow, link: str, code: str) -> VenueText:
    categories = campaign.settings.place_categories[venue.category]
    district = next(d for d in campaign.settings.districts if d.key == venue.district)
    others = [lang for lang in campaign.languages if lang != campaign.primary_language]
    names, addresses = dict(venue.names), dict(venue.addresses)
    return VenueText(id=venue.id, name=venue.name, name_en=venue.name_en, address=venue.address,
                     address_en=venue.address_en, category=dict(categories), district=dict(district.names),
                     district_key=venue.district, link=link, code=code,
                     names={lang: names[lang] for lang in others if names.get(lang)},
                     addresses={lang: addresses[lang] for lang in others if addresses.get(lang)})


@dataclass
class Plan:
    venues: list[VenueRow]
    contexts: dict[str, VenueText]
    poster: Poster
    templates: tuple[tuple[str, str], ...]
    #: The run's font pack (every character it prints) and the static layer's (templates and settings).
    fonts: FontPack
    static_fonts: FontPack
    size: str
    screens: bool
    verify_dpi: int
    chunk_size: int
    key_ids: dict[str, int]
    listing: VenueList
    allotment: dict[str, dict[str, int]]
    district_keys: list[str]
    date: datetime
    #: Paper and quantities of the order sheet (campaign.toml `[print.order]`).
    order: OrderSettings = field(default_factory=OrderSettings)


def read_and_check(campaign: Campaign, list_path: Path, skip_invalid: bool, label: str | None = None,
                   sheet: str | None = None) -> VenueList:
    listing = read_list(list_path, campaign.settings, label or campaign.relative(list_path), sheet=sheet,
                        key_files=[campaign.root / VenueSettings.of(campaign.settings).key_file])
    listing.log()
    return checked(listing, skip_invalid)


def checked(listing: VenueList, skip_invalid: bool) -> VenueList:
    """The list, or its problems as one `CampaignError` (all rows reported, nothing written)."""
    if listing.problems and not skip_invalid:
        raise CampaignError(listing.problems, _("{label} has problems; nothing was written (fix them, or "
                                                "pass --skip-invalid to render the valid rows)").format(
                                                  label=listing.label))
    if not listing.venues:
        raise CampaignError(listing.problems, _("{label}: no valid venue to render").format(label=listing.label))
    return listing


def make_plan(campaign: Campaign, listing: VenueList, options: Options, font_cache: Path | None) -> Plan:
    settings = VenueSettings.of(campaign.settings)
    size = options.size or settings.size
    ring = key_ring(campaign, options.key_files)
    signers = signing_keys(ring, settings.key_id, listing)
    check_verifiable(campaign, options.key_files, signers.values())
    base = link_base(campaign)
    contexts = {}
    for venue in listing.venues:
        key = signers[venue.district]
        link = links.sign_link(key, base, venue.district, venue.id, venue.reprint)
        code = links.venue_code(key, venue.district, venue.id, venue.reprint)
        contexts[venue.id] = venue_context(campaign, venue, link, code)
    templates = template_sources(campaign)
    poster = poster_context(campaign, size)
    # Every character the posters print goes into the font pack: the list, the vocabularies and templates.
    # The static layer gets a pack of its own characters: WeasyPrint keeps glyph ids when it subsets, so
    # its fonts stay small only when the pack's glyph ids are.
    static_text = json.dumps(poster.as_data(), ensure_ascii=False) + "".join(source for _, source in templates)
    text = static_text + "".join(json.dumps(c.as_data(), ensure_ascii=False) for c in contexts.values())
    fonts = make_pack(poster.family, text, font_cache)
    static_fonts = make_pack(poster.family, static_text, font_cache)
    try:
        # Rendered here once: a template without its slots fails before anything is written, and a forked
        # process pool inherits the static layer instead of rendering it again.
        art = static.static_art(templates, static_fonts, poster)
    except ValueError as e:
        raise MaterialsError(str(e)) from None
    art.warn(poster)
    screens = settings.screens if options.screens is None else options.screens
    # Rasterise at a fixed number of pixels per module: ~40 dpi for A4, ~80 for A6 stickers.
    verify_dpi = max(24, round(settings.verify_px_per_module * 25.4 * sizes.QR_MODULES / poster.paper.qr_mm))
    return Plan(listing.venues, contexts, poster, templates, fonts, static_fonts, size, screens, verify_dpi,
                settings.chunk_size, {v.id: signers[v.district].key_id for v in listing.venues}, listing,
                settings.allotment,
                [d.key for d in campaign.settings.districts], campaign.source_date(),
                PrintSettings.of(campaign.settings).order)
