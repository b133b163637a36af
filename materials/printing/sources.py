"""Poster and tips sources: one Markdown file per material, words per language.

Format (docs/print.md has the full reference):

    ---
    id: apply                 # lower-case key, unique among posters and tips
    order: 1
    theme: green              # colour scheme: green | blue | amber | red
    icon: scan                # one of ICONS, drawn by the template
    sizes: [A4, A3]           # optional; default [print] poster_sizes / tip_sizes
    ---
    ::: zh-CN
    # 扫码申领健康码           <- the headline (required, first line of the section)
    Body text in Markdown.
    > 扫码申报                 <- optional last quote: the call to action printed beside the QR code
    ::: en
    # Scan to apply …

Everything is read and checked here, without rendering; `planner.fit` then checks the words fit their box.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree

from materials import fonts, safefile
from materials import markdown as mdown
from materials.campaign import Campaign, link_outside, read_source, split_front_matter
from materials.errors import Problem
from materials.i18n import N_, _
from materials.printing.settings import PrintSettings
from materials.textfiles import hard_linked

log = logging.getLogger(__name__)

POSTER_DIR = "posters"
TIP_DIR = "tips"
ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SECTION = re.compile(r"^:::\s*(\S+)\s*$")
THEMES = ("green", "blue", "amber", "red")
ICONS = ("scan", "pass", "travel", "truth", "show", "paper", "hospital", "staff")
LAYOUTS = ("sign", "guide")
KEYS = {"id", "order", "theme", "icon", "sizes", "qr", "reading_distance_m", "image", "layout", "cards"}
IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".svg"}
#: A headline longer than this is a paragraph, not a headline: caught before any trial layout.
MAX_HEADLINE_CHARS = 80


@dataclass(frozen=True)
class Words:
    """The words of one material in one language."""

    lang: str
    headline: str
    body: str
    caption: str
    line: int


@dataclass(frozen=True)
class Material:
    """One poster or tip, every language."""

    id: str
    kind: str  # "poster" or "tip"
    label: str  # path shown in messages, relative to the campaign
    path: Path
    order: int
    theme: str
    icon: str
    layout: str  # "sign" or "guide" (tips only)
    sizes: tuple[str, ...]
    qr: bool
    cards: bool
    reading_distance_m: float | None
    image: Path | None
    words: dict[str, Words] = field(default_factory=dict)

    @property
    def channel(self) -> str:
        return "poster" if self.kind == "poster" else "tip"


def load(campaign: Campaign, *, note_absent: bool = True) -> tuple[list[Material], list[Problem]]:
    """Every poster and tip of the campaign, and every problem found reading them; a missing folder is noted
    unless `note_absent` is false (a venue run reading the sizes its allotment may name says nothing of print)."""
    problems: list[Problem] = []
    materials: list[Material] = []
    for folder, kind, absent in ((POSTER_DIR, "poster", N_("%s/ not found: no posters in this campaign")),
                                 (TIP_DIR, "tip", N_("%s/ not found: no tips in this campaign"))):
        root = campaign.root / folder
        if not root.is_dir():
            # A campaign may print only the booklet; the shipped one has both folders.
            if note_absent:
                log.info(_(absent), folder)
            continue
        for path in sorted(root.glob("*.md")):
            item = _material(campaign, path, kind, f"{folder}/{path.name}", problems)
            if item is not None:
                materials.append(item)
    seen: dict[str, Material] = {}
    for item in materials:
        if item.id in seen:
            problems.append(Problem(item.label, 2, "id", _("duplicate id {id!r}, also in {label}").format(
                id=item.id, label=seen[item.id].label)))
        seen[item.id] = item
    materials.sort(key=lambda m: (m.kind != "poster", m.order, m.id))
    return materials, problems


def _material(campaign: Campaign, path: Path, kind: str, label: str, problems: list[Problem]) -> Material | None:
    text = read_source(path, campaign.root, label, problems)
    if text is None:
        return None
    parsed = split_front_matter(text, label, problems)
    if parsed is None:
        return None
    meta, body, body_line = parsed
    before = len(problems)
    settings = PrintSettings.of(campaign.settings)

    def bad(key: str, message: str) -> None:
        problems.append(Problem(label, 2, key, message))

    for key in sorted(set(meta) - KEYS):
        bad(key, _("unknown front-matter field; allowed: {keys}").format(keys=', '.join(sorted(KEYS))))
    ident = meta.get("id")
    if not isinstance(ident, str) or not ID.match(ident):
        bad("id", _("{ident!r} must be lower-case letters, digits and hyphens").format(ident=ident))
    order = meta.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        bad("order", _("{order!r} must be a whole number from 1").format(order=order))
    theme = meta.get("theme", "green")
    if theme not in THEMES:
        bad("theme", _("{theme!r} is not one of {themes}").format(theme=theme, themes=', '.join(THEMES)))
    icon = meta.get("icon", "scan")
    if icon not in ICONS:
        bad("icon", _("{icon!r} is not one of {icons}").format(icon=icon, icons=', '.join(ICONS)))
    layout = meta.get("layout", "sign")
    if layout not in LAYOUTS or (kind == "poster" and layout != "sign"):
        if kind == "tip":
            bad("layout", _("{layout!r} is not a tip layout; use sign or guide").format(layout=layout))
        else:
            bad("layout", _("{layout!r} is not a {kind} layout; use sign").format(layout=layout, kind=kind))
    default_sizes = settings.poster_sizes if kind == "poster" else settings.tip_sizes
    sizes = meta.get("sizes", default_sizes)
    if layout == "guide" and "sizes" not in meta:
        sizes = ["A4"]
    if not isinstance(sizes, list) or not sizes or not all(isinstance(s, str) for s in sizes):
        bad("sizes", _("must be a list of size names, like [A4, A3]"))
        sizes = []
    for size in sizes:
        if size not in settings.sizes:
            bad("sizes", _("unknown size {size!r}; known: {sizes} (campaign.toml [print.sizes])").format(
                size=size, sizes=', '.join(settings.sizes)))
    qr = meta.get("qr", True)
    cards = meta.get("cards", kind == "tip" and layout == "sign")
    for key, value in (("qr", qr), ("cards", cards)):
        if not isinstance(value, bool):
            bad(key, _("{value!r} must be true or false").format(value=value))
    distance = meta.get("reading_distance_m")
    if distance is not None and (isinstance(distance, bool) or not isinstance(distance, int | float)
                                 or not 0.1 <= distance <= 50):
        bad("reading_distance_m", _("{distance!r} must be a distance in metres between 0.1 and 50").format(
            distance=distance))
    image = _image(campaign, path, meta.get("image"), label, problems)
    words = _words(campaign, body, body_line, label, problems)
    if len(problems) > before:
        return None
    assert isinstance(ident, str)
    return Material(
        id=ident, kind=kind, label=label, path=path, order=order, theme=theme, icon=icon, layout=layout,
        sizes=tuple(sizes), qr=qr, cards=cards,
        reading_distance_m=float(distance) if distance is not None else None, image=image, words=words,
    )


def _image(campaign: Campaign, path: Path, value: Any, label: str, problems: list[Problem]) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(label, 2, "image", _("must be a file name relative to this file")))
        return None
    if urlsplit(value).scheme:
        problems.append(Problem(label, 2, "image", _("{value!r} is a URL; images must be files inside the campaign "
                                  "folder (nothing is fetched from the network)").format(value=value)))
        return None
    named = path.parent / value
    target = named.resolve()
    if not target.is_relative_to(campaign.root.resolve()):
        refused = link_outside(named, campaign.root)
        problems.append(Problem(label, 2, "image", f"{value!r} {refused}" if refused is not None else
                                _("{value!r} is outside the campaign folder; copy it into it").format(value=value)))
        return None
    if not target.is_file():
        problems.append(Problem(label, 2, "image", _("{value!r} does not exist: {where} (a picture is named "
                                                     "relative to the file that names it)").format(
                                                         value=value, where=campaign.relative(named))))
        return None
    if target.suffix.lower() not in IMAGE_TYPES:
        problems.append(Problem(label, 2, "image", _("{value!r} must be one of {IMAGE_TYPES}").format(
            value=value, IMAGE_TYPES=', '.join(sorted(IMAGE_TYPES)))))
        return None
    linked = hard_linked(target, campaign.relative(target))
    if linked is not None:
        problems.append(Problem(label, 2, "image", linked))
        return None
    size = target.stat().st_size
    limit = PrintSettings.of(campaign.settings).max_image_bytes
    if size > limit:
        problems.append(Problem(label, 2, "image", _("{value!r} is {size:,} bytes; the limit is {limit:,} "
                                  "(campaign.toml print.max_image_bytes): scale it down").format(value=value, size=size,
                                                                                                 limit=limit)))
        return None
    refused = svg_problem(target, value) if target.suffix.lower() == ".svg" else raster_problem(target, value)
    if refused is not None:
        problems.append(Problem(label, 2, "image", refused))
        return None
    return target


def raster_problem(path: Path, value: str) -> str | None:
    """Why the PNG or JPEG picture `path` (as the front matter names it, `value`) is refused, or None: it must be
    a PNG or JPEG picture of at most `safefile.IMAGE_PIXELS` pixels (read from its header, before decoding) that
    decodes whole. WeasyPrint logs "Failed to load image" for any other and prints the poster without it (red
    team 11, #11: a 1-byte file, a 30000 × 30000 PNG), so such a picture is refused where the poster names it."""
    import io
    import warnings

    from PIL import Image

    try:
        data = safefile.read_bytes(path, safefile.IMAGE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, by our own limit
            with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:  # the header only
                width, height = image.size
                if width * height > safefile.IMAGE_PIXELS:
                    return _too_many_pixels(value, f"{width:,} × {height:,}")
                image.load()  # decoded whole: a damaged or cut-off picture is refused here
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours: the size is in its message
        return _too_many_pixels(value, _("more than {limit:,}").format(limit=safefile.IMAGE_PIXELS))
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # what Pillow raises for a file it cannot read
        return _("{value!r} is not a PNG or JPEG picture that can be read ({error}); export it again as PNG or "
                 "JPEG").format(value=value, error=str(e) or type(e).__name__)
    return None


def _too_many_pixels(value: str, size: str) -> str:
    return _("{value!r} has {size} pixels; a picture may have at most {limit:,} (such as 10,000 × 8,000), "
             "and is refused before it is decoded: scale it down").format(value=value, size=size,
                                                                          limit=safefile.IMAGE_PIXELS)


#: `url(…)` in an SVG's style: a reference like `href`.
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]*)|@import", re.IGNORECASE)


