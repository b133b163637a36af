"""The FAQ booklet: every question of one language, per size for the print shop and once for screens."""

from __future__ import annotations

import base64
import re

from materials import templating
from materials.campaign import Campaign, Faq
from materials.pdfx import hex_rgb
from materials.printing.planner import Batch, Item, Planner, qr_width, theme_colour
from materials.printing.settings import PrintSettings
from materials.schema import NamedKey

#: The booklet's body type size as a fraction of the page width (pt per mm): 10 pt on A5, 14 pt on A4.
BODY_PT_PER_MM = 0.0675


def _grouped(campaign: Campaign, lang: str) -> list[tuple[NamedKey, list[Faq]]]:
    """The questions by category, in the order of campaign.toml's faq_categories."""
    result = []
    for category in campaign.settings.faq_categories:
        items = [faq for faq in campaign.faqs[lang] if faq.category == category.key]
        if items:
            result.append((category, items))
    return result


def numbers(campaign: Campaign, lang: str) -> dict[str, int]:
    """Question id -> its number in the booklet: 1, 2, 3… in the order the booklet prints them (chapter by
    chapter), so the contents and the cross-references read in sequence. The website keeps its ids."""
    return {faq.id: n for n, faq in enumerate((faq for _c, items in _grouped(campaign, lang) for faq in items), 1)}


def chapters(campaign: Campaign, lang: str) -> list[tuple[NamedKey, list[tuple[Faq, str]]]]:
    """[(category, [(faq, answer HTML)])] in the order of campaign.toml's faq_categories."""
    words, numbered = reference_words(campaign, lang), numbers(campaign, lang)
    return [(category, [(faq, numbered_refs(faq.html("booklet"), words, numbered)) for faq in items])
            for category, items in _grouped(campaign, lang)]


#: A cross-reference in an answer, with the "see" that may come before it.
REF = re.compile(r'(详见|参见|见|\b[Ss]ee )?<a href="#faq-([a-z0-9-]+)"([^>]*)>(.*?)</a>', re.S)


def reference_words(campaign: Campaign, lang: str) -> dict[str, str]:
    """How print words a numbered cross-reference, from print/strings.toml: "详见[标题](faq:x)" ->
    "详见第 12 问“标题”" (`wechat_seen`); a link without "见" before it -> "标题（见第 12 问）" (`wechat_ref`).
    The booklet and the WeChat article word them alike."""
    from materials import templating

    table = templating.strings(campaign, "print")[lang]
    return {"seen": table["wechat_seen"], "ref": table["wechat_ref"]}


def question_numbers(campaign: Campaign, lang: str) -> dict[str, int]:
    """Each question's own number in one language (faq id -> order), as the WeChat article numbers them."""
    return {faq.id: faq.order for faq in campaign.faqs[lang]}


def numbered_refs(html: str, words: dict[str, str], numbered: dict[str, int]) -> str:
    """A cross-reference names the question's number in the booklet (`numbers`), as the WeChat article does
    ("见第 12 问“标题”"), so a reader of the printed booklet finds it; the link stays for the screen edition.
    `words` are the language's `reference_words`, read once per booklet, not once per answer (reading
    print/strings.toml again for each of 80 answers cost a tenth of a rebuild with nothing changed)."""

    def ref(match: re.Match[str]) -> str:
        see, faq_id, attrs, text = match.groups()
        n = numbered.get(faq_id, "?")
        label = words["seen"].format(n=n, text=text) if see else words["ref"].format(n=n, text=text)
        return f'{see or ""}<a href="#faq-{faq_id}"{attrs}>{label}</a>'

    return REF.sub(ref, html)


#: The booklet's two editions: one for the print shop (PDF/X-4, CMYK, bleed and crop marks, every size) and
#: one for screens (tagged PDF/UA-1, sRGB, no bleed, the first booklet size). A PDF cannot be both.
PRINT, SCREEN = "print", "screen"
#: A saddle-stitched booklet is folded sheets of 4 pages: the print edition has a multiple of 4.
PAGES_PER_SHEET = 4


