"""The website in real headless Chromium (Debian's), served from 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: One URL per page template, in both languages.
TEMPLATE_PAGES = [
    "", "404.html",
    "zh-CN/", "zh-CN/faq/", "zh-CN/faq/what/", "zh-CN/tips/", "zh-CN/search/",
    "en/", "en/faq/", "en/faq/what/", "en/tips/", "en/search/",
]


#: The tips pages as they are before the print target has run (no downloads): they must not break either.
BEFORE_PRINT = ["before-print:zh-CN/tips/", "before-print:en/tips/"]


@pytest.fixture
def base_for(request):
    """`base_for(path)` -> (server URL, path): "before-print:" paths use the site rendered without print."""
    def pick(path: str) -> tuple[str, str]:
        if path.startswith("before-print:"):
            return request.getfixturevalue("server_before_print"), path.split(":", 1)[1]
        return request.getfixturevalue("server"), path
    return pick


@pytest.mark.parametrize("width", [320, 390, 1280])
@pytest.mark.parametrize("path", TEMPLATE_PAGES + BEFORE_PRINT)
def test_no_horizontal_scroll(base_for, page_at, path, width):
    server, path = base_for(path)
    page = page_at(width)
    page.goto(server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


#: The search page with results (best answer, marks) and with none (most-read questions, categories).
SEARCHES = ["en/search/?q=green+code", "zh-CN/search/?q=翡翠"]


@pytest.mark.parametrize("path", TEMPLATE_PAGES + BEFORE_PRINT + SEARCHES)
def test_axe_core_reports_no_violations(base_for, page_at, path):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci`")
    server, path = base_for(path)
    page = page_at(390, bypass_csp=True)  # the site's CSP rightly refuses the injected axe script
    page.goto(server + path)
    if "?q=" in path:
        result_ids(page)
    # Open every answer so its content is checked too.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}));
    }""")
    assert result == [], json.dumps(result, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("width", [320, 1280])
@pytest.mark.parametrize("path", TEMPLATE_PAGES)
def test_touch_targets_are_at_least_24px(server, page_at, path, width):
    """WCAG 2.5.8: 24 x 24 px, links inside running text excepted."""
    page = page_at(width)
    page.goto(server + path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    small = page.evaluate("""() => [...document.querySelectorAll('a, button, input, summary')]
        .filter(e => e.offsetParent !== null && !e.closest('p, li > .answer, .answer, .material-text > div, .results'))
        .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
        .filter(([_, r]) => r.height < 24 || r.width < 24)
        .map(([html, r]) => [html, Math.round(r.width), Math.round(r.height)])""")
    assert small == [], (path, small)


@pytest.mark.parametrize(("lang", "query", "expected"), [
    ("zh-CN", "绿码", "/zh-CN/faq/green/"),
    ("en", "green code", "/en/faq/green/"),
])
def test_search_finds_questions_offline(server, page_at, lang, query, expected):
    page = page_at(390)
    page.goto(f"{server}{lang}/search/")
    page.fill("#q", query)
    page.press("#q", "Enter")
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=10_000)
    page.wait_for_function("document.getElementById('search-status').textContent.match(/\\d/)")
    hrefs = [urlsplit(h).path for h in page.eval_on_selector_all(
        "#search-results a", "els => els.map(e => e.href)")]
    assert expected in hrefs
    assert all(h.startswith(f"/{lang}/") for h in hrefs)  # each language searches its own index
    assert "?q=" in page.url  # the query is kept in the address so a search can be shared
    first.click()
    page.wait_for_url(f"**{hrefs[0]}")


def result_ids(page) -> list[str]:
    """Question ids of the results, in page order, once the search has finished."""
    page.locator("#search-status").filter(has_text=re.compile(r"\d|“")).wait_for(timeout=10_000)
    hrefs = page.eval_on_selector_all("#search-results > li", "els => els.map(li => li.querySelector('a').href)")
    return [urlsplit(h).path.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


# A handful of benchmarks/search-queries.toml: words people type that no title contains.
@pytest.mark.parametrize(("lang", "query", "expected"), [
    ("zh-CN", "小孩", "children"),
    ("zh-CN", "返津", "arriving-in-the-city"),
    ("zh-CN", "隐私", "personal-information"),
    ("zh-CN", "看病", "what-the-original-way-means"),
    ("zh-CN", "绿码", "green-code"),
    ("zh-CN", "复工", "enterprises-and-returning-to-work"),
    ("en", "grandparents", "people-without-a-code"),
    ("en", "kids", "children"),
    ("en", "privacy", "personal-information"),
    ("en", "back to work", "enterprises-and-returning-to-work"),
])
def test_shipped_site_finds_what_people_type(shipped_server, page_at, lang, query, expected):
    page = page_at(390)
    page.goto(f"{shipped_server}{lang}/search/?q={query}")
    assert expected in result_ids(page)[:3]


def test_best_answer_comes_first_with_the_words_marked(server, page_at):
    page = page_at(390)
    page.goto(server + "en/search/?q=green+code")
    assert result_ids(page)[0] == "green"
    best = page.locator("#search-results > li").first
    assert best.get_attribute("class") == "best"
    assert "get around the whole city" in best.locator(".answer").inner_text()
    marks = [m.lower() for m in best.locator("mark").all_inner_texts()]
    assert "green" in marks and "code" in marks
    assert page.locator("#search-help").is_hidden()


def test_nothing_found_offers_categories_and_popular_questions(server, page_at):
    page = page_at(390)
    page.goto(server + "zh-CN/search/?q=翡翠")
    assert result_ids(page) == []
    assert "翡翠" in page.inner_text("#search-status")
    help_box = page.locator("#search-help")
    assert help_box.is_visible()
    links = help_box.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert "../faq/apply/" in links and "../faq/green/" in links  # [search] popular
    assert "../faq/#cat-colours" in links


def test_the_address_is_a_shareable_link_while_typing(server, page_at):
    page = page_at(390)
    page.goto(server + "en/search/")
    page.fill("#q", "red code")
    page.wait_for_url("**/en/search/?q=red+code")
    first = result_ids(page)[0]
    again = page_at(390)
    again.goto(page.url)
    assert again.input_value("#q") == "red code" and result_ids(again)[0] == first


def test_search_from_home_page_form_without_script(server, page_at):
    page = page_at(390)
    page.goto(server + "zh-CN/")
    page.fill("#home-q", "绿码")
    page.press("#home-q", "Enter")
    page.locator("#search-results li a").first.wait_for(timeout=10_000)
    assert page.locator("#search-results li").count() >= 1


def test_without_javascript_the_faq_is_all_there(server, page_at, web_campaign):
    page = page_at(390, java_script_enabled=False)
    page.goto(server + "en/faq/")
    assert page.locator("details").count() == len(web_campaign.faqs["en"])
    page.goto(server + "en/search/")
    assert "Search needs JavaScript" in page.inner_text("#search-status")


@pytest.mark.parametrize(("start", "other"), [
    ("zh-CN/faq/green/", "en/faq/green/"), ("en/tips/", "zh-CN/tips/"), ("en/", "zh-CN/"),
])
def test_language_switch_keeps_the_page(server, page_at, start, other):
    page = page_at(390)
    page.goto(server + start)
    page.click(".langs a")
    page.wait_for_url(server + other)
    assert page.get_attribute("html", "lang") == other.split("/")[0]


def test_details_open_from_the_keyboard(server, page_at):
    page = page_at(1280)
    page.goto(server + "en/faq/")
    details = page.locator("details").first
    assert details.get_attribute("open") is None
    summary = page.locator("details summary").first
    for _ in range(40):  # Tab from the top of the page until the first question has focus
        page.keyboard.press("Tab")
        if summary.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the first question never received keyboard focus")
    page.keyboard.press("Enter")
    assert details.get_attribute("open") is not None
    assert details.locator(".answer").is_visible()
    page.keyboard.press("Space")
    assert details.get_attribute("open") is None


def test_skip_link_is_first_and_visible_on_focus(server, page_at):
    page = page_at(390)
    page.goto(server + "en/faq/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip"
    box = page.locator(".skip").bounding_box()
    assert box is not None and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


@pytest.mark.parametrize("path", ["", "zh-CN/", "en/faq/", "en/faq/what/", "zh-CN/tips/", "en/search/?q=green"])
def test_no_request_leaves_the_local_server(server, page_at, path):
    page = page_at(390)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    if "search" in path:
        page.locator("#search-results li").first.wait_for(timeout=10_000)
    assert requests, "the page made no request at all"
    outside = [u for u in requests if not u.startswith(server) and not u.startswith("data:")]
    assert outside == []
    assert violations == []


def test_home_page_weight_is_under_100_kb(server, page_at):
    page = page_at(390)
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())))
    page.goto(server + "zh-CN/")
    page.wait_for_load_state("networkidle")
    assert sum(sizes) < 100 * 1024
    loaded = page.evaluate("performance.getEntries().map(e => e.name)")
    assert not any(name in u for u in loaded for name in ("search.js", "search-core.js", "index.json"))


def test_search_page_with_its_index_stays_within_100_kb_compressed(shipped_server, page_at):
    """What a search costs a visitor on a host that compresses text (nginx-headers.conf turns it on)."""
    import gzip

    page = page_at(390)
    bodies: list[bytes] = []
    page.on("response", lambda r: bodies.append(r.body()))
    page.goto(shipped_server + "zh-CN/search/?q=绿码")
    result_ids(page)
    page.wait_for_load_state("networkidle")
    assert sum(len(gzip.compress(b)) for b in bodies) < 100 * 1024

