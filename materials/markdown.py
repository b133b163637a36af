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

import html
import re
from collections.abc import Callable, Mapping

import markdown as md
import nh3

from materials.errors import Problem

FACT = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
HREF = re.compile(r'href="([^"]*)"')
DANGEROUS = [
    (re.compile(r"<\s*script\b", re.I), "<script> is not allowed in content; remove it"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "event-handler attributes (on…=) are not allowed; remove them"),
    (re.compile(r"javascript\s*:", re.I), "javascript: links are not allowed; link to a web page instead"),
    (re.compile(r"<\s*(iframe|object|embed|form|style)\b", re.I), "this HTML element is not allowed in content"),
]
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "em", "h3", "h4", "hr", "i", "li", "ol", "p", "pre",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title", "hreflang"}, "abbr": {"title"}, "span": {"lang"}, "*": {"lang"}}
URL_SCHEMES = {"https", "http", "mailto", "tel"}


def source_problems(source: str, file: str, first_line: int = 1) -> list[Problem]:
    """Dangerous raw HTML in a Markdown source, one problem per occurrence with its line."""
    problems = []
    for offset, text in enumerate(source.splitlines()):
        for pattern, message in DANGEROUS:
            if pattern.search(text):
                problems.append(Problem(file, first_line + offset, None, message))
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
        problems.append(Problem(file, line, None, f"unknown fact {{{{ {name} }}}}; known: {known} "
                                "(add it under [facts] in campaign.toml)"))
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
    text, _ = fill_facts(source, facts, "")
    body = md.markdown(text, extensions=["sane_lists", "tables"], output_format="html")

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