def batches(planner: Planner) -> list[Batch]:
    campaign = planner.campaign
    settings = PrintSettings.of(campaign.settings)
    result = []
    for lang in campaign.languages:
        content = chapters(campaign, lang)
        for size_name in settings.booklet_sizes:
            result.append(_batch(planner, lang, content, size_name, PRINT))
        result.append(_batch(planner, lang, content, settings.booklet_sizes[0], SCREEN))
    return result


def _mix(top: str, under: str, alpha: float) -> str:
    """`top` at `alpha` over `under`, as one opaque #rrggbb."""
    a, b = hex_rgb(top), hex_rgb(under)
    return "#" + "".join(f"{round(x * alpha + y * (1 - alpha)):02x}" for x, y in zip(a, b, strict=True))


def _data_uri(svg: str) -> str:
    # An <img> with alt text, not inline SVG: WeasyPrint tags an image as a Figure with its alt text, while an
    # inline SVG is painted outside any marked content (PDF/UA UA-01-003).
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _batch(planner: Planner, lang: str, content: list[tuple[NamedKey, list[tuple[Faq, str]]]], size_name: str,
           edition: str) -> Batch:
    campaign = planner.campaign
    settings = PrintSettings.of(campaign.settings)
    link = campaign.service_link("booklet")
    template = planner.env.get_template("booklet.html.j2")
    count = sum(len(items) for _, items in content)
    size = settings.sizes[size_name]
    distance = settings.booklet_reading_distance_m
    qr_size = max(qr_width(distance), size.width_mm * 0.2)
    base_pt = size.width_mm * BODY_PT_PER_MM
    colour = theme_colour(campaign, "green")
    context = dict(
        lang=lang, size=size, size_name=size_name, faqs_by_category=content, count=count,
        numbers=numbers(campaign, lang),
        qr_src=_data_uri(planner.qr_svg(link, settings.qr_error, round(qr_size, 1))), qr_size=qr_size,
        host=campaign.service_host, colour=colour, soft=_mix("#ffffff", colour, 0.9), font_css=planner.font_css,
        bleed=settings.bleed_mm if edition == PRINT else 0, base_pt=base_pt, link=link, edition=edition,
    )
    html = template.render(**context, notes=0)
    # The print edition with 1, 2 or 3 notes pages: the worker lays out the one that makes 4n pages.
    padded = tuple(template.render(**context, notes=n) for n in range(1, PAGES_PER_SHEET)) if edition == PRINT else ()
    booklet = templating.strings(campaign, "print")[lang]["booklet"]  # what the booklet is called
    titles = {lang: f"{campaign.text(campaign.settings.title, lang)} · {booklet}"}
    name = f"faq-{size_name}-{lang}" if edition == PRINT else f"faq-{size_name}-{lang}-screen"
    item = Item(
        path=f"booklet/{name}.pdf", kind="booklet", material="faq",
        size=size_name if edition == PRINT else f"{size_name} ({SCREEN})",
        edition=lang, titles=titles, width_mm=size.width_mm, height_mm=size.height_mm, link=link,
        pages=None, label=f"faq/{lang}/", html="", fit=False, lang=lang,  # i18n: not shown
        author=campaign.text(campaign.settings.authority, lang), qr_mm=round(qr_size, 1),
        qr_min_mm=qr_width(distance), qr_level=settings.qr_error, press=edition == PRINT,
    )
    item.preview = f"previews/booklet-{name}.png"
    return Batch(name=f"booklet-{lang}-{size_name}-{edition}", head=html, items=[item], padded=padded,
                 pdf_variant="pdf/x-4" if edition == PRINT else "pdf/ua-1", tail="",
                 author=campaign.text(campaign.settings.authority, lang), created=planner.created)
