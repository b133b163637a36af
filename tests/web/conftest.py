"""Fixtures of the web target's tests: a rendered fixture site, a local HTTP server, headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser); the site is
served on 127.0.0.1 by the standard library's HTTP server in a thread.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from materials.campaign import Campaign, load

HERE = Path(__file__).resolve().parent
CAMPAIGN = HERE / "campaign"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


def render_site(campaign: Campaign, dest: Path, built: dict[str, Path] | None = None) -> Path:
    import materials.web as web

    dest.mkdir(parents=True, exist_ok=True)
    assert web.validate(campaign) == []
    web.render(campaign, dest, built or {})
    return dest


@pytest.fixture(scope="session")
def web_campaign() -> Campaign:
    return load(CAMPAIGN)


@pytest.fixture(scope="session")
def site(web_campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture campaign rendered once per session (read-only for tests)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1583798400")
    try:
        return render_site(web_campaign, tmp_path_factory.mktemp("site") / "web")
    finally:
        mp.undo()


@pytest.fixture
def campaign_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture campaign, for tests that break it."""
    target = tmp_path / "campaign"
    shutil.copytree(CAMPAIGN, target)
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - same shape as the stdlib's attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".js": "text/javascript", ".pagefind": "application/octet-stream"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """Base URL of the rendered site on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page_at(browser: object) -> Iterator[object]:
    """A factory: `page_at(width)` -> a fresh page in its own context at that viewport width."""
    contexts = []

    def make(width: int = 390, height: int = 844, **options: object) -> object:
        ctx = browser.new_context(viewport={"width": width, "height": height}, **options)  # type: ignore[attr-defined]
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()
