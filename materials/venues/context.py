"""What a venue job knows: the run's poster settings and each venue's own text, as typed, frozen records.

Built once in the parent process (materials/venues/run.py) and sent to workers (local pool or Dask), so
every field is plain data: no paths into the campaign, never the signing key. The templates see the run's
record as `g` and a venue's as `v` (attribute access: `g.title[g.primary]`, `v.name`).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

from materials.venues import sizes

#: A campaign's chosen print colours: ('#rrggbb', (C, M, Y, K) in percent), as `[brand.cmyk]` gives them.
PrintColours = tuple[tuple[str, tuple[float, float, float, float]], ...]


@functools.lru_cache(maxsize=8)
def _inks(exact: PrintColours) -> Any:
    from materials.pdfx import Inks

    return Inks(dict(exact))


def cmyk(colour: str, exact: PrintColours = ()) -> tuple[float, float, float, float]:
    """An sRGB `#rrggbb` (or `#rgb`) as device CMYK, the way every press file converts it
    (`materials.pdfx.Inks`): the campaign's own print value of a brand colour, greys in black ink alone
    (what a print shop wants for text), any other colour through the output profile."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return _inks(exact).cmyk(r, g, b)


def css_cmyk(colour: str, exact: PrintColours = ()) -> str:
    """The `cmyk` template filter: `#0b6b3a` -> `device-cmyk(0.7804 0.0039 0.7725 0.4824)` through the output
    profile, or the campaign's own value when `exact` (`[brand.cmyk]`) has one."""
    return "device-cmyk({})".format(" ".join(f"{v:g}" for v in cmyk(colour, exact)))


@dataclass(frozen=True)
class Brand:
    primary: str
    accent: str
    text: str
    background: str
    #: `[brand.cmyk]`: the print values the campaign chose (materials.pdfx.Inks converts the rest).
    inks: PrintColours = ()


@dataclass(frozen=True)
class Poster:
    """The run's settings of every poster: `g` in the templates."""

    size: str
    #: The size's row (materials/venues/sizes.py, or the campaign's `[venues.sizes]`): sheet, scale, QR width.
    paper: sizes.VenueSize
    page_w: float
    page_h: float
    #: mm of bleed around the page; 0 for stickers (their sheets carry the bleed).
    bleed: float
    qr_mm: float
    qr_error: str
    primary: str
    others: tuple[str, ...]
    title: dict[str, str]
    authority: dict[str, str]
    #: The authority's short name per language (the full name where the campaign sets none): the issuer line.
    authority_short: dict[str, str]
    issued: dict[str, str]
    date_iso: str
    host: str
    family: str
    brand: Brand
    #: Labels per language from venues/strings.toml: label -> language -> text (`steps`: a list).
    strings: dict[str, dict[str, Any]]
    #: A sticker size (imposed on sheets, a white edge instead of bleed): the templates lay it out tighter.
    sticker: bool = False
    #: The draft mark while the campaign is a draft (campaign.draft_mark), else "".
    draft: str = ""
    #: The sources fingerprint of the signed proof (materials/fingerprint.py), in every PDF's Keywords.
    sources: str = ""

    def replace(self, **changes: Any) -> Poster:
        return dataclasses.replace(self, **changes)

    def as_data(self) -> dict[str, Any]:
        """Plain data for hashing (input hashes, the static layer's cache key)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class VenueText:
    """One venue's own text and link: `v` in the templates."""

    id: str
    name: str
    name_en: str
    address: str
    address_en: str
    category: dict[str, str]
    district: dict[str, str]
    district_key: str
    link: str
    code: str
    #: The name and address in the campaign's other languages (`name_<lang>` columns), in its language order:
    #: only the languages the list fills in.
    names: dict[str, str] = dataclasses.field(default_factory=dict)
    addresses: dict[str, str] = dataclasses.field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
