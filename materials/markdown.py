"""Markdown content to safe HTML.

Content is written by campaign staff, not attackers, but it is published on a government site and in
print: raw HTML is sanitised with nh3, and the dangerous kinds (`<script>`, event handlers,
`javascript:` links) are reported as errors with their line so they are removed at the source instead of
silently disappearing. Two reserved link targets are expanded here:

- `service:` -> the declaration service, tagged with the channel the text is published on;
- `faq:ID` -> another FAQ, resolved by the caller (a page URL on the web, an anchor in the booklet).

Facts from `campaign.toml` are written `{{ name }}` and filled per language before rendering.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

import markdown as md
import nh3

from materials.errors import Problem
from materials.i18n import N_, _

FACT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
HREF = re.compile(r'href="([^"]*)"')
DANGEROUS = [
    (re.compile(r"<\s*script\b", re.I), N_("<script> is not allowed in content; remove it")),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), N_("event-handler attributes (on…=) are not allowed; remove them")),
    (re.compile(r"javascript\s*:", re.I), N_("javascript: links are not allowed; link to a web page instead")),
    (re.compile(r"<\s*(iframe|object|embed|form|style)\b", re.I), N_("this HTML element is not allowed in content")),
]
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "hr", "i", "li", "ol", "p", "pre",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "span": {"lang"}, "*": {"lang"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


_converters = threading.local()


@functools.lru_cache(maxsize=2048)
def to_html(source: str) -> str:
    """Python-Markdown's HTML of `source` (`markdown.markdown(source, ...)`), converted by one `Markdown` per
    thread, reset before each text: building a converter costs more than converting an answer, and a build
    converts some 300 texts. Kept by text: an answer's HTML is the same in the booklet and the WeChat article
    (only the links, expanded after conversion, differ), and an answer without facts converts as its source
    did when its links were checked."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = md.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    return converter.reset().convert(source)


def source_problems(source: str, file: str, first_line: int = 1) -> list[Problem]:
    """Dangerous raw HTML and links the published pages refuse, in a Markdown source, one problem per
    occurrence with its line: `materials check` finds at the source what the site's link check would
    find in a generated page."""
    problems = []
    for offset, text in enumerate(source.splitlines()):
        for pattern, message in DANGEROUS:
            if pattern.search(text):
                problems.append(Problem(file, first_line + offset, None, _(message)))
    return problems + link_problems(source, file, first_line)


#: Attributes that hold a URL in rendered content.
URL_ATTR = re.compile(r'\b(?:href|src)="([^"]*)"')
#: Schemes content may link to (besides the reserved `service:` and `faq:ID`).
CONTENT_SCHEMES = ("https", "mailto", "tel")


def browser_url(url: str) -> str:
    """A URL as a browser reads it (WHATWG URL parsing): tabs and line breaks removed wherever they are,
    control characters and spaces trimmed at both ends. `java<TAB>script:` is a `javascript:` link."""
    return re.sub(r"[\t\n\r]", "", url).strip("".join(map(chr, range(0x21))))


#: Elements that draw a picture: never kept by the sanitiser (ALLOWED_TAGS), so refused at the source.
PICTURE_TAGS = ("img", "picture", "svg", "image")


