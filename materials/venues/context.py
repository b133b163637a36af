"""What a venue job knows: the run's poster settings and each venue's own text, as typed, frozen records.

Built once in the parent process (materials/venues/run.py) and sent to workers (local pool or Dask), so
every field is plain data: no paths into the campaign, never the signing key. The templates see the run's
record as `g` and a venue's as `v` (attribute access: `g.title[g.primary]`, `v.name`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: Page sizes (mm) of the poster sizes; A6 stickers are imposed on A4 sheets.
PAGE_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "A6": (105.0, 148.0)}
#: Module width of the QR code is what makes it readable from a distance; these give version-4 codes
#: (41 modules with the quiet zone) about 2.4 mm (A4), 1.75 mm (A5) and 1.2 mm (A6) modules.
QR_MM = {"A4": 100.0, "A5": 72.0, "A6": 50.0}
#: Modules across a version-4 code with its quiet zone: what the read-back resolution is computed from.
QR_MODULES = 41
#: Bleed around A4 and A5 posters and A6 sheets: 3.5 mm of colour past the trim, crop marks beyond it.
BLEED_MM = 6.0


def scale_of(size: str) -> float:
    """Type and lengths of the A4 design scaled to `size`."""
    return PAGE_MM[size][0] / PAGE_MM["A4"][0]


def cmyk(colour: str) -> tuple[float, float, float, float]:
    """An sRGB `#rrggbb` (or `#rgb`) as device CMYK, by the plain formula (no ICC profile): the brand colour
    of a print page. Greys and black come out as K alone, which is what a print shop wants for text."""
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i:i + 2], 16) / 255 for i in (0, 2, 4))
    k = 1 - max(r, g, b)
    if k >= 1:
        return (0.0, 0.0, 0.0, 1.0)
    c, m, y = ((1 - x - k) / (1 - k) for x in (r, g, b))
    return tuple(round(v, 4) for v in (c, m, y, k))  # type: ignore[return-value]


def css_cmyk(colour: str) -> str:
    """The `cmyk` template filter: `#0b6b3a` -> `device-cmyk(0.8972 0 0.4579 0.5804)`."""
    return "device-cmyk({})".format(" ".join(f"{v:g}" for v in cmyk(colour)))


@dataclass(frozen=True)
class Brand:
    primary: str
    accent: str
    text: str
    background: str


@dataclass(frozen=True)
class Poster:
    """The run's settings of every poster: `g` in the templates."""

    size: str
    page_w: float
    page_h: float
    #: mm of bleed around the page; 0 for A6 stickers (their sheets carry the bleed).
    bleed: float
    qr_mm: float
    qr_error: str
    primary: str
    others: tuple[str, ...]
    title: dict[str, str]
    authority: dict[str, str]
    issued: dict[str, str]
    date_iso: str
    host: str
    family: str
    brand: Brand

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

    def as_data(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
