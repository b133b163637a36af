"""The pieces of `materials serve`: build, a static handler that behaves like the real host, and the
watch loop. Kept out of cli.py so the command stays a thin wrapper and the parts can be tested."""

from __future__ import annotations

import http.server
import logging
from collections.abc import Iterable
from pathlib import Path

from materials.errors import MaterialsError

log = logging.getLogger(__name__)


def first_build(campaign_dir: Path, out: Path | None) -> Path:
    """Build the web target (errors abort: there is nothing to serve yet); return the site folder."""
    from materials.build import build

    result = build(campaign_dir, out, "web")
    return result.outputs["web"]


def watched_paths(campaign_dir: Path) -> list[Path]:
    """Sources of the site. Only these are watched, never output/, so a rebuild cannot retrigger itself."""
    from materials.templating import BUILTIN

    root = Path(campaign_dir).resolve()
    # posters/ and tips/ give the tips page its words. The campaign's templates/ overrides the built-in
    # ones file by file, so both are watched: a file added there takes over at once.
    paths = [root / "campaign.toml", root / "faq", root / "posters", root / "tips", root / "templates",
             BUILTIN / "web"]
    return [p for p in paths if p.exists()]


def rebuild(campaign_dir: Path, out: Path | None) -> bool:
    """One rebuild; a user's mistake is logged and the last good site stays served."""
    from materials.build import build

    try:
        build(campaign_dir, out, "web")
    except MaterialsError as e:
        log.error("rebuild failed, still serving the last good site:\n%s", e.format_message())
        return False
    log.info("rebuilt the site")
    return True


def watch_and_rebuild(campaign_dir: Path, out: Path | None, changes: Iterable[object] | None = None) -> int:
    """Rebuild after each batch of changes (watchfiles debounces); returns the number of rebuilds."""
    if changes is None:
        import watchfiles

        changes = watchfiles.watch(*watched_paths(campaign_dir))
    count = 0
    for batch in changes:
        log.info("changed: %s", ", ".join(sorted(str(p) for _, p in batch)) if isinstance(batch, set) else batch)
        rebuild(campaign_dir, out)
        count += 1
    return count


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site like a static host: scripts and JSON with their types, 404.html for missing files."""

    extensions_map = {  # noqa: RUF012 - same shape as the stdlib's attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json"}

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(str(self.directory)) / "404.html"
        if code == 404 and page.is_file():
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
