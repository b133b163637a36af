"""The venues target's seam with `materials build`: validate, render and verify the campaign's sample list.

`plan` reads and checks the list once; the plan carries the rows it read into `render`.
"""

from __future__ import annotations

import csv
import io
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from materials import glyphcheck, pdfx, qr, targets
from materials.campaign import Campaign
from materials.errors import MaterialsError, Problem
from materials.i18n import _
from materials.printing import manifest as print_manifest
from materials.printorder import unsafe_cell
from materials.venues import links, outputs
from materials.venues.folder import CACHE
from materials.venues.plan import TEMPLATE_FILES, Options, checked, link_base
from materials.venues.reading import VenueList, read_list
from materials.venues.run import run
from materials.venues.settings import VenueSettings

log = logging.getLogger(__name__)


def allotment_problems(campaign: Campaign) -> list[Problem]:
    """Each category of `[venues.allotment]` that is no place category, and each item no file of the campaign's
    print pack (`printing.manifest.allotment_items`): both were ordered in print-order.csv as they were written.
    `check` and `venues` both refuse them."""
    problems: list[Problem] = []
    allotment = VenueSettings.of(campaign.settings).allotment
    items = print_manifest.allotment_items(campaign) if allotment else []
    for category, counts in allotment.items():
        if category not in campaign.settings.place_categories:
            problems.append(Problem("campaign.toml", None, f"venues.allotment.{category}",
                                    _("not a place category of campaign.toml")))
        for item in counts:
            if item not in items:
                problems.append(Problem("campaign.toml", None, f"venues.allotment.{category}", _(
                    "{item!r} is no file this campaign prints; write one of {items}").format(
                        item=item, items=", ".join(items) or _("(none: the campaign has no posters or tips)"))))
    return problems


def list_path(campaign: Campaign) -> Path:
    return campaign.root / VenueSettings.of(campaign.settings).list


@dataclass
class VenuesPlan(targets.Plan):
    """The checked sample list (None when there is none, or it could not be read: then `problems` say why)."""

    listing: VenueList | None = None


def plan(campaign: Campaign) -> VenuesPlan:
    """Read and check the sample list, the key and the settings; write nothing."""
    settings = VenueSettings.of(campaign.settings)
    result = VenuesPlan(campaign)
    result.problems += allotment_problems(campaign)  # what a district office's run orders, list or none
    if not settings.list:
        return result
    problems = result.problems
    path = list_path(campaign)
    label = campaign.relative(path)
    try:
        result.listing = read_list(path, campaign.settings, label, key_files=[campaign.root / settings.key_file])
        result.listing.log()
        problems += result.listing.problems
    except MaterialsError as e:
        message = e.message.removeprefix(f"{label}: ")
        if "--sheet" in message:  # the reader's advice is for `materials venues`; check and build have no --sheet
            message += _(" (`check` and `build` read campaign.toml venues.list and take no --sheet: save the list "
                         "with the venues on its only sheet, or run `materials venues {list} --sheet NAME`)").format(
                             list=settings.list)
        problems.append(Problem(label, None, None, message))
    key = campaign.root / settings.key_file
    if not key.exists() and not settings.demo_key:
        problems.append(Problem("campaign.toml", None, "venues.key_file",
                                _("{key_file} does not exist; {advice} (keep it secret, outside any output "
                                  "folder)").format(key_file=settings.key_file,
                                                    advice=links.new_key_advice(key, settings.key_file))))
    elif key.exists():
        try:
            ring = links.read_key_file(key)
            ring.signing_key(settings.key_id)
        except MaterialsError as e:
            problems.append(Problem("campaign.toml", None, "venues.key_file", e.message))
    from materials import templating
    from materials.templating import template_file

    try:
        problems += templating.check_strings(templating.strings(campaign, "venues"), campaign.languages, "venues")
    except MaterialsError as e:
        problems.append(Problem("templates/venues/strings.toml", None, None, e.message))
    for name in TEMPLATE_FILES:
        path = template_file(campaign, f"venues/{name}")
        if not path.is_file():
            problems.append(Problem(campaign.relative(path), None, None, _("template is missing")))
    return result


