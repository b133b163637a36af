"""The offline search index: one small JSON file per language, ranked in the browser by assets/search-core.js.

Each question is a document with weighted fields: its search `keywords` (the words people type) weigh
most, then the question, the tags, the category's name, the answer, and last the question and keywords
of its other-language versions (so "绿码" typed on the English page still finds the green-code answer).
Words come from `segment.Segmenter` (jieba for Chinese, stemming for English), the same cut the browser
makes of the query. Ranking is BM25F (field-weighted term frequency, saturated, times the term's rarity);
`[search] synonyms` are expanded at query time. The file also carries what the results page shows: the
question, its category and the answer as plain-text blocks, and the categories and most-read questions
offered when nothing is found.

Why not Pagefind, which the site used before: its results must contain every word typed (so "how do I
get a code for my grandma" finds nothing), its Chinese queries are cut by the browser's own segmenter
rather than the index's (绿码 found 码头), and it has no field weights or synonyms. On the query set of
benchmarks/search.py it put the right answer in the top three for about a third of the queries; see
docs/web.md for the figures of both.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from materials import markdown as mdown
from materials.errors import Problem
from materials.i18n import _
from materials.output import write_atomic
from materials.web.pages import href_from_question
from materials.web.segment import STOP, Segmenter
from materials.web.settings import SearchSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign, Faq

#: Index file of a language, beside its search page.
INDEX = "search/index.json"
#: Fields of a document and their weights: what people type, then the question, then the answer.
FIELDS = {"keywords": 3.0, "question": 2.5, "tags": 1.5, "category": 1.0, "answer": 1.0, "other": 1.0}
#: BM25: term-frequency saturation and length normalisation.
K1, B = 1.2, 0.5


def user_words(campaign: Campaign) -> list[str]:
    """Words jieba must keep whole: the campaign's own vocabulary."""
    settings = campaign.settings
    words = list(SearchSettings.of(settings).words)
    words += [text for lang in campaign.languages for text in campaign.facts(lang).values()]
    words += [name for names in settings.place_categories.values() for name in names.values()]
    words += [name for d in settings.districts for name in d.names.values()]
    words += [name for c in settings.faq_categories for name in c.names.values()]
    words += [w for group in synonym_groups(campaign) for w in group]
    return words


def synonym_groups(campaign: Campaign) -> list[list[str]]:
    """`[search] synonyms` with each `{{ fact }}` entry replaced by the fact's words in every language, so a
    local fact (a colour's name) is searched for without being typed in the settings."""
    groups = []
    for group in SearchSettings.of(campaign.settings).synonyms:
        out: list[str] = []
        for entry in group:
            for lang in campaign.languages if mdown.FACT.search(entry) else [None]:
                word = mdown.fill_facts(entry, campaign.facts(lang), "")[0] if lang else entry
                if word not in out:
                    out.append(word)
        groups.append(out)
    return groups


def validate(campaign: Campaign) -> list[Problem]:
    """`[search] popular` names questions that exist; keywords name known facts; a synonym is in one group."""
    ids = {f.id for items in campaign.faqs.values() for f in items}
    problems = [Problem("campaign.toml", None, f"search.popular[{i}]",
                        _("{faq_id!r} is not the id of a question").format(faq_id=faq_id))
                for i, faq_id in enumerate(SearchSettings.of(campaign.settings).popular) if faq_id not in ids]
    for lang, items in campaign.faqs.items():
        facts = campaign.facts(lang)  # once a language, not once a keyword
        for faq in items:
            label = f"faq/{lang}/{faq.path.name}"
            for word in faq.keywords:
                for problem in mdown.fill_facts(word, facts, label, 2)[1]:
                    problems.append(Problem(label, 2, "keywords", problem.message))
    groups: dict[str, int] = {}
    for number, group in enumerate(SearchSettings.of(campaign.settings).synonyms):
        for word in group:
            key = " ".join(word.lower().split())
            if groups.setdefault(key, number) != number:
                problems.append(Problem("campaign.toml", None, f"search.synonyms[{number}]",
                                        _("{word!r} is also in search.synonyms[{groups}]: "
                                          "keep a word in one group").format(word=word, groups=groups[key])))
    return problems