#: A CSS escape (`\\75 rl(` is `url(`): it could hide a reference from `_CSS_URL`.
_CSS_ESCAPE = re.compile(r"\\")
#: A picture inside the picture: a `data:` URI of an SVG, whose own references WeasyPrint draws unchecked by us.
_NESTED_SVG = re.compile(r"^\s*data:\s*image/svg", re.IGNORECASE)


def svg_problem(path: Path, value: str) -> str | None:
    """Why the SVG picture `path` (as the front matter names it, `value`) is refused, naming what to do; None if
    it holds everything it draws."""
    refused = svg_reference(path)
    if refused is None:
        return None
    if refused == "data:":
        return _("{value!r} holds another SVG picture inside it (a data:image/svg+xml URI), which is not checked "
                 "and may reach other files; flatten the picture into one SVG (in the drawing program: ungroup "
                 "or paste the inner picture in place), or export it as PNG").format(value=value)
    if refused == "\\":
        return _("{value!r} has a CSS escape (a backslash) in a style, which can hide a link to another file "
                 "(\\75 rl( reads as url( ); write the style without escapes, or export it as PNG").format(
                     value=value)
    return _("{value!r} refers to {reference!r}; an SVG picture must hold everything it draws (no DOCTYPE or "
             "entities, no links to other files or the network): embed the picture, or export it as PNG").format(
                 value=value, reference=refused)


