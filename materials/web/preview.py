"""The pieces of `materials serve`: build, a static handler that behaves like the real host, and the
watch loop. Kept out of cli.py so the command stays a thin wrapper and the parts can be tested."""

from __future__ import annotations

import errno
import http.server
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from materials.errors import MaterialsError
from materials.i18n import _
from materials.keys import file_key_material

log = logging.getLogger(__name__)


def first_build(campaign_dir: Path, out: Path | None) -> Path:
    """Build the web target (errors abort: there is nothing to serve yet); return the site folder."""
    return build_site(campaign_dir, out)


def build_site(campaign_dir: Path, out: Path | None) -> Path:
    """What `materials build --only web` does, into the same folder and under the same guard (materials/guarded.py):
    load, validate the site, render and verify it staged, swap it in. Facts are summed up in one line."""
    from materials import content, facts, guarded
    from materials import log as warnings_log
    from materials.campaign import load
    from materials.errors import CampaignError, VerificationError
    from materials.web import TARGET

    with warnings_log.counting() as counter:
        campaign = load(campaign_dir)
        content.require(campaign)  # the content rules, as the pipeline's validation runs them
        facts.report(campaign, each=False)
        out_dir = Path(out) if out is not None else campaign.root / "output"
        with guarded.Run(out_dir, guarded.BUILD, campaign.root, keys=guarded.campaign_keys(campaign),
                         protected=guarded.sources_read(campaign), default=out is None, counter=counter) as run:
            plan = TARGET.validate(campaign)
            try:
                with run.checking():
                    guarded.warn_placeholders(campaign)
                    if plan.problems:
                        raise CampaignError(plan.problems, _("campaign {root} has problems").format(root=campaign.root))
                with run.writing(), run.staging() as stages:
                    stage = stages.make("web")
                    TARGET.render(plan, stage, {n: out_dir / n for n in TARGET.depends_on if (out_dir / n).is_dir()})
                    problems = TARGET.verify(campaign, stage)
                    if problems:
                        raise VerificationError(problems, _("web output failed verification; nothing was replaced"))
                    stages.swap_in()
            finally:
                plan.close()
    return out_dir / "web"


def watched_paths(campaign_dir: Path) -> list[Path]:
    """Sources of the site. Only these are watched, never output/, so a rebuild cannot retrigger itself."""
    from materials.templating import BUILTIN

    root = Path(campaign_dir).resolve()
    # posters/ and tips/ give the tips page its words. The campaign's templates/ overrides the built-in
    # ones file by file, so both are watched: a file added there takes over at once.
    paths = [root / "campaign.toml", root / "faq", root / "posters", root / "tips", root / "templates",
             BUILTIN / "web"]
    return [p for p in paths if p.exists()]


def watch(paths: list[Path], **options: Any) -> Iterator[set[tuple[Any, str]]]:
    """Batches of changes to `paths` (watchfiles). A file is watched through its folder, by name: an editor's
    save by rename (`sed -i`, most editors: a new file moved over the old) replaces the file's inode, and a
    watch on the file itself stayed on the old one, so every later edit went unnoticed (red team 6, D11).
    Only the named files and what lies in the named folders count, never output/: a rebuild cannot retrigger
    itself."""
    import watchfiles

    paths = [p.resolve() for p in paths]
    folders = [p for p in paths if p.is_dir()]
    files = frozenset(p for p in paths if not p.is_dir())
    roots = [*folders, *{f.parent for f in files if not any(f.is_relative_to(d) for d in folders)}]
    usual = watchfiles.DefaultFilter()

    def wanted(change: watchfiles.Change, path: str) -> bool:
        where = Path(path)
        return usual(change, path) and (where in files or any(where.is_relative_to(d) for d in folders))

    return watchfiles.watch(*roots, watch_filter=wanted, **options)


def rebuild(campaign_dir: Path, out: Path | None) -> bool:
    """One rebuild; a user's mistake is logged and the last good site stays served."""
    return rebuild_problem(campaign_dir, out) is None


def rebuild_problem(campaign_dir: Path, out: Path | None) -> str | None:
    """One rebuild, logged: None when it worked, else the problem (the last good site stays served)."""
    try:
        build_site(campaign_dir, out)
    except MaterialsError as e:
        problem = e.format_message()
        log.error(_("rebuild failed, still serving the last good site:\n%s"), problem)
        return problem
    except (OSError, ValueError, LookupError) as e:  # an edit in progress (a file half saved, a bad byte)
        problem = f"{type(e).__name__}: {e}"
        log.error(_("rebuild failed, still serving the last good site: %s"), problem)
        return problem
    log.info(_("rebuilt the site"))
    return None


