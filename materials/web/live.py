"""`materials serve`'s live preview: pages that reload themselves after an edit, and the gallery.

Only the preview server has these; nothing of it is written into the built site, whose files and CSP stay
as they are. Every HTML page the server sends gets one `<script src="/__materials__/live.js">` before
`</body>` (same origin, so the site's `script-src 'self'` and `connect-src 'self'` allow it). The script
listens to `/__materials__/events` (server-sent events) and reloads the page once the source it shows was
rebuilt: site pages after a rebuild of the site, the gallery after one of the print materials too.

The gallery (`/__materials__/gallery/`) shows a thumbnail of every print output (posters by size and
language, tips, card sheets, booklet pages, screens, WeChat covers, billboards) and a sample venue poster,
each linking to its file, with the problems of the last rebuild and the status of every campaign fact. A
background thread has a process of its own (spawned once, the rendering libraries imported once) build
print and the venues' sample list (incremental, printing/incremental.py) into a temporary folder of the
serve session, so the site's rebuild never waits for it; thumbnails are cached in
`<campaign>/.materials/cache/thumbs/` by the sha256 of their file, so only what changed is drawn again.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import html
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from materials import localcache, safefile
from materials.errors import MaterialsError
from materials.facts import UNCONFIRMED
from materials.i18n import N_, _, current_language
from materials.output import write_atomic
from materials.venues.settings import VenueSettings
from materials.web import preview

#: The pipeline's signature as the gallery calls it: build(campaign_dir, out, kinds, each_fact=False).
Build = Callable[..., Any]

log = logging.getLogger(__name__)

PREFIX = "/__materials__/"
GALLERY = PREFIX + "gallery/"
THUMBS = ".materials/cache/thumbs"
THUMB_WIDTH = 240
#: Server-sent events: a comment this often keeps the connection open through proxies and sleeping laptops.
KEEPALIVE_S = 10.0

SCRIPT = """(function () {
  "use strict";
  var me = document.currentScript;
  var gallery = location.pathname.indexOf("/__materials__/gallery") === 0;
  var shown = {web: Number(me.dataset.web), gallery: Number(me.dataset.gallery)};
  var source = new EventSource("/__materials__/events");
  source.onmessage = function (event) {
    var now = JSON.parse(event.data);
    if (now.web !== shown.web || (gallery && now.gallery !== shown.gallery)) {
      source.close();
      location.reload();
    }
  };
})();
"""


@dataclass
class State:
    """What the preview server knows: how many times each part was rebuilt, and the last problems."""

    campaign_dir: Path
    preview: Path  # the gallery's print and venue outputs (a temporary folder of the serve session)
    counters: dict[str, int] = field(default_factory=lambda: {"web": 0, "gallery": 0})
    problems: dict[str, str] = field(default_factory=dict)  # part -> the message of its last failed rebuild
    warnings: list[str] = field(default_factory=list)
    thumbs: dict[str, list[str]] = field(default_factory=dict)  # output file -> thumbnail names
    entries: list[Any] = field(default_factory=list)  # the print manifest of the run shown
    venue: Path | None = None  # the sample venue poster shown
    facts: str = ""  # the facts' table, as of the last rebuild
    changed: threading.Condition = field(default_factory=threading.Condition)

    @property
    def root(self) -> Path:
        return Path(self.campaign_dir).resolve()

    def publish(self, part: str) -> None:
        with self.changed:
            self.counters[part] += 1
            self.changed.notify_all()

    def snapshot(self) -> dict[str, int]:
        with self.changed:
            return dict(self.counters)

    def wait(self, seen: dict[str, int], timeout: float) -> dict[str, int]:
        with self.changed:
            self.changed.wait_for(lambda: self.counters != seen, timeout)
            return dict(self.counters)


def rebuild_site(state: State, out: Path | None) -> bool:
    """Rebuild the site; publish it to open pages, or keep the problem for the gallery."""
    problem = preview.rebuild_problem(state.campaign_dir, out)
    if problem is not None:
        state.problems["site"] = problem
        state.publish("gallery")
        return False
    state.problems.pop("site", None)
    state.publish("web")
    return True


VENUE_SOURCES = ("venues", "campaign.toml", "templates")
#: Sources whose edit is looked at in the gallery: the print build starts before the site's rebuild.
PRINT_SOURCES = ("posters", "tips", "venues")


def changed(state: State, gallery: Gallery, out: Path | None, paths: list[str]) -> None:
    """After an edit: rebuild the site and the gallery, the one the edit is looked at in first. A FAQ's edit
    (or a setting's) rebuilds the site before the gallery's build competes for the processor, so the open
    page updates in about a second; a poster's or tip's starts the gallery's build (its own process) first,
    beside the site's rebuild."""
    prints = bool(paths) and all(_under(state.root, path, PRINT_SOURCES) for path in paths)
    if prints:
        gallery.changed(paths)
    rebuild_site(state, out)
    if not prints:
        gallery.changed(paths)


def _under(root: Path, path: str, folders: tuple[str, ...]) -> bool:
    try:
        return Path(path).resolve().relative_to(root).parts[0] in folders
    except (ValueError, IndexError):
        return False


class Gallery(threading.Thread):
    """Rebuilds the print materials (and, when their sources changed, the venues' sample list) into the
    preview folder whenever it is told something changed, then refreshes the thumbnails."""

    def __init__(self, state: State, build: Build) -> None:
        """`build` is the pipeline (`materials.build.build`), handed down by the `serve` command."""
        super().__init__(daemon=True, name="materials-gallery")
        self.state = state
        self.build = build
        self.dirty = threading.Event()
        self.venues_dirty = True
        self.stopping = False
        self.builder: Any = None  # the builder process
        self.pipe: Any = None
        self.starting = threading.Lock()  # no builder is started once stop() has run (it would outlive serve)
        self.dirty.set()

    def changed(self, paths: Iterable[str]) -> None:
        root = self.state.root
        for path in paths:
            if _under(root, path, VENUE_SOURCES):
                self.venues_dirty = True
        self.dirty.set()

    def stop(self) -> None:
        with self.starting:
            self.stopping = True
        self.dirty.set()
        if self.builder is not None and self.builder.is_alive():
            # SIGTERM: the builder ends its own pool workers and removes its temporary folders (`builder`);
            # one that does not end in 10 s is killed (its workers die with it: `end_with_parent`).
            self.builder.terminate()
            self.builder.join(10)
            if self.builder.is_alive():
                self.builder.kill()
                self.builder.join(10)

    def run(self) -> None:
        while True:
            self.dirty.wait()
            if self.stopping:
                return
            self.dirty.clear()
            self.once()

    def _build(self, kinds: list[str], meanwhile: Callable[[], object]) -> tuple[str, Any]:
        """One build in the builder process (started on first use, again after a crash); `meanwhile` runs here
        while the builder works."""
        import multiprocessing

        with self.starting:
            if self.stopping:
                return "error", "serve is stopping"
            if self.builder is None or not self.builder.is_alive():
                # spawn, not fork: a fork of this threaded server could inherit a lock another thread holds.
                context = multiprocessing.get_context("spawn")
                self.pipe, there = context.Pipe()
                # Not a daemon: it forks worker pools of its own. stop() ends it when serve stops.
                self.builder = context.Process(target=builder, args=(there, self.build, os.getpid()),
                                               name="materials-gallery")
                self.builder.start()
                there.close()
        assert self.pipe is not None
        try:
            self.pipe.send((str(self.state.campaign_dir), str(self.state.preview), kinds))
        except OSError as e:
            meanwhile()
            return "error", _stopped(e)
        meanwhile()
        try:
            answer: tuple[str, Any] = self.pipe.recv()
            return answer
        except (EOFError, OSError) as e:
            return "error", _stopped(e)

    def once(self) -> None:
        state = self.state
        kinds = ["print", *(["venues"] if self.venues_dirty and self._has_venues() else [])]
        self.venues_dirty = False

        def facts() -> None:
            state.facts = _facts(state)

        status, payload = self._build(kinds, facts)  # the facts' table is read while the builder builds
        if self.stopping:
            return
        if status == "error":
            state.problems["print"] = str(payload)
            log.error(_("gallery: the print materials did not build:\n%s"), payload)
        else:
            state.problems.pop("print", None)
            state.warnings = [str(m) for m in payload]
            try:
                thumbs = thumbnails(state.preview, state.root)
                # The page shows a new run only once every thumbnail of it is drawn.
                state.entries, state.venue, state.thumbs = _entries(state.preview), sample_venue(state.preview), thumbs
            except OSError as e:
                state.problems["print"] = f"thumbnails: {e}"
        state.publish("gallery")

    def _has_venues(self) -> bool:
        from materials.campaign import load

        try:
            return bool(VenueSettings.of(load(self.state.campaign_dir).settings).list)
        except (MaterialsError, AttributeError):
            return False


def _stopped(error: BaseException) -> str:
    return _("the gallery's build process stopped ({reason}); it restarts at the next edit").format(
        reason=error or _("killed"))


def builder(connection: Any, build: Build, parent: int) -> None:
    """The gallery's build process: one process with the rendering libraries imported once, single-threaded,
    so the print build forks its worker pools safely; builds what the pipe asks with `build` (the pipeline, handed
    down by the command: an output kind never calls it itself), answers warnings or the error."""
    import multiprocessing
    import signal

    from materials import registry
    from materials.errors import end_with_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops serve, which then ends this process

    def stop(number: int, _frame: object) -> None:
        """serve stops (or died: `end_with_parent`): end the build's pool workers now (waiting for them would
        finish the whole build), then leave through every `finally`, which removes the temporary folders."""
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in multiprocessing.active_children():
            child.kill()
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)
    end_with_parent(parent, signal.SIGTERM)
    for name in ("materials", "weasyprint"):  # counted by the build, printed by nobody (the gallery shows them)
        logging.getLogger(name).addHandler(logging.NullHandler())
        logging.getLogger(name).propagate = False
    registry.preload()  # the rendering libraries, imported once for every build of this process
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        campaign_dir, out, kinds = request
        try:
            result = build(campaign_dir, out, kinds, each_fact=False)
        except MaterialsError as e:
            connection.send(("error", e.format_message()))
        except (OSError, ValueError, LookupError) as e:
            connection.send(("error", f"{type(e).__name__}: {e}"))
        else:
            connection.send(("ok", list(result.warnings)))


