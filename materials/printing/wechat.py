"""WeChat official accounts: cover images and the FAQ article as the official-account editor keeps it.

Covers: a message's first article shows its 900x383 cover whole, but a shared card in chats and Moments
crops it to the centre square, so the words and the icon sit in that square and only faint rings lie
outside it. Secondary articles ask for a square cover: one more per poster.

The article (docs/wechat.md has the research): the editor keeps inline `style` attributes and drops
`<style>`, `<script>`, classes, ids (so in-page anchors break), positioning and event handlers; ordinary
accounts cannot link outside WeChat in the body. So the article has no `<a>` at all: cross-references read
"见第 N 问" / "see question N", service links become bold words pointing to the QR code and to "阅读原文"
(read the original), and the address is given as text and as a QR image (`service-qr-<lang>.png`) the
editor uploads. A short note beside the article tells the editor what to do.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

from materials import qr, templating
from materials.campaign import Campaign
from materials.errors import Problem
from materials.i18n import _
from materials.printing import legibility
from materials.printing.booklet import chapters, question_numbers, reference_words
from materials.printing.legibility import LegibleItem
from materials.printing.planner import FONT_TOKEN, PX_MM, Planner, edition_langs, theme_colour
from materials.printing.settings import PrintSettings
from materials.printing.sources import Material

if TYPE_CHECKING:
    from PIL import Image

STYLES = {
    "p": "margin:0 0 12px;font-size:15px;line-height:1.75;color:#1b1b1b;",
    "ul": "margin:0 0 12px;padding-left:22px;",
    "ol": "margin:0 0 12px;padding-left:22px;",
    "li": "margin:0 0 6px;font-size:15px;line-height:1.75;color:#1b1b1b;",
    "strong": "font-weight:bold;color:#1b1b1b;",
    "em": "font-style:italic;",
    "h3": "margin:16px 0 8px;font-size:16px;font-weight:bold;",
    "h4": "margin:14px 0 6px;font-size:15px;font-weight:bold;",
    "blockquote": "margin:0 0 12px;padding:8px 12px;border-left:3px solid #999;color:#444;",
    "table": "border-collapse:collapse;margin:0 0 12px;font-size:14px;",
    "th": "border:1px solid #ccc;padding:4px 8px;background:#f2f2f2;",
    "td": "border:1px solid #ccc;padding:4px 8px;",
    "code": "font-family:monospace;",
}
#: Elements the article may use: what the official-account editor keeps when pasted (docs/wechat.md).
ALLOWED = {"html", "head", "meta", "title", "body", "section", "h1", "h2", "h3", "h4", "p", "ul", "ol", "li",
           "strong", "em", "br", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "code", "img",
           "span"}
TAG = re.compile(r"<([a-z0-9]+)(\s[^>]*)?>")
REF = re.compile(r'(详见|参见|见|\b[Ss]ee )?<a href="#wechat-ref-([a-z0-9-]+)"[^>]*>(.*?)</a>', re.S)
LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.S)


def texts(campaign: Campaign, lang: str) -> dict[str, str]:
    """How the article words a cross-reference (`booklet.reference_words`) and a service link (its words +
    `wechat_service`, from print/strings.toml)."""
    table = templating.strings(campaign, "print")[lang]
    return {**reference_words(campaign, lang), "service": table["wechat_service"]}


def qr_file(lang: str) -> str:
    return f"service-qr-{lang}.png"


def ref_target(faq_id: str) -> str:
    """`faq:ID` links in the article: a marker `unlink` turns into "see question N" (module-level for the
    Markdown cache)."""
    return f"#wechat-ref-{faq_id}"


def inline(html: str, colour: str) -> str:
    """Give every opening tag of sanitised HTML its inline style, and drop class and rel attributes."""
    def add(match: re.Match[str]) -> str:
        tag, attrs = match.group(1), match.group(2) or ""
        attrs = re.sub(r'\s(class|rel|id)="[^"]*"', "", attrs)
        style = STYLES.get(tag)
        return f'<{tag}{attrs} style="{style}">' if style else f"<{tag}{attrs}>"

    return TAG.sub(add, html)


def unlink(html: str, campaign: Campaign, words: dict[str, str], numbers: dict[str, int]) -> str:
    """No `<a>` survives: cross-references name the question's number, service links point to the QR code
    and to "read the original", any other link keeps only its words. `words` and `numbers` are the language's
    `texts` and `booklet.question_numbers`, read once per article."""
    def ref(match: re.Match[str]) -> str:
        see, faq_id, text = match.groups()
        n = numbers.get(faq_id, "?")
        return see + words["seen"].format(n=n, text=text) if see else words["ref"].format(n=n, text=text)

    html = REF.sub(ref, html)
    service = campaign.settings.service.url

    def plain(match: re.Match[str]) -> str:
        if match.group(1).startswith(service):
            return f"<strong>{match.group(2)}</strong>{words['service']}"
        return match.group(2)

    return LINK.sub(plain, html)


def article(planner: Planner, lang: str) -> str:
    campaign: Campaign = planner.campaign
    colour = theme_colour(campaign, "green")
    words, numbers = texts(campaign, lang), question_numbers(campaign, lang)
    content = [
        (category, [(faq, inline(unlink(faq.html("wechat", ref_target), campaign, words, numbers), colour))
                    for faq, _ in items])
        for category, items in chapters(campaign, lang)
    ]
    return planner.env.get_template("wechat-article.html.j2").render(
        lang=lang, chapters=content, colour=colour, address=campaign.settings.service.url,
        qr_src=qr_file(lang),
    )


def note(planner: Planner, lang: str) -> str:
    """The editor's instructions beside the article."""
    campaign = planner.campaign
    return planner.env.get_template("wechat-note.txt.j2").render(
        lang=lang, article=f"faq-article-{lang}.html", qr_src=qr_file(lang), link=campaign.service_link("wechat"),
        covers=sorted(m.id for m in planner.materials if m.kind == "poster"),
    )