def watch_and_rebuild(campaign_dir: Path, out: Path | None, changes: Iterable[object] | None = None,
                      on_change: Callable[[list[str]], object] | None = None) -> int:
    """Rebuild after each batch of changes (watchfiles debounces); returns the number of rebuilds.
    `on_change(paths)` replaces the plain rebuild (serve's live preview, materials/web/live.py)."""
    if changes is None:
        changes = watch(watched_paths(campaign_dir))
    count = 0
    for batch in changes:
        paths = sorted(str(p) for _, p in batch) if isinstance(batch, set) else [str(batch)]
        log.info(_("changed: %s"), ", ".join(paths))
        if on_change is None:
            rebuild(campaign_dir, out)
        else:
            on_change(paths)
        count += 1
    return count


class Server(http.server.ThreadingHTTPServer):
    """The preview server: a request that fails (a client that hung up) is one log line, never a traceback."""

    daemon_threads = True

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        import sys

        log.debug("request from %s failed: %s", client_address[0], sys.exc_info()[1])


def bind(port: int) -> Server:
    """The server on 127.0.0.1:`port`; a port in use is a one-line error naming it and what to do."""
    try:
        return Server(("127.0.0.1", port), Handler)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise MaterialsError(_("port {port} on 127.0.0.1 is already in use (another `materials serve`?); "
                                   "stop it or choose another with --port (0 picks a free one)").format(
                                       port=port)) from None
        raise MaterialsError(_("cannot listen on 127.0.0.1:{port}: {value}").format(port=port,
                                                                                    value=e.strerror or e)) from None


def holds_key(path: str | os.PathLike[str]) -> bool:
    """Whether a file holds key material (`keys.key_material`), by its contents, whatever its name: never served."""
    return file_key_material(path) is not None


def _servable(path: str) -> bool:
    """Whether `path` is missing (the request gets the 404 page), a folder or a regular file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return True
    return stat.S_ISDIR(mode) or stat.S_ISREG(mode)


def allowed_hosts(port: int | str) -> frozenset[str]:
    """The Host headers the preview answers: its own address and the loopback names, with its port (a browser
    leaves the port out only for 80)."""
    names = ("127.0.0.1", "localhost", "[::1]")
    return frozenset({f"{name}:{port}" for name in names} | (set(names) if int(port) == 80 else set()))


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site like a static host: scripts and JSON with their types, 404.html for missing files."""

    extensions_map = {  # noqa: RUF012 - same shape as the stdlib's attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json"}

    def parse_request(self) -> bool:
        """Only requests addressed to this server by name are answered: a page elsewhere that points its own
        host name at 127.0.0.1 (DNS rebinding) sends that name as Host and gets 421, never the preview."""
        if not super().parse_request():
            return False
        host, address = self.headers.get("Host"), self.server.server_address
        port = address[1] if isinstance(address, tuple) else 0
        if host is None or host.strip().lower() not in allowed_hosts(port):
            self.close_connection = True
            self.send_error(421, _("Misdirected request"),
                            _("materials serve answers only requests to 127.0.0.1, localhost or [::1] on its own "
                              "port; open the address it printed"))
            return False
        return True

    def translate_path(self, path: str) -> str:
        translated = super().translate_path(path)
        # A NUL or an undecodable byte in the path makes os.stat raise instead of answering 404: map it to a name
        # that cannot exist, so an odd path gets the site's 404 page.
        try:
            translated.encode("utf-8")
        except UnicodeEncodeError:
            return str(Path(str(self.directory)) / ".missing")
        missing = str(Path(str(self.directory)) / ".missing")
        if "\x00" in translated:
            return missing
        # A symbolic link inside the site that leads out of it (to the signing key, to /etc) is a 404, as on a
        # static host that serves only its own folder: the real path must lie inside the site.
        if not self._inside(Path(translated)):
            return missing
        # A hard link to the signing key inside the site (`ln .materials/venue-signing.key output/web/k.txt`) lies
        # inside it and is no symbolic link: the file's own first bytes tell a key, wherever its other names are.
        if holds_key(translated):
            return missing
        # Only a regular file or a folder is served: opening a FIFO in the site blocked the request's thread
        # for ever (a device would send its endless bytes).
        if not _servable(translated):
            return missing
        # A folder is served as its index.html (index.htm): that file too must really lie inside the site.
        if os.path.isdir(translated):
            for name in ("index.html", "index.htm"):
                index = Path(translated) / name
                if (index.is_symlink() or index.exists()) and (not self._inside(index) or holds_key(index)
                                                               or not _servable(str(index))):
                    return missing
        return translated

    def _inside(self, path: Path) -> bool:
        try:
            return path.resolve().is_relative_to(Path(str(self.directory)).resolve())
        except (OSError, RuntimeError, ValueError):
            return False

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """A folder without index.html is a 404, as on a static host: never a listing of the output folder."""
        self.send_error(404)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(str(self.directory)) / "404.html"
        if code == 404 and page.is_file() and not holds_key(page):
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)