class _Pictures(HTMLParser):
    """The picture elements of a rendered text, as (tag, the picture's address or ''), in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in PICTURE_TAGS:
            where = next((value or "" for name, value in attrs if name in ("src", "srcset", "href", "xlink:href")),
                         "")
            self.found.append((tag, where))

    handle_startendtag = handle_starttag


def picture_problems(source: str, file: str, first_line: int = 1) -> list[Problem]:
    """Every picture in a Markdown source (`![x](…)`, raw `<img>`, `<picture>`, `<svg>`): the sanitiser drops it,
    so the published text would lack it without a word (red team 11, #11: `![x](https://…)` in an FAQ). One
    problem each, naming the picture; a picture on the network says pictures must be files of the campaign."""
    parser = _Pictures()
    parser.feed(to_html(source))
    parser.close()
    lines = source.splitlines()
    problems = []
    for tag, where in parser.found:
        address = re.sub(r"\s+", "", browser_url(where))
        if re.match(r"(?i)(?:https?:|//)", address):
            message = _("picture {where!r} is on the network: pictures must be files of the campaign, and nothing "
                        "is fetched, so it would be left out without a word; a poster or tips sign shows a picture "
                        "of the campaign through `image:` in its front matter, and other texts show none").format(
                            where=where)
        elif where:
            message = _("picture {where!r} (<{tag}>) would be left out without a word: texts show no pictures; a "
                        "poster or tips sign shows a picture of the campaign through `image:` in its front "
                        "matter").format(where=where, tag=tag)
        else:
            message = _("a picture (<{tag}>) would be left out without a word: texts show no pictures; a poster or "
                        "tips sign shows a picture of the campaign through `image:` in its front matter").format(
                            tag=tag)
        found = _line_of(where, lines) if where else None
        if found is None:
            found = next((i for i, text in enumerate(lines) if "![" in text or f"<{tag}" in text.lower()), 0)
        problems.append(Problem(file, first_line + found, None, message))
    return problems


def _line_of(raw: str, lines: list[str]) -> int | None:
    """The index of the source line a rendered attribute value `raw` comes from, or None."""
    found = next((i for i, text in enumerate(lines) if raw in text), None)
    if found is None:  # whitespace the renderer changed (tabs expanded), entities: compare without them
        squeezed = re.sub(r"\s+", "", browser_url(raw))
        found = next((i for i, text in enumerate(lines)
                      if squeezed and squeezed in re.sub(r"\s+", "", html.unescape(text))), None)
    return found


def link_problems(source: str, file: str, first_line: int = 1) -> list[Problem]:
    """Every link target of a Markdown source as the renderer sees it (inline, reference and raw HTML
    links), refused unless it is https, mailto, tel, `service:` or `faq:ID`; and every picture
    (`picture_problems`), which no text shows."""
    body = to_html(source)
    lines = source.splitlines()
    problems: list[Problem] = picture_problems(source, file, first_line)
    pictures = {html.unescape(where) for match in re.finditer(r"<(?:img|source|image)\b[^>]*>", body, re.I)
                for where in URL_ATTR.findall(match.group(0))}
    for match in URL_ATTR.finditer(body):
        raw = html.unescape(match.group(1))
        if raw in pictures and match.group(0).startswith("src"):
            continue  # reported as a picture above
        url = browser_url(raw)
        if url in ("service:", "#") or url.startswith("faq:") or "{{" in url:  # `#`: this page's top
            continue
        squeezed = re.sub(r"\s+", "", url)  # `java  script:` (a tab the renderer expanded) is still one
        try:
            scheme = urlsplit(squeezed).scheme.lower()
        except ValueError:
            scheme = ""
        if scheme in CONTENT_SCHEMES:
            continue
        found = _line_of(raw, lines)
        if found is None:  # a target split over lines: where it starts
            start = raw.splitlines()[0] if raw.strip() else ""
            found = next((i for i, text in enumerate(lines) if start and start in text), 0)
        if scheme == "javascript" and found < len(lines) and DANGEROUS[2][0].search(lines[found]):
            continue  # reported above, on its line
        if scheme == "http" or url.startswith("//"):
            message = _("insecure link {raw!r}: use https:// (the site refuses http and scheme-relative "
                        "links)").format(raw=raw)
        elif scheme:
            message = _("link {raw!r} is a {scheme}: link; content links only to https:, mailto:, tel:, "
                        "service: and faq:ID").format(raw=raw, scheme=scheme)
        elif url.startswith("#"):
            message = _("anchor link {raw!r} leads to a different place on each page the text appears on (its own "
                        "page, the list, the booklet); link to faq:ID or an https:// address").format(raw=raw)
        else:
            message = _("relative link {raw!r} leads nowhere on the site, in print or in the booklet; link to an "
                        "https:// address, service: or faq:ID").format(raw=raw)
        problems.append(Problem(file, first_line + found, None, message))
    return problems


def fill_facts(source: str, facts: Mapping[str, str], file: str, first_line: int = 1) -> tuple[str, list[Problem]]:
    """Replace `{{ name }}` by the fact's text; unknown names are problems (never left as braces)."""
    problems: list[Problem] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in facts:
            return facts[name]
        line = first_line + source.count("\n", 0, match.start())
        known = ", ".join(sorted(facts))
        problems.append(Problem(file, line, None, _("unknown fact {{{{ {name} }}}}; known: {known} "
                                  "(add it under [facts] in campaign.toml)").format(name=name, known=known)))
        return match.group(0)

    return FACT.sub(replace, source), problems


def render(
    source: str,
    *,
    facts: Mapping[str, str],
    service_href: str,
    faq_href: Callable[[str], str],
) -> str:
    """Markdown with facts filled -> sanitised HTML with reserved links expanded.

    Call `source_problems` and `fill_facts` at validation time; this function assumes valid input.
    """
    text, _unknown = fill_facts(source, facts, "")
    body = to_html(text)

    def expand(match: re.Match[str]) -> str:
        target = html.unescape(match.group(1))
        if target == "service:":
            target = service_href
        elif target.startswith("faq:"):
            target = faq_href(target[4:])
        return f'href="{html.escape(target, quote=True)}"'

    body = HREF.sub(expand, body)
    return nh3.clean(
        body,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def faq_links(source: str) -> list[tuple[int, str]]:
    """(line offset, id) for each `faq:ID` link target in a Markdown source."""
    found = []
    for offset, text in enumerate(source.splitlines()):
        for match in re.finditer(r"\]\(\s*faq:([^)\s]*)\s*\)", text):
            found.append((offset, match.group(1)))
    return found
