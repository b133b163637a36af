"""Venues target: signed check-in code posters per venue and district print files.

`validate`, `render` and `verify` are the build's seam (docs/INTERFACES.md); `verify_link` is for the
declaration service. `materials venues LIST` runs the same code over any list (materials/venues/run.py).
The target functions import lazily: materials.config imports this package for its settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from materials.venues.links import KeyRing, LinkError, Venue, read_key_file, read_key_files, verify_link

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.errors import Problem

__all__ = ["KeyRing", "LinkError", "Venue", "read_key_file", "read_key_files", "render", "validate", "verify",
           "verify_link"]


def validate(campaign: Campaign) -> list[Problem]:
    from materials.venues import target

    return target.validate(campaign)


def render(campaign: Campaign, dest: Path, built: dict[str, Path]) -> None:
    from materials.venues import target

    target.render(campaign, dest, built)


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    from materials.venues import target

    return target.verify(campaign, dest)
