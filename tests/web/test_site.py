"""The rendered site, without a browser: structure, SEO files, verification, hostile input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import materials.web as web
from materials.campaign import load
from materials.errors import MaterialsError
from materials.printing.manifest import ManifestEntry
from materials.web import linkcheck


def render_site(campaign, dest: Path, built: dict[str, Path] | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    assert web.validate(campaign) == []
    web.render(campaign, dest, built or {})
    return dest


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def test_rendered_site_verifies_clean(site, web_campaign):
    assert web.verify(web_campaign, site) == []


def test_every_page_in_both_languages(site, web_campaign):
    for lang in ("zh-CN", "en"):
        for rel in ("", "faq/", "tips/", "search/"):
            assert (site / lang / rel / "index.html").is_file()
        for faq in web_campaign.faqs[lang]:
            html = read(site, f"{lang}/faq/{faq.id}/index.html")
            assert f'<html lang="{lang}"' in html
            assert "<h1>" in html and faq.question in html


def test_head_has_canonical_hreflang_and_open_graph(site):
    html = read(site, "en/faq/green/index.html")
    base = "https://faq.health-code.example/"
    assert f'<link rel="canonical" href="{base}en/faq/green/">' in html
    assert f'hreflang="zh-CN" href="{base}zh-CN/faq/green/"' in html
    assert f'hreflang="en" href="{base}en/faq/green/"' in html
    assert f'hreflang="x-default" href="{base}"' in html
    assert f'<meta property="og:image" content="{base}assets/share.png">' in html
    assert re.search(r'<meta name="description" content="[^"]+">', html)
    assert "Content-Security-Policy" in html and "'unsafe-inline'" not in html


def test_faq_pages_carry_faqpage_json_ld_matching_the_visible_answers(site, web_campaign):
    html = read(site, "en/faq/index.html")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "FAQPage"
    assert [q["name"] for q in data["mainEntity"]] == [f.question for f in web_campaign.faqs["en"]]
    for question in data["mainEntity"]:
        assert question["acceptedAnswer"]["text"] in html  # the answer is on the page too


def test_sitemap_lists_pages_with_alternates_and_robots_points_at_it(site):
    sitemap = read(site, "sitemap.xml")
    assert "<loc>https://faq.health-code.example/zh-CN/faq/green/</loc>" in sitemap
    assert sitemap.count('hreflang="x-default"') == sitemap.count("<loc>")
    assert "search/" not in sitemap
    assert "Sitemap: https://faq.health-code.example/sitemap.xml" in read(site, "robots.txt")


def test_server_headers_carry_header_only_directives(site):
    headers = read(site, "_headers")
    nginx = read(site, "nginx-headers.conf")
    for text in (headers, nginx):
        assert "frame-ancestors 'none'" in text
        assert "X-Content-Type-Options" in text and "nosniff" in text
    assert nginx.count("add_header") >= 5 and "always;" in nginx


def test_share_image_is_1200_by_630(site):
    with Image.open(site / "assets" / "share.png") as image:
        assert image.size == (1200, 630)


def test_service_links_are_tagged_with_the_portal_channel(site):
    html = read(site, "zh-CN/index.html")
    assert 'href="https://declare.health-code.example/apply?ch=portal"' in html


def test_faq_links_inside_answers_point_at_pages(site):
    assert 'href="../green/"' in read(site, "en/faq/what/index.html")
    assert 'href="#faq-green"' in read(site, "en/faq/index.html")


def test_same_inputs_give_identical_bytes(web_campaign, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1583798400")
    a = render_site(web_campaign, tmp_path / "a")
    b = render_site(web_campaign, tmp_path / "b")
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    different = [str(f) for f in files_a if (a / f).read_bytes() != (b / f).read_bytes()]
    assert different == []


# --- verify catches what it promises ------------------------------------------------------------

@pytest.fixture
def tampered(site, tmp_path) -> Path:
    copy = tmp_path / "web"
    shutil.copytree(site, copy)
    return copy


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('href="../tips/"', 'href="../nowhere/"', "broken link '../nowhere/'"),
    ('href="#cat-about"', 'href="#cat-missing"', "broken anchor '#cat-missing'"),
    ("</main>", "<script>alert(1)</script></main>", "inline script"),
    ("</main>", '<p style="color:red">x</p></main>', "style= attribute"),
    ("</main>", '<a href="http://example.org/">x</a></main>', "insecure"),
    ("</main>", '<img src="https://cdn.example.org/x.png" alt=""></main>', "from another site"),
    ("</main>", '<a href="/en/">x</a></main>', "root-relative"),
    ("</main>", '<button onclick="x()">x</button></main>', "inline event handler"),
])
def test_verify_reports_tampering(tampered, web_campaign, old, new, expected):
    page = tampered / "en" / "faq" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert old in html
    page.write_text(html.replace(old, new, 1), encoding="utf-8")
    problems = [str(p) for p in web.verify(web_campaign, tampered)]
    assert any(expected in p and "web/en/faq/index.html" in p for p in problems), problems


def test_verify_reports_a_missing_page_listed_in_the_sitemap(tampered, web_campaign):
    shutil.rmtree(tampered / "zh-CN" / "tips")
    problems = [str(p) for p in web.verify(web_campaign, tampered)]
    assert any("sitemap.xml" in p and "zh-CN/tips/" in p for p in problems)
    assert any("broken link" in p for p in problems)


def test_linkcheck_parser_finds_ids_and_links():
    parsed = linkcheck.parse('<html lang="en"><a id="x" href="y/#z">a</a><img src="i.png" alt=""></html>')
    assert parsed.lang == "en" and parsed.ids == {"x"}
    assert [u for _, _, u in parsed.links] == ["y/#z", "i.png"]


# --- hostile and broken input ----------------------------------------------------------------------

def test_hostile_question_text_is_escaped_everywhere(campaign_copy, tmp_path):
    path = campaign_copy / "faq" / "en" / "green.md"
    text = path.read_text(encoding="utf-8").replace(
        "question: What does a green code mean?",
        "question: '</script><script>alert(1)</script> \"><img src=x onerror=alert(2)>'")
    path.write_text(text, encoding="utf-8")
    campaign = load(campaign_copy)
    site = render_site(campaign, tmp_path / "web")
    assert web.verify(campaign, site) == []
    html = (site / "en" / "faq" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    blob = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(blob)["mainEntity"][2]["name"].startswith("</script>")


def _set_site(campaign_dir: Path, old: str, new: str) -> None:
    toml = campaign_dir / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new), encoding="utf-8")


def test_validate_names_a_missing_intro_language(campaign_copy):
    old = 'en = "The health code is your electronic pass.'
    _set_site(campaign_copy, old, "fr" + old[2:])
    problems = [str(p) for p in web.validate(load(campaign_copy))]
    assert "campaign.toml: site.intro.fr: not a campaign language" in problems
    assert any(p.startswith("campaign.toml: site.intro.en: missing") for p in problems), problems


def test_validate_reports_empty_intro_and_dangerous_markdown(campaign_copy):
    _set_site(campaign_copy, 'en = "The health code is your electronic pass.', 'en = "<script>x</script> pass.')
    _set_site(campaign_copy, 'en = "Health code questions (test)."', 'en = ""')
    problems = [str(p) for p in web.validate(load(campaign_copy))]
    assert any("site.description.en" in p and "missing" in p for p in problems), problems
    assert any("site.intro.en" in p and "<script>" in p for p in problems), problems


def test_validate_reports_low_contrast_brand_colour(campaign_copy):
    toml = campaign_copy / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[brand]\nprimary = "#7fd4a0"\n', encoding="utf-8")
    problems = [str(p) for p in web.validate(load(campaign_copy))]
    assert any("brand.primary" in p and "contrast" in p for p in problems), problems


def test_validate_reports_missing_interface_text(web_campaign, tmp_path, monkeypatch):
    from materials import templating

    strings = templating.strings(web_campaign, "web")
    del strings["en"]["apply"]
    problems = templating.check_strings(strings, ["zh-CN", "en"], "web")
    assert [str(p) for p in problems] == ["templates/web/strings.toml: en.apply: text is missing"]


def test_base_url_must_be_https(campaign_copy):
    _set_site(campaign_copy, 'base_url = "https://faq', 'base_url = "http://faq')
    with pytest.raises(MaterialsError) as info:
        load(campaign_copy)
    assert "site.base_url" in info.value.format_message()


# --- downloads from the print target ---------------------------------------------------------------

def test_tips_page_offers_home_editions_and_never_production_files(site, web_campaign, manifest_entries):
    """Issue 19: citizens get A4 and A5 PDFs an office printer prints right; press files (bleed and crop
    marks), billboards, display-screen images and WeChat covers stay off the public site."""
    assert web.verify(web_campaign, site) == []
    html = read(site, "en/tips/index.html")
    for section in ("poster", "tip", "guide", "booklet"):
        assert f'<section aria-labelledby="{section}">' in html and f'href="#{section}"' in html
    for label in ("Cut-out cards", "A4 (4× A6)", "A4", "A5"):
        assert label in html, label
    for label in ("Display screen", "WeChat cover", "Billboard", "2400 × 1200 mm", "1920 × 1080 px", "900 × 383 px",
                  ">A2<"):
        assert label not in html, label
    assert '<th scope="col">Chinese</th><th scope="col">English</th><th scope="col">Bilingual</th>' in html
    offered = [e.home_pdf for e in manifest_entries if e.home_pdf]
    assert len(offered) > 10
    for rel in offered:  # every home edition is offered, and only once
        assert html.count(f'href="../../downloads/{rel}" download') == 1, rel
        assert (site / "downloads" / rel).is_file()
    published = {p.relative_to(site / "downloads").as_posix() for p in (site / "downloads").rglob("*")
                 if p.is_file() and p.parent.name != "thumbs"}
    assert published == set(offered)
    production = {e.pdf or e.png for e in manifest_entries} - set(offered)
    assert production and not production & published
    assert "faq-article" not in html  # the WeChat article is published through WeChat
    # A PDF's preview is shown as a small thumbnail, never copied or downloaded whole.
    assert not (site / "downloads" / "previews").exists()
    assert "Health code test site · FAQ" in html and "健康码测试站 · 常见问题" not in html


def test_tips_page_previews_are_small_lazy_and_sized(site):
    html = read(site, "zh-CN/tips/index.html")
    images = re.findall(r"<img [^>]+>", html)
    assert len(images) == 4  # apply, show-code, staff-guide, the booklet
    for tag in images:
        assert 'loading="lazy"' in tag and 'width="160"' in tag and 'alt=""' in tag
        assert re.search(r'height="\d+"', tag) and " 320w" in tag
    assert "thumbs/previews-booklet-faq-A5-zh-CN-160.png" in html  # the page language's own edition
    thumbs = list((site / "downloads" / "thumbs").glob("*.png"))
    assert thumbs and all(p.stat().st_size < 30_000 for p in thumbs)
    with Image.open(site / "downloads" / "thumbs" / "previews-poster-apply-A4-zh-CN-320.png") as image:
        assert image.width == 320


def test_tips_page_speaks_the_page_language(site):
    html = read(site, "zh-CN/tips/index.html")
    assert '<th scope="col">中文版</th><th scope="col">英文版</th><th scope="col">中英双语版</th>' in html
    assert ">English<" not in html.split("</header>")[1]  # edition names are Chinese on the Chinese page
    # The print headline's phrase space becomes unbreakable phrases, with no stray space in Chinese.
    assert '<span class="phrase">扫码申领</span><span class="phrase">“健康码”</span>' in html
    assert "健康码测试站 · 常见问题" in html and "Health code test site · FAQ" not in html


def test_tips_page_before_the_print_target_ran(site_before_print, web_campaign):
    assert web.verify(web_campaign, site_before_print) == []
    html = read(site_before_print, "zh-CN/tips/index.html")
    assert "downloads/" not in html and 'class="notice"' in html and "<table" not in html
    assert "扫码申领" in html and "请出示" in html  # the words are there before any PDF exists


@pytest.mark.parametrize(("entry", "message"), [
    ({"pdf": "../../etc/passwd"}, "inside the print folder"),
    ({"pdf": "posters/missing.pdf"}, "does not exist"),
    ({"pdf": 3}, "pdf: Input should be a valid string"),
    ({"pdf": None, "png": None}, "neither a pdf nor a png"),
    ({"colour": "red"}, "colour: Extra inputs are not permitted"),
])
def test_bad_print_manifest_is_a_clear_error(web_campaign, tmp_path, make_print, entry, message):
    printed = make_print(tmp_path / "print", [])
    good = ManifestEntry(id="apply", kind="poster", title={"en": "Apply"}, size="A4", language="en",
                         pdf="poster/apply-A4-en.pdf").model_dump()
    (printed / "manifest.json").write_text(json.dumps({"materials": [{**good, **entry}]}), encoding="utf-8")
    with pytest.raises(MaterialsError) as info:
        render_site(web_campaign, tmp_path / "web", {"print": printed})
    assert "print/manifest.json item 1" in info.value.format_message() and message in info.value.format_message()


def test_manifest_that_is_not_json_is_a_clear_error(web_campaign, tmp_path, make_print):
    printed = make_print(tmp_path / "print", [])
    (printed / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(MaterialsError, match="cannot read the print manifest"):
        render_site(web_campaign, tmp_path / "web", {"print": printed})


def test_a_preview_that_is_not_a_png_is_a_clear_error(web_campaign, tmp_path, make_print):
    printed = make_print(tmp_path / "print")
    (printed / "previews" / "poster-apply-A4-en.png").write_bytes(b"GIF89a")
    with pytest.raises(MaterialsError, match=r"poster-apply-A4-en\.png is not a PNG file"):
        render_site(web_campaign, tmp_path / "web", {"print": printed})


def test_without_search_the_site_has_no_search_form_and_verifies(campaign_copy, tmp_path):
    toml = campaign_copy / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[site]\n", "[site]\nsearch = false\n"),
                    encoding="utf-8")
    campaign = load(campaign_copy)
    site = render_site(campaign, tmp_path / "web")
    assert web.verify(campaign, site) == []
    assert not (site / "en" / "search").exists() and not (site / "assets" / "search-core.js").exists()
    assert "search/" not in read(site, "en/index.html")


def test_root_chooser_is_the_x_default_with_alternates(site):
    html = read(site, "index.html")
    base = "https://faq.health-code.example/"
    for lang in ("zh-CN", "en"):
        assert f'<link rel="alternate" hreflang="{lang}" href="{base}{lang}/">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{base}">' in html
    assert 'class="langs"' not in html  # both languages are on the page itself: no switch
    root_entry = read(site, "sitemap.xml").split("</url>")[0]
    assert f"<loc>{base}</loc>" in root_entry and 'hreflang="en"' in root_entry


# --- command line ---------------------------------------------------------------------------------

def test_serve_has_help():
    from materials.cli import serve

    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output


def test_preview_rebuilds_after_a_change_and_survives_a_bad_edit(campaign_copy, tmp_path):
    from materials.web import preview

    out = tmp_path / "out"
    site = preview.first_build(campaign_copy, out)
    faq = campaign_copy / "faq" / "en" / "green.md"
    faq.write_text(faq.read_text(encoding="utf-8").replace("whole city", "entire city"), encoding="utf-8")
    assert preview.watch_and_rebuild(campaign_copy, out, changes=[{("modified", str(faq))}]) == 1
    assert "entire city" in (site / "en" / "faq" / "green" / "index.html").read_text(encoding="utf-8")
    assert {p.name for p in preview.watched_paths(campaign_copy)} >= {"campaign.toml", "faq", "posters", "tips"}
    faq.write_text("no front matter", encoding="utf-8")
    assert preview.rebuild(campaign_copy, out) is False
    assert "entire city" in (site / "en" / "faq" / "green" / "index.html").read_text(encoding="utf-8")


# --- addresses of merged and renamed questions --------------------------------------------------------------

def _redirect_from(campaign_dir: Path, faq: str, olds: str) -> None:
    for lang in ("zh-CN", "en"):
        path = campaign_dir / "faq" / lang / f"{faq}.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n---\n", f"\nredirect_from: {olds}\n---\n", 1), encoding="utf-8")


def test_a_former_question_address_sends_the_reader_on_without_script(campaign_copy, tmp_path):
    _redirect_from(campaign_copy, "green", "[green-light, code-colours]")
    campaign = load(campaign_copy)
    site = render_site(campaign, tmp_path / "web")
    assert web.verify(campaign, site) == []
    for lang in ("zh-CN", "en"):
        for old in ("green-light", "code-colours"):
            html = read(site, f"{lang}/faq/{old}/index.html")
            assert '<meta http-equiv="refresh" content="0; url=../green/">' in html
            assert '<a href="../green/">' in html and '<meta name="robots" content="noindex, follow">' in html
            assert "<script" not in html and 'http-equiv="Content-Security-Policy"' in html
    sitemap = read(site, "sitemap.xml")
    assert "green-light" not in sitemap and "code-colours" not in sitemap
    assert "green-light" not in read(site, "en/faq/index.html")


def test_a_former_id_may_not_shadow_a_live_question_or_lead_to_two(campaign_copy):
    _redirect_from(campaign_copy, "green", "[not-green]")
    with pytest.raises(MaterialsError, match=r"faq/en/green\.md.*'not-green' is the id of faq/en/red\.md"):
        load(campaign_copy)
    _redirect_from(campaign_copy, "green", "[old]")
    _redirect_from(campaign_copy, "red", "[old]")
    with pytest.raises(MaterialsError, match=r"'old' already redirects to faq/.*/green\.md"):
        load(campaign_copy)
