"""Commands of the venues target: `materials venues`, `materials verify`, `materials keys new`.

Thin: parse options, call the library, print the result. WeasyPrint is imported only when rendering.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from materials.errors import MaterialsError, printable
from materials.i18n import _, current_language
from materials.venues.settings import VenueSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.venues.known import Known
    from materials.venues.links import KeyRing, Venue

log = logging.getLogger(__name__)

KEY_FILE = click.option("--key-file", "key_files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                        help=_("Signing key file (repeat during a key rotation) [default: campaign.toml "
                               "venues.key_file]. Never inside an output folder."))
SHEET = click.option("--sheet", default=None, metavar="NAME",
                     help=_("Sheet of an XLSX workbook to read, when several sheets hold data."))


@click.command(help=_("Render a signed check-in poster per venue of LIST (CSV or XLSX), district files and "
                      "manifest.csv."))
@click.argument("venue_list", metavar="LIST", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help=_("Campaign folder (holds campaign.toml)."))
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Output folder [default: CAMPAIGN/output/venue-lists/DISTRICTS-SIZE, such as heping-A4]. A "
                     "rerun (also of a renamed copy of the list) skips unchanged venues."))
@click.option("--size", default=None,
              help=_("Poster size: A4, A5, A6 (stickers imposed four to an A4 sheet) or a size of the campaign's "
                     "[venues.sizes] [default: venues.size]."))
@click.option("--jobs", type=click.IntRange(1, 256), default=os.cpu_count() or 1, show_default=True,
              help=_("Local worker processes."))
@click.option("--dask", metavar="ADDRESS", default=None, callback=lambda _ctx, _param, value: dask_address(value),
              help=_("Run the chunks on a Dask distributed scheduler (tcp://host:8786) instead of local "
                     "processes."))
@click.option("--skip-invalid", is_flag=True,
              help=_("Render the valid rows, list the others in rejects.csv, exit 0 with a summary."))
@click.option("--screens/--no-screens", default=None, help=_("Also write a 1920x1080 PNG per venue."))
@KEY_FILE
@SHEET
@click.option("--strict", is_flag=True, help=_("Treat warnings (e.g. a placeholder service URL) as failure."))
@click.option("--replace", is_flag=True,
              help=_("Let this list replace the run in the output folder although it lacks some of its venues: "
                     "their posters are removed, each named (without it such a run is refused)."))
def venues(venue_list: Path, campaign_dir: Path, out: Path | None, size: str | None, jobs: int, dask: str | None,
           skip_invalid: bool, screens: bool | None, key_files: tuple[Path, ...], sheet: str | None,
           strict: bool, replace: bool) -> None:
    """Render a signed check-in poster per venue of LIST (CSV or XLSX), district files and manifest.csv."""
    from materials import content
    from materials.campaign import load
    from materials.errors import CampaignError
    from materials.venues.run import Options, run_into
    from materials.venues.target import allotment_problems

    campaign = load(campaign_dir)
    content.require(campaign)  # the venue posters' words pass the content rules, as in the pipeline
    # print-order.csv orders what [venues.allotment] names: refused as `check` refuses it
    if problems := allotment_problems(campaign):
        raise CampaignError(problems, _("campaign {root} has problems").format(root=campaign.root))
    if size is not None:
        try:
            VenueSettings.of(campaign.settings).paper(size)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="'--size'") from None
    options = Options(size=size, jobs=jobs, dask=dask, skip_invalid=skip_invalid, screens=screens,
                      key_files=list(key_files), sheet=sheet, replace=replace)
    summary = run_into(campaign, venue_list, out, options, strict=strict)
    click.echo(printable(_("{summary} in {seconds} s").format(summary=summary.line(),
                                                           seconds=f"{summary.seconds:.1f}")))


#: The address schemes `--dask` connects with (an address without one is tcp), as distributed does: TLS (tls://,
#: wss://) takes its certificates from Dask's own configuration (`run.make_executor` refuses it when none is set).
#: ucx:// needs a library the command does not install: it would fail inside Dask with a traceback.
DASK_SCHEMES = ("tcp", "ws", "tls", "wss")
DASK_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]@]+):(\d+)")


def dask_address(value: str | None) -> str | None:
    """`tcp://host:8786`, `host:8786`, `tls://…`: a scheduler address Dask can use, else a usage error naming
    what is wrong (Dask itself raised a ValueError traceback for `http://x`)."""
    if value is None:
        return None
    scheme, found, rest = value.partition("://")
    if scheme == "inproc" and rest:  # a scheduler in this very process (dask.distributed.LocalCluster(processes=False))
        return value
    if not found:
        scheme, rest = "tcp", value
    if scheme.lower() not in DASK_SCHEMES:
        raise click.BadParameter(_("{address}: {scheme}:// is not a scheduler address --dask connects with; write "
                                   "tcp://HOST:8786, tls://HOST:8786, ws://HOST:PORT or wss://HOST:PORT").format(
                                       address=value, scheme=scheme),
                                 param_hint="'--dask'")
    # The port too (`127.0.0.1` alone was Dask's "missing port number" traceback; port 99999 waited 10 s for a
    # connection that cannot be made).
    host = DASK_HOST.fullmatch(rest)
    if not host or not 1 <= int(host.group(1)) <= 65535:
        raise click.BadParameter(_("{address}: write the scheduler's host and port (1 to 65535), such as "
                                   "tcp://192.168.1.10:8786").format(address=value), param_hint="'--dask'")
    return value


@click.command(help=_("Check a scanned venue link or a typed venue code (BD-000001-P5GMCLXY).\n\nExit 0 and print "
                      "the venue (name, district, category, reprint, which key signed) when it is genuine; exit 1 "
                      "and say why it is refused. A link must lead to the campaign's own host and path (service.url, "
                      "or --base)."))
@click.argument("link", metavar="LINK_OR_CODE")
@KEY_FILE
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help=_("Take the key file, districts, host and path from this campaign's campaign.toml [default: the "
                     "current folder's]."))
@click.option("--base", default=None, metavar="HTTPS://HOST/PATH/",
              help=_("Where genuine links lead, instead of the campaign's service URL."))
@click.option("--list", "venue_list", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Current venue list: name the venue from it, and refuse posters replaced by a higher "
                     "reprint."))
@SHEET
def verify(link: str, key_files: tuple[Path, ...], campaign_dir: Path | None, base: str | None,
           venue_list: Path | None, sheet: str | None) -> None:
    """Check a scanned venue link or a typed venue code (BD-000001-P5GMCLXY).

    Exit 0 and print the venue (name, district, category, reprint, which key signed) when it is genuine; exit 1
    and say why it is refused. A link must lead to the campaign's own host and path (service.url, or --base).
    """
    from materials.campaign import load
    from materials.venues import links
    from materials.venues.known import known_venues
    from materials.venues.plan import link_base

    is_link = "://" in link
    root = campaign_dir or Path(".")
    if not (root / "campaign.toml").is_file():
        raise MaterialsError(_(
            "no campaign found in {folder} (no campaign.toml): a venue is genuine only for the campaign's own "
            "districts, host and path. Run it in the campaign folder, or give --campaign DIR").format(folder=root))
    campaign = load(root)
    if base is None:
        base = link_base(campaign)
    else:  # refused for a typed code too, which does not use it: a bad --base is never silently ignored
        links.canonical_base(base)
        from materials.schema import is_placeholder_host

        if is_placeholder_host(base.strip()):
            log.warning(_("--base %s is on a reserved or example host (a PLACEHOLDER): no genuine poster of a real "
                          "campaign leads there"), printable(base))
    paths = list(key_files) or [campaign.root / VenueSettings.of(campaign.settings).key_file]
    ring = links.read_key_files(paths)
    districts = [d.key for d in campaign.settings.districts]
    listing = None
    reprints = None
    if venue_list is not None:
        from materials.venues.reading import read_list

        listing = read_list(venue_list, campaign.settings, str(venue_list), sheet=sheet, key_files=paths)
        reprints = {(v.district, v.id): v.reprint for v in listing.venues}
    try:
        if is_link:
            venue = links.verify_link(link, ring, base=base, districts=districts, reprints=reprints)
        else:
            venue = links.verify_code(link, ring, districts=districts, reprints=reprints)
    except links.LinkError as e:
        raise links.LinkError(_("refused: {reason}").format(reason=e.message)) from None
    from materials.venues.known import ambiguity, replaced

    unclear = ambiguity(campaign, venue.venue_id, venue.district, is_link, venue.reprint)
    if unclear:
        raise links.LinkError(_("ambiguous: {reason}").format(reason=unclear))
    # Named as the register recorded this poster's reprint (a correction's earlier record stays beside it).
    known = known_venues(campaign, listing, venue.reprint)
    entry = known.get((venue.district, links.typed_id(venue.venue_id)))
    if entry is not None and (why := replaced(entry, venue.reprint)) is not None:
        raise links.LinkError(_("refused: {reason}").format(reason=why))
    click.echo(describe(campaign, ring, venue, known, is_link))


def describe(campaign: Campaign, ring: KeyRing, venue: Venue, known: dict[tuple[str, str], Known],
             is_link: bool) -> str:
    """What an office files about a genuine poster: name, district, category, reprint, and which key signed."""
    from materials.venues import links
    from materials.venues.known import REGISTER

    lang = campaign.primary_language
    # Every value comes from a file (campaign.toml, a run's manifest, a venue list): printed with its terminal
    # controls escaped (`printable`), so a name cannot recolour, retitle or reorder what the office reads.
    names = {d.key: printable(d.names.get(lang, d.key)) for d in campaign.settings.districts}
    district = _("{name} ({key})").format(name=names.get(venue.district, printable(venue.district)),
                                          key=printable(venue.district))
    key = ring.keys[venue.key_id]
    signer = (_("key {id}, {district}'s district key").format(id=key.key_id,
                                                               district=names.get(key.district, key.district))
              if key.district else _("key {id}, the campaign's city-wide key").format(id=key.key_id))
    entry = known.get((venue.district, links.typed_id(venue.venue_id)))
    if entry is not None:
        category = printable(campaign.settings.place_categories.get(entry.category, {}).get(lang, entry.category))
        head = (_("genuine link: {name}") if is_link else _("genuine code: {name}")).format(
            name=printable(entry.name))
        lines = [head, _("  district: {district}").format(district=district)]
        if entry.address:
            lines.append(_("  address: {address}").format(address=printable(entry.address)))
        lines.append(_("  category: {category} ({key})").format(category=category, key=printable(entry.category)))
        # A poster of a lower reprint than the venue's latest never gets here (`verify` refuses it, `replaced`).
        lines.append(_("  venue id: {id}, reprint {reprint}").format(id=printable(entry.venue_id),
                                                                     reprint=venue.reprint))
        lines += [_("  signed with {signer}").format(signer=signer),
                  _("  from: {source}").format(source=printable(entry.source))]
        if not entry.signed:
            lines.append(_("  (named from the venue list alone: the campaign has no record of signing this venue, "
                           "neither in {register} nor in a run's manifest.csv; check the name on the poster)").format(
                               register=REGISTER))
        for what, listed, signed in entry.listed:
            log.warning(_("the current list %s gives this venue's %s as '%s', but it was signed as '%s': the code "
                          "belongs to what was signed (shown above). If the venue was renamed or moved, reprint its "
                          "poster from the current list (raise its reprint); if not, the poster may be forged or "
                          "moved to another place"), printable(entry.listed_in), what, printable(listed),
                        printable(signed))
        return "\n".join(lines)
    text = (_("genuine link: venue {id}, district {district}, reprint {reprint}; signed with {signer}") if is_link
            else _("genuine code: venue {id}, district {district}, reprint {reprint}; signed with {signer}"))
    return (text.format(id=printable(venue.venue_id), district=district, reprint=venue.reprint, signer=signer) + "\n"
            + _("  (its name is not in the campaign's venue list or run manifests: give --list LIST)"))


@click.group(help=_("Signing keys of venue check-in links."))
def keys() -> None:
    """Signing keys of venue check-in links."""


@keys.command("new", help=_("Make a new random signing key. Keep the file secret; posters signed with it verify only "
                            "with it.\n\n`materials new` already made the campaign's key; the city makes one key per "
                            "district office with --district and hands each office its own file (README, Venue "
                            "check-in codes: keys)."))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help=_("Key file to create (mode 0600); never inside an output folder [default: the campaign's "
                     "venues.key_file; with --district, .materials/district-keys/DISTRICT.key to hand over]."))
@click.option("--district", default=None, metavar="DISTRICT",
              help=_("Make a district office's key (district by key or name, such as heping or 和平区): it is added "
                     "to the campaign's key file, so `verify --campaign` knows it, and written alone to --out for the "
                     "office. It signs that district's venues only."))
@click.option("--campaign", "campaign_dir", type=click.Path(path_type=Path, file_okay=False), default=".",
              show_default=True, help=_("Campaign folder (for the key file and --district)."))
@click.option("--key-id", type=click.IntRange(0, 255), default=None,
              help=_("Id of the new key [default: 1, or one more than the highest id already in use; after 255, the "
                     "lowest free one]. With --add, higher than the key that signs now."))
@click.option("--add", is_flag=True,
              help=_("Add a new key to an existing key file (rotation): it signs from now on."))
def new(out: Path | None, district: str | None, campaign_dir: Path, key_id: int | None, add: bool) -> None:
    """Make a new random signing key. Keep the file secret; posters signed with it verify only with it.

    `materials new` already made the campaign's key; the city makes one key per district office with --district
    and hands each office its own file (README, Venue check-in codes: keys).
    """
    from materials.output import refuse_key_in_output
    from materials.venues import links

    if district is not None:
        return _district_key(district, campaign_dir, out, key_id)
    pinned = None  # the campaign's venues.key_id: the key that signs whatever the ids
    if out is None:
        if not (campaign_dir / "campaign.toml").is_file():
            raise MaterialsError(_("no campaign in {folder}: give --out FILE, or --campaign DIR").format(
                folder=campaign_dir))
        from materials.config import load_settings

        settings = VenueSettings.of(load_settings(campaign_dir / "campaign.toml", "campaign.toml"))
        out = _key_file(campaign_dir, settings.key_file)
        pinned = settings.key_id
    elif add:
        out = out.resolve()  # --out a link to the real key file: the new key goes into that file, the link stays
    refuse_key_in_output(out, "--out")
    if add:
        links.read_key_file(out)  # a missing or broken key file is named before any lock file is made beside it
    # --add: the id is chosen and the file rewritten under the key file's lock (two runs at once keep both keys).
    with links.key_file_lock(out) if add else contextlib.nullcontext():
        existing: list[links.Key] = []
        if add:
            existing = list(links.read_key_file(out).keys.values())
            if key_id is not None and any(k.key_id == key_id for k in existing):
                raise MaterialsError(_("{file} already has key id {id}").format(file=out, id=key_id))
            current = links.signing_id(existing)
            if key_id is not None and current is not None and key_id < current:
                raise MaterialsError(_("--key-id {id} is lower than key {current}, which signs now (the highest "
                                       "city-wide id signs), so the added key would never sign. Leave out --key-id "
                                       "to take the next free id above {current}, or choose a higher one").format(
                                           id=key_id, current=current))
        chosen = key_id if key_id is not None else links.next_key_id(existing, out, signs=True) if add else 1
        links.write_key_file(out, [*existing, links.new_key(chosen)], overwrite=add)
    click.echo(printable(_("wrote key {id} to {file} (mode 0600); keep it secret").format(id=chosen, file=_real(out))))
    if add and pinned is not None and pinned != chosen:
        log.warning(_("campaign.toml sets venues.key_id = %d, so key %d keeps signing; set it to %d (or remove it) for "
                      "the new key to sign"), pinned, pinned, chosen)


def _real(path: Path) -> Path:
    """Where a key file was written: `path`, or its real place when a folder on the way is a symbolic link (the
    key went into the folder the link points to, and the message says so)."""
    real = path.parent.resolve() / path.name
    return path if real == path.absolute() else real


def _key_file(campaign_dir: Path, value: str) -> Path:
    """The campaign's key file that `keys new` writes (`venues.key_file`): a file of the campaign only. A setting
    that leads out of it (`../x.key`, `/tmp/x.key`, a link out) is refused as every command refuses it: a
    campaign folder travels between offices, and its settings never choose where a key lands on this machine."""
    from materials.campaign import outside_campaign

    if (why := outside_campaign(campaign_dir, value)) is not None:
        raise MaterialsError(_("campaign.toml: venues.key_file: {why}. `materials keys new` writes the campaign's "
                               "key inside the campaign folder only: set venues.key_file to a path there, such as "
                               ".materials/venue-signing.key, or give --out FILE to write a key where you choose "
                               "it").format(why=why))
    return campaign_dir / value


def _hand_over_file(campaign_dir: Path, district: str) -> Path:
    """`.materials/district-keys/DISTRICT.key`, refused when a symbolic link (`.materials` or `district-keys`)
    leads it out of the campaign: the office's key would be written wherever the link points."""
    path = campaign_dir / ".materials" / "district-keys" / f"{district}.key"
    real_root = campaign_dir.resolve()
    for link in (path.parent.parent, path.parent):
        if link.is_symlink() and not link.resolve().is_relative_to(real_root):
            raise MaterialsError(_("{link} is a symbolic link to {target}, outside the campaign folder {root}; a "
                                   "district's key is written only into the campaign's own folder "
                                   ".materials/district-keys/. Replace the link with a folder (`rm {link}` removes "
                                   "the link, not its target), or give --out FILE to write the key where you choose "
                                   "it").format(link=link, target=os.readlink(link), root=real_root))
    return path


