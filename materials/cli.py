"""The `materials` command: thin click commands over the library.

Each command parses options, calls one library function and prints the result. WeasyPrint and the other
heavy libraries are imported inside the code that renders, so `materials --help` is instant.
Exit status: 0 done, 1 input problems (`MaterialsError`), 2 usage.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from materials import __version__

CAMPAIGN = click.option(
    "--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
    show_default=True, help="Campaign folder (holds campaign.toml and faq/).",
)
STRICT = click.option("--strict", is_flag=True, help="Treat warnings (e.g. a placeholder service URL) as failure.")


class Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"error: {message}"
        if record.levelno >= logging.WARNING:
            # NO_COLOR (no-color.org): any non-empty value turns colour off; so does a pipe or a file.
            if os.environ.get("NO_COLOR") or not sys.stderr.isatty():
                return f"warning: {message}"
            return click.style(f"warning: {message}", fg="yellow", bold=True)
        return message


def configure_logging(verbosity: int) -> None:
    """-q (-1): errors only; default (0): progress and warnings; -v: debug. Under -q warnings are still made
    and counted (`--strict` fails on them), only not printed."""
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.ERROR if verbosity < 0 else logging.DEBUG)
    handler.setFormatter(Formatter())
    for name in ("materials", "weasyprint"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        # WeasyPrint's info/debug chatter is noise for users; its warnings (missing images, fonts) are not.
        logger.setLevel(level if name == "materials" else max(level, logging.WARNING))
    from materials import progress

    progress.enable_bars(verbosity >= 0)


def _only(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A wrong output name is a usage error (exit 2), like any other bad option value."""
    from materials.build import parse_only
    from materials.errors import MaterialsError

    try:
        parse_only(value)
    except MaterialsError as e:
        raise click.BadParameter(e.message.split(": ", 1)[-1] + f" (got {value!r})", ctx, param) from None
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="materials")
@click.option("-v", "--verbose", count=True, help="More detail (repeat for debug output).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors (warnings still count for --strict).")
def cli(verbose: int, quiet: bool) -> None:
    """Publicity materials for a city's health QR code.

    From one campaign folder, make print-ready posters, tips signs and the FAQ booklet, a signed
    check-in code poster per venue, and a static bilingual FAQ website.
    """
    configure_logging(-1 if quiet else verbose)


@cli.command()
@CAMPAIGN
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder [default: CAMPAIGN/output].")
@click.option("--only", default=None, metavar="web,print,venues", callback=_only,
              help="Build only these outputs.")
@STRICT
def build(campaign_dir: Path, out: Path | None, only: str | None, strict: bool) -> None:
    """Build every output of a campaign: output/print, output/venues, output/web."""
    from materials.build import build as run

    result = run(campaign_dir, out, only, strict)
    *folders, last = result.summary()
    for line in folders:
        click.echo(line)
    if not click.get_current_context().find_root().params.get("quiet"):
        click.secho(last, fg="yellow" if result.warnings and not os.environ.get("NO_COLOR") else None)


@cli.command()
@CAMPAIGN
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also verify an existing output folder (QR codes, page counts, fonts, links).")
@STRICT
def check(campaign_dir: Path, output: Path | None, strict: bool) -> None:
    """Validate a campaign without writing anything."""
    from materials.build import check as run

    campaign = run(campaign_dir, output, strict)
    counts = ", ".join(f"{len(v)} {k}" for k, v in campaign.faqs.items())
    click.echo(f"ok: {campaign.root} ({counts} FAQs){' and ' + str(output) if output else ''}")


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--faq", "faq", default=None, metavar="ID,ID", help="Only these questions (and the ones they link "
              "to) instead of all 40.")
@click.option("--city", default=None, help="The city's name in Chinese (杭州).")
@click.option("--city-en", default=None, help="The city's name in English (Hangzhou).")
@click.option("--authority", default=None, help="The issuing authority's full name in Chinese.")
@click.option("--authority-en", default=None, help="The issuing authority's full name in English.")
@click.option("--district", "districts", multiple=True, metavar="KEY=名称",
              help="A district, in official order (repeat): shangcheng=上城区[=Shangcheng District].")
