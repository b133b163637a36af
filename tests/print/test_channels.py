"""Screens, WeChat and billboards as each channel shows them, read back from the rendered files: pixels of
the PNGs, the article's HTML as the official-account editor would take it, text and codes of the PDFs."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops

from materials import printing, qr
from materials.campaign import load
from materials.templating import BUILTIN

#: A pixel this far (0-255, any channel) from the background is a word, an icon or a code.
INK = 40


def ink(image: Image.Image) -> Image.Image:
    """A mask of what differs clearly from the background (the colour of the top left pixel)."""
    rgb = image.convert("RGB")
    flat = Image.new("RGB", rgb.size, rgb.getpixel((0, 0)))
    return ImageChops.difference(rgb, flat).convert("L").point(lambda v: 255 if v > INK else 0)


def inked(mask: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    return (mask.crop(box) if box else mask).histogram()[255]


# -- WeChat covers -----------------------------------------------------------------------------------------
def test_wide_covers_keep_the_message_in_the_centre_square(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    covers = sorted((dest / "wechat").glob("*-cover-*.png"))
    assert covers
    for path in covers:
        with Image.open(path) as image:
            assert image.size == (900, 383)
            mask = ink(image)
        left = (900 - 383) // 2
        total, inside = inked(mask), inked(mask, (left, 0, left + 383, 383))
        assert total > 2000, path  # there is a message at all
        assert inside / total >= 0.7, f"{path.name}: {inside / total:.1%} in the centre square"


def test_every_cover_has_a_square_twin(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    for path in sorted((dest / "wechat").glob("*-cover-*.png")):
        twin = path.with_name(path.name.replace("-cover-", "-square-"))
        with Image.open(twin) as image:
            assert image.size == (500, 500), twin
            assert inked(ink(image)) > 2000, twin


def test_a_cover_with_its_words_at_the_left_fails_the_check(rendered: tuple[Any, Path], tmp_path: Path) -> None:
    """The measure itself: the old layout (headline at the left) is refused."""
    _campaign, dest = rendered
    from materials.printing import wechat

    cover = Image.new("RGB", (900, 383), "#0b6b3a")
    cover.paste(Image.new("RGB", (240, 60), "#ffffff"), (20, 90))
    cover.save(tmp_path / "left.png")
    assert wechat.centre_share(tmp_path / "left.png", "#0b6b3a") < wechat.CENTRE_SHARE
    assert wechat.centre_share(dest / "wechat" / "apply-cover-en.png", "#0b6b3a") >= wechat.CENTRE_SHARE


# -- WeChat article ----------------------------------------------------------------------------------------
class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_article_survives_the_official_account_editor(rendered: tuple[Any, Path], lang: str) -> None:
    campaign, dest = rendered
    html = (dest / "wechat" / f"faq-article-{lang}.html").read_text("utf-8")
    page = parse(html)
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"a", "script", "style", "link", "iframe", "form", "button"}
    for tag, attrs in page.tags:
        assert not {"class", "id", "href"} & set(attrs), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag in ("p", "li", "h1", "h2", "h3", "section", "img", "ul", "ol", "blockquote", "td", "th"):
            assert attrs.get("style"), tag
    text = "".join(page.text)
    assert campaign.settings.service.url in text  # the address as text
    assert "http" not in text.replace(campaign.settings.service.url, "")  # no other address


def test_article_cross_references_name_the_question(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    order = campaign.faq("zh-CN", "green").order
    zh = "".join(parse((dest / "wechat" / "faq-article-zh-CN.html").read_text("utf-8")).text)
    en = "".join(parse((dest / "wechat" / "faq-article-en.html").read_text("utf-8")).text)
    assert f"见第 {order} 问" in zh
    assert f"see question {order}" in en.lower()
    assert "#faq-" not in zh + en


def test_article_qr_image_reads_as_the_wechat_link(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    for lang in campaign.languages:
        article = dest / "wechat" / f"faq-article-{lang}.html"
        images = [attrs["src"] for tag, attrs in parse(article.read_text("utf-8")).tags if tag == "img"]
        assert images == [f"service-qr-{lang}.png"]
        with Image.open(article.parent / images[0]) as image:
            assert qr.decode_image(image.convert("L")) == [campaign.service_link("wechat")]
        note = (article.parent / f"faq-article-{lang}-note.txt").read_text("utf-8")
        assert campaign.service_link("wechat") in note
        assert "阅读原文" in note
        assert "{{" not in note and "&" + "quot;" not in note


def test_audit_names_what_the_editor_would_drop() -> None:
    from materials.printing import wechat

    found, _ = wechat.audit('<p class="x">a <a href="https://e.example/">b</a></p><script>1</script>')
    assert any("class=" in f for f in found)
    assert any("<a>" in f for f in found)
    assert any("<script>" in f for f in found)


# -- display screens ---------------------------------------------------------------------------------------
def test_screen_images_keep_everything_inside_the_action_safe_margin(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    images = sorted((dest / "screens").rglob("*.png"))
    assert len(images) == 2 * 3  # poster and tips sign, three editions, one screen kind
    for path in images:
        with Image.open(path) as image:
            width, height = image.size
            assert (width, height) == (640, 360)
            mask = ink(image)
            mx, my = round(width * 0.05), round(height * 0.05)
            outside = inked(mask) - inked(mask, (mx, my, width - mx, height - my))
            assert outside == 0, f"{path.name}: {outside} px in the overscan margin"
            assert inked(mask) > 5000, path
            assert qr.decode_image(image.convert("L")) == [campaign.service_link("screen")]


def test_playlists_list_the_images_in_order_with_durations(rendered: tuple[Any, Path]) -> None:
    _, dest = rendered
    folder = dest / "screens" / "small"
    for edition in ("zh-CN", "en", "bilingual"):
        lines = (folder / f"playlist-{edition}.m3u8").read_text("utf-8").splitlines()
        assert lines[0] == "#EXTM3U"
        files = [line for line in lines if line and not line.startswith("#")]
        assert files == [f"apply-{edition}.png", f"show-code-{edition}.png"]
        assert all((folder / f).is_file() for f in files)
        assert next(line for line in lines if line.startswith("#EXTINF:")).startswith("#EXTINF:10,")
        html = (folder / f"playlist-{edition}.html").read_text("utf-8")
        assert "<script" not in html
        sources = re.findall(r'src="([^"]*)"', html)
        assert len(sources) == 2 and all(s.startswith("data:image/png;base64,") for s in sources)
        assert not re.search(r'(?:href|src)="https?:', html)


def test_playlist_slideshow_shows_each_image_for_its_seconds(rendered: tuple[Any, Path]) -> None:
    """In real Chromium: the CSS animations show slide 1 for the first 10 s, then slide 2, then loop."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    _, dest = rendered
    url = (dest / "screens" / "small" / "playlist-en.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = browser.new_page(viewport={"width": 640, "height": 360})
            page.goto(url)
            shown = []
            for seconds in (1, 11, 21):
                # Pause every animation at the same moment of the loop, then read which slide is opaque.
                shown.append(page.evaluate(
                    """(ms) => { for (const a of document.getAnimations()) { a.pause(); a.currentTime = ms; }
                    return [...document.querySelectorAll('img.slide')]
                      .filter(i => getComputedStyle(i).opacity === '1').map(i => i.id); }""", seconds * 1000))
        finally:
            browser.close()
    assert shown == [["s1"], ["s2"], ["s1"]]


def _campaign_with_own_templates(print_campaign: Path) -> Path:
    shutil.copytree(BUILTIN, print_campaign / "templates")
    return print_campaign


def test_check_refuses_a_screen_layout_with_small_print(print_campaign: Path) -> None:
    """A campaign's own screen template with small print: validation names the words and the distance."""
    root = _campaign_with_own_templates(print_campaign)
    css = root / "templates" / "print" / "channels.css"
    css.write_text(css.read_text("utf-8") + "\n.ch-host { font-size: 6px !important; }\n", encoding="utf-8")
    problems = [str(p) for p in printing.validate(load(root))]
    assert problems
    assert all("small screen" in p and "read from 1.5 m" in p for p in problems), problems
    assert any("declare" in p for p in problems)


def test_check_refuses_screens_read_from_too_far(print_campaign: Path) -> None:
    toml = print_campaign / "campaign.toml"
    toml.write_text(toml.read_text("utf-8").replace("viewing_distance_m = 1.5", "viewing_distance_m = 40"),
                    encoding="utf-8")
    problems = [str(p) for p in printing.validate(load(print_campaign))]
    assert problems and all("small" in p for p in problems)


# -- billboards --------------------------------------------------------------------------------------------
def test_billboard_edition_has_headline_code_and_address_only(rendered: tuple[Any, Path]) -> None:
    campaign, dest = rendered
    host = campaign.service_host
    for lang, headline in (("zh-CN", "扫码申领"), ("en", "Scan")):
        path = dest / "billboards" / f"apply-{lang}.pdf"
        document = pdfium.PdfDocument(str(path))
        try:
            page = document[0]
            text = page.get_textpage().get_text_range()
            trim = page.get_trimbox()
            assert (trim[2] - trim[0]) * 25.4 / 72 == pytest.approx(2400, abs=0.5)
        finally:
            document.close()
        words = "".join(text.split()).removesuffix("草稿·DRAFT")  # the fixture is a draft (issue 20)
        assert words.startswith(headline) and words.endswith(host), words
        assert len(words) < 60, words  # no body text, no footer, no authority
        assert qr.decode_pdf(path, dpi=15)[0] == [campaign.service_link("billboard")]


def test_billboard_letters_and_code_follow_the_distances(rendered: tuple[Any, Path]) -> None:
    """20 m (the default viewing distance) needs 80 mm letters; 6 m of scanning a 600 mm code."""
    _, dest = rendered
    document = pdfium.PdfDocument(str(dest / "billboards" / "apply-en.pdf"))
    try:
        page = document[0]
        textpage = page.get_textpage()
        # The draft mark sits in the top band, sized to it, not to the road: a draft billboard never goes up.
        start = textpage.get_text_range().find("草稿 · DRAFT")
        assert start >= 0
        mark = range(start, start + len("草稿 · DRAFT"))
        heights = []
        for index in range(textpage.count_chars()):
            char = textpage.get_text_range(index, 1)
            if char.isupper() and index not in mark:  # capitals: their box is the cap height
                _left, bottom, _right, top = textpage.get_charbox(index)
                heights.append((top - bottom) * 25.4 / 72)
        assert heights and min(heights) >= 80 * 0.97, heights
    finally:
        document.close()
    assert printing.verify(rendered[0], dest) == []  # includes the code's width against the scan distance


def test_billboard_scan_distance_too_far_is_named(print_campaign: Path) -> None:
    toml = print_campaign / "campaign.toml"
    toml.write_text(toml.read_text("utf-8") + "\n[print.sizes.billboard]\nwidth_mm = 2400\nheight_mm = 1200\n"
                    "scan_distance_m = 30\n", encoding="utf-8")
    problems = printing.validate(load(print_campaign))
    assert [p.key for p in problems] == ["print.sizes.billboard.scan_distance_m"]


def test_playlist_titles_cannot_inject_entries() -> None:
    """A headline with a line break and an M3U directive stays one title line."""
    from materials.printing.playlist import Slide, keyframes, m3u

    text = m3u([Slide("a.png", "Scan\n#EXTINF:1,evil\nhttps://evil.example/x.png", 10), Slide("b.png", "B", 5)], "T\nX")
    lines = text.splitlines()
    assert [line for line in lines if not line.startswith("#")] == ["a.png", "b.png"]
    assert sum(1 for line in lines if line.startswith("#EXTINF:")) == 2
    assert keyframes([Slide("a", "", 10), Slide("b", "", 5)]) == [(0.0, 10 * 100 / 15), (10 * 100 / 15, 100.0)]
