"""The venue poster sizes, as data: one row per size says everything the engine does differently for it.

A poster size (A4, A5) is its own press file: trim plus bleed and crop marks, preflighted one by one, and the
district file is its pages in order. A sticker size (A6) has a white edge instead of bleed; its press file is
the district's sheets, on which the stickers are imposed `across` x `down` with cut marks, and its codes are
read back from those sheets. Type and lengths of the A4 design scale with the page's width.

A campaign adds a size as data (`[venues.sizes.NAME]` in campaign.toml, materials/venues/settings.py): the
same row, made from its table. The run's row travels with its poster settings (`Poster.paper`), so every
branch of the engine reads the row, never a size's name (docs/architecture.md, "How to add a size").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from materials.i18n import _

#: Bleed around posters and sticker sheets: 3.5 mm of colour past the trim, crop marks beyond it.
BLEED_MM = 6.0
#: Modules across a version-4 code with its quiet zone: what the read-back resolution is computed from.
QR_MODULES = 41
#: The size the design is drawn at: every other size scales its type and lengths by its width.
DESIGN_WIDTH_MM = 210.0


@dataclass(frozen=True)
class Sheet:
    """The press sheet stickers are imposed on."""

    name: str
    width_mm: float
    height_mm: float
    across: int
    down: int

    @property
    def per_sheet(self) -> int:
        return self.across * self.down


@dataclass(frozen=True)
class VenueSize:
    name: str
    width_mm: float
    height_mm: float
    #: Width of the QR code with its quiet zone: the module width is what makes it readable from a distance
    #: (a version-4 code on A4 has about 2.4 mm modules).
    qr_mm: float
    #: Stickers: the sheet they are imposed on; None for a poster, which is a press file of its own.
    sheet: Sheet | None = None
    #: The address in the campaign's other languages too (a sticker's footer has room for one line).
    translated_address: bool = True

    @property
    def sticker(self) -> bool:
        return self.sheet is not None

    @property
    def press_file(self) -> bool:
        """Each venue's own PDF goes to the press (bleed, crop marks, the print shop's preflight)."""
        return self.sheet is None

    @property
    def bleed_mm(self) -> float:
        """Bleed of a venue's own page: stickers have a white edge, their sheets carry the bleed."""
        return 0.0 if self.sticker else BLEED_MM

    @property
    def scale(self) -> float:
        """Type and lengths of the A4 design at this size."""
        return self.width_mm / DESIGN_WIDTH_MM

    def pages(self, venues: int) -> int:
        """Pages of a district file of `venues` venues."""
        return -(-venues // self.sheet.per_sheet) if self.sheet else venues

    @property
    def order_kind(self) -> str:
        """Its kind of file in `[print.order]` (paper and quantity)."""
        return "venue-sticker" if self.sticker else "venue-poster"

    @property
    def finishing(self) -> str:
        """The district file's finishing in print-order.csv."""
        if self.sheet is None:
            return "trim; 1 copy of each page (one venue a page)"
        return f"cut on the marks into {self.sheet.per_sheet} {self.name}; 1 copy a sheet"

    def print_item(self) -> str:
        """The district file's line in print-order.csv."""
        if self.sheet is None:
            return f"venue apply code posters {self.name}"
        return f"venue stickers {self.name}, {self.sheet.per_sheet} up on {self.sheet.name} sheets"


A4_SHEET = Sheet("A4", 210.0, 297.0, across=2, down=2)

SIZES: dict[str, VenueSize] = {size.name: size for size in (
    VenueSize("A4", 210.0, 297.0, qr_mm=100.0),
    VenueSize("A5", 148.0, 210.0, qr_mm=72.0),
    VenueSize("A6", 105.0, 148.0, qr_mm=50.0, sheet=A4_SHEET, translated_address=False),
)}


def get(name: str, own: Mapping[str, VenueSize] | None = None) -> VenueSize:
    """The size called `name`: a campaign's `own` rows first, then the built-in `SIZES`."""
    table = {**SIZES, **(own or {})}
    try:
        return table[name]
    except KeyError:
        raise ValueError(_("unknown venue poster size {name!r}; sizes are {names}").format(
                             name=name, names=', '.join(table))) from None
