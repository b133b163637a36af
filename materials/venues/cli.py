"""Commands of the venues target: `materials venues`, `materials verify`, `materials keys new`.

Thin: parse options, call the library, print the result. WeasyPrint is imported only when rendering.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from materials.errors import MaterialsError

KEY_FILE = click.option("--key-file", "key_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                        help="Signing key file (repeat during a key rotation) [default: campaign.toml "
                        "venues.key_file]. Never inside an output folder.")
SHEET = click.option("--sheet", default=None, metavar="NAME",
                     help="Sheet of an XLSX workbook to read, when several sheets hold data.")


@click.command()
@click.argument("venue_list", metavar="LIST", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help="Campaign folder (holds campaign.toml).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder [default: CAMPAIGN/output/venue-lists/LIST-NAME]. A rerun skips unchanged venues.")
@click.option("--size", type=click.Choice(["A4", "A5", "A6"]), default=None,
              help="Poster size; A6 makes stickers imposed four to an A4 sheet [default: venues.size].")
@click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default=True,
              help="Local worker processes.")
@click.option("--dask", metavar="ADDRESS", default=None,
              help="Run the chunks on a Dask distributed scheduler (tcp://host:8786) instead of local processes.")
@click.option("--skip-invalid", is_flag=True,
              help="Render the valid rows, list the others in rejects.csv, exit 0 with a summary.")
@click.option("--screens/--no-screens", default=None, help="Also write a 1920x1080 PNG per venue.")
@KEY_FILE
@SHEET
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. a placeholder service URL) as failure.")
def venues(venue_list: Path, campaign_dir: Path, out: Path | None, size: str | None, jobs: int, dask: str | None,
           skip_invalid: bool, screens: bool | None, key_files: tuple[Path, ...], sheet: str | None,
           strict: bool) -> None:
    """Render a signed check-in poster per venue of LIST (CSV or XLSX), district files and manifest.csv."""
    from materials.campaign import load
    from materials.venues.run import Options, run_into

    campaign = load(campaign_dir)
    options = Options(size=size, jobs=jobs, dask=dask, skip_invalid=skip_invalid, screens=screens,
                      key_files=list(key_files), sheet=sheet)
    summary = run_into(campaign, venue_list, out, options, strict=strict)
    click.echo(f"{summary.line()} in {summary.seconds:.1f} s")


@click.command()
@click.argument("link", metavar="LINK_OR_CODE")
@KEY_FILE
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Take the key file, host and path from this campaign's campaign.toml [default: the current "
              "folder's].")
@click.option("--base", default=None, metavar="HTTPS://HOST/PATH/",
              help="Where genuine links lead, instead of the campaign's service URL (then --key-file is needed).")
@click.option("--list", "venue_list", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Current venue list: refuse posters replaced by a higher reprint.")
@SHEET
def verify(link: str, key_files: tuple[Path, ...], campaign_dir: Path | None, base: str | None,
           venue_list: Path | None, sheet: str | None) -> None:
    """Check a scanned venue link or a typed venue code (BD-000001-P5GMCLXY).

    Exit 0 and print the venue when it is genuine; exit 1 and say why it is refused. A link must lead to the
    campaign's own host and path (service.url, or --base).
    """
    from materials.venues import links

    is_link = "://" in link
    campaign = None
    if campaign_dir is not None or venue_list is not None or not key_files or (is_link and base is None):
        from materials.campaign import load

        root = campaign_dir or Path(".")
        if not (root / "campaign.toml").is_file():
            raise MaterialsError(
                f"no campaign found in {root} (no campaign.toml): a link is genuine only on the campaign's own "
                "host and path. Give --campaign DIR, or --base HTTPS://HOST/PATH/ with --key-file FILE")
        campaign = load(root)
    if base is None and campaign is not None:
        from materials.venues.run import link_base

        base = link_base(campaign)
    paths = list(key_files)
    if not paths and campaign is not None:
        paths = [campaign.root / campaign.settings.venues.key_file]
    ring = links.read_key_files(paths)
    reprints = None
    if venue_list is not None and campaign is not None:
        from materials.venues.reading import read_list

        listing = read_list(venue_list, campaign.settings, str(venue_list), sheet=sheet)
        reprints = {v.id: v.reprint for v in listing.venues}
    try:
        if is_link:
            if base is None:  # a campaign was required above when no --base was given
                raise MaterialsError("give --base HTTPS://HOST/PATH/ or --campaign DIR")
            venue = links.verify_link(link, ring, base=base, reprints=reprints)
        else:
            venue = links.verify_code(link, ring, reprints=reprints)
    except links.LinkError as e:
        raise links.LinkError(f"refused: {e.message}") from None
    kind = "link" if is_link else "code"
    click.echo(f"genuine {kind}: venue {venue.venue_id} (key {venue.key_id}, reprint {venue.reprint})")


@click.group()
def keys() -> None:
    """Signing keys of venue check-in links."""


@keys.command("new")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Key file to create (mode 0600); never inside an output folder.")
@click.option("--key-id", type=click.IntRange(0, 255), default=None,
              help="Id of the new key [default: 1, or one more than the highest in --add].")
@click.option("--add", is_flag=True, help="Add a new key to an existing key file (rotation): it signs from now on.")
def new(out: Path, key_id: int | None, add: bool) -> None:
    """Make a new random signing key. Keep the file secret; posters signed with it verify only with it."""
    from materials.output import refuse_key_in_output
    from materials.venues import links

    refuse_key_in_output(out, "--out")
    existing: list[links.Key] = []
    if add:
        out = out.resolve()  # a link to the real key file: the new key goes into that file, the link stays
        existing = list(links.read_key_file(out).keys.values())
        if key_id is not None and any(k.key_id == key_id for k in existing):
            raise MaterialsError(f"{out} already has key id {key_id}")
    chosen = key_id if key_id is not None else max((k.key_id for k in existing), default=0) + 1
    links.write_key_file(out, [*existing, links.new_key(chosen)], overwrite=add)
    click.echo(f"wrote key {chosen} to {out} (mode 0600); keep it secret")
