"""Draft until approved (issue 20) on the website: a banner on every page and embed, the mark first in the
feeds and `draft` in the export while a fact is unconfirmed or an address is a placeholder; none at all once
every fact is confirmed and the addresses are real. Also the notice page, when the campaign has notice/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from materials.build import build
from materials.campaign import DRAFT_MARK

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REAL_SERVICE = "https://declare.health.tj.gov.cn/apply"
REAL = '\n[site]\nbase_url = "https://jkm.tj.gov.cn/"\n'


def site_of(tmp_path: Path, *, confirmed: bool) -> Path:
    root = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", root)
    toml = root / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    if confirmed:
        text = text.replace("https://declare.health-code.example/apply", REAL_SERVICE) + REAL
    toml.write_text(text, encoding="utf-8")
    build(root, tmp_path / "out", only="web")
    return tmp_path / "out" / "web"


def test_a_draft_site_says_so_on_every_page_embed_and_feed(tmp_path: Path) -> None:
    site = site_of(tmp_path, confirmed=False)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 8
    unmarked = [p.relative_to(site).as_posix() for p in pages if DRAFT_MARK not in p.read_text(encoding="utf-8")]
    assert unmarked == []
    home = (site / "en" / "index.html").read_text(encoding="utf-8")
    assert home.index('class="draft-banner"') < home.index('<main')  # in the header, before the content
    from materials import fingerprint
    from materials.campaign import load

    mark = fingerprint.sources(load(tmp_path / "campaign"))  # the proof's: in every page's metadata
    assert [p for p in pages if f'<meta name="materials-sources" content="{mark}">' not in p.read_text(
        encoding="utf-8") and p.name != "embed.html"] == []
    feed = (site / "portal" / "en" / "feed.atom").read_text(encoding="utf-8")
    assert f"<title>{DRAFT_MARK}: " in feed and feed.count(DRAFT_MARK) > 3
    export = json.loads((site / "portal" / "en" / "faq.json").read_text(encoding="utf-8"))
    assert export["draft"] is True and any("service.url" in r for r in export["draft_reasons"])


def test_a_confirmed_site_with_real_addresses_has_no_mark(tmp_path: Path) -> None:
    site = site_of(tmp_path, confirmed=True)
    marked = [p.relative_to(site).as_posix() for p in site.rglob("*")
              if p.suffix in (".html", ".atom", ".json") and DRAFT_MARK in p.read_text(encoding="utf-8")]
    assert marked == []
    assert json.loads((site / "portal" / "en" / "faq.json").read_text(encoding="utf-8"))["draft"] is False


def test_the_notice_page_shows_each_language_own_text_and_its_source(tmp_path: Path) -> None:
    root = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", root)
    (root / "notice").mkdir()
    (root / "notice" / "zh-CN.md").write_text(
        "---\ntitle: 关于测试的通知\nlabel: 通知原文\nnumber: 测防指〔2020〕1号\ndate: 2020-03-10\nreprint: true\n"
        "source: {document: 测试转载, date: 2020-03-11}\n---\n持“绿码”全市通行。\n", encoding="utf-8")
    (root / "notice" / "en.md").write_text(
        "---\ntitle: Notice on testing\nlabel: The notice\ndate: 2020-03-10\ntranslation: true\n"
        "source: {document: Test translation, date: 2020-03-12}\n---\nGreen code holders get green light.\n",
        encoding="utf-8")
    build(root, tmp_path / "out", only="web")
    zh = (tmp_path / "out" / "web" / "zh-CN" / "notice" / "index.html").read_text(encoding="utf-8")
    assert "持“绿码”全市通行。" in zh and "测防指〔2020〕1号" in zh and "测试转载" in zh and "尚待与官方文本" in zh
    en = (tmp_path / "out" / "web" / "en" / "notice" / "index.html").read_text(encoding="utf-8")
    assert "Green code holders get green light." in en and "the Chinese original is the notice" in en
    home = (tmp_path / "out" / "web" / "en" / "index.html").read_text(encoding="utf-8")
    assert 'href="notice/">The notice</a>' in home