class _Blocks(HTMLParser):
    """Plain text of sanitised answer HTML, one string per paragraph or list item."""

    BLOCK = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr", "dt", "dd", "br"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCK:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCK:
            self.flush()

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.blocks.append(text)
        self._text = []


def answer_blocks(html: str) -> list[str]:
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.blocks


def keywords(campaign: Campaign, faq: Faq) -> list[str]:
    """The question's keywords with campaign facts filled in (`{{ app }}` is the app's name)."""
    facts = campaign.facts(faq.lang)
    return [mdown.fill_facts(k, facts, "")[0] for k in faq.keywords]


def _fields(campaign: Campaign, faq: Faq, blocks: list[str]) -> dict[str, str]:
    lang = faq.lang
    category = next(c.names[lang] for c in campaign.settings.faq_categories if c.key == faq.category)
    others = [campaign.faq(other, faq.id) for other in campaign.languages if other != lang]
    return {
        "keywords": "\n".join(keywords(campaign, faq)),
        "question": faq.question,
        "tags": "\n".join(faq.tags),
        "category": category,
        "answer": "\n".join(blocks),
        "other": "\n".join(part for o in others for part in (o.question, *keywords(campaign, o), *o.tags)),
    }


def language_index(campaign: Campaign, lang: str, segmenter: Segmenter) -> dict[str, Any]:
    """The index of one language as a JSON-ready dict (documented in docs/web.md)."""
    names = list(FIELDS)
    docs: list[dict[str, Any]] = []
    postings: dict[str, list[int]] = {}
    lengths: list[list[int]] = []
    seen_words: set[str] = set()
    for number, faq in enumerate(campaign.faqs[lang]):
        blocks = answer_blocks(faq.html("portal", href_from_question))
        fields = _fields(campaign, faq, blocks)
        doc_lengths = []
        for f, name in enumerate(names):
            seen_words.update(segmenter.words(fields[name]))
            terms = segmenter.index_terms(fields[name])
            doc_lengths.append(len(terms))
            for term, count in sorted(Counter(terms).items()):
                postings.setdefault(term, []).extend((number, f, count))
        lengths.append(doc_lengths)
        category = next(c for c in campaign.settings.faq_categories if c.key == faq.category)
        docs.append({"id": faq.id, "url": f"../faq/{faq.id}/", "question": faq.question,
                     "category": category.names[lang], "answer": blocks, "lengths": doc_lengths})
    synonyms = []
    for group in synonym_groups(campaign):
        alternatives = []
        for entry in group:
            seen_words.update(segmenter.words(entry))
            terms = segmenter.terms(entry)
            if terms and terms not in alternatives:
                alternatives.append(terms)
        if len(alternatives) > 1:
            synonyms.append(alternatives)
    average = [sum(doc[f] for doc in lengths) / max(len(lengths), 1) for f in range(len(names))]
    return {
        "version": 1,
        "lang": lang,
        "fields": names,
        "weights": [FIELDS[n] for n in names],
        "average": [round(a, 3) for a in average],
        "k1": K1,
        "b": B,
        "docs": docs,
        "terms": dict(sorted(postings.items())),
        "synonyms": synonyms,
        "dictionary": segmenter.vocabulary(seen_words | set(postings)),
        "total": segmenter.total,
        "stop": sorted(STOP),
    }


@functools.lru_cache(maxsize=2)
def _segmenter(words: tuple[str, ...]) -> Segmenter:
    """One segmenter per set of campaign words: `materials serve` rebuilds without reloading jieba."""
    return Segmenter(words)


def build_index(campaign: Campaign, site: Path) -> dict[str, int]:
    """Write `L/search/index.json` for every language; returns each file's size in bytes."""
    segmenter = _segmenter(tuple(sorted(set(user_words(campaign)))))
    sizes = {}
    for lang in campaign.languages:
        data = language_index(campaign, lang, segmenter)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        write_atomic(site / lang / INDEX, text)
        sizes[lang] = len(text.encode("utf-8"))
    return sizes

