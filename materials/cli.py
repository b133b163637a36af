"""The `materials` command: thin click commands over the library.

Each command parses options, calls one library function and prints the result. WeasyPrint and the other
heavy libraries are imported inside the code that renders, so `materials --help` is instant.
Exit status: 0 done, 1 input problems (`MaterialsError`), 2 usage.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

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
        if record.levelno >= logging.WARNING:
            return click.style(f"warning: {message}", fg="yellow", bold=True)
        return message


def configure_logging(verbosity: int) -> None:
    level = {-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
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
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
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
    click.secho(last, fg="yellow" if result.warnings else None)


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
def new(folder: Path, faq: str | None) -> None:
    """Write a new campaign folder that builds at once (then edit its PLACEHOLDERs)."""
    from materials.new import create

    written = create(folder, [f.strip() for f in faq.split(",") if f.strip()] if faq else None)
    click.echo(f"{folder}: new campaign, {len(written)} files. Edit {folder / 'campaign.toml'} (every "
               f"PLACEHOLDER), then run: materials build --campaign {folder}")


@cli.command()
@CAMPAIGN
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="PDF to write [default: CAMPAIGN/output/proof.pdf].")
def proof(campaign_dir: Path, out: Path | None) -> None:
    """Write the sign-off proof: every text numbered, facts highlighted with their source, approval lines."""
    from materials.proof import write_proof

    path, result = write_proof(campaign_dir, out)
    click.echo(f"proof: {path} ({len(result.unconfirmed)} unconfirmed fact(s) listed on the cover)")


@cli.command("settings")
def settings_reference() -> None:
    """Print the settings reference of campaign.toml (Markdown)."""
    from materials.config import reference_markdown

    click.echo(reference_markdown(), nl=False)


def _register_optional_commands() -> None:
    """Commands owned by the output kinds (venues, verify, keys, serve)."""
    import importlib

    for module_name, names in (
        ("materials.venues.cli", ("venues", "verify", "keys")),
        ("materials.web.cli", ("serve",)),
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
