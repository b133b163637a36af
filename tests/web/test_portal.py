"""What portals republish: the Atom feed, the JSON export and the embeddable fragment of each language,
read back from the rendered site (and the fragment pasted into a foreign page in real Chromium)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from materials.campaign import Campaign, load
from materials.web import portal
from materials.web.settings import SiteSettings

ATOM = "{http://www.w3.org/2005/Atom}"


def _expected_updated(campaign: Campaign, faq: Any) -> str:
    return (faq.updated or campaign.settings.issued).isoformat() + "T00:00:00Z"


def test_feed_has_every_question_as_an_entry(site: Path, web_campaign: Campaign) -> None:
    base = SiteSettings.of(web_campaign.settings).base_url
    for lang in web_campaign.languages:
        root = ET.parse(site / "portal" / lang / "feed.atom").getroot()
        assert root.tag == f"{ATOM}feed"
        entries = root.findall(f"{ATOM}entry")
        faqs = {f.id: f for f in web_campaign.faqs[lang]}
        assert len(entries) == len(faqs)
        for entry in entries:
            link = entry.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
            faq_id = link.removeprefix(f"{base}{lang}/faq/").strip("/")
            faq = faqs[faq_id]
            assert entry.findtext(f"{ATOM}id") == link
            assert entry.findtext(f"{ATOM}title") == faq.question
            assert entry.findtext(f"{ATOM}updated") == _expected_updated(web_campaign, faq)
            content = entry.find(f"{ATOM}content")
            assert content is not None and content.get("type") == "html" and content.text
            # the permalink is a page of the site
            assert (site / lang / "faq" / faq_id / "index.html").is_file()
        assert root.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") or "" for e in entries)


def test_feed_entry_moves_when_its_updated_date_changes(campaign_copy: Path) -> None:
    source = campaign_copy / "faq" / "en" / "green.md"
    text = source.read_text("utf-8")
    text = re.sub(r"^updated:.*\n", "", text, flags=re.M)
    source.write_text(text.replace("---\n", "---\nupdated: 2020-04-02\n", 1), encoding="utf-8")
    campaign = load(campaign_copy)
    root = ET.fromstring(portal.feed(campaign, "en").encode())
    stamps = {e.findtext(f"{ATOM}id", "").rstrip("/").rsplit("/", 1)[-1]: e.findtext(f"{ATOM}updated")
              for e in root.findall(f"{ATOM}entry")}
    assert stamps["green"] == "2020-04-02T00:00:00Z"
    assert root.findtext(f"{ATOM}updated") == "2020-04-02T00:00:00Z"
    assert date(2020, 4, 2) > campaign.settings.issued


def test_json_export_has_every_field(site: Path, web_campaign: Campaign) -> None:
    for lang in web_campaign.languages:
        data = json.loads((site / "portal" / lang / "faq.json").read_text("utf-8"))
        assert data["language"] == lang
        assert data["apply"] == web_campaign.service_link("portal")
        questions = data["questions"]
        assert {q["id"] for q in questions} == {f.id for f in web_campaign.faqs[lang]}
        for q in questions:
            assert {"id", "order", "category", "question", "answer_html", "answer_text", "updated",
                    "permalink"} <= set(q)
            assert "<" not in q["answer_text"] and q["answer_text"].strip()
            assert q["answer_html"].startswith("<")
            assert q["permalink"].startswith(SiteSettings.of(web_campaign.settings).base_url)
            assert date.fromisoformat(q["updated"])


def test_fragment_has_no_script_and_only_scoped_styles(site: Path, web_campaign: Campaign) -> None:
    for lang in web_campaign.languages:
        html = (site / "portal" / lang / "embed.html").read_text("utf-8")
        assert portal.fragment_problems(html) == []
        assert "<script" not in html.lower()
        assert web_campaign.service_link("portal") in html
        links = re.findall(r'<a [^>]*href="([^"]+)"', html)
        assert len(links) == 1 + len(web_campaign.faqs[lang])
    assert portal.fragment_problems("<style>p { color: red }</style>") != []
    assert portal.fragment_problems('<div onclick="x()"></div>') != []


def test_fragment_pasted_into_a_portal_page_restyles_nothing_else(site: Path, page_at: Any, tmp_path: Path) -> None:
    fragment = (site / "portal" / "en" / "embed.html").read_text("utf-8")
    host = tmp_path / "portal.html"
    host.write_text('<!DOCTYPE html><html lang="en"><body><h2 id="theirs">Portal news</h2>'
                    '<p><a id="their-link" href="#">a portal link</a></p>' + fragment + "</body></html>",
                    encoding="utf-8")
    page = page_at(1024)
    page.goto(host.as_uri())
    theirs = page.locator("#theirs").evaluate("e => getComputedStyle(e).fontSize")
    link = page.locator("#their-link").evaluate("e => getComputedStyle(e).color")
    button = page.locator(".hcq-embed-apply").evaluate("e => getComputedStyle(e).backgroundColor")
    assert theirs == "24px"  # the browser's default for h2, untouched
    assert link == "rgb(0, 0, 238)"  # the browser's default link colour, untouched
    assert button != "rgba(0, 0, 0, 0)"  # the fragment's own button is styled
    assert page.locator(".hcq-embed-list li").count() >= 3
