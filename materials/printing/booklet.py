"""The FAQ booklet: every question of one language, as a tagged (PDF/UA-1) booklet per size."""

from __future__ import annotations

from materials import templating
from materials.campaign import Campaign, Faq
from materials.printing.planner import Batch, Item, Planner, qr_width, theme_colour
from materials.schema import NamedKey

#: The booklet's body type size as a fraction of the page width (pt per mm): 10 pt on A5, 14 pt on A4.
BODY_PT_PER_MM = 0.0675


def chapters(campaign: Campaign, lang: str) -> list[tuple[NamedKey, list[tuple[Faq, str]]]]:
    """[(category, [(faq, answer HTML)])] in the order of campaign.toml's faq_categories."""
    result = []
    for category in campaign.settings.faq_categories:
        items = [(faq, faq.html("booklet")) for faq in campaign.faqs[lang] if faq.category == category.key]
        if items:
            result.append((category, items))
    return result


def batches(planner: Planner) -> list[Batch]:
    campaign = planner.campaign
    settings = campaign.settings.print
    link = campaign.service_link("booklet")
    template = planner.env.get_template("booklet.html.j2")
    strings = templating.strings(campaign, "print")  # what the booklet is called, per language
    result = []
    for lang in campaign.languages:
        content = chapters(campaign, lang)
        count = sum(len(items) for _, items in content)
        for size_name in settings.booklet_sizes:
            size = settings.sizes[size_name]
            distance = settings.booklet_reading_distance_m
            qr_size = max(qr_width(distance), size.width_mm * 0.2)
            base_pt = size.width_mm * BODY_PT_PER_MM
            html = template.render(
                lang=lang, size=size, size_name=size_name, faqs_by_category=content, count=count,
                qr=planner.qr_svg(link, settings.qr_error, round(qr_size, 1)), qr_size=qr_size,
                host=campaign.service_host, colour=theme_colour(campaign, "green"), font_css=planner.font_css,
                bleed=settings.bleed_mm, base_pt=base_pt,
            )
            titles = {lang: f"{campaign.text(campaign.settings.title, lang)} · {strings[lang]['booklet']}"}
            item = Item(
                path=f"booklet/faq-{size_name}-{lang}.pdf", kind="booklet", material="faq", size=size_name,
                edition=lang, titles=titles, width_mm=size.width_mm, height_mm=size.height_mm, link=link,
                pages=None, label=f"faq/{lang}/", html="", fit=False, lang=lang,
                author=campaign.text(campaign.settings.authority, lang), qr_mm=round(qr_size, 1),
                qr_min_mm=qr_width(distance), qr_level=settings.qr_error,
            )
            item.preview = f"previews/booklet-faq-{size_name}-{lang}.png"
            batch = Batch(name=f"booklet-{lang}-{size_name}", head=html, items=[item], pdf_variant="pdf/ua-1",
                          tail="", author=campaign.text(campaign.settings.authority, lang), created=planner.created)
            result.append(batch)
    return result
