"""The `materials` command: thin click commands over the library.

Each command parses options, calls one library function and prints the result. WeasyPrint and the other
heavy libraries are imported inside the code that renders, so `materials --help` is instant.
Exit status: 0 done, 1 input problems (`MaterialsError`), 2 usage.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import click

from materials import __version__, i18n, registry
from materials.i18n import N_, _

#: A word click shows through `gettext` of a variable, which the catalog's extraction cannot see: listed here so
#: that the catalog carries it ("[required]" in the help of a required option).
CLICK_WORDS = (N_("required"),)

CAMPAIGN = click.option(
    "--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
    show_default=True, help=_("Campaign folder (holds campaign.toml and faq/)."),
)
STRICT = click.option("--strict", is_flag=True,
                      help=_("Treat warnings (e.g. a placeholder service URL) as failure."))


class Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from materials.errors import safe_message

        message = safe_message(record.getMessage())  # no key material, no terminal controls from a file
        if record.levelno >= logging.ERROR:
            return _("error: {message}").format(message=message)
        if record.levelno >= logging.WARNING:
            text = _("warning: {message}").format(message=message)
            # NO_COLOR (no-color.org): any non-empty value turns colour off; so does a pipe or a file.
            if os.environ.get("NO_COLOR") or not sys.stderr.isatty():
                return text
            return click.style(text, fg="yellow", bold=True)
        return message


def configure_logging(verbosity: int) -> None:
    """-q (-1): errors only; default (0): progress and warnings; -v: detail (font packs, step timings); -vv:
    debug. Under -q warnings are still made and counted (`--strict` fails on them), only not printed."""
    from materials.log import DETAIL

    level = {-1: logging.WARNING, 0: logging.INFO, 1: DETAIL}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.ERROR if verbosity < 0 else logging.DEBUG)
    handler.setFormatter(Formatter())
    for name in ("materials", "weasyprint"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
        # WeasyPrint's info/debug chatter is noise for users; its warnings (missing images, fonts) are not.
        logger.setLevel(level if name == "materials" else max(level, logging.WARNING))
    # A library's own `warnings.warn` printed a raw two-line UserWarning with a path into site-packages:
    # openpyxl's "no default style" is handled (it applies its default style, which hides nothing), the rest
    # are our one-line warnings, counted like every other.
    warnings.filterwarnings("ignore", message="Workbook contains no default style", category=UserWarning,
                            module="openpyxl")
    warnings.showwarning = _library_warning
    from materials import progress

    progress.enable_bars(verbosity >= 0)


def _library_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                     file: Any = None, line: str | None = None) -> None:
    """`warnings.showwarning` for the command line: one line, naming the library it came from."""
    parts = Path(filename).parts
    library = parts[parts.index("site-packages") + 1] if "site-packages" in parts[:-1] else Path(filename).stem
    text = (str(message).strip().splitlines() or [category.__name__])[0]
    logging.getLogger("materials.library").warning(_("{library}: {message}").format(library=library, message=text))


def _only(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A wrong output name is a usage error (exit 2), like any other bad option value."""
    from materials.build import parse_only
    from materials.errors import MaterialsError

    try:
        parse_only(value)
    except MaterialsError as e:
        raise click.BadParameter(_("{problem} (got {value!r})").format(problem=e.message.split(": ", 1)[-1],
                                                                     value=value), ctx, param) from None
    return value


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             help=_("Publicity materials for a city's health QR code.\n\nFrom one campaign folder, make print-ready "
                    "posters, tips signs and the FAQ booklet, a signed check-in code poster per venue, and a static "
                    "bilingual FAQ website."))
@click.version_option(__version__, "--version", prog_name="materials", help=_("Show the version and exit."))
@click.option("-v", "--verbose", count=True, help=_("More detail (repeat for debug output)."))
@click.option("-q", "--quiet", is_flag=True, help=_("Only errors (warnings still count for --strict)."))
def cli(verbose: int, quiet: bool) -> None:
    """Publicity materials for a city's health QR code.

    From one campaign folder, make print-ready posters, tips signs and the FAQ booklet, a signed
    check-in code poster per venue, and a static bilingual FAQ website.
    """
    from materials.sourcedate import source_date_epoch

    configure_logging(-1 if quiet else verbose)
    source_date_epoch()  # a value no date holds stops every command here, before any work