def svg_reference(path: Path) -> str | None:
    """The first thing in an SVG that reaches outside it (another file, the network, an entity), or None.

    WeasyPrint draws an SVG's `<image href>` and `url()` through the campaign's fetcher, which refuses what lies
    outside the campaign, but it then drops the whole picture with one log line: the poster would be printed
    without it. So such a picture is refused where the poster names it."""
    try:
        data = safefile.read_bytes(path, safefile.IMAGE)  # a regular file (never a FIFO), within the limit
    except OSError as e:
        return str(e.strerror)
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", data, re.IGNORECASE):
        return "<!DOCTYPE"
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - a DOCTYPE (the only way to entities) is refused above
    except ElementTree.ParseError as e:
        return f"(not XML: {e})"
    for element in root.iter():
        texts = [element.text or ""] if str(element.tag).endswith("style") else []
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] in ("href", "src") and not value.strip().startswith(("#", "data:")):
                return value
            texts.append(value)
        for text in texts:
            if _NESTED_SVG.search(text) or _NESTED_SVG.search(text.partition("url(")[2].lstrip("'\" ")):
                return "data:"  # a nested picture (`svg_problem` says so)
            if _CSS_ESCAPE.search(text):
                return "\\"  # a CSS escape (`svg_problem` says so)
            for match in _CSS_URL.finditer(text):
                target = (match.group(1) or "").strip()
                if match.group(0).lower() == "@import" or not target.startswith(("#", "data:")):
                    return match.group(0) if match.group(0).lower() == "@import" else target
    return None