def _district_key(district: str, campaign_dir: Path, out: Path | None, key_id: int | None) -> None:
    """A district office's key: added to the campaign's key file (the city verifies every district) and written
    alone to a hand-over file (the office signs only its own district)."""
    from materials.config import load_settings
    from materials.output import refuse_key_in_output
    from materials.venues import links
    from materials.venues.reading import district_hint, lookup_tables

    if not (campaign_dir / "campaign.toml").is_file():
        raise MaterialsError(_("--district needs the campaign (no campaign.toml in {folder}): give --campaign "
                               "DIR").format(folder=campaign_dir))
    settings = load_settings(campaign_dir / "campaign.toml", "campaign.toml")
    districts, _categories = lookup_tables(settings)
    found = districts.get(district.strip().lower())
    if found is None:
        raise MaterialsError(_("--district {district!r} is not a district of campaign.toml; {hint}").format(
            district=district, hint=district_hint(settings)))
    own = _key_file(campaign_dir, VenueSettings.of(settings).key_file)
    out = out or _hand_over_file(campaign_dir, found)
    refuse_key_in_output(out, "--out")
    refuse_key_in_output(own, "venues.key_file")
    # The id is chosen and both files written under the campaign key file's lock: a second `keys new` started
    # at the same time waits, then reads this run's key and takes the next id (red team 11).
    with links.key_file_lock(own):
        existing = list(links.read_key_file(own).keys.values()) if own.exists() else []
        if key_id is not None and any(k.key_id == key_id for k in existing):
            raise MaterialsError(_("{file} already has key id {id}; leave out --key-id to take the next free "
                                   "one").format(file=own, id=key_id))
        chosen = key_id if key_id is not None else links.next_key_id(existing, own, signs=False)
        key = links.new_key(chosen, found)
        links.write_key_file(out, [key])  # refuses to replace an existing hand-over file
        try:
            links.write_key_file(own, [*existing, key], overwrite=own.exists())
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    name = next(d.names for d in settings.districts if d.key == found)
    # In Chinese the district's Chinese name; in English every name the campaign gives it (和平区 / Heping District).
    chinese = name.get(settings.languages[0]) if current_language() == "zh" else None
    label = chinese or " / ".join(dict.fromkeys(name.values()))
    click.echo(printable(_("wrote key {id} for {district} ({key}) to {file} (mode 0600) and added it to {own}.\n"
                 "Hand {name} to the district office (in person or encrypted, never by e-mail); it saves the file "
                 "as {key_file} in its copy of the campaign. Its posters verify here with `materials verify`, and "
                 "the key signs that district's venues only.").format(
        id=chosen, district=label, key=found, file=_real(out), own=own, name=out.name,
        key_file=VenueSettings.of(settings).key_file), keep="\n"))