@cli.command(help=_("Build every output of a campaign: output/print, output/venues, output/web."))
@CAMPAIGN
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Output folder [default: CAMPAIGN/output]."))
@click.option("--only", default=None, metavar="web,print,venues", callback=_only,
              help=_("Build only these outputs."))
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


@cli.command(help=_("Validate a campaign without writing anything."))
@CAMPAIGN
@click.option("--output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Also verify an existing output folder (QR codes, page counts, fonts, links)."))
@STRICT
def check(campaign_dir: Path, output: Path | None, strict: bool) -> None:
    """Validate a campaign without writing anything."""
    from materials.build import check as run

    campaign = run(campaign_dir, output, strict)
    counts = ", ".join(f"{len(v)} {k}" for k, v in campaign.faqs.items())
    if output:
        click.echo(_("ok: {campaign} ({counts} FAQs) and {output}").format(campaign=campaign.root, counts=counts,
                                                                           output=output))
    else:
        click.echo(_("ok: {campaign} ({counts} FAQs)").format(campaign=campaign.root, counts=counts))


@cli.command(help=_("Write a new campaign folder that builds at once (then edit its PLACEHOLDERs).\n\nOn a "
                    "terminal it asks for what the flags give (empty answer: a placeholder to edit later); in "
                    "scripts, flags not given leave placeholders."))
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--faq", "faq", default=None, metavar="ID,ID",
              help=_("Only these questions (and the ones they link to) instead of all 40."))
@click.option("--city", default=None, help=_("The city's name in Chinese (杭州)."))
@click.option("--city-en", default=None, help=_("The city's name in English (Hangzhou)."))
@click.option("--authority", default=None, help=_("The issuing authority's full name in Chinese."))
@click.option("--authority-en", default=None, help=_("The issuing authority's full name in English."))
@click.option("--authority-short", default=None,
              help=_("The authority's short name in Chinese, printed where space is tight (venue posters, stickers) "
                     "[default: the full name]."))
@click.option("--authority-short-en", default=None,
              help=_("The authority's short name in English [default: the English full name]."))
@click.option("--district", "districts", multiple=True, metavar="KEY=名称",
              help=_("A district, in official order (repeat): shangcheng=上城区[=Shangcheng District]."))
@click.option("--service-url", default=None, metavar="URL", help=_("The declaration service's https address."))
@click.option("--site-url", default=None, metavar="URL", help=_("The FAQ website's https address."))
def new(folder: Path, faq: str | None, city: str | None, city_en: str | None, authority: str | None,
        authority_en: str | None, authority_short: str | None, authority_short_en: str | None,
        districts: tuple[str, ...], service_url: str | None, site_url: str | None) -> None:
    """Write a new campaign folder that builds at once (then edit its PLACEHOLDERs).

    On a terminal it asks for what the flags give (empty answer: a placeholder to edit later); in scripts,
    flags not given leave placeholders.
    """
    from materials.new import Answers, check_answer, create, parse_district

    asking = sys.stdin.isatty() and sys.stdout.isatty()

    def ask(value: str | None, question: str, option: str) -> str:
        if value is not None or not asking:
            return check_answer(option, value or "")
        return check_answer(option, str(click.prompt(question, default="", show_default=False)).strip())

    answers = Answers(city=ask(city, _("City, in Chinese (城市，如 杭州)"), "--city"),
                      city_en=ask(city_en, _("City, in English (such as Hangzhou)"), "--city-en"),
                      authority=ask(authority, _("Issuing authority, full name in Chinese (发布机关全称)"),
                                    "--authority"),
                      authority_en=ask(authority_en, _("Issuing authority, full name in English"), "--authority-en"))
    answers.authority_short = ask(authority_short, _("Issuing authority, short name in Chinese, printed where space "
                                                     "is tight (简称，如 杭州市防控指挥部; empty: the full name)"),
                                  "--authority-short")
    answers.authority_short_en = ask(authority_short_en, _("Issuing authority, short name in English (empty: the "
                                                           "English full name)"), "--authority-short-en")
    entries = list(districts)
    if not entries and asking:
        text = ask(None, _("Districts in official order, KEY=名称 separated by spaces (shangcheng=上城区 "
                           "gongshu=拱墅区)"), "--district")
        entries = text.replace(",", " ").replace("，", " ").split()
    answers.districts = [parse_district(entry, number) for number, entry in enumerate(entries, 1)]
    answers.service_url = ask(service_url, _("Declaration service address (https://…)"), "--service-url")
    answers.site_url = ask(site_url, _("FAQ website address (https://…)"), "--site-url")
    written = create(folder, [f.strip() for f in faq.split(",") if f.strip()] if faq else None, answers)
    if ".." in folder.parts:  # the folder the system reached (nothere/../camp is camp)
        folder = written[0].parent
    click.echo(_("{folder}: new campaign, {count} files. Edit {settings} (every PLACEHOLDER), then run: "
                 "materials build --campaign {folder}").format(folder=folder, count=len(written),
                                                               settings=folder / "campaign.toml"))


