"""The billboard edition of each poster: the headline, the QR code and the address, nothing else.

A roadside billboard is read in seconds from tens of metres. Its sizes come from the billboard's own
distances in `[print.sizes.billboard]`: letters at least `viewing_distance_m / legibility_ratio` tall
(`legibility.py` measures the laid-out page and refuses smaller words), the code at least a tenth of
`scan_distance_m` wide (checked again on the rendered PDF by `checks.py`).
"""

from __future__ import annotations

import math

from materials.errors import Problem
from materials.i18n import _
from materials.printing import legibility
from materials.printing.legibility import LegibleItem
from materials.printing.planner import FONT_TOKEN, Planner, qr_width, theme_colour
from materials.printing.settings import PaperSize
from materials.printing.sources import Material

SIZE = "billboard"
#: Used when `[print.sizes.billboard]` names no viewing distance: a billboard beside a city road.
DEFAULT_VIEWING_M = 20.0


def distances(planner: Planner, paper: PaperSize) -> tuple[float, float]:
    """(viewing, scanning) distance of the billboard in metres."""
    scan = paper.scan_distance_m or planner.settings.reading_distance_m.get(SIZE) or 6.0
    return paper.viewing_distance_m or DEFAULT_VIEWING_M, scan


def address(planner: Planner) -> str:
    """The service's address as read at a glance: its host, as every poster prints it under the code."""
    return planner.campaign.service_host


def item(planner: Planner, material: Material, lang: str) -> LegibleItem | Problem:
    campaign, settings = planner.campaign, planner.settings
    paper = settings.sizes[SIZE]
    width, height = paper.width_mm, paper.height_mm
    short = min(width, height)
    viewing, scan = distances(planner, paper)
    letter_mm = legibility.min_letter_mm(viewing, settings.legibility_ratio)
    pad = max(settings.safe_margin_mm + 1, short * 0.07)
    gap = short * 0.04
    qr_size = round(max(qr_width(scan), short * 0.3), 1)
    # The address runs along the bottom, the whole width: a web address cannot break like words.
    addr_font = legibility.font_for(letter_mm, "en") * 1.2
    addr_h = addr_font * 1.3
    top_h = height - 2 * pad - addr_h - gap
    card_pad = qr_size * 0.04  # white around the quiet zone, so no edge of the background touches it
    card = qr_size + 2 * card_pad
    if card > top_h or card > width * 0.5:
        return Problem("campaign.toml", None, "print.sizes.billboard.scan_distance_m",
                       _("a code scanned from {scan:g} m must be {qr_size:.0f} mm wide, more than the "
                         "{width:g}x{height:g} mm billboard has room for beside its headline; lower it").format(
                             scan=scan, qr_size=qr_size, width=width, height=height))
    words_w = width - 2 * pad - (card + gap if material.qr else 0)
    # The headline as large as its longest phrase allows (shrunk to fit if it runs to too many lines);
    # the address keeps its legible size in mm, so shrinking the headline never shrinks it.
    headline = material.words[lang].headline
    floor = legibility.font_for(letter_mm, lang) * 1.5
    head_font = max(floor, min(words_w * 0.92 / legibility.phrase_em(headline, lang), short * 0.3))
    while head_font > floor:  # as many lines as the box holds, by a rough measure of the words
        lines = math.ceil(legibility.text_em(headline) * 1.1 * head_font / words_w)
        if lines * 1.15 * head_font <= top_h:
            break
        head_font = max(floor, head_font * 0.95)
    link = campaign.service_link("billboard") if material.qr else None
    geo = {
        "words": (pad, pad, words_w, top_h),
        "qr": (width - pad - card, pad + (top_h - card) / 2, card_pad),
        "address": (pad, height - pad - addr_h, width - 2 * pad, addr_h),
    }
    colour = theme_colour(campaign, material.theme)
    page = planner.page_class(width, height, colour, True)
    html = planner.env.get_template("billboard.html.j2").render(
        m=material, w=material.words[lang], lang=lang, page=page, font=FONT_TOKEN, geo=geo,
        qr=planner.qr_svg(link, settings.poster_qr_error, qr_size) if link else "", address=address(planner),
        address_mm=addr_font,
    )
    px = legibility.PX_PER_MM
    return LegibleItem(
        path=f"billboards/{material.id}-{lang}.pdf", kind="billboard", material=material.id,
        size=SIZE, edition=lang, titles=planner.titles(material),
        width_mm=width, height_mm=height, link=link, pages=1, label=material.label, html=html,
        base_pt=head_font * 72 / 25.4, lang=lang, author=campaign.text(campaign.settings.authority, lang),
        qr_mm=qr_size if link else None, qr_min_mm=qr_width(scan) if link else None,
        qr_level=settings.poster_qr_error if link else None,
        preview=f"previews/billboards-{material.id}-{lang}.png", press=True,
        min_letter_px=letter_mm * px, distance_m=viewing, where=_("the billboard"), background=colour,
    )


def items(planner: Planner) -> tuple[list[LegibleItem], list[Problem]]:
    """The billboard edition of every poster made in the billboard size, one per language."""
    out: list[LegibleItem] = []
    problems: list[Problem] = []
    if SIZE not in planner.settings.sizes:
        return out, problems
    for material in planner.materials:
        if material.kind != "poster" or SIZE not in material.sizes:
            continue
        for lang in planner.campaign.languages:
            made = item(planner, material, lang)
            if isinstance(made, Problem):
                return [], [made]
            out.append(made)
    return out, problems