@click.option("--service-url", default=None, metavar="URL", help="The declaration service's https address.")
@click.option("--site-url", default=None, metavar="URL", help="The FAQ website's https address.")
def new(folder: Path, faq: str | None, city: str | None, city_en: str | None, authority: str | None,
        authority_en: str | None, districts: tuple[str, ...], service_url: str | None, site_url: str | None) -> None:
    """Write a new campaign folder that builds at once (then edit its PLACEHOLDERs).

    On a terminal it asks for what the flags give (empty answer: a placeholder to edit later); in scripts,
    flags not given leave placeholders.
    """
    from materials.new import Answers, create, parse_district

    asking = sys.stdin.isatty() and sys.stdout.isatty()

    def ask(value: str | None, question: str) -> str:
        if value is not None or not asking:
            return value or ""
        return str(click.prompt(question, default="", show_default=False)).strip()

    answers = Answers(city=ask(city, "City, in Chinese (城市，如 杭州)"),
                      city_en=ask(city_en, "City, in English (such as Hangzhou)"),
                      authority=ask(authority, "Issuing authority, full name in Chinese (发布机关全称)"),
                      authority_en=ask(authority_en, "Issuing authority, full name in English"))
    entries = list(districts)
    if not entries and asking:
        text = ask(None, "Districts in official order, KEY=名称 separated by spaces (shangcheng=上城区 "
                   "gongshu=拱墅区)")
        entries = text.replace(",", " ").replace("，", " ").split()
    answers.districts = [parse_district(entry, number) for number, entry in enumerate(entries, 1)]
    answers.service_url = ask(service_url, "Declaration service address (https://…)")
    answers.site_url = ask(site_url, "FAQ website address (https://…)")
    written = create(folder, [f.strip() for f in faq.split(",") if f.strip()] if faq else None, answers)
    click.echo(f"{folder}: new campaign, {len(written)} files. Edit {folder / 'campaign.toml'} (every "
               f"PLACEHOLDER), then run: materials build --campaign {folder}")


@cli.command()
@CAMPAIGN
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="PDF to write [default: CAMPAIGN/output/proof.pdf].")
@click.option("--output", "output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Build folder whose files are pictured on the proof [default: CAMPAIGN/output].")
def proof(campaign_dir: Path, out: Path | None, output: Path | None) -> None:
    """Write the sign-off proof: blockers, links, facts to confirm, the notice, every text beside its picture."""
    from materials.proof import write_proof

    path, result = write_proof(campaign_dir, out, output)
    click.echo(f"proof: {path.resolve()} ({len(result.blockers)} blocker(s) first on the cover, "
               f"{len(result.unconfirmed)} unconfirmed fact(s); sources fingerprint {result.fingerprint})")


@cli.group(invoke_without_command=True)
@CAMPAIGN
@click.pass_context
def facts(ctx: click.Context, campaign_dir: Path) -> None:
    """List the campaign's local facts (status, words, source); `facts confirm` records a confirmation."""
    ctx.obj = campaign_dir
    if ctx.invoked_subcommand is not None:
        return
    from materials.config import load_settings
    from materials.facts import source_line

    settings = load_settings(campaign_dir / "campaign.toml")
    for name, fact in settings.facts.items():
        status = "confirmed  " if fact.confirmed else "UNCONFIRMED"
        words = " / ".join(fact.text.get(lang, "") for lang in settings.languages)
        contrary = f"\n    contrary evidence: {fact.source.contrary}" if fact.source and fact.source.contrary else ""
        click.echo(f"{status} {name}: {words}\n    source: {source_line(fact)}{contrary}")
    unconfirmed = sum(1 for f in settings.facts.values() if not f.confirmed)
    click.echo(f"{len(settings.facts)} facts, {unconfirmed} unconfirmed")


@facts.command("confirm")
@click.argument("name")
@click.option("--source", "document", required=True, help="The document that states the fact (title, issuer).")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Date of that document, YYYY-MM-DD.")
@click.option("--link", default="", help="Where to read it (https), if it is online.")
@click.option("--text", "texts", multiple=True, metavar="LANG=WORDS",
              help="Corrected words in one language (repeat per language); without it the words stay.")
@click.pass_obj
def facts_confirm(campaign_dir: Path, name: str, document: str, day: Any, link: str, texts: tuple[str, ...]) -> None:
    """Record that the authority confirmed fact NAME (or corrected it): campaign.toml keeps its comments."""
    from materials.facts import confirm

    words: dict[str, str] = {}
    for item in texts:
        lang, sep, value = item.partition("=")
        if not sep or not lang.strip() or not value.strip():
            raise click.BadParameter(f"{item!r}: write LANG=WORDS, for example --text zh-CN=橙码", param_hint="--text")
        words[lang.strip()] = value.strip()
    written = confirm(campaign_dir, name, document, day.date(), link, words)
    click.echo(f"{campaign_dir / 'campaign.toml'}: facts.{name} confirmed")
    for line in written:
        click.echo(f"  {line}")


@cli.command("settings")
def settings_reference() -> None:
    """Print the settings reference of campaign.toml (Markdown)."""
    from materials.config import reference_markdown

    click.echo(reference_markdown(), nl=False)


@cli.command()
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
    import shutil
    import tempfile
    import threading

    from materials.build import build
    from materials.web import preview

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
    gallery = live.Gallery(state, build)
    gallery.start()

    def changed(paths: list[str]) -> None:
        live.changed(state, gallery, out, paths)

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


def _register_optional_commands() -> None:
    """Commands owned by the output kinds (venues, verify, keys, serve)."""
    import importlib

    for module_name, names in (
        ("materials.venues.cli", ("venues", "verify", "keys")),
    ):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name != module_name:
                raise
            continue
        for name in names:
            command = getattr(module, name, None)
            if command is not None:
                cli.add_command(command)


_register_optional_commands()


def main() -> None:
    cli(prog_name="materials")