@cli.command(help=_("Write the sign-off proof: blockers, links, facts to confirm, the notice, every text beside its "
                    "picture."))
@CAMPAIGN
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("PDF to write [default: CAMPAIGN/output/proof.pdf]."))
@click.option("--output", "output", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Build folder whose files are pictured on the proof [default: CAMPAIGN/output]."))
def proof(campaign_dir: Path, out: Path | None, output: Path | None) -> None:
    """Write the sign-off proof: blockers, links, facts to confirm, the notice, every text beside its picture."""
    from materials.proof import write_proof

    path, result = write_proof(campaign_dir, out, output)
    click.echo(_("proof: {path} ({blockers} blocker(s) first on the cover, {unconfirmed} unconfirmed fact(s); "
                 "sources fingerprint {fingerprint})").format(path=path.resolve(), blockers=len(result.blockers),
                                                              unconfirmed=len(result.unconfirmed),
                                                              fingerprint=result.fingerprint))
    if result.pictures_from is None:
        click.secho(_("warning: the proof has no pictures of the materials: no build in {output}. Run `materials "
                      "build` first, or give --output DIR of a build, then run `materials proof` again").format(
                          output=(output or campaign_dir / "output")), fg="yellow", err=True)


@cli.group(invoke_without_command=True,
           help=_("List the campaign's local facts (status, words, source); `facts confirm` records a "
                  "confirmation."))
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
        status = _("confirmed  ") if fact.confirmed else _("UNCONFIRMED")
        words = " / ".join(fact.text.get(lang, "") for lang in settings.languages)
        click.echo(_("{status} {name}: {words}\n    source: {source}").format(status=status, name=name, words=words,
                                                                            source=source_line(fact)))
        if fact.source and fact.source.contrary:
            click.echo(_("    contrary evidence: {evidence}").format(evidence=fact.source.contrary))
    unconfirmed = sum(1 for f in settings.facts.values() if not f.confirmed)
    click.echo(_("{count} facts, {unconfirmed} unconfirmed").format(count=len(settings.facts), unconfirmed=unconfirmed))


@facts.command("confirm", help=_("Record that the authority confirmed fact NAME (or corrected it): campaign.toml "
                                 "keeps its comments."))
@click.argument("name")
@click.option("--source", "document", required=True, help=_("The document that states the fact (title, issuer)."))
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help=_("Date of that document, YYYY-MM-DD."))
@click.option("--link", default="", help=_("Where to read it (https), if it is online."))
@click.option("--text", "texts", multiple=True, metavar="LANG=WORDS",
              help=_("Corrected words in one language (repeat per language); without it the words stay."))
