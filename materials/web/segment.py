"""Words of a text, the same way for the search index (here, at build time) and the query (assets/search-core.js).

- Text is NFKC-normalised (full-width "ＱＲ１２" is "QR12") and lower-cased.
- Runs of Chinese characters are cut into words by jieba's dictionary segmenter (no HMM guessing, so a word
  is always a dictionary word), with the campaign's own words added (`user_words`: 健康码, 绿码, 场所码, the
  app's name, place categories, districts, `[search] words`). For the index, the 2- and 3-character
  dictionary words inside a longer word are added too (jieba's search mode), so 健康码 also finds 健康码申报.
- The browser cuts a query with the same algorithm (jieba's maximum-probability route through the word graph)
  over the dictionary words the index contains, with jieba's frequencies (`vocabulary`). Every word of the
  index is in that dictionary, so for any text made of indexed words the browser's cut equals jieba's: the
  best route over the full dictionary uses only those words and is therefore also the best over the subset.
  A query word the index lacks cannot match anything either way.
- Runs of Latin letters and digits are words; apostrophes are dropped ("don't" is "dont"); English words are
  stemmed (`stem`): plurals, -ing, -ed, -ation, UK and US spellings (colour/color, -ise/-ize, -tre/-ter)
  meet at one form.
- Stop words (`STOP`) of both languages are dropped: they say how people ask, not what about.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator

#: Ideographs (CJK Unified, Extension A, Compatibility); the same class is in assets/search-core.js.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
#: Everything that is a word: a run of ideographs, or of Latin letters and digits (apostrophes inside kept).
WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9\u00e0-\u024f]+(?:'[a-z0-9\u00e0-\u024f]+)*")

#: Shipped in the index, so the browser drops the same words.
STOP_WORDS = """
a an the and or but of to in on at by for from with about as into is are was were be been am do does did done
i me my mine we us our you your it its this that these those there here what whats which whom how
when where can cant could should would will wont shall may might must if so than then too very just also
have has had having im ive id dont doesnt didnt isnt arent please want need
的 了 吗 呢 吧 啊 呀 嘛 么 是 我 我们 你 你们 他 她 它 在 和 与 及 或 还 都 也 就 要 想 会 能 可以 可 该 应该
怎么 怎么办 怎样 怎么样 如何 什么 啥 哪 哪里 哪儿 哪些 哪个 吗 么 呗 个 一下 这 那 这个 那个 有 没 吧
他们 她们 它们 被 把 给 对 到底 东西 一些 还是 就是 已经 现在 这样 那样
所以 因为 但是 如果 然后 得 着 过 呀 哦 嗯 请问 一个
"""
STOP = frozenset(STOP_WORDS.split())


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")


def stem(word: str) -> str:
    """A light English stemmer; assets/search-core.js has the same rules in the same order."""
    w = word.replace("'", "")
    if len(w) < 3 or not re.fullmatch("[a-z]+", w):
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and len(w) > 3 and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("ing") and len(w) > 4 and re.search("[aeiouy]", w[:-3]):
        w = w[:-3]
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ed") and not w.endswith("eed") and len(w) > 3 and re.search("[aeiouy]", w[:-2]):
        w = w[:-2]
    if w.endswith("isation"):
        w = w[:-7] + "ization"
    if w.endswith("ation") and len(w) > 7:
        w = w[:-5]
    if len(w) > 5:
        w = w.replace("our", "or")
        if w.endswith(("ise", "yse")):
            w = w[:-2] + "ze"
    if len(w) > 4 and w.endswith("tre"):
        w = w[:-3] + "ter"
    if len(w) > 2 and w.endswith("e"):
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiou":
        w = w[:-1]
    return w


class Segmenter:
    """jieba with the campaign's words; one per build (loading jieba's dictionary takes about half a second)."""

    def __init__(self, user_words: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        # Each run of ideographs is a word: a fact written “津心办” or 微信、支付宝 gives 津心办, 微信, 支付宝.
        for word in sorted({run for w in user_words for run in HAN.findall(normalise(w))}):
            if len(word) > 1 and not self._jieba.FREQ.get(word):
                self._jieba.add_word(word)
        self.freq: dict[str, int] = self._jieba.FREQ
        self.total: int = self._jieba.total

    def _han(self, run: str) -> list[str]:
        return [w for w in self._jieba.cut(run, HMM=False) if w.strip()]

    def _pairs(self, text: str) -> Iterator[tuple[str, str]]:
        """(word as written, lower-cased; its term) for each word of `text` in order."""
        for match in WORD.finditer(normalise(text)):
            run = match.group()
            if HAN.match(run):
                yield from ((w, w) for w in self._han(run))
            else:
                yield run, stem(run)

    def words(self, text: str) -> list[str]:
        """The words of `text` in order as written (lower-cased), stop words included."""
        return [word for word, _ in self._pairs(text)]

    def terms(self, text: str) -> list[str]:
        """What a query of `text` looks for: the terms of its words that are not stop words (the browser
        does the same)."""
        return [term for word, term in self._pairs(text) if word.replace("'", "") not in STOP]

    def index_terms(self, text: str) -> list[str]:
        """Terms to index: `terms` plus the dictionary words inside each longer Chinese word."""
        out: list[str] = []
        for word in self.terms(text):
            if HAN.fullmatch(word):
                for size in (2, 3):
                    if len(word) > size:
                        out += [word[i:i + size] for i in range(len(word) - size + 1)
                                if self.freq.get(word[i:i + size]) and word[i:i + size] not in STOP]
            out.append(word)
        return out

    def vocabulary(self, words: Iterable[str]) -> dict[str, int]:
        """jieba's frequency of each Chinese word of `words` (from `words()`, stop words included, as they
        shape the cut too) and of the Chinese stop words: the browser's dictionary for cutting queries."""
        chinese = {w for w in words if HAN.fullmatch(w)} | {w for w in STOP if HAN.fullmatch(w)}
        return {w: self.freq.get(w) or 1 for w in sorted(chinese)}