def validate(campaign: Campaign) -> list[Problem]:
    """The problems of `plan` (tests)."""
    return plan(campaign).problems


def render(campaign: Campaign, dest: Path, built: Mapping[str, Path], listing: VenueList | None = None) -> None:
    """Render the sample list into the empty folder `dest` (the same code as `materials venues`). `listing`: the
    list as `plan` read and checked it (else it is read here)."""
    del built  # venues depend on no other target
    if not VenueSettings.of(campaign.settings).list:
        log.info(_("venues: campaign.toml venues.list is empty, no sample list to render"))
        return
    path = list_path(campaign)
    summary = run(campaign, path, dest, Options(jobs=1, resume=False), label=campaign.relative(path),
                  listing=None if listing is None else checked(listing, skip_invalid=False))
    # The resume records serve `materials venues` runs into a fixed folder; a build replaces the folder whole.
    shutil.rmtree(dest / CACHE, ignore_errors=True)
    log.info(_("venues: %s"), summary.line())


def _read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    """Every poster decodes to its manifest link, the link verifies, files match their hashes."""
    problems: list[Problem] = []
    manifest = dest / "manifest.csv"
    if not VenueSettings.of(campaign.settings).list:
        return problems
    if not manifest.is_file():
        return [Problem("venues/manifest.csv", None, None, _("missing: the venue run did not finish"))]
    key = campaign.root / VenueSettings.of(campaign.settings).key_file
    ring = links.read_key_file(key) if key.exists() else None
    secrets = [k.secret.hex() for k in ring.keys.values()] if ring else []
    rows = _read_csv(manifest)
    paper = VenueSettings.of(campaign.settings).paper()
    counts: dict[str, int] = {}
    for number, row in enumerate(rows, 2):
        where = _("venues/manifest.csv row {row}").format(row=number)
        path = dest / row["file"]
        if not path.resolve().is_relative_to(dest.resolve()) or not path.is_file():
            problems.append(Problem(where, None, "file", _("{file} is missing").format(file=row['file'])))
            continue
        data = path.read_bytes()
        if outputs.sha256(data) != row["sha256"]:
            problems.append(Problem(where, None, "sha256",
                                    _("{file} does not match its hash").format(file=row["file"])))
        # The print shop's preflight (PDF/X-4, CMYK only, black in K, ink, boxes, fonts): site managers print
        # these. A sticker has no bleed of its own: its press file is the district's sheet, checked below.
        if paper.press_file:
            problems += pdfx.preflight(path, name=f"venues/{row['file']}")
        problems += glyphcheck.check(path, name=f"venues/{row['file']}")
        decoded = qr.decode_pdf(data, 72)
        if decoded != [[row["link"]]]:
            problems.append(Problem(where, None, "link", _("{file}: pages read back as {decoded}").format(
                                                             file=row['file'], decoded=decoded)))
        if ring is not None:
            try:
                venue = links.verify_link(row["link"], ring, base=link_base(campaign),
                                          districts=[d.key for d in campaign.settings.districts])
                if (venue.district, venue.venue_id) != (row["district"], unsafe_cell(row["id"])):
                    problems.append(Problem(where, None, "link", _("the link is signed for another venue")))
            except links.LinkError as e:
                problems.append(Problem(where, None, "link", _("does not verify: {message}").format(message=e.message)))
        counts[row["district"]] = counts.get(row["district"], 0) + 1
    for district, count in counts.items():
        path = dest / f"{district}.pdf"
        expected = paper.pages(count)
        if not path.is_file():
            problems.append(Problem(f"venues/{district}.pdf", None, None, _("missing")))
        elif outputs.page_count(path) != expected:
            problems.append(Problem(f"venues/{district}.pdf", None, None, _("expected {expected} pages").format(
                                                                              expected=expected)))
        else:
            problems += pdfx.preflight(path, name=f"venues/{district}.pdf")
            problems += glyphcheck.check(path, name=f"venues/{district}.pdf")
    for name in ("manifest.csv", "print-order.csv", "rejects.csv"):
        path = dest / name
        if path.is_file():
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            if any(secret in text for secret in secrets):
                problems.append(Problem(f"venues/{name}", None, None, _("contains signing key material")))
    return problems
