"""`materials serve`: preview the FAQ website on 127.0.0.1, rebuilding when a source changes."""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path

import click

from materials.web import preview

log = logging.getLogger(__name__)


@click.command()
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help="Campaign folder (holds campaign.toml and faq/).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder [default: CAMPAIGN/output]; the site is written to OUT/web.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--no-watch", is_flag=True, help="Build once and serve, without rebuilding on changes.")
def serve(campaign_dir: Path, out: Path | None, port: int, no_watch: bool) -> None:
    """Preview the FAQ website on http://127.0.0.1:PORT/, rebuilding it when a source changes.

    Watches campaign.toml, faq/, posters/, tips/, venues/ and the campaign's templates/. An open page reloads itself
    after each rebuild. A failed rebuild is reported and the last good site stays up, so an edit in progress never
    takes the preview down. /__materials__/gallery/ shows a thumbnail of every print output, the problems of the
    last rebuild and the facts' status (the print materials are rebuilt into a temporary folder).
    """
    httpd = preview.bind(port)  # before the build: a busy port is known at once
    try:
        site = preview.first_build(campaign_dir, out)
    except BaseException:
        httpd.server_close()
        raise
    from materials.web import live

    state = live.State(campaign_dir, Path(tempfile.mkdtemp(prefix="materials-preview-")))
    httpd.RequestHandlerClass = live.handler(site, state)
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    click.echo(f"serving {site} at {url} (Ctrl+C to stop); every print output: {url}{live.GALLERY.lstrip('/')}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    gallery = live.Gallery(state)
    gallery.start()

    def changed(paths: list[str]) -> None:
        live.rebuild_site(state, out)  # the site first: an open page updates in about a second
        gallery.changed(paths)

    try:
        if no_watch:
            thread.join()
        else:
            import watchfiles

            preview.watch_and_rebuild(campaign_dir, out, watchfiles.watch(*live.watched(campaign_dir)), changed)
    except KeyboardInterrupt:
        pass
    finally:
        gallery.stop()
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(state.preview, ignore_errors=True)
