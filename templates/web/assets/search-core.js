// The search engine of the FAQ site: cuts a query into terms exactly as materials/web/segment.py cut the
// index at build time, expands synonyms and ranks the questions (BM25F over the index's weighted fields).
// Pure functions, no DOM: assets/search.js draws the page, and the tests run this file in Node as well.

const HAN = /^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;
const WORD = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9\u00e0-\u024f]+(?:'[a-z0-9\u00e0-\u024f]+)*/g;
// Weight of a synonym against the word typed, of a word completed from its beginning, of a near spelling.
const SYNONYM = 0.9;
const PREFIX = 0.8;
const FUZZY = 0.6;
const PART = 0.5;
const SINGLE = 0.4;

export function normalise(text) {
  return text.normalize("NFKC").toLowerCase().replace(/\u2019/g, "'");
}

// segment.stem, rule for rule.
export function stem(word) {
  let w = word.replace(/'/g, "");
  if (w.length < 3 || !/^[a-z]+$/.test(w)) return w;
  if (w.endsWith("ies") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("s") && w.length > 3 && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith("ing") && w.length > 4 && /[aeiouy]/.test(w.slice(0, -3))) w = w.slice(0, -3);
  else if (w.endsWith("ied") && w.length > 4) w = w.slice(0, -3) + "y";
  else if (w.endsWith("ed") && !w.endsWith("eed") && w.length > 3 && /[aeiouy]/.test(w.slice(0, -2))) w = w.slice(0, -2);
  if (w.endsWith("isation")) w = w.slice(0, -7) + "ization";
  if (w.endsWith("ation") && w.length > 7) w = w.slice(0, -5);
  if (w.length > 5) {
    w = w.replaceAll("our", "or");
    if (w.endsWith("ise") || w.endsWith("yse")) w = w.slice(0, -2) + "ze";
  }
  if (w.length > 4 && w.endsWith("tre")) w = w.slice(0, -3) + "ter";
  if (w.length > 2 && w.endsWith("e")) w = w.slice(0, -1);
  if (w.length > 3 && w.at(-1) === w.at(-2) && !"aeiou".includes(w.at(-1))) w = w.slice(0, -1);
  return w;
}

// jieba's cut without HMM: the most probable route through the dictionary's words, ties to the longer word.
function cutHan(run, engine) {
  const { dictionary, logTotal, maxLength } = engine;
  const n = run.length;
  const route = new Array(n + 1);
  route[n] = [0, 0];
  for (let i = n - 1; i >= 0; i--) {
    const ends = [];
    for (let j = i; j < Math.min(n, i + maxLength); j++) {
      if (dictionary.get(run.slice(i, j + 1))) ends.push(j);
    }
    if (!ends.length) ends.push(i);
    let best = null;
    for (const j of ends) {
      const p = Math.log(dictionary.get(run.slice(i, j + 1)) || 1) - logTotal + route[j + 1][0];
      if (best === null || p > best[0] || (p === best[0] && j > best[1])) best = [p, j];
    }
    route[i] = best;
  }
  const out = [];
  for (let i = 0; i < n; i = route[i][1] + 1) out.push([i, route[i][1] + 1]);
  return out;
}

// Each word of the text: {word (as written, lower-cased), term, start, end} with offsets into the
// normalised text (the same as the original for the page's own texts).
export function tokens(text, engine) {
  const out = [];
  for (const match of normalise(text).matchAll(WORD)) {
    const run = match[0];
    if (HAN.test(run)) {
      for (const [a, b] of cutHan(run, engine)) {
        const word = run.slice(a, b);
        out.push({ word, term: word, start: match.index + a, end: match.index + b });
      }
    } else {
      out.push({ word: run, term: stem(run), start: match.index, end: match.index + run.length });
    }
  }
  return out;
}

// segment.Segmenter.terms: what a query looks for.
export function terms(text, engine) {
  return tokens(text, engine).filter((t) => !engine.stop.has(t.word.replace(/'/g, ""))).map((t) => t.term);
}

// Prepare a loaded index (the JSON of materials/web/search.py) for searching.
export function engine(index) {
  const dictionary = new Map(Object.entries(index.dictionary));
  let maxLength = 1;
  for (const word of dictionary.keys()) maxLength = Math.max(maxLength, word.length);
  const postings = new Map(Object.entries(index.terms));
  const latin = [...postings.keys()].filter((t) => !HAN.test(t));
  const han = [...postings.keys()].filter((t) => HAN.test(t) && t.length <= 4);
  const stop = new Set(index.stop);
  return { index, dictionary, maxLength, logTotal: Math.log(index.total), postings, latin, han, stop, cache: new Map() };
}

// Score of every document containing `term`: Map(doc -> BM25F score).
function termScores(e, term) {
  if (e.cache.has(term)) return e.cache.get(term);
  const { index } = e;
  const flat = e.postings.get(term) || [];
  const weighted = new Map();
  for (let i = 0; i < flat.length; i += 3) {
    const [doc, field, count] = [flat[i], flat[i + 1], flat[i + 2]];
    const average = index.average[field] || 1;
    const tf = count / (1 - index.b + index.b * (index.docs[doc].lengths[field] / average));
    // Each field saturates on its own, then weighs: a keyword match keeps its lead over many answer words.
    weighted.set(doc, (weighted.get(doc) || 0) + (index.weights[field] * tf * (index.k1 + 1)) / (tf + index.k1));
  }
  const n = index.docs.length;
  const idf = Math.log(1 + (n - weighted.size + 0.5) / (weighted.size + 0.5));
  const scores = new Map();
  for (const [doc, tf] of weighted) scores.set(doc, idf * tf);
  e.cache.set(term, scores);
  return scores;
}

function withinOneEdit(a, b) {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

// The index terms a query term stands for, with weights: itself (a lone Chinese character weighs little:
// it is often what is left of a word the index lacks, 到 of 到底); a Chinese word the index lacks finds
// the words that contain it (变绿 nothing, 申领码 nothing, 场所码张贴 nothing, but 复工 the longer
// 复工复产 if only that were indexed); an English word the words it begins (typing "hosp"), else words
// one typo away ("hosptial").
function expand(e, term) {
  if (HAN.test(term)) {
    if (e.postings.has(term)) return [[term, term.length === 1 ? SINGLE : 1]];
    if (term.length === 1) return [];
    return e.han.filter((t) => t.length > term.length && t.includes(term)).map((t) => [t, PART]);
  }
  if (e.postings.has(term)) return [[term, 1]];
  if (term.length < 3) return [];
  const prefixed = e.latin.filter((t) => t.startsWith(term)).map((t) => [t, PREFIX]);
  if (prefixed.length || term.length < 4) return prefixed;
  return e.latin.filter((t) => t.length >= 4 && withinOneEdit(term, t)).map((t) => [t, FUZZY]);
}

// The query as slots: one per word typed, or one per synonym found (a slot is met by any of its
// alternatives, each a sequence of terms).
export function slots(e, query) {
  const words = terms(query, e);
  const taken = new Array(words.length).fill(false);
  const found = [];
  const candidates = [];
  for (const group of e.index.synonyms) {
    for (const alternative of group) candidates.push([alternative, group]);
  }
  candidates.sort((x, y) => y[0].length - x[0].length);
  for (const [alternative, group] of candidates) {
    const size = alternative.length;
    for (let i = 0; i + size <= words.length; i++) {
      if (taken.slice(i, i + size).some(Boolean)) continue;
      if (alternative.every((t, k) => words[i + k] === t)) {
        for (let k = i; k < i + size; k++) taken[k] = true;
        found.push([i, group.map((alt) => ({ terms: alt, weight: alt === alternative ? 1 : SYNONYM }))]);
      }
    }
  }
  words.forEach((word, i) => {
    if (!taken[i]) found.push([i, [{ terms: [word], weight: 1 }]]);
  });
  return found.sort((x, y) => x[0] - y[0]).map(([, alternatives]) => alternatives);
}

// Ranked results: [{doc, score, matched: Set of index terms that matched}], best first.
export function search(e, query) {
  const querySlots = slots(e, query);
  if (!querySlots.length) return [];
  const totals = new Map();
  for (const alternatives of querySlots) {
    const best = new Map(); // doc -> [best alternative's score, words of every alternative that matched]
    for (const { terms: words, weight } of alternatives) {
      const sums = new Map();
      for (const word of words) {
        const found = new Map(); // doc -> best score of the word's expansions
        for (const [term, w] of expand(e, word)) {
          for (const [doc, s] of termScores(e, term)) {
            found.set(doc, Math.max(found.get(doc) || 0, weight * w * s));
            const entry = sums.get(doc) || [0, []];
            entry[1].push(term);
            sums.set(doc, entry);
          }
        }
        for (const [doc, s] of found) sums.get(doc)[0] += s;
      }
      for (const [doc, [score, matched]] of sums) {
        const current = best.get(doc) || [0, new Set()];
        matched.forEach((t) => current[1].add(t));
        current[0] = Math.max(current[0], score);
        best.set(doc, current);
      }
    }
    for (const [doc, [score, matched]] of best) {
      const total = totals.get(doc) || { doc, score: 0, slots: 0, matched: new Set() };
      total.score += score;
      total.slots += 1;
      matched.forEach((t) => total.matched.add(t));
      totals.set(doc, total);
    }
  }
  const results = [...totals.values()];
  // Questions that meet more of what was asked come first among close scores (coordination).
  for (const r of results) r.score *= Math.sqrt(r.slots / querySlots.length);
  return results.sort((a, b) => b.score - a.score || a.doc - b.doc);
}

// Pieces of `text` with the words of `matched` marked: [[text, isMatch], ...].
export function highlight(text, matched, e) {
  const pieces = [];
  const norm = normalise(text);
  if (norm.length !== text.length) return [[text, false]];
  let at = 0;
  for (const t of tokens(text, e)) {
    const inside = matched.has(t.term)
      || (HAN.test(t.term) && t.term.length > 2 && [...matched].some((m) => m.length > 1 && t.term.includes(m)));
    if (!inside) continue;
    if (t.start > at) pieces.push([text.slice(at, t.start), false]);
    pieces.push([text.slice(t.start, t.end), true]);
    at = t.end;
  }
  if (at < text.length) pieces.push([text.slice(at), false]);
  return pieces;
}

// The answer block with the most matched words (the first block when none matches).
export function bestBlock(blocks, matched, e) {
  let best = 0;
  let most = 0;
  blocks.forEach((block, i) => {
    const hits = highlight(block, matched, e).filter(([, hit]) => hit).length;
    if (hits > most) [best, most] = [i, hits];
  });
  return blocks[best] || "";
}