# -- thumbnails ----------------------------------------------------------------------------------------------
def outputs(folder: Path) -> list[Path]:
    """The files the gallery shows: every print file with a page (PDFs and PNGs, previews aside) and the
    first poster of the venues' sample list."""
    found = [p for p in sorted((folder / "print").rglob("*"))
             if p.suffix in (".pdf", ".png") and p.is_file() and "previews" not in p.parts]
    venue = sample_venue(folder)
    return found + ([venue] if venue else [])


def sample_venue(folder: Path) -> Path | None:
    manifest = folder / "venues" / "manifest.csv"
    try:
        rows = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
    except OSError:
        return None
    for row in rows:
        path = (folder / "venues" / row.get("file", "")).resolve()
        if path.suffix == ".pdf" and path.is_relative_to((folder / "venues").resolve()) and path.is_file():
            return path
    return None


def thumbnails(folder: Path, root: Path) -> dict[str, list[str]]:
    """Output file (relative to `folder`) -> its thumbnails in the campaign's (`root`) thumbnail cache, one per
    page, named by the file's sha256: a file that did not change keeps its thumbnails, and unused ones are
    removed."""
    from materials.printing.manifest import laid_out_digest

    cache = thumbs_folder(root)
    made: dict[str, list[str]] = {}
    drawn = 0
    for path in outputs(folder):
        # A print file's sha256 as laid out: a new sources fingerprint stamped in is no change to draw.
        digest = laid_out_digest(root, path)[:32]
        names = _kept_thumbnails(cache, digest)
        if names is None:
            drawn_names = _draw(path, digest, cache)
            record = localcache.seal("thumbs", digest, {"pngs": drawn_names})
            if record is not None:
                write_atomic(cache / f"{digest}.json", record)
            names = list(drawn_names)
            drawn += 1
        made[path.relative_to(folder).as_posix()] = [str(n) for n in names]
    keep = {f"{n}" for names in made.values() for n in names}
    keep |= {f"{n.split('-')[0]}.json" for n in keep}
    for old in cache.iterdir():
        if old.name not in keep:
            old.unlink(missing_ok=True)
    log.info(_("gallery: %d thumbnail(s) drawn, %d file(s) unchanged"), drawn, len(made) - drawn)
    return made


