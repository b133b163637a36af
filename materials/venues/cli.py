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
                        "venues.key_file].")


@click.command()
@click.argument("venue_list", metavar="LIST", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help="Campaign folder (holds campaign.toml).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Output folder [default: CAMPAIGN/output/venues]. A rerun skips unchanged venues.")
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
def venues(venue_list: Path, campaign_dir: Path, out: Path | None, size: str | None, jobs: int, dask: str | None,
           skip_invalid: bool, screens: bool | None, key_files: tuple[Path, ...]) -> None:
    """Render a signed check-in poster per venue of LIST (CSV or XLSX), district files and manifest.csv."""
    from materials.campaign import load
    from materials.venues.run import Options, run

    campaign = load(campaign_dir)
    out_dir = out if out is not None else campaign.root / "output" / "venues"
    options = Options(size=size, jobs=jobs, dask=dask, skip_invalid=skip_invalid, screens=screens,
                      key_files=list(key_files))
    summary = run(campaign, venue_list, out_dir, options, label=str(venue_list))
    click.echo(f"{summary.line()} in {summary.seconds:.1f} s")


@click.command()
@click.argument("link")
@KEY_FILE
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Take the key file, host and path from this campaign's campaign.toml.")
@click.option("--list", "venue_list", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Current venue list: refuse posters replaced by a higher reprint.")
def verify(link: str, key_files: tuple[Path, ...], campaign_dir: Path | None, venue_list: Path | None) -> None:
    """Check a scanned venue LINK: exit 0 and print the venue, or exit 1 and say why it is refused."""
    from materials.venues import links

    base = None
    paths = list(key_files)
    campaign = None
    if campaign_dir is not None or venue_list is not None or not paths:
        from materials.campaign import load
        from materials.venues.run import link_base

        campaign = load(campaign_dir or Path("."))
        base = link_base(campaign)
        if not paths:
            paths = [campaign.root / campaign.settings.venues.key_file]
    ring = links.read_key_files(paths)
    reprints = None
    if venue_list is not None and campaign is not None:
        from materials.venues.reading import read_list

        listing = read_list(venue_list, campaign.settings, str(venue_list))
        reprints = {v.id: v.reprint for v in listing.venues}
    try:
        venue = links.verify_link(link, ring, base=base, reprints=reprints)
    except links.LinkError as e:
        raise links.LinkError(f"refused: {e.message}") from None
    click.echo(f"genuine: venue {venue.venue_id} (key {venue.key_id}, reprint {venue.reprint})")


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
    from materials.venues import links

    existing: list[links.Key] = []
    if add:
        existing = list(links.read_key_file(out).keys.values())
        if key_id is not None and any(k.key_id == key_id for k in existing):
            raise MaterialsError(f"{out} already has key id {key_id}")
    chosen = key_id if key_id is not None else max((k.key_id for k in existing), default=0) + 1
    links.write_key_file(out, [*existing, links.new_key(chosen)], overwrite=add)
    click.echo(f"wrote key {chosen} to {out} (mode 0600); keep it secret")
