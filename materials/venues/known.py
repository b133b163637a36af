"""The venues a campaign knows, for `materials verify` to name what a genuine code belongs to.

A link or code carries a venue's id and (signed, not spelled) its district; the name, category and current
reprint live in the campaign's venue lists and in the manifests of its venue runs. `verify` reads them here,
so a district office can file the answer: which place, which district, which kind of place, which poster.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem
from materials.venues.links import typed_id
from materials.venues.reading import VenueList, read_list
from materials.venues.settings import VenueSettings


@dataclass(frozen=True)
class Known:
    venue_id: str
    name: str
    district: str
    category: str
    reprint: int
    source: str


def _manifests(campaign: Campaign) -> list[Path]:
    output = campaign.root / "output"
    found = [output / "venues" / "manifest.csv"]
    runs = output / "venue-lists"
    if runs.is_dir():
        found += sorted(runs.glob("*/manifest.csv"))
    return [path for path in found if path.is_file()]


def known_venues(campaign: Campaign, given: VenueList | None = None) -> dict[tuple[str, str], Known]:
    """(district, id as typed) -> what the campaign knows of the venue; later sources win (a given list last)."""
    found: dict[tuple[str, str], Known] = {}
    for path in _manifests(campaign):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for row in csv.DictReader(io.StringIO(text)):
            try:
                venue_id, district = row["id"], row["district"]
                found[(district, typed_id(venue_id))] = Known(venue_id, row["name"], district, row["category"],
                                                              int(row.get("reprint") or 0), campaign.relative(path))
            except (KeyError, ValueError, TypeError):
                continue
    listings = []
    if VenueSettings.of(campaign.settings).list:
        path = campaign.root / VenueSettings.of(campaign.settings).list
        # `materials check` reports a broken list; verify still answers from the manifests.
        with contextlib.suppress(MaterialsError):
            listings.append(read_list(path, campaign.settings, campaign.relative(path)))
    for listing in [*listings, *([given] if given is not None else [])]:
        for venue in listing.venues:
            found[(venue.district, typed_id(venue.id))] = Known(venue.id, venue.name, venue.district, venue.category,
                                                                venue.reprint, listing.label)
    return found


def refuse_respelled_ids(campaign: Campaign, listing: VenueList, out: Path) -> None:
    """A venue id that differs from one already signed in the same district only in hyphens or letter case
    (S1-C-001 and S1C001) would get the same typed code, and `verify` would name the other venue: refused,
    naming the run that signed it. The run's own folder (`out`) is the same list again and counts as its own."""
    signed: dict[tuple[str, str], tuple[str, str]] = {}
    own = (out / "manifest.csv").resolve()
    for path in _manifests(campaign):
        if path.resolve() == own:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        for row in csv.DictReader(io.StringIO(text)):
            venue_id, district = row.get("id"), row.get("district")
            if isinstance(venue_id, str) and isinstance(district, str):
                signed.setdefault((district, typed_id(venue_id)), (venue_id, campaign.relative(path)))
    problems = []
    for venue in listing.venues:
        earlier = signed.get((venue.district, typed_id(venue.id)))
        if earlier is not None and earlier[0] != venue.id:
            problems.append(Problem(listing.label, None, f"row {venue.row}, id", (
                f"{venue.id} differs from {earlier[0]}, already signed in district {venue.district} ({earlier[1]}), "
                "only in hyphens or letter case: both would carry the same typed code and `materials verify` "
                f"would name the other venue. Use {earlier[0]} if it is the same venue, else an id of its own")))
    if problems:
        raise CampaignError(problems, "venue ids clash with venues already signed")
