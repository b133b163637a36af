// The search page: loads this language's index (search/index.json, built with the site, served from this
// site only), ranks with search-core.js and draws the results as DOM text nodes (nothing is parsed as HTML).
// Loaded only by the search page. Without JavaScript the page offers the categories and most-read questions.
import { bestBlock, engine as prepare, highlight, search } from "./search-core.js";

const form = document.getElementById("search-form");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const help = document.getElementById("search-help");
const MAX_RESULTS = 10;
const EXCERPT = document.documentElement.lang.startsWith("zh") ? 90 : 180;
let loading = null;
let latest = 0;

function say(template, values) {
  let text = template || "";
  for (const [key, value] of Object.entries(values)) text = text.replace(`{${key}}`, value);
  status.textContent = text;
}

function load() {
  if (!loading) {
    loading = fetch(new URL("index.json", document.baseURI), { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(`search index: HTTP ${response.status}`);
        return response.json();
      })
      .then(prepare);
    loading.catch(() => { loading = null; });
  }
  return loading;
}

// Text with the matched words in <mark>, as nodes appended to `parent`.
function marked(parent, text, matched, e) {
  for (const [piece, hit] of highlight(text, matched, e)) {
    if (hit) {
      const mark = document.createElement("mark");
      mark.textContent = piece;
      parent.append(mark);
    } else {
      parent.append(piece);
    }
  }
  return parent;
}

// The part of `block` around its first matched word: [text, cut before, cut after]. English is cut at a space.
function excerpt(block, matched, e) {
  if (block.length <= EXCERPT) return [block, false, false];
  const pieces = highlight(block, matched, e);
  const first = pieces.findIndex(([, hit]) => hit);
  let start = 0;
  if (first > 0) {
    const before = pieces.slice(0, first).reduce((n, [piece]) => n + piece.length, 0);
    start = Math.max(0, before - Math.floor(EXCERPT / 4));
    const space = block.indexOf(" ", start);
    if (start > 0 && space >= 0 && space < before) start = space + 1;
  }
  let end = Math.min(block.length, start + EXCERPT);
  const space = block.lastIndexOf(" ", end);
  if (end < block.length && space > start + EXCERPT / 2) end = space;
  return [block.slice(start, end), start > 0, end < block.length];
}

function questionLink(doc, matched, e) {
  const a = document.createElement("a");
  a.href = doc.url;
  return marked(a, doc.question, matched, e);
}

function drawBest(result, e) {
  const doc = e.index.docs[result.doc];
  const li = document.createElement("li");
  li.className = "best";
  const label = document.createElement("p");
  label.className = "result-label";
  label.textContent = `${list.dataset.best} · ${doc.category}`;
  const heading = document.createElement("h2");
  heading.append(questionLink(doc, result.matched, e));
  const answer = document.createElement("div");
  answer.className = "answer";
  for (const block of doc.answer) answer.append(marked(document.createElement("p"), block, result.matched, e));
  const more = document.createElement("p");
  const link = document.createElement("a");
  link.href = doc.url;
  link.textContent = list.dataset.more;
  more.append(link);
  li.append(label, heading, answer, more);
  return li;
}

function drawOther(result, e) {
  const doc = e.index.docs[result.doc];
  const li = document.createElement("li");
  const category = document.createElement("span");
  category.className = "result-category";
  category.textContent = doc.category;
  const [text, cutBefore, cutAfter] = excerpt(bestBlock(doc.answer, result.matched, e), result.matched, e);
  const p = document.createElement("p");
  if (cutBefore) p.append("…");
  marked(p, text, result.matched, e);
  if (cutAfter) p.append("…");
  li.append(questionLink(doc, result.matched, e), " ", category, p);
  return li;
}

function share(query) {
  const url = new URL(location.href);
  if (query.trim()) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  history.replaceState(null, "", url);
}

async function run(query) {
  const ticket = ++latest;
  share(query);
  if (!query.trim()) {
    list.replaceChildren();
    status.textContent = "";
    help.hidden = false;
    return;
  }
  say(status.dataset.loading, {});
  try {
    const e = await load();
    if (ticket !== latest) return;
    const results = search(e, query).slice(0, MAX_RESULTS);
    list.replaceChildren(...results.map((r, i) => (i === 0 ? drawBest(r, e) : drawOther(r, e))));
    help.hidden = results.length > 0;
    say(results.length ? status.dataset.count : status.dataset.none, { n: String(results.length), q: query.trim() });
  } catch (error) {
    if (ticket !== latest) return;
    list.replaceChildren();
    help.hidden = false;
    say(status.dataset.error, {});
    console.error(error);
  }
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 200);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run(input.value);
});

const initial = new URLSearchParams(location.search).get("q") || "";
status.textContent = "";
if (initial) {
  input.value = initial;
  run(initial);
} else {
  load().catch(() => {});  // fetch the index while the visitor types
}
