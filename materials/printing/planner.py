"""What to print and where each thing goes on the page.

`plan(campaign, materials)` turns the sources into `Batch`es of `Item`s: one item per output file (a PDF
of one material in one size and edition, or a PNG for a screen or WeChat), each with its page HTML. Items
that share stylesheets share a batch, so WeasyPrint parses CSS once and lays out many pages per document.

Geometry is computed here in millimetres and placed with absolute positions: the words box has a fixed
size, so `render.overflows` can tell from WeasyPrint's box tree whether the words fit, and shrink the type
(down to `min_type_scale`) or report the material, language and size, never clip it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from materials import fingerprint, qr
from materials.campaign import Campaign
from materials.printing import typeset
from materials.printing.settings import PaperSize, PrintSettings
from materials.printing.sources import Material
from materials.templating import environment, format_date, strings

#: Token in an item's HTML replaced by its type size, so a trial layout can shrink the words cheaply.
#: The draft mark's type: at most this share of the page's short side (the mark is about 6.4 em wide).
DRAFT_EM = 0.035
#: Smallest type of the draft mark (mm, about 8 pt): below it a mark is missed at arm's length.
DRAFT_MIN_MM = 2.8
#: How close to the trim a draft mark may come on pages whose top band is thinner than the mark (A6 cards):
#: the mark is never printed on an approved file, so it may enter the safe margin, never the last 2.5 mm.
DRAFT_EDGE_MM = 2.5


def draft_mark_css(width: float, height: float, printed: bool = True, safe: float = 5.0) -> str:
    """Size and place of the draft mark (issue 20) on a page of this size, in mm. Printed pages: level, in
    the top band between the safe margin and the page's padding (`sign_geometry`'s and the billboard's pad,
    where the authority's bar and the headline begin), at the right: visible on every page, over no text
    (a stamp across the middle hid the English text; one at the top touched the headline and the
    authority's line). Images for screens and WeChat keep their mark inside the action-safe area at the top."""
    short = min(width, height)
    if printed:
        pad = max(safe + 1, short * 0.07)
        clearance = max(0.8, short * 0.006)
        size = min(short * DRAFT_EM, (pad - safe - clearance) / 1.25)
        top = safe
        if size < DRAFT_MIN_MM:
            size = DRAFT_MIN_MM
            top = max(DRAFT_EDGE_MM, pad - clearance - size * 1.25)
        return (f"font-size:{size:.2f}mm;top:{top:.2f}mm;right:{pad:.2f}mm;left:auto;width:auto;"
                "text-align:right;transform:none")
    size = short * 0.085 * 0.6
    return f"font-size:{size:.1f}mm;top:{height * 0.065:.1f}mm;left:0;width:{width:.1f}mm;transform:none"


FONT_TOKEN = "@@FONT@@"  # noqa: S105 - a placeholder, not a secret
PX_MM = 25.4 / 96
#: Body type size as a fraction of the page's short side (pt per mm): 18.5 pt on A4.
BODY_PT_PER_MM = 0.088
THEME_COLOURS = {"green": None, "blue": "#0d4a85", "amber": "#8c4a00", "red": None}
BILINGUAL = "bilingual"


@dataclass
class Item:
    """One output file."""

    path: str  # relative to the print folder
    kind: str  # poster | tip | card | guide | booklet | screen | wechat-cover | wechat-square | billboard
    material: str
    size: str
    edition: str  # a language or "bilingual"
    titles: dict[str, str]
    width_mm: float
    height_mm: float
    link: str | None  # what its QR code must decode to
    pages: int | None  # expected page count; None for the booklet
    label: str  # the source, as messages name it
    html: str = ""
    base_pt: float = 12.0
    fit: bool = True
    png: tuple[int, int] | None = None
    preview: str | None = None
    lang: str = "en"
    author: str = ""
    qr_mm: float | None = None  # width of its QR code, quiet zone included
    qr_min_mm: float | None = None  # the smallest width its reading distance allows (quiet zone included)
    qr_level: str | None = None  # error-correction level its code must have
    press: bool = False  # goes to a print shop: PDF/X-4 in CMYK with bleed and crop marks (materials.pdfx)

    @property
    def origin(self) -> str:
        return f"{self.label} ({self.edition}, {self.size})"


@dataclass
class Batch:
    """Items laid out in one WeasyPrint document: same stylesheet, one page each (or one booklet)."""

    name: str
    head: str
    items: list[Item] = field(default_factory=list)
    pdf_variant: str | None = None
    tail: str = "</body></html>"
    author: str = ""
    created: str = ""
    #: A booklet's HTML with 1, 2, 3 ... pages added (notes pages): laid out instead of `head` when the
    #: booklet's page count is not a multiple of len(padded) + 1.
    padded: tuple[str, ...] = ()

    def html(self, fonts: dict[str, float] | None = None, only: set[str] | None = None) -> str:
        parts = [self.head]
        for item in self.items:
            if only is not None and item.path not in only:
                continue
            size = (fonts or {}).get(item.path, item.base_pt)
            parts.append(item.html.replace(FONT_TOKEN, f"{size:.2f}pt"))
        parts.append(self.tail)
        return "".join(parts)


def editions(campaign: Campaign) -> list[str]:
    return [*campaign.languages, BILINGUAL] if len(campaign.languages) > 1 else list(campaign.languages)


def edition_langs(campaign: Campaign, edition: str) -> list[str]:
    return list(campaign.languages) if edition == BILINGUAL else [edition]


def theme_colour(campaign: Campaign, theme: str) -> str:
    brand = campaign.settings.brand
    return {"green": brand.primary, "red": brand.accent}.get(theme) or THEME_COLOURS[theme] or brand.primary


#: No QR code is printed smaller than this (quiet zone included): a phone at arm's length.
MIN_QR_MM = 22.0


def reading_distance(campaign: Campaign, material: Material | None, size: str, short_mm: float) -> float:
    """Metres a material of this size is read from: its front matter, else `[print] reading_distance_m`
    for the size, else a screen's (its short side in mm / 250: a 1080 px screen from about 1.1 m)."""
    settings = PrintSettings.of(campaign.settings)
    return (material.reading_distance_m if material and material.reading_distance_m else None) \
        or settings.reading_distance_m.get(size) or short_mm / 250


def qr_width(distance_m: float) -> float:
    """The smallest width (mm, quiet zone included) a code read from `distance_m` may have: a tenth of it."""
    return max(distance_m * 100, MIN_QR_MM)


def qr_mm(campaign: Campaign, material: Material | None, size: str, short_mm: float) -> float:
    """QR width: at least a tenth of the reading distance, and never under 22 mm (a phone at arm's length)."""
    return round(max(qr_width(reading_distance(campaign, material, size, short_mm)), short_mm * 0.18), 1)


def sign_geometry(campaign: Campaign, width: float, height: float, qr_size: float | None,
                  with_body: bool = True) -> dict[str, Any]:
    """Rectangles (mm, from the trim's top left) of a poster or sign: top bar, words, QR card, footer."""
    short = min(width, height)
    pad = max(PrintSettings.of(campaign.settings).safe_margin_mm + 1, short * 0.07)
    bar = short * 0.075
    foot = short * 0.04
    gap = short * 0.04
    geo: dict[str, Any] = {"pad": pad, "bar": bar, "foot": foot, "short": short}
    top = pad + bar + gap
    if qr_size is None:
        geo["words"] = (pad, top, width - 2 * pad, height - top - pad - foot - gap)
        geo["card"] = None
    elif width > height * 1.2:  # landscape: words left, QR card right
        # The card takes the full height beside the words (the top bar and footer sit under the words
        # only), so a bilingual caption and the host always have room below the code.
        card_pad = qr_size * 0.08
        card_w = qr_size + 2 * card_pad
        card_x = width - pad - card_w
        card_y = pad if card_x >= short - pad + gap else top
        card_h = height - pad - card_y
        geo["card"] = (card_x, card_y, card_w, card_h, card_pad)
        geo["words"] = (pad, top, card_x - gap - pad, height - top - pad - foot - gap)
    else:  # portrait: words on top, QR card along the bottom with its caption beside the code
        card_pad = qr_size * 0.08
        card_w = width - 2 * pad
        card_h = qr_size + 2 * card_pad
        card_y = height - pad - foot - gap - card_h
        geo["card"] = (pad, card_y, card_w, card_h, card_pad)
        geo["words"] = (pad, top, width - 2 * pad, card_y - gap - top)
    geo["foot_y"] = height - pad - foot
    return geo


def _mm(rect: tuple[float, ...]) -> str:
    x, y, w, h = rect[:4]
    return f"left:{x:.2f}mm;top:{y:.2f}mm;width:{w:.2f}mm;height:{h:.2f}mm"


class Planner:
    """Builds every batch of the print target from the campaign and its poster and tip sources."""

    def __init__(self, campaign: Campaign, materials: list[Material], font_css: str = "") -> None:
        self.campaign = campaign
        self.materials = materials
        self.settings = PrintSettings.of(campaign.settings)
        self.env = environment(campaign, "print")
        # Laid out and cached with a placeholder; target.render stamps the real fingerprint in.
        self.env.globals["sources_fingerprint"] = fingerprint.PLACEHOLDER
        self.env.globals["mm"] = _mm
        self.env.globals["ui"] = strings(campaign, "print")  # labels: the foot's date is the notice's date
        # The notice's date written as each language writes dates, in the venue posters' style (one style for
        # every printed material): 2020年3月10日, 10 March 2020.
        dates = strings(campaign, "venues")
        self.env.globals["issued_on"] = {lang: format_date(campaign.settings.issued, dates[lang])
                                         for lang in campaign.languages if lang in dates}
        self.env.filters["display"] = typeset.display
        self.font_css = font_css
        self.created = campaign.source_date().strftime("%Y-%m-%dT%H:%M:%SZ")
        self.author = campaign.text(campaign.settings.authority, campaign.primary_language)
        self._qr_cache: dict[tuple[str, str, float], str] = {}
        self._codes: dict[tuple[str, str], Any] = {}  # segno.QRCode by (link, level)
        self._pages: dict[tuple[Any, ...], str] = {}

    # -- helpers -------------------------------------------------------------------------------------------
    def qr_svg(self, link: str, level: str, size_mm: float) -> str:
        key = (link, level, size_mm)
        if key not in self._qr_cache:
            # One code per link and level, drawn at every size (segno's encoding and mask search cost more
            # than drawing, and a run draws the same few links at some fifty sizes).
            if (link, level) not in self._codes:
                self._codes[link, level] = qr.make(link, level)
            self._qr_cache[key] = qr.svg(self._codes[link, level], size_mm, title=link)
        return self._qr_cache[key]

    def page_class(self, width: float, height: float, background: str, print_marks: bool) -> str:
        key = (round(width, 3), round(height, 3), background, print_marks)
        if key not in self._pages:
            self._pages[key] = "pg" + hashlib.sha1(repr(key).encode()).hexdigest()[:8]  # noqa: S324 - a name
        return self._pages[key]

    def page_css(self) -> str:
        bleed = self.settings.bleed_mm
        rules = []
        for (width, height, background, marks), name in sorted(self._pages.items(), key=lambda kv: kv[1]):
            # No `marks: crop`: materials.pdfx draws the crop marks in black ink outside the bleed.
            extra = f"bleed:{bleed}mm;" if marks else ""
            rules.append(f"@page {name}{{size:{width}mm {height}mm;margin:0;{extra}background:{background}}}"
                         f".{name}{{page:{name}}}"
                         f".{name}>.draft-mark{{{draft_mark_css(width, height, marks, self.settings.safe_margin_mm)}}}")
        return "\n".join(rules)

    def titles(self, material: Material) -> dict[str, str]:
        return {lang: words.headline for lang, words in material.words.items()}

    def head(self, lang: str, title: str, extra_css: str = "") -> str:
        template = self.env.get_template("head.html.j2")
        return template.render(lang=lang, title=title, font_css=self.font_css, extra_css=extra_css)

    # -- signs: posters, tips, cards, screens, WeChat covers -------------------------------------------------
    def sign_item(self, material: Material, size: str, paper: PaperSize, edition: str, *, kind: str,
                  path: str, channel: str, print_marks: bool = True, png: tuple[int, int] | None = None,
                  with_qr: bool = True, with_body: bool = True) -> Item:
        campaign = self.campaign
        width, height = paper.width_mm, paper.height_mm
        short = min(width, height)
        # Paper posters weather outdoors; screens, covers, tips and cards are read indoors or on glass.
        level = self.settings.poster_qr_error if material.kind == "poster" and png is None else self.settings.qr_error
        qr_size = qr_mm(campaign, material, size, short) if (material.qr and with_qr) else None
        link = campaign.service_link(channel) if qr_size else None
        geo = sign_geometry(campaign, width, height, qr_size, with_body)
        colour = theme_colour(campaign, material.theme)
        # The staff guide is read up close and printed on office printers: white paper, a coloured band.
        background = "#ffffff" if material.layout == "guide" else colour
        langs = edition_langs(campaign, edition)
        words = [material.words[lang] for lang in langs]
        bodies = [campaign.markdown(w.body, lang=w.lang, channel=channel) if with_body else "" for w in words]
        page = self.page_class(width, height, background, print_marks)
        qr = self.qr_svg(link, level, qr_size) if link and qr_size else ""

        def sheet(words: list[Any], bodies: list[str], langs: list[str]) -> str:
            return self.env.get_template("sign.html.j2").render(
                m=material, words=words, bodies=bodies, langs=langs, geo=geo, page=page, colour=colour,
                qr=qr, qr_size=qr_size, host=campaign.service_host, font=FONT_TOKEN, layout=material.layout,
                kind=kind, landscape=width > height * 1.2,
                image=material.image.as_uri() if material.image else "",  # the sandbox hands templates no paths
            )

        # The staff guide's words fill its page in one language: its bilingual edition is a page per language,
        # the primary first (a sign's or poster's languages share one page).
        if material.layout == "guide":
            html = "".join(sheet([w], [b], [w.lang]) for w, b in zip(words, bodies, strict=True))
            count = len(words)
        else:
            html, count = sheet(words, bodies, langs), 1
        return Item(
            path=path, kind=kind, material=material.id, size=size, edition=edition, titles=self.titles(material),
            width_mm=width, height_mm=height, link=link, pages=count, label=material.label, html=html,
            base_pt=short * BODY_PT_PER_MM, png=png, lang=langs[0], press=png is None,
            qr_min_mm=qr_width(reading_distance(campaign, material, size, short)) if qr_size else None,
            qr_level=level if qr_size else None,
            author=" / ".join(campaign.text(campaign.settings.authority, lang) for lang in langs), qr_mm=qr_size,
        )

    def card_sheet_item(self, material: Material, edition: str) -> Item:
        """`card_size` cards of one tip imposed as many-up on `card_sheet`, with cut marks at the cuts."""
        settings = self.settings
        card, sheet = settings.sizes[settings.card_size], settings.sizes[settings.card_sheet]
        across, down = int(sheet.width_mm // card.width_mm), int(sheet.height_mm // card.height_mm)
        one = self.sign_item(material, settings.card_size, card, edition, kind="card", path="", channel="tip")
        one_page = self.page_class(card.width_mm, card.height_mm, theme_colour(self.campaign, material.theme), True)
        cell_w, cell_h = sheet.width_mm / across, sheet.height_mm / down
        page = self.page_class(sheet.width_mm, sheet.height_mm, theme_colour(self.campaign, material.theme), True)
        html = self.env.get_template("cards.html.j2").render(
            card=one.html, card_page=one_page, page=page, across=across, down=down, cell_w=cell_w, cell_h=cell_h,
            card_w=card.width_mm, card_h=card.height_mm, sheet=sheet, draft_css=draft_mark_css,
        )
        one.html = html
        one.path = f"tips/cards/{material.id}-{settings.card_size}x{across * down}-{settings.card_sheet}-{edition}.pdf"
        one.size = f"{settings.card_sheet} ({across * down}× {settings.card_size})"
        one.width_mm, one.height_mm = sheet.width_mm, sheet.height_mm
        return one

    def plan(self) -> list[Batch]:
        campaign, settings = self.campaign, self.settings
        sheets: list[Item] = []
        for material in self.materials:
            folder = "posters" if material.kind == "poster" else "tips"
            for edition in editions(campaign):
                for size in material.sizes:
                    channel = "billboard" if size == "billboard" else material.channel
                    kind = material.kind if material.layout == "sign" else "guide"
                    item = self.sign_item(material, size, settings.sizes[size], edition, kind=kind, channel=channel,
                                          path=f"{folder}/{material.id}/{material.id}-{size}-{edition}.pdf")
                    sheets.append(item)
                if material.cards:
                    sheets.append(self.card_sheet_item(material, edition))
        for item in sheets:
            item.preview = "previews/" + item.path.removesuffix(".pdf").replace("/", "-") + ".png"
        batches = []
        # Two sign batches, so both workers get a share of the biggest group. Screens, WeChat covers and
        # billboard editions are planned by channels.py.
        for name, items in (("signs", sheets),):
            for part in range(2):
                chunk = items[part::2]
                if chunk:
                    batches.append(Batch(name=f"{name}-{part}", head="", items=chunk, author=self.author,
                                         created=self.created))
        head = self.head(campaign.primary_language, "print", self.page_css())
        for batch in batches:
            batch.head = head
        return batches