@functools.cache
def thumbs_folder(root: Path) -> Path:
    """The campaign's thumbnail cache, if it is a real folder of the campaign and this machine has its cache
    secret (materials.localcache); else a folder of this session's own, drawn afresh."""
    return localcache.folder(root, THUMBS) or Path(tempfile.mkdtemp(prefix="materials-thumbs-"))


def _kept_thumbnails(cache: Path, digest: str) -> list[str] | None:
    """The thumbnails of the file of sha256 `digest` this machine drew before (its index sealed, every PNG a
    plain file of the cache with the sha256 the index names); None: draw them again."""
    record = localcache.read_record(cache, f"{digest}.json", "thumbs", digest)
    pngs = record.get("pngs") if record is not None else None
    if not isinstance(pngs, dict) or not pngs:
        return None
    for name, sha in pngs.items():
        if not re.fullmatch(re.escape(digest) + r"-\d+\.png", str(name)) or \
                localcache.read_blob(cache, str(name), str(sha), safefile.IMAGE) is None:
            return None
    return sorted(pngs, key=lambda n: int(n.rsplit("-", 1)[1].split(".")[0]))


def _draw(path: Path, digest: str, cache: Path) -> dict[str, str]:
    from PIL import Image

    images: list[Any] = []
    if path.suffix == ".png":
        with Image.open(path) as image:
            images.append(image.convert("RGB"))
    else:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        try:
            for page in document:
                width = page.get_width()
                images.append(page.render(scale=THUMB_WIDTH / width).to_pil().convert("RGB"))
                page.close()
        finally:
            document.close()
    names = {}
    for number, image in enumerate(images, 1):
        image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 3))
        name = f"{digest}-{number}.png"
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False, compress_level=6)
        write_atomic(cache / name, buffer.getvalue())  # replaces whatever was there, never writes through a link
        names[name] = hashlib.sha256(buffer.getvalue()).hexdigest()
    return names