@click.option("--campaign", "campaign_here", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Campaign folder (holds campaign.toml and faq/) [default: facts --campaign, or .]."))
@click.pass_obj
def facts_confirm(campaign_dir: Path, name: str, document: str, day: Any, link: str, texts: tuple[str, ...],
                  campaign_here: Path | None) -> None:
    """Record that the authority confirmed fact NAME (or corrected it): campaign.toml keeps its comments."""
    from materials.config import load_settings
    from materials.facts import confirm

    # `--campaign` after the subcommand, as every other command takes it (`facts --campaign DIR confirm` too).
    campaign_dir = campaign_here or campaign_dir
    words: dict[str, str] = {}
    for item in texts:
        lang, sep, value = item.partition("=")
        if not sep or not lang.strip() or not value.strip():
            raise click.BadParameter(_("{item!r}: write LANG=WORDS, for example --text zh-CN=橙码").format(item=item),
                                     param_hint="--text")
        words[lang.strip()] = value.strip()
    written = confirm(campaign_dir, name, document, day.date(), link, words)
    click.echo(_("{settings}: facts.{name} confirmed").format(settings=campaign_dir / "campaign.toml", name=name))
    for line in written:
        click.echo(f"  {line}")
    fact = load_settings(campaign_dir / "campaign.toml").facts[name]
    if fact.source is not None and fact.source.contrary:
        click.echo(_("facts.{name} keeps its contrary evidence ({evidence}): the proof lists it as a blocker until "
                     "you remove `contrary` from its source in campaign.toml").format(
                         name=name, evidence=fact.source.contrary), err=True)


@cli.command("settings", help=_("Print the settings reference of campaign.toml (Markdown)."))
def settings_reference() -> None:
    """Print the settings reference of campaign.toml (Markdown)."""
    from materials.config import reference_markdown

    click.echo(reference_markdown(), nl=False)


@cli.command(help=_("Preview the FAQ website on http://127.0.0.1:PORT/, rebuilding it when a source changes.\n\n"
                    "Watches campaign.toml, faq/, posters/, tips/, venues/ and the campaign's templates/. An open page "
                    "reloads itself after each rebuild. A failed rebuild is reported and the last good site stays up, "
                    "so an edit in progress never takes the preview down. /__materials__/gallery/ shows a thumbnail "
                    "of every print output, the problems of the last rebuild and the facts' status (the print "
                    "materials are rebuilt into a temporary folder)."))
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help=_("Campaign folder (holds campaign.toml and faq/)."))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Output folder [default: CAMPAIGN/output]; the site is written to OUT/web."))
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help=_("Port on 127.0.0.1 (0 picks a free one)."))
@click.option("--no-watch", is_flag=True, help=_("Build once and serve, without rebuilding on changes."))
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
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    gallery = live.Gallery(state, build)
    gallery.start()

    def changed(paths: list[str]) -> None:
        live.changed(state, gallery, out, paths)

    _stop_on_signals()
    try:
        click.echo(_("serving {site} at {url} (Ctrl+C to stop); every print output: {gallery}").format(
            site=site, url=url, gallery=url + live.GALLERY.lstrip("/")))
        if no_watch:
            thread.join()
        else:
            preview.watch_and_rebuild(campaign_dir, out, preview.watch(live.watched(campaign_dir)), changed)
    except KeyboardInterrupt:
        pass
    finally:
        gallery.stop()
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(state.preview, ignore_errors=True)


def _stop_on_signals() -> None:
    """SIGTERM (`kill`, a service manager) and SIGHUP (the terminal closed) stop `serve` as Ctrl+C does: its
    `finally` removes the temporary preview folder instead of leaving it in /tmp. The exit status says which."""
    import signal

    def stop(number: int, _frame: object) -> None:
        for name in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(name, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        raise SystemExit(128 + number)

    for name in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(name, stop)


def _register_optional_commands() -> None:
    """Commands owned by the output kinds (`materials venues`, `verify`, `keys`): each kind's Target names its
    own (`commands`, materials/registry.py)."""
    for command in registry.commands():
        cli.add_command(command)


_register_optional_commands()


def main() -> None:
    i18n.install_for_click()
    cli(prog_name="materials")
