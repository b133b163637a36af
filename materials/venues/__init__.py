"""Venues target: signed check-in code posters per venue and district print files.

Registers the output kind `venues` (the shape of materials/targets.py); `verify_link` is for the
declaration service. `materials venues LIST` runs the same code over any list (materials/venues/run.py).
The target's methods import the renderer lazily, so the settings schema loads without WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from materials import targets
from materials.venues.links import KeyRing, LinkError, Venue, read_key_file, read_key_files, verify_link
from materials.venues.settings import VenueSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.errors import Problem
    from materials.venues.target import VenuesPlan

__all__ = ["KeyRing", "LinkError", "Venue", "read_key_file", "read_key_files", "render", "validate", "verify",
           "verify_link"]


class VenuesTarget:
    name = "venues"
    table = "venues"
    settings = VenueSettings
    summary = "Venue check-in codes."
    depends_on: tuple[str, ...] = ()
    #: Publicity channels its links are tagged with, and the file of its output folder only this tool writes.
    channels: tuple[str, ...] = ("venue",)
    evidence = "manifest.csv"
    #: Campaign folders it reads its sources from.
    sources: tuple[str, ...] = ("venues",)
    #: Its commands in the `materials` CLI.
    commands: tuple[str, ...] = ("materials.venues.cli:venues", "materials.venues.cli:verify",
                                 "materials.venues.cli:keys")
    #: Its templates hold the words printed on every code (the content rules read them).
    words_in_templates = True

    def validate(self, campaign: Campaign) -> VenuesPlan:
        """Read and check the sample list, the key and the settings; write nothing. The plan carries the list."""
        from materials.venues import target

        return target.plan(campaign)

    def render(self, plan: VenuesPlan, dest: Path, built: Mapping[str, Path]) -> None:
        """Render the list the plan read into the empty folder `dest` (the same code as `materials venues`)."""
        from materials.venues import target

        target.render(plan.campaign, dest, built, plan.listing)

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]:
        """Every poster decodes to its manifest link, the link verifies, files match their hashes."""
        from materials.venues import target

        return target.verify(campaign, dest)


TARGET = targets.register(VenuesTarget())


#: validate(campaign) -> problems, render(campaign, dest, built=None), verify(campaign, dest): for tests and
#: benchmarks; `materials build` calls the target itself and passes the plan from validate to render.
validate, render, verify = targets.shortcuts("venues")
