"""Check a rendered site folder: every internal link and anchor resolves, nothing leaves the site.

Also enforces what the Content-Security-Policy promises, so a template edit cannot quietly break it: no
inline script (JSON-LD data blocks aside), no inline event handlers or style attributes, every page has a
`lang`, every external link is https.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from materials import safefile
from materials.errors import Problem
from materials.i18n import _

LINK_ATTRS = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"), ("form", "action"),
              ("source", "src"), ("iframe", "src")}
ABSOLUTE_META = {"og:url", "og:image"}


@dataclass
class Parsed:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str, str]] = field(default_factory=list)  # (line, tag, url)
    problems: list[tuple[int, str]] = field(default_factory=list)
    lang: str | None = None


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = Parsed()
        self._script_inline: tuple[int, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.out.lang = values.get("lang") or None
        if "id" in values:
            if values["id"] in self.out.ids:
                self.out.problems.append((line, f"duplicate id {values['id']!r}"))
            self.out.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.out.ids.add(values["name"])
        for name in values:
            if name.startswith("on"):
                self.out.problems.append((line, _("inline event handler {name}= (blocked by the CSP)").format(
                    name=name)))
            if name == "style":
                self.out.problems.append((line, _("style= attribute (blocked by the CSP; use site.css)")))
        for attr_tag, attr in LINK_ATTRS:
            if tag == attr_tag and attr in values:
                self.out.links.append((line, tag, values[attr]))
        if tag == "meta" and values.get("property") in ABSOLUTE_META:
            self.out.links.append((line, "meta", values.get("content", "")))
        if tag == "script" and "src" not in values:
            kind = values.get("type", "")
            if kind != "application/ld+json":
                self._script_inline = (line, kind)

    def handle_data(self, data: str) -> None:
        if self._script_inline and data.strip():
            self.out.problems.append((self._script_inline[0], _("inline script (blocked by the CSP)")))
            self._script_inline = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script_inline = None


def parse(html: str) -> Parsed:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.out


def _target_file(site: Path, site_path: str) -> Path | None:
    """The file a site-relative path is served from, or None."""
    path = site / site_path if site_path else site
    if path.is_dir():
        path = path / "index.html"
    return path if path.is_file() else None


def check(site: Path, base_url: str, label: str = "web") -> list[Problem]:
    """Every problem in the rendered folder `site`; `label` prefixes file names in messages."""
    problems: list[Problem] = []
    # Only regular files are read (a FIFO named p.html hung `check --output`; `check` names it as such).
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html") if safefile.is_regular(p))
    parsed = {rel: parse((site / rel).read_text(encoding="utf-8")) for rel in pages}
    base_path = urlsplit(base_url).path
    for rel, page in parsed.items():
        where = f"{label}/{rel}"
        # portal/ holds fragments for other sites' pages (portal.py): their links are checked, not their <html>.
        if not page.lang and not rel.startswith("portal/"):
            problems.append(Problem(where, 1, None, _("<html> has no lang attribute")))
        for line, message in page.problems:
            problems.append(Problem(where, line, None, message))
        page_dir = posixpath.dirname(rel)
        for line, tag, url in page.links:
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "tel"):
                continue
            if url.startswith(base_url):
                target = url[len(base_url):]
            elif parts.scheme == "http" or url.startswith("//"):
                problems.append(Problem(where, line, None,
                                        _("insecure or scheme-relative link {url!r}: use https").format(url=url)))
                continue
            elif parts.scheme == "https":
                if tag != "a" and tag != "form":
                    problems.append(Problem(where, line, None, _("<{tag}> loads {url!r} from another site").format(
                        tag=tag, url=url)))
                continue
            elif parts.scheme:
                problems.append(Problem(where, line, None, _("unexpected link scheme in {url!r}").format(url=url)))
                continue
            elif parts.path.startswith("/"):
                if rel != "404.html" or not parts.path.startswith(base_path):
                    problems.append(Problem(where, line, None, _("root-relative link {url!r} breaks under a "
                                              "sub-path; use a relative link").format(url=url)))
                    continue
                target = parts.path[len(base_path):]
            else:
                target = posixpath.normpath(posixpath.join(page_dir, unquote(parts.path))) if parts.path else rel
                if target == ".":
                    target = ""
                if target.startswith(".."):
                    problems.append(Problem(where, line, None, _("link {url!r} leaves the site folder").format(
                        url=url)))
                    continue
            target_path = urlsplit(target).path
            anchor = urlsplit(url).fragment
            file = _target_file(site, target_path)
            if file is None:
                problems.append(Problem(where, line, None, _("broken link {url!r}: no file {value}").format(
                    url=url, value=target_path or '/')))
                continue
            if anchor:
                target_rel = file.relative_to(site).as_posix()
                ids = parsed[target_rel].ids if target_rel in parsed else set()
                if anchor not in ids:
                    problems.append(Problem(where, line, None, _("broken anchor {url!r}: no id {anchor!r} in "
                                              "{target_rel}").format(url=url, anchor=anchor, target_rel=target_rel)))
    sitemap = site / "sitemap.xml"
    if sitemap.is_file():
        for number, text in enumerate(sitemap.read_text(encoding="utf-8").splitlines(), start=1):
            for url in re.findall(r'(?:<loc>|href=")([^<"]+)', text):
                if not url.startswith(base_url) or _target_file(site, url[len(base_url):]) is None:
                    problems.append(Problem(f"{label}/sitemap.xml", number, None,
                                            _("{url} is not a page of the site").format(url=url)))
    return problems