def qr_png(campaign: Campaign) -> bytes:
    """The service link tagged `wechat` as a PNG the editor uploads (8 px a module, quiet zone included)."""
    buffer = io.BytesIO()
    qr.make(campaign.service_link("wechat"), PrintSettings.of(campaign.settings).qr_error).save(
        buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def write(planner: Planner, dest: Path) -> None:
    """The article, its QR image and the editor's note, per language."""
    folder = dest / "wechat"
    folder.mkdir(parents=True, exist_ok=True)
    png = qr_png(planner.campaign)
    for lang in planner.campaign.languages:
        (folder / f"faq-article-{lang}.html").write_text(article(planner, lang), encoding="utf-8")
        (folder / f"faq-article-{lang}-note.txt").write_text(note(planner, lang), encoding="utf-8")
        (folder / qr_file(lang)).write_bytes(png)


# -- covers -------------------------------------------------------------------------------------------------
def cover(planner: Planner, material: Material, lang: str, size: tuple[int, int], kind: str,
          path: str) -> LegibleItem:
    campaign = planner.campaign
    width, height = size
    side = min(width, height)
    pad = side * 0.09
    square = ((width - side) / 2 + pad, (height - side) / 2 + pad, side - 2 * pad, side - 2 * pad)
    colour = theme_colour(campaign, material.theme)
    width_mm, height_mm = width * PX_MM, height * PX_MM
    page = planner.page_class(width_mm, height_mm, colour, False)
    # As large as the longest unbreakable phrase allows (a Chinese headline breaks only between its marked
    # phrases, an English one between words), up to a sixth of the square.
    head_px = min(side * (0.16 if lang.startswith("zh") else 0.12),
                  square[2] / legibility.phrase_em(material.words[lang].headline, lang))
    # Decoration outside the square: faint rings, left and right, that a cropped share card may lose.
    wing = (width - side) / 2
    rings = [(x - wing * 0.45, height / 2 - wing * 0.45, wing * 0.9, side * 0.04)
             for x in (wing / 2, width - wing / 2)] if wing > side * 0.2 else []
    html = planner.env.get_template("wechat-cover.html.j2").render(
        m=material, w=material.words[lang], lang=lang, page=page, font=FONT_TOKEN, square=square,
        icon_mm=side * 0.13 * PX_MM, who_em=max(side * 0.038, 12) / head_px, rings=rings, width=width,
        height=height, side=side,
    )
    return LegibleItem(
        path=path, kind=kind, material=material.id, size=f"{width}x{height}", edition=lang,
        titles=planner.titles(material), width_mm=width_mm, height_mm=height_mm, link=None, pages=1,
        label=material.label, html=html, base_pt=head_px * 0.75, png=size, lang=lang,
        author=campaign.text(campaign.settings.authority, lang), background=colour,
    )


def covers(planner: Planner) -> list[LegibleItem]:
    """A wide cover and a square one for each poster in each language."""
    settings = planner.settings
    out = []
    for material in planner.materials:
        if material.kind != "poster":
            continue
        for lang in edition_langs(planner.campaign, "bilingual"):
            w, h = settings.wechat_cover
            out.append(cover(planner, material, lang, (w, h), "wechat-cover",
                             f"wechat/{material.id}-cover-{lang}.png"))
            w, h = settings.wechat_square
            out.append(cover(planner, material, lang, (w, h), "wechat-square",
                             f"wechat/{material.id}-square-{lang}.png"))
    return out


def centre_share(path: Path, background: str) -> float:
    """Share of a cover's words and icon (pixels clearly off the background) inside its centre square."""
    from PIL import Image, ImageChops

    with Image.open(path) as image:
        rgb = image.convert("RGB")
    flat = Image.new("RGB", rgb.size, background)
    ink = ImageChops.difference(rgb, flat).convert("L").point(lambda v: 255 if v > 40 else 0)
    width, height = rgb.size
    left = (width - height) // 2
    total = ink.histogram()[255]
    inside = ink.crop((left, 0, left + height, height)).histogram()[255]
    return inside / total if total else 0.0


#: A cover keeps at least this share of its words and icon inside the centre square.
CENTRE_SHARE = 0.7


# -- verification -------------------------------------------------------------------------------------------
class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        if tag not in ALLOWED:
            self.found.append(_("line {line}: <{tag}> (the editor drops it or it links out)").format(
                line=line, tag=tag))
        for name, value in attrs:
            if name in ("class", "id", "href") or name.startswith("on"):
                self.found.append(_("line {line}: {name}= on <{tag}> (the editor drops it)").format(
                    line=line, name=name, tag=tag))
            if tag == "img" and name == "src":
                self.images.append(value or "")


def audit(html: str) -> tuple[list[str], list[str]]:
    """(what the official-account editor would drop or refuse, the image sources) of an article."""
    parser = _Audit()
    parser.feed(html)
    return parser.found, parser.images


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    problems = []
    for lang in campaign.languages:
        article = dest / "wechat" / f"faq-article-{lang}.html"
        label = f"{dest.name}/wechat/{article.name}"
        if not article.is_file():
            problems.append(Problem(label, None, None, _("WeChat article is missing")))
            continue
        found, images = audit(article.read_text("utf-8"))
        problems += [Problem(label, None, None, _("{what}; keep to what the editor keeps").format(
            what=what)) for what in found[:5]]
        for src in images:
            image = article.parent / src
            if "/" in src or not image.is_file():
                problems.append(Problem(label, None, None, _("image {src!r} is not a file beside the article").format(
                    src=src)))
            elif qr.decode_image(_grey(image)) != [campaign.service_link("wechat")]:
                problems.append(Problem(label, None, None, _("{src} does not read as the wechat service link").format(
                    src=src)))
        if not (article.parent / f"faq-article-{lang}-note.txt").is_file():
            problems.append(Problem(label, None, None, _("the editor's note beside the article is missing")))
    return problems


def _grey(path: Path) -> Image.Image:
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("L")
