"""Images for electronic display screens, one set per screen kind of `[print.screens]`.

Players on TVs overscan: everything that matters (every word, the QR code and its quiet zone) stays inside
the action-safe area, `[print] action_safe` (5%) in from each edge; only the background reaches the edges.
Type is sized from the screen's physical size and viewing distance (`legibility.py`): the smallest words
are at least as tall as `viewing_distance_m / legibility_ratio`, and the layout check refuses a page whose
words ended up smaller (shrunk to fit, or a campaign template's small print).
"""

from __future__ import annotations

import math
from typing import Any

from materials.errors import Problem
from materials.i18n import _
from materials.printing import legibility
from materials.printing.legibility import LegibleItem
from materials.printing.planner import FONT_TOKEN, PX_MM, Planner, edition_langs, editions, theme_colour
from materials.printing.settings import ScreenKind
from materials.printing.sources import Material


def folder(kind: str) -> str:
    return f"screens/{kind}"


#: The service host the QR card always has room for: the layouts were drawn around this one (27 characters).
HOST_ROOM = "declare.health-code.example"


def image_path(kind: str, material: str, edition: str) -> str:
    return f"{folder(kind)}/{material}-{edition}.png"


def geometry(screen: ScreenKind, action_safe: float, small_px: float, qr_px: float,
             card_px: float, who_em: float) -> dict[str, Any]:
    """Rectangles (px from the top left) of the words and the QR card, all inside the action-safe area.
    `card_px`: the card's width beside the words (landscape), at least the code and its padding;
    `who_em`: the authority's name in em, which the top bar holds beside the icon in as many lines as it takes."""
    width, height = screen.width_px, screen.height_px
    short = min(width, height)
    gap = short * 0.03
    # The action-safe area, inset a little more so nothing touches its edge.
    x0, y0 = width * action_safe + gap * 0.5, height * action_safe + gap * 0.5
    x1, y1 = width - x0, height - y0
    icon = small_px * 2.4
    card_pad = qr_px * 0.07
    landscape = width >= height
    bar_w = (x1 - card_px - gap if landscape else x1) - x0
    lines = math.ceil(who_em * small_px * 1.2 / max(bar_w - icon * 1.4, 1))
    bar = max(icon, lines * small_px * 1.25)
    if landscape:  # words left, the QR card right, full height
        card = (x1 - card_px, y0, card_px, y1 - y0, card_pad)
        words = (x0, y0 + bar + gap, card[0] - gap - x0, y1 - y0 - bar - gap)
    else:  # words on top, the QR card along the bottom with its caption beside the code
        card_h = qr_px + 2 * card_pad
        card = (x0, y1 - card_h, x1 - x0, card_h, card_pad)
        words = (x0, y0 + bar + gap, x1 - x0, card[1] - gap - (y0 + bar + gap))
    return {"bar": (x0, y0, bar_w, bar), "icon": icon, "words": words, "card": card, "landscape": landscape,
            "safe": (width * action_safe, height * action_safe)}


