"""Fixtures of the web target's tests: a rendered fixture site, a local HTTP server, headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright (never a downloaded browser); the site is
served on 127.0.0.1 by the standard library's HTTP server in a thread.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from materials.campaign import Campaign, load
from materials.printing.manifest import ManifestEntry, PrintManifest
from materials.web import preview

HERE = Path(__file__).resolve().parent
CAMPAIGN = HERE / "campaign"
#: The shipped campaign at the repository's root (the search tests use its real questions).
SHIPPED = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]


def render_site(campaign: Campaign, dest: Path, built: dict[str, Path] | None = None) -> Path:
    import materials.web as web

    dest.mkdir(parents=True, exist_ok=True)
    assert web.validate(campaign) == []
    web.render(campaign, dest, built or {})
    return dest


def manifest_entry(material: str, kind: str, size: str, edition: str, *, pdf: bool = True, png: bool = True,
                   titles: dict[str, str] | None = None) -> ManifestEntry:
    """One row of the print target's manifest.json, as the print target writes it."""
    stem = f"{material}-{size.split()[0]}-{edition}"
    billboard = size == "billboard"
    # As the print target writes it (materials/printing/home.py): A4 and A5 files have an office edition
    # under home/, the booklet's screen edition is its own; press-only sizes and images have none.
    home = None
    if pdf and size.split()[0] in ("A4", "A5"):
        home = f"{kind}/{stem}.pdf" if kind == "booklet" else f"home/{kind}/{stem}.pdf"
    return ManifestEntry(id=material, kind=kind, size=size, language=edition,
                         title=titles or {"zh-CN": "标题", "en": "Title"},
                         width_mm=2400.0 if billboard else 210.0, height_mm=1200.0 if billboard else 297.0,
                         pdf=f"{kind}/{stem}.pdf" if pdf else None,
                         png=(f"previews/{kind}-{stem}.png" if pdf else f"{kind}/{stem}.png") if png else None,
                         link="https://declare.health-code.example/apply?ch=poster", home_pdf=home)


def print_manifest() -> list[ManifestEntry]:
    """Every kind docs/print.md lists, for the fixture's poster `apply`, tip `show-code`, guide `staff-guide`."""
    entries = []
    for edition in ("bilingual", "en", "zh-CN"):
        entries += [manifest_entry("apply", "poster", size, edition) for size in ("A4", "A2", "billboard")]
        entries += [manifest_entry("apply", "screen", "1920x1080", edition, pdf=False),
                    manifest_entry("show-code", "tip", "A5", edition),
                    manifest_entry("show-code", "card", "A4 (4× A6)", edition),
                    manifest_entry("staff-guide", "guide", "A4", edition)]
    for lang, title in (("zh-CN", "健康码测试站 · 常见问题"), ("en", "Health code test site · FAQ")):
        entries += [manifest_entry("faq", "booklet", "A5", lang, titles={lang: title}),
                    manifest_entry("apply", "wechat-cover", "900x383", lang, pdf=False),
                    ManifestEntry(id="faq", kind="wechat-article", title={lang: title}, size="html", language=lang,
                                  html=f"wechat/faq-article-{lang}.html")]
    return entries


def fake_print(folder: Path, entries: list[ManifestEntry] | None = None) -> Path:
    """A print output folder with real (small) PNGs and PDF-headed files for every manifest entry."""
    from PIL import Image, ImageDraw

    entries = print_manifest() if entries is None else entries
    folder.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        for pdf in {entry.pdf, entry.home_pdf} - {None}:
            assert pdf is not None
            path = folder / pdf
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.7\n% fixture " + pdf.encode() + b"\n")
        if entry.png:
            path = folder / entry.png
            path.parent.mkdir(parents=True, exist_ok=True)
            size = (900, 383) if entry.kind == "wechat-cover" else (480, 679)
            image = Image.new("RGB", size, "#0b6b3a")
            ImageDraw.Draw(image).rectangle((40, 380, 300, 640), fill="#ffffff")
            image.save(path)
    PrintManifest(materials=entries).write(folder)
    return folder


@pytest.fixture
def make_print() -> object:
    """`make_print(folder, entries=None)`: a fake print output folder (every kind when entries is None)."""
    return fake_print


@pytest.fixture
def manifest_entries() -> list[ManifestEntry]:
    return print_manifest()


@pytest.fixture(scope="session")
def web_campaign() -> Campaign:
    return load(CAMPAIGN)


def _render_reproducibly(campaign: Campaign, dest: Path, built: dict[str, Path]) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1583798400")
    try:
        return render_site(campaign, dest, built)
    finally:
        mp.undo()


@pytest.fixture(scope="session")
def site(web_campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture campaign rendered once per session with a print folder of every kind (read-only)."""
    printed = fake_print(tmp_path_factory.mktemp("print"))
    return _render_reproducibly(web_campaign, tmp_path_factory.mktemp("site") / "web", {"print": printed})


@pytest.fixture(scope="session")
def site_before_print(web_campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same campaign rendered before the print target ever ran: the tips page has no downloads."""
    return _render_reproducibly(web_campaign, tmp_path_factory.mktemp("site") / "web", {})


@pytest.fixture(scope="session")
def shipped_campaign() -> Campaign:
    return load(SHIPPED)


@pytest.fixture(scope="session")
def shipped_site(shipped_campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped campaign's website (without print downloads), rendered once per session."""
    return _render_reproducibly(shipped_campaign, tmp_path_factory.mktemp("shipped") / "web", {})


@pytest.fixture(scope="session")
def shipped_server(shipped_site: Path) -> Iterator[str]:
    yield from _serve(shipped_site)


@pytest.fixture
def campaign_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture campaign, for tests that break it."""
    target = tmp_path / "campaign"
    shutil.copytree(CAMPAIGN, target)
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - same shape as the stdlib's attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
        ".json": "application/json"}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """Base URL of the rendered site on 127.0.0.1 (a free port)."""
    yield from _serve(site)


@pytest.fixture(scope="session")
def server_before_print(site_before_print: Path) -> Iterator[str]:
    yield from _serve(site_before_print)


def _serve(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = preview.Server(("127.0.0.1", 0), handler)  # a browser that hangs up is no traceback
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
        message = f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {message}; browser tests must run in CI, not skip")
        pytest.skip(message)
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
