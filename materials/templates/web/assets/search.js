// Offline search over the FAQ with Pagefind (index built at build time, served from this site only).
// Loaded only by the search page, so other pages download no search code. Without JavaScript the page
// still offers the full FAQ list.
const root = document.documentElement.dataset.root || "./";
const form = document.getElementById("search-form");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
let pagefind = null;
let latest = 0;

function say(template, values) {
  let text = template;
  for (const [key, value] of Object.entries(values)) text = text.replace(`{${key}}`, value);
  status.textContent = text;
}

// Pagefind excerpts are escaped text with <mark> around hits; rebuild them as DOM nodes so no
// markup from the index is ever parsed as HTML.
function excerptNode(excerpt) {
  const p = document.createElement("p");
  const parts = excerpt.split(/<mark>|<\/mark>/);
  const decode = document.createElement("textarea");
  parts.forEach((part, i) => {
    decode.innerHTML = part;
    const text = document.createTextNode(decode.value);
    if (i % 2 === 1) {
      const mark = document.createElement("mark");
      mark.appendChild(text);
      p.appendChild(mark);
    } else {
      p.appendChild(text);
    }
  });
  return p;
}

async function load() {
  if (!pagefind) {
    pagefind = await import(new URL(root + "pagefind/pagefind.js", document.baseURI).href);
    await pagefind.init();
  }
  return pagefind;
}

async function run(query) {
  const ticket = ++latest;
  if (!query.trim()) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  say(status.dataset.loading, {});
  try {
    const engine = await load();
    const search = await engine.search(query);
    const data = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
    if (ticket !== latest) return;
    list.replaceChildren();
    for (const item of data) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = root + item.url.replace(/^\//, "");
      a.textContent = (item.meta.title || item.url).trim();
      li.append(a, excerptNode(item.excerpt || ""));
      list.appendChild(li);
    }
    say(data.length ? status.dataset.count : status.dataset.none, { n: String(data.length), q: query });
  } catch (error) {
    if (ticket !== latest) return;
    say(status.dataset.error, {});
    console.error(error);
  }
}

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});

const initial = new URLSearchParams(location.search).get("q") || "";
status.textContent = "";
if (initial) {
  input.value = initial;
  run(initial);
}