# -- the gallery page ----------------------------------------------------------------------------------------
KIND_ORDER = ("poster", "tip", "guide", "card", "booklet", "screen", "wechat-cover", "wechat-square", "billboard")
KIND_NAMES = {"poster": N_("Posters"), "tip": N_("Tips signs"), "guide": N_("Staff guide"),
              "card": N_("Card sheets"), "booklet": N_("FAQ booklet"), "screen": N_("Display screens"),
              "wechat-cover": N_("WeChat covers"), "wechat-square": N_("WeChat share squares"),
              "billboard": N_("Billboards")}


def _entries(folder: Path) -> list[Any]:
    from materials.printing.manifest import PrintManifest

    with contextlib.suppress(MaterialsError, OSError, ValueError):
        return list(PrintManifest.read(folder / "print").materials)
    return []


def gallery_page(state: State, seen: dict[str, int]) -> str:
    folder = state.preview
    title = html.escape(_("Gallery: every print output"))
    lang = "zh-CN" if current_language() == "zh" else "en"
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{title}</title>",
             f'<link rel="stylesheet" href="{PREFIX}gallery.css"></head><body>',
             f"<h1>{title}</h1>"]
    parts.append(_problems(state))
    entries = state.entries
    kinds = [k for k in KIND_ORDER if any(e.kind == k for e in entries)]
    links = [f'<a href="#{k}">{_(KIND_NAMES[k])}</a>' for k in kinds]
    venue_poster, facts = _("Venue poster"), _("Facts")
    links += [f'<a href="#venue">{venue_poster}</a>'] if state.venue else []
    links.append(f'<a href="#facts">{facts}</a>')
    parts.append(f"<nav>{' · '.join(links)}</nav>")
    if not entries:
        building = _("The print materials are being built; this page updates by itself.")
        parts.append(f"<p>{building}</p>")
    by_kind: dict[str, list[Any]] = {}
    for entry in entries:
        if entry.kind in KIND_NAMES and entry.file:
            by_kind.setdefault(entry.kind, []).append(entry)
    for kind in KIND_ORDER:
        group = sorted(by_kind.get(kind, []), key=lambda e: (e.id, e.size, e.language))
        if not group:
            continue
        heading = _("{kind} ({count})").format(kind=_(KIND_NAMES[kind]), count=len(group))
        parts.append(f'<h2 id="{kind}">{heading}</h2><ul class="grid">')
        for entry in group:
            parts.append(_tile(state, f"print/{entry.file}", f"{entry.id} · {entry.size} · {entry.language}"))
        parts.append("</ul>")
    venue = state.venue
    if venue is not None:
        relative = venue.relative_to(folder).as_posix()
        sample = _("Venue poster (a sample)")
        parts.append(f'<h2 id="venue">{sample}</h2><ul class="grid">'
                     f"{_tile(state, relative, venue.stem)}</ul>")
    reading = _("Reading campaign.toml…")
    parts.append(state.facts or f'<section id="facts"><h2>{facts}</h2><p>{reading}</p></section>')
    parts.append(script_tag(seen))
    parts.append("</body></html>")
    return "\n".join(parts)


