"""WeChat-ready article HTML of the FAQ: inline styles only, no scripts, no classes, no external files.

The WeChat editor keeps `style` attributes and drops stylesheets, classes and scripts, so an editor can
paste this page's content as is. Links carry the `wechat` channel tag.
"""

from __future__ import annotations

import re

from materials.campaign import Campaign
from materials.printing.booklet import chapters
from materials.printing.planner import Planner, theme_colour

STYLES = {
    "p": "margin:0 0 12px;font-size:15px;line-height:1.75;color:#1b1b1b;",
    "ul": "margin:0 0 12px;padding-left:22px;",
    "ol": "margin:0 0 12px;padding-left:22px;",
    "li": "margin:0 0 6px;font-size:15px;line-height:1.75;color:#1b1b1b;",
    "strong": "font-weight:bold;color:#1b1b1b;",
    "h3": "margin:16px 0 8px;font-size:16px;font-weight:bold;",
    "h4": "margin:14px 0 6px;font-size:15px;font-weight:bold;",
    "blockquote": "margin:0 0 12px;padding:8px 12px;border-left:3px solid #999;color:#444;",
    "table": "border-collapse:collapse;margin:0 0 12px;font-size:14px;",
    "th": "border:1px solid #ccc;padding:4px 8px;background:#f2f2f2;",
    "td": "border:1px solid #ccc;padding:4px 8px;",
    "code": "font-family:monospace;",
}
TAG = re.compile(r"<([a-z0-9]+)(\s[^>]*)?>")


def inline(html: str, colour: str) -> str:
    """Give every opening tag of sanitised HTML its inline style; links get the brand colour."""
    styles = dict(STYLES, a=f"color:{colour};text-decoration:underline;")

    def add(match: re.Match[str]) -> str:
        tag, attrs = match.group(1), match.group(2) or ""
        style = styles.get(tag)
        if not style:
            return match.group(0)
        attrs = re.sub(r'\s(class|rel)="[^"]*"', "", attrs)
        return f'<{tag}{attrs} style="{style}">'

    return TAG.sub(add, html)


def article(planner: Planner, lang: str) -> str:
    campaign: Campaign = planner.campaign
    colour = theme_colour(campaign, "green")
    content = [
        (category, [(faq, inline(faq.html("wechat"), colour)) for faq, _ in items])
        for category, items in chapters(campaign, lang)
    ]
    return planner.env.get_template("wechat-article.html.j2").render(
        lang=lang, chapters=content, colour=colour, link=campaign.service_link("wechat"),
    )
