"""Search: the words of the index and of the query (segmentation, stemming, synonyms), and the index file.

The browser's half (assets/search-core.js) is run in Node against the index the build wrote, so the two
cuts are compared on the same texts; the ranking itself is measured by benchmarks/search.py and checked
on real queries in test_browser.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from materials.campaign import load
from materials.errors import CampaignError
from materials.web import search
from materials.web.segment import Segmenter, stem
from materials.web.settings import SearchSettings

QUERIES = Path(__file__).resolve().parents[2] / "benchmarks" / "search-queries.toml"


@pytest.fixture(scope="module")
def segmenter(shipped_campaign):
    return Segmenter(search.user_words(shipped_campaign))


def test_campaign_words_stay_whole_and_green_code_is_not_dock(segmenter):
    assert segmenter.terms("怎么申请健康码？") == ["申请", "健康码"]
    assert "绿码" in segmenter.terms("持绿码人员可以进出码头")
    assert "码头" in segmenter.terms("持绿码人员可以进出码头")
    assert "绿码" not in segmenter.index_terms("机场、码头、火车站")
    assert segmenter.terms("津心办") == ["津心办"]  # the app's name, a campaign fact


def test_index_adds_the_words_inside_a_longer_word(segmenter):
    assert segmenter.terms("复工复产") == ["复工复产"]
    assert {"复工", "复产", "复工复产"} <= set(segmenter.index_terms("复工复产"))


def test_english_is_stemmed_and_spellings_meet(segmenter):
    def same(a: str, b: str) -> None:
        assert segmenter.terms(a) == segmenter.terms(b), (a, b)

    same("colours", "color")
    same("travelling", "traveled")
    same("applying", "applies")
    same("kids", "kid")
    same("hospitals", "hospital")
    same("centre", "center")
    same("neighbourhood", "neighborhoods")
    assert stem("red") == "red" and stem("need") == "need" and stem("bus") == "bus"


def test_stop_words_go_and_full_width_text_is_normalised(segmenter):
    assert segmenter.terms("How do I apply?") == ["apply"]
    assert segmenter.terms("ＱＲ码１２３４５") == ["qr", "码", "12345"]
    assert segmenter.terms("What's a health code") == ["health", "cod"]
    assert segmenter.terms("") == [] and segmenter.terms("？！…") == []


def test_index_weights_keywords_then_question_then_answer(shipped_site):
    index = json.loads((shipped_site / "en" / search.INDEX).read_text(encoding="utf-8"))
    weight = dict(zip(index["fields"], index["weights"], strict=True))
    assert weight["keywords"] > weight["question"] > weight["answer"]
    assert len(index["docs"]) == len(json.loads((shipped_site / "zh-CN" / search.INDEX).read_text())["docs"])
    doc = index["docs"][0]
    assert doc["url"].startswith("../faq/") and doc["answer"] and "<" not in "".join(doc["answer"])


def test_every_chinese_term_is_in_the_browsers_dictionary(shipped_site):
    """The browser can only cut a query like jieba if it knows every word jieba cut the index into."""
    for lang in ("zh-CN", "en"):
        index = json.loads((shipped_site / lang / search.INDEX).read_text(encoding="utf-8"))
        chinese = [t for t in index["terms"] if "\u4e00" <= t[0] <= "\u9fff"]
        assert chinese
        assert [t for t in chinese if t not in index["dictionary"]] == []


def test_synonym_groups_are_cut_per_language(shipped_site):
    index = json.loads((shipped_site / "zh-CN" / search.INDEX).read_text(encoding="utf-8"))
    elderly = next(g for g in index["synonyms"] if ["老年人"] in g)
    assert ["grandpar"] not in elderly and ["grandparent"] in elderly and ["elderly"] in elderly
    assert ["old", "peopl"] in elderly


# ---- the browser's half, in Node ----

DRIVER = """
import { readFileSync } from "node:fs";
const [core, indexFile, textsFile] = process.argv.slice(2);
const { engine, terms, stem, search } = await import(core);
const e = engine(JSON.parse(readFileSync(indexFile, "utf8")));
const input = JSON.parse(readFileSync(textsFile, "utf8"));
const out = {
  terms: input.texts.map((t) => terms(t, e)),
  stems: input.words.map(stem),
  ranked: input.queries.map((q) => search(e, q).slice(0, 3).map((r) => e.index.docs[r.doc].id)),
};
console.log(JSON.stringify(out));
"""


def run_core(site: Path, lang: str, tmp_path: Path, texts=(), words=(), queries=()) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (it runs the browser's search code outside the browser)")
    driver = tmp_path / "driver.mjs"
    driver.write_text(DRIVER, encoding="utf-8")
    data = tmp_path / "input.json"
    data.write_text(json.dumps({"texts": list(texts), "words": list(words), "queries": list(queries)}),
                    encoding="utf-8")
    core = (site / "assets" / "search-core.js").as_uri()
    result = subprocess.run([node, str(driver), core, str(site / lang / search.INDEX), str(data)],
                            capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_browser_cuts_indexed_text_like_the_build(shipped_campaign, shipped_site, segmenter, lang, tmp_path):
    """Every text of the index: the browser's cut over the index's dictionary equals jieba's. Queries:
    every indexed word jieba finds in a query, the browser finds too (a word the index lacks matches
    nothing either way; the browser cuts it into smaller known pieces)."""
    index = json.loads((shipped_site / lang / search.INDEX).read_text(encoding="utf-8"))
    texts = [d["question"] for d in index["docs"]] + [b for d in index["docs"] for b in d["answer"]]
    texts += [k for f in shipped_campaign.faqs[lang] for k in f.keywords]
    texts += [w for group in SearchSettings.of(shipped_campaign.settings).synonyms for w in group]
    with QUERIES.open("rb") as f:
        queries = list(tomllib.load(f)[lang])
    js = run_core(shipped_site, lang, tmp_path, texts=texts + queries)["terms"]
    python = [segmenter.terms(t) for t in texts + queries]
    assert len(texts) > 100
    pairs = list(zip(texts + queries, python, js, strict=True))
    assert [(t, p, j) for t, p, j in pairs[:len(texts)] if p != j] == []
    indexed = set(index["terms"])
    assert [(t, p, j) for t, p, j in pairs[len(texts):] if not set(p) & indexed <= set(j)] == []


def test_browser_stems_like_the_build(site, tmp_path):
    words = ["colours", "coloured", "colour", "color", "travelling", "travelled", "traveling", "applies",
             "applied", "applying", "using", "used", "use", "organisation", "organization", "centre", "kids",
             "hospitals", "neighbourhood", "staff", "passes", "grandparents", "elderly", "fever", "red",
             "need", "feed", "bus", "this", "was", "analyse"]
    js = run_core(site, "en", tmp_path, words=words)["stems"]
    assert js == [stem(w) for w in words]


def test_synonyms_and_keywords_find_what_the_answer_does_not_say(site, tmp_path):
    """The fixture's synonyms are [call, phone, ring] and [绿码, green code]; red.md has keywords."""
    queries = ["ring", "jade", "green code", "绿码", "quarantine", "How do I apply for a code?", "hosptal"]
    ranked = run_core(site, "en", tmp_path, queries=queries[:-1])["ranked"]
    assert sorted(ranked[0][:2]) == ["apply", "not-green"]  # both say "call"
    assert ranked[1] == []
    assert ranked[2][0] == "green"
    assert ranked[3][0] == "green"  # Chinese on the English page: the other language's question
    assert ranked[4] == ["not-green"]
    assert ranked[5][0] == "apply"
    zh = run_core(site, "zh-CN", tmp_path, queries=["隔离", "green code", "绿码"])["ranked"]
    assert zh[0] == ["not-green"] and zh[1][0] == "green" and zh[2][0] == "green"