def _tile(state: State, relative: str, caption: str) -> str:
    href = f"{PREFIX}files/{quote(relative)}"
    thumbs = state.thumbs.get(relative, [])
    alts = [html.escape(_("{caption}, page {number}").format(caption=caption, number=n))
            for n in range(1, len(thumbs) + 1)]
    pages = "".join(f'<img src="{PREFIX}thumbs/{quote(name)}" alt="{alt}" loading="lazy" width="{THUMB_WIDTH // 2}">'
                    for name, alt in zip(thumbs, alts, strict=True))
    pages = pages or html.escape(_("(no thumbnail yet)"))
    return (f'<li><a href="{href}">{pages}<span>{html.escape(caption)}</span>'
            f"<code>{html.escape(relative)}</code></a></li>")


def _problems(state: State) -> str:
    """Failed rebuilds in full; warnings folded (unconfirmed facts are in the facts table below)."""
    failed = [f"<li><strong>{html.escape(part)}</strong><pre>{html.escape(message)}</pre></li>"
              for part, message in sorted(state.problems.items())]
    fact_warning = _(UNCONFIRMED).partition("{")[0]  # the words before the fact's name, in this language
    warned = [f"<li>{html.escape(message)}</li>" for message in state.warnings
              if not message.startswith(fact_warning)]
    parts = ['<section id="problems">']
    if failed:
        heading = html.escape(_("Problems ({count})").format(count=len(failed)))
        parts.append(f'<h2>{heading}</h2><ul class="failed">{"".join(failed)}</ul>')
    else:
        heading = html.escape(_("Problems ({count})").format(count=0))
        none = html.escape(_("None: the last rebuild went through."))
        parts.append(f"<h2>{heading}</h2><p>{none}</p>")
    if warned:
        summary = html.escape(_("{count} warning(s) of the last print build").format(count=len(warned)))
        parts.append(f'<details><summary>{summary}</summary><ul>{"".join(warned)}</ul></details>')
    parts.append("</section>")
    return "".join(parts)