def item(planner: Planner, material: Material, edition: str, name: str, screen: ScreenKind) -> LegibleItem:
    campaign, settings = planner.campaign, planner.settings
    langs = edition_langs(campaign, edition)
    words = [material.words[lang] for lang in langs]
    letter_mm = legibility.min_letter_mm(screen.viewing_distance_m, settings.legibility_ratio)
    letter_px = letter_mm * screen.px_per_mm
    short = min(screen.width_px, screen.height_px)
    # Every size follows from the smallest legible one; the design's own proportions are the floor.
    # Latin capitals are the smallest letters of a type size, and the host under the code is Latin in
    # every edition: the smallest text is sized for them, with a little room for rounding.
    small = max(legibility.font_for(letter_px, "en") * 1.06, short * 0.024)
    body = max(small * 1.2, short * 0.036)
    landscape = screen.width_px >= screen.height_px
    # A bilingual card holds two captions under the code: a smaller code leaves them room.
    qr_px = round(short * (0.4 if landscape else 0.42) * (0.85 if len(langs) > 1 else 1.0))
    # The card is wide enough for the host on one line at the smallest legible size, if the screen allows.
    # Room for a host of at least HOST_ROOM characters, whatever the campaign's: a city's real, short
    # address (jkm.tj.gov.cn) must not widen the words and push the layout past its limit.
    host_px = max(legibility.text_em(campaign.service_host), legibility.text_em(HOST_ROOM)) * small * 1.12
    card_px = max(qr_px * 1.14, min(host_px + qr_px * 0.14, screen.width_px * 0.45))
    link = campaign.service_link("screen") if material.qr else None
    who = legibility.text_em(campaign.text(campaign.settings.authority, words[0].lang))
    geo = geometry(screen, settings.action_safe, small, qr_px, card_px, who)
    # The headline as large as its longest unbreakable phrase allows; larger still without a body text.
    widest = geo["words"][2] * 0.92 / legibility.phrase_em(words[0].headline, words[0].lang)
    design = short * (0.12 if not screen.body else 0.075 if landscape else 0.095)
    head = max(small, min(widest, max(body * 1.6, design)))
    colour = theme_colour(campaign, material.theme)
    show_body = screen.body
    bodies = [campaign.markdown(w.body, lang=w.lang, channel="screen") if show_body and i == 0 else ""
              for i, w in enumerate(words)]
    width_mm, height_mm = screen.width_px * PX_MM, screen.height_px * PX_MM
    page = planner.page_class(width_mm, height_mm, colour, False)
    html = planner.env.get_template("screen.html.j2").render(
        m=material, words=words, bodies=bodies, geo=geo, page=page, font=FONT_TOKEN, colour=colour,
        em={"head": head / body, "second": max(small / body, head * 0.45 / body)}, small_px=small,
        qr=planner.qr_svg(link, settings.qr_error, qr_px * PX_MM) if link else "", qr_px=qr_px,
        host=campaign.service_host, bar=geo["bar"],
    )
    return LegibleItem(
        path=image_path(name, material.id, edition), kind="screen", material=material.id,
        size=f"{name} {screen.width_px}x{screen.height_px}", edition=edition, titles=planner.titles(material),
        width_mm=width_mm, height_mm=height_mm, link=link, pages=1, label=material.label, html=html,
        base_pt=body * 0.75, png=(screen.width_px, screen.height_px), lang=langs[0],
        author=" / ".join(campaign.text(campaign.settings.authority, lang) for lang in langs),
        qr_level=settings.qr_error if link else None,
        min_letter_px=letter_px, distance_m=screen.viewing_distance_m,
        where=_("the {name} screen ({size:g} in)").format(name=name, size=screen.diagonal_in),
        unit_mm=1 / screen.px_per_mm, background=colour,
    )


def items(planner: Planner) -> list[LegibleItem]:
    """Every screen image: each poster and tips sign, each screen kind, each edition."""
    out = []
    for name, screen in planner.settings.screens.items():
        for material in planner.materials:
            if material.layout != "sign":
                continue
            for edition in editions(planner.campaign):
                out.append(item(planner, material, edition, name, screen))
    return out


#: Channel distance between the background and a pixel that counts as a word or a code.
INK_DISTANCE = 40


def content_outside(image: Any, box: tuple[int, int, int, int], background: str) -> int:
    """How many pixels of `image` outside `box` (left, top, right, bottom) differ from the background."""
    from PIL import Image, ImageChops

    rgb = image.convert("RGB")
    flat = Image.new("RGB", rgb.size, background)
    diff = ImageChops.difference(rgb, flat).convert("L").point(lambda v: 255 if v > INK_DISTANCE else 0)
    total = diff.histogram()[255]
    inside = diff.crop(box).histogram()[255]
    return total - inside


def verify_image(item: LegibleItem, path: Any, action_safe: float) -> list[Problem]:
    """Nothing but the background in the screen's overscan margin."""
    from PIL import Image

    with Image.open(path) as image:
        width, height = image.size
        mx, my = round(width * action_safe), round(height * action_safe)
        outside = content_outside(image, (mx, my, width - mx, height - my), item.background)
    if outside:
        return [Problem(item.path, None, None, _("{outside} px of words or code lie in the {action_safe:.0%} "
                          "action-safe margin that TVs overscan").format(outside=outside, action_safe=action_safe))]
    return []
