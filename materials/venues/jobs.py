"""A unit of venue work and its result, as sent to and from worker processes (local pool or Dask): plain data,
never the signing key and never a path into the campaign."""

from __future__ import annotations

from dataclasses import dataclass, field

from materials.venues.compose import PageArt
from materials.venues.context import Poster, VenueText
from materials.venues.fontpack import FontPack


@dataclass(frozen=True)
class Job:
    """One unit of work: `kind` is posters (one PDF per venue) or screens (one PNG per venue)."""

    kind: str
    templates: tuple[tuple[str, str], ...]
    #: The run's pack (every character of the list): the venue's own text.
    fonts: FontPack
    #: The static layer's pack (the templates' and settings' characters), small so its subsets stay small.
    static_fonts: FontPack
    poster: Poster
    venues: tuple[VenueText, ...]
    verify_dpi: int = 72
    label: str = ""


@dataclass
class Rendered:
    id: str
    data: bytes
    decoded: list[str] = field(default_factory=list)
    pages: int = 1
    problems: list[str] = field(default_factory=list)
    art: PageArt | None = None