def _words(campaign: Campaign, body: str, body_line: int, label: str, problems: list[Problem]) -> dict[str, Words]:
    sections: dict[str, tuple[int, list[str]]] = {}
    current: list[str] | None = None
    for offset, line in enumerate(body.split("\n")):
        match = SECTION.match(line)
        if match:
            lang = match.group(1)
            number = body_line + offset
            if lang not in campaign.languages:
                problems.append(Problem(label, number, None, _("{lang!r} is not a campaign language "
                                          "({languages})").format(lang=lang, languages=', '.join(campaign.languages))))
                current = None
            elif lang in sections:
                problems.append(Problem(label, number, None, _("second '::: {lang}' section").format(lang=lang)))
                current = None
            else:
                current = []
                sections[lang] = (number + 1, current)
        elif current is not None:
            current.append(line)
        elif line.strip():
            problems.append(Problem(label, body_line + offset, None, _("text outside a language section: start each "
                                      "language with a line '::: zh-CN' or '::: en'")))
            break
    words: dict[str, Words] = {}
    families = campaign.settings.fonts.sans
    for lang in campaign.languages:
        if lang not in sections:
            problems.append(Problem(label, None, None, _("no {lang} translation: add a '::: {lang}' section").format(
                lang=lang)))
            continue
        first, lines = sections[lang]
        while lines and not lines[0].strip():
            lines.pop(0)
            first += 1
        if not lines or not lines[0].startswith("# "):
            problems.append(Problem(label, first, None, _("the {lang} section must start with the headline as "
                                      "'# Headline'").format(lang=lang)))
            continue
        headline = lines[0][2:].strip()
        rest = "\n".join(lines[1:]).strip("\n")
        caption = ""
        quote = re.search(r"(?:^|\n)((?:>[^\n]*\n?)+)\s*$", rest)
        if quote:
            caption = " ".join(q.lstrip(">").strip() for q in quote.group(1).splitlines()).strip()
            rest = rest[: quote.start()].rstrip()
        problems += mdown.source_problems(rest, label, first + 1)
        facts = campaign.facts(lang)
        filled: list[str] = []
        for what in (headline, rest, caption):
            text, fact_problems = mdown.fill_facts(what, facts, label, first)
            problems += fact_problems
            filled.append(text)
        if len(headline) > MAX_HEADLINE_CHARS:
            problems.append(Problem(label, first, None, _("the {lang} headline has {count} characters; "
                                      "keep it under {MAX_HEADLINE_CHARS}").format(lang=lang, count=len(headline),
                                                                                   MAX_HEADLINE_CHARS=MAX_HEADLINE_CHARS)))
        for char in fonts.uncovered("".join(filled), families):
            problems.append(Problem(label, first, None, _("no font covers {char} ({lang})").format(
                char=fonts.describe(char), lang=lang)))
        words[lang] = Words(lang=lang, headline=filled[0], body=rest, caption=filled[2], line=first)
    return words