def test_half_typed_and_misspelt_english_words_still_match(site, tmp_path):
    ranked = run_core(site, "en", tmp_path, queries=["gree", "comunities", "grene"])["ranked"]
    assert ranked[0][0] == "green"  # typing: the words it begins
    assert ranked[1][0] == "green"  # one letter missing
    assert ranked[2][0] == "green"  # two letters swapped


# ---- settings ----

def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_synonym_group_of_one_word_is_refused(campaign_copy):
    _edit(campaign_copy / "campaign.toml", 'words = ["健康码"', 'words = ["  ", "健康码"')
    _edit(campaign_copy / "campaign.toml", "synonyms = [", 'synonyms = [["alone"], ')
    with pytest.raises(CampaignError) as info:
        load(campaign_copy)
    messages = [str(p) for p in info.value.problems]
    assert any("search.synonyms" in m and "at least two" in m for m in messages), messages
    assert any("search.words" in m for m in messages), messages


def test_unknown_popular_question_is_reported(campaign_copy):
    import materials.web as web

    _edit(campaign_copy / "campaign.toml", 'popular = ["apply", "green"]', 'popular = ["green", "nope"]')
    problems = [str(p) for p in web.validate(load(campaign_copy))]
    assert any("search.popular[1]" in p and "'nope'" in p for p in problems), problems


def test_keywords_must_be_a_list_of_words(campaign_copy):
    _edit(campaign_copy / "faq" / "en" / "green.md", "order: 3\n", "order: 3\nkeywords: green light\n")
    with pytest.raises(CampaignError) as info:
        load(campaign_copy)
    (problem,) = [str(p) for p in info.value.problems]
    assert "faq/en/green.md" in problem and "keywords" in problem and "list of words" in problem


RED_KEYWORDS = 'keywords: ["{{ colour_high }}", "{{ colour_searched }}", quarantine, stay home]'


def test_a_word_in_two_synonym_groups_and_an_unknown_fact_in_keywords_are_reported(campaign_copy):
    import materials.web as web

    _edit(campaign_copy / "campaign.toml", 'synonyms = [', 'synonyms = [["Ring", "bell"], ')
    _edit(campaign_copy / "faq" / "en" / "red.md", RED_KEYWORDS,
          'keywords: [quarantine, "{{ hotline }}", "{{ nope }}"]')
    problems = [str(p) for p in web.validate(load(campaign_copy))]
    assert any("search.synonyms[1]" in p and "'ring'" in p and "search.synonyms[0]" in p for p in problems), problems
    assert any("faq/en/red.md" in p and "keywords" in p and "{{ nope }}" in p for p in problems), problems


def test_keywords_may_name_campaign_facts(campaign_copy, tmp_path):
    _edit(campaign_copy / "faq" / "en" / "red.md", RED_KEYWORDS,
          'keywords: [quarantine, "{{ hotline }}"]')
    campaign = load(campaign_copy)
    site = tmp_path / "web"
    site.mkdir()
    search.build_index(campaign, site)
    index = json.loads((site / "en" / search.INDEX).read_text(encoding="utf-8"))
    red = next(i for i, d in enumerate(index["docs"]) if d["id"] == "not-green")
    keywords = index["fields"].index("keywords")
    flat = index["terms"]["12345"]
    assert any(flat[i] == red and flat[i + 1] == keywords for i in range(0, len(flat), 3))