def _facts(state: State) -> str:
    from materials.campaign import load
    from materials.facts import describe, source_line

    try:
        campaign = load(state.campaign_dir)
    except MaterialsError as e:
        facts = _("Facts")
        return f'<section id="facts"><h2>{facts}</h2><pre>{html.escape(e.format_message())}</pre></section>'
    rows = []
    for name, fact in sorted(campaign.settings.facts.items()):
        status = _("confirmed") if fact.confirmed else _("to be confirmed")
        rows.append(f'<tr class="{"ok" if fact.confirmed else "todo"}"><th>{html.escape(name)}</th>'
                    f"<td>{html.escape(describe(fact, campaign.primary_language))}</td><td>{status}</td>"
                    f"<td>{html.escape(source_line(fact))}</td></tr>")
    done = sum(1 for f in campaign.settings.facts.values() if f.confirmed)
    heading = html.escape(_("Facts ({done} of {count} confirmed)").format(done=done, count=len(rows)))
    columns = "".join(f"<th>{html.escape(name)}</th>" for name in (_("fact"), _("text"), _("status"), _("source")))
    return (f'<section id="facts"><h2>{heading}</h2><table><thead><tr>{columns}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></section>")


CSS = """body{font-family:"Noto Sans CJK SC",sans-serif;margin:1rem 2rem;color:#1b1b1b}
.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:1rem}
.grid a{display:block;text-decoration:none;color:inherit}.grid img{max-width:100%;height:auto;
box-shadow:0 1px 3px #0005;margin:0 4px 4px 0}.grid span,.grid code{display:block;font-size:.8rem}
.grid code{color:#555;word-break:break-all}table{border-collapse:collapse}td,th{border:1px solid #ccc;
padding:.25rem .5rem;text-align:left;vertical-align:top}tr.todo td:nth-child(3){color:#8c4a00;font-weight:bold}
pre{white-space:pre-wrap}.failed li{color:#a00}nav{margin:1rem 0;font-size:1.1rem}
"""


def script_tag(seen: dict[str, int]) -> str:
    """The live-reload script, told which rebuilds the page shows."""
    return f'<script src="{PREFIX}live.js" data-web="{seen["web"]}" data-gallery="{seen["gallery"]}"></script>'


def watched(campaign_dir: Path) -> list[Path]:
    """The site's sources plus what only the gallery shows (the venue list, the print and venue templates)."""
    from materials.templating import BUILTIN

    root = Path(campaign_dir).resolve()
    extra = [root / "venues", root / "glossary.toml", BUILTIN / "print", BUILTIN / "venues"]
    return [*preview.watched_paths(campaign_dir), *(p for p in extra if p.exists())]


# -- the server ----------------------------------------------------------------------------------------------
class LiveHandler(preview.Handler):
    """The preview handler plus the live-reload script, its event stream, the gallery and its files."""

    def __init__(self, *args: Any, state: State, **kwargs: Any) -> None:
        self.state = state  # before the base class handles the request inside __init__
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path.startswith(PREFIX):
            self._own(path[len(PREFIX):])
            return
        page = Path(self.translate_path(self.path))
        if page.is_dir():
            page = page / "index.html"
        if page.suffix == ".html" and page.is_file() and path.endswith(("/", ".html")):
            self._send(200, "text/html; charset=utf-8", self._inject(page.read_text(encoding="utf-8")))
            return
        super().do_GET()

    def _inject(self, text: str) -> bytes:
        tag = script_tag(self.state.snapshot())
        at = text.rfind("</body>")
        return (text[:at] + tag + text[at:] if at >= 0 else text + tag).encode("utf-8")

    def _own(self, rest: str) -> None:
        state = self.state
        if rest == "live.js":
            self._send(200, "text/javascript; charset=utf-8", SCRIPT.encode())
        elif rest == "gallery.css":
            self._send(200, "text/css; charset=utf-8", CSS.encode())
        elif rest == "events":
            self._events()
        elif rest in ("gallery", "gallery/"):
            page = gallery_page(state, state.snapshot())
            self._send(200, "text/html; charset=utf-8", page.encode("utf-8"))
        elif rest.startswith("thumbs/"):
            self._file(thumbs_folder(state.root), rest[len("thumbs/"):])
        elif rest.startswith("files/"):
            self._file(state.preview, rest[len("files/"):])
        else:
            self.send_error(404)

    def _file(self, folder: Path, relative: str) -> None:
        try:
            path = (folder / relative).resolve()
            found = "\x00" not in relative and path.is_relative_to(folder.resolve()) and path.is_file() \
                and not preview.holds_key(path)
        except (OSError, ValueError):  # a NUL byte, a name too long
            found = False
        if not found:
            self.send_error(404)
            return
        types = {".pdf": "application/pdf", ".png": "image/png", ".html": "text/html; charset=utf-8",
                 ".m3u8": "application/vnd.apple.mpegurl"}
        self._send(200, types.get(path.suffix, "application/octet-stream"), path.read_bytes())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = self.state.snapshot()
        try:
            self.wfile.write(f"retry: 500\ndata: {json.dumps(seen)}\n\n".encode())
            self.wfile.flush()
            while not getattr(self.server, "stopping", False):
                now = self.state.wait(seen, KEEPALIVE_S)
                if now != seen:
                    seen = now
                    self.wfile.write(f"data: {json.dumps(seen)}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:  # the page went away
            return


def handler(site: Path, state: State) -> Any:
    return functools.partial(LiveHandler, directory=str(site), state=state)
