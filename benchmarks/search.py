"""Search quality: does the right question come first, or in the top three, for what people type?

    .venv/bin/python benchmarks/search.py [CAMPAIGN_DIR] [--queries FILE] [--site BUILT_WEB_DIR] [--misses]

Builds the web target of the campaign (default: the shipped one) into a temporary folder (or uses
--site, a folder written by `materials build --only web`), serves it on 127.0.0.1 and drives it in
headless Debian Chromium exactly as a visitor arriving from a shared link: `L/search/?q=QUERY`. For every
query of the query set (default: benchmarks/search-queries.toml, one table per language mapping a query to
the ids of the questions that answer it) it reads the result list in page order and counts a top-1 hit
when the first result answers the query and a top-3 hit when one of the first three does.

Prints the hit rates per language, every query that misses the top three (with --misses also the ones
that miss the top one), and the search page's transfer size (every response of a search, as served
uncompressed and as gzip would send it). Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import re
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
QUERIES = Path(__file__).resolve().parent / "search-queries.toml"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-quic", "--disable-sync"]
ID_IN_URL = re.compile(r"/faq/([a-z0-9-]+)/")


def load_queries(path: Path) -> dict[str, dict[str, list[str]]]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    return {lang: {q: list(ids) for q, ids in table.items()} for lang, table in data.items()}


def build(campaign_dir: Path, dest: Path) -> None:
    import materials.web as web
    from materials.campaign import load

    campaign = load(campaign_dir)
    problems = web.validate(campaign)
    if problems:
        sys.exit("the campaign has problems: " + "; ".join(str(p) for p in problems))
    web.render(campaign, dest, {})


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - same shape as the stdlib's attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
        ".js": "text/javascript", ".json": "application/json", ".pagefind": "application/octet-stream"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def results_for(page: object, base: str, lang: str, query: str) -> list[str]:
    """Question ids of the result list, in page order, after the page has finished searching."""
    from playwright.sync_api import expect

    page.goto(f"{base}{lang}/search/?q={quote(query)}")  # type: ignore[attr-defined]
    status = page.locator("#search-status")  # type: ignore[attr-defined]
    loading = status.get_attribute("data-loading") or "\u2026"
    # Wait with locators (the site's CSP forbids eval, so no wait_for_function): the status says
    # something, and it is no longer "searching".
    expect(status).to_have_text(re.compile(r"\S"), timeout=15_000)
    expect(status).not_to_have_text(loading, timeout=15_000)
    hrefs = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#search-results > li", "items => items.map(li => (li.querySelector('a') || {}).href || '')")
    ids = []
    for href in hrefs:
        match = ID_IN_URL.search(urlsplit(href).path)
        if match and match.group(1) not in ids:
            ids.append(match.group(1))
    return ids


def transfer_size(page: object, url: str) -> tuple[int, int, int]:
    """(bytes served, bytes gzip would send, responses) for loading `url` and finishing the search."""
    bodies: list[bytes] = []
    page.on("response", lambda r: bodies.append(r.body()))  # type: ignore[attr-defined]
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    page.locator("#search-results > li").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
    raw = sum(len(b) for b in bodies)
    zipped = sum(len(gzip.compress(b, 6, mtime=0)) for b in bodies)
    return raw, zipped, len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campaign", nargs="?", default=str(ROOT))
    parser.add_argument("--queries", default=str(QUERIES), help="query set (TOML: [lang] \"query\" = [ids])")
    parser.add_argument("--site", default=None, help="an already built web folder instead of building one")
    parser.add_argument("--misses", action="store_true", help="also list the queries that miss the top one")
    args = parser.parse_args()
    queries = load_queries(Path(args.queries))
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        if args.site:
            site = Path(args.site)
        else:
            site = Path(tmp) / "web"
            site.mkdir()
            started = time.perf_counter()
            build(Path(args.campaign), site)
            print(f"built {args.campaign} in {time.perf_counter() - started:.1f} s")
        with serve(site) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            report = []
            for lang, table in queries.items():
                top1 = top3 = 0
                misses: list[tuple[str, list[str], list[str], int]] = []
                started = time.perf_counter()
                for query, wanted in table.items():
                    got = results_for(page, base, lang, query)
                    rank = next((i for i, faq_id in enumerate(got) if faq_id in wanted), None)
                    top1 += rank == 0
                    top3 += rank is not None and rank < 3
                    if rank is None or rank >= (1 if args.misses else 3):
                        misses.append((query, wanted, got[:3], -1 if rank is None else rank + 1))
                seconds = time.perf_counter() - started
                n = len(table)
                report.append(f"{lang}: {n} queries  top-1 {top1 / n:6.1%}  top-3 {top3 / n:6.1%}  "
                              f"({seconds / n * 1000:.0f} ms a query, page load included)")
                for query, wanted, got, rank in misses:
                    where = "not found" if rank < 0 else f"rank {rank}"
                    report.append(f"    miss {query!r}: want {', '.join(wanted)}; {where}; "
                                  f"top 3: {', '.join(got) or '-'}")
            for lang in queries:
                first = next(iter(queries[lang]))
                raw, zipped, count = transfer_size(context.new_page(), f"{base}{lang}/search/?q={quote(first)}")
                report.append(f"search page {lang} with one search: {count} responses, {raw / 1024:.1f} KB "
                              f"served uncompressed, {zipped / 1024:.1f} KB with gzip")
            if errors:
                report.append("page errors: " + "; ".join(sorted(set(errors))))
            browser.close()
    print("\n".join(report))


if __name__ == "__main__":
    main()
