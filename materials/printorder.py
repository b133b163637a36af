"""The order sheet a print shop reads: one row per press file, the same shape for the campaign's print pack
(`output/print/print-shop/order.csv`) and a venue run's `print-order.csv`.

Columns: district (venue runs; empty in the campaign pack), file, material, language, trim size, pages,
colours (4/0: CMYK on one side; 4/4: both sides), suggested paper, finishing and quantity. Paper and quantity
come from campaign.toml's `[print.order]` (per kind), with the defaults below.

Every cell a spreadsheet would run as a formula (`= + - @`, tab, CR at the start) is prefixed with `'`: titles
and venue names come from outside, and the sheet is opened in Excel.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from materials.i18n import _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

HEADER = ["district", "file", "material", "language", "trim_size", "pages", "colours", "paper", "finishing",
          "quantity"]

#: ISO paper sizes an allotment names (`poster A3`), in mm.
PAPERS_MM = {"A2": (420.0, 594.0), "A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0),
             "A6": (105.0, 148.0)}
#: Suggested paper per kind of file: what a print shop would propose for indoor public notices.
PAPER = {
    "poster": "150 g/m² coated silk",
    "tip": "200 g/m² coated matt",
    "card": "300 g/m² coated matt board",
    "guide": "100 g/m² uncoated offset",
    "booklet": "128 g/m² coated matt (cover and text)",
    "billboard": "frontlit PVC banner 440 g/m²",
    "venue-poster": "150 g/m² coated silk",
    "venue-sticker": "self-adhesive matt paper",
}
#: Copies per file unless campaign.toml says otherwise.
QUANTITY = {"poster": 100, "tip": 200, "card": 250, "guide": 50, "booklet": 500, "billboard": 1,
            "venue-poster": 1, "venue-sticker": 1}
FINISHING = {
    "poster": "trim to size",
    "tip": "trim to size",
    "card": "cut on the marks into 4 A6 cards",
    "guide": "trim to size",
    "booklet": "fold, saddle-stitch (2 staples), trim",
    "billboard": "trim; hems, eyelets as the frame needs",
}  # venue files: their size says (materials/venues/sizes.py, VenueSize.finishing)


class OrderSettings(BaseModel):
    """`[print.order]`: what the order sheet suggests to the print shop, per kind of file (poster, tip, card,
    guide, booklet, billboard, venue-poster, venue-sticker)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    quantity: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(default_factory=dict)
    """Copies of each file per kind, e.g. `{ poster = 300, booklet = 2000 }` (defaults: poster 100, tip 200,
    card sheets 250, guide 50, booklet 500, billboard 1; venue files 1 copy of each page)."""
    paper: dict[str, Annotated[str, Field(min_length=1, max_length=120)]] = Field(default_factory=dict)
    """Suggested paper per kind, e.g. `{ poster = "170 g/m² coated gloss" }` (defaults suit indoor notices)."""

    @field_validator("quantity", "paper")
    @classmethod
    def _known_kinds(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(PAPER))
        if unknown:
            raise ValueError(_("unknown kind {unknown!r}; the kinds are {PAPER}").format(unknown=unknown[0],
                                                                                         PAPER=', '.join(PAPER)))
        return value

    def quantity_of(self, kind: str) -> int:
        return self.quantity.get(kind, QUANTITY.get(kind, 1))

    def paper_of(self, kind: str) -> str:
        return self.paper.get(kind, PAPER.get(kind, ""))


@dataclass(frozen=True)
class Row:
    district: str
    file: str
    material: str
    language: str
    trim_size: str
    pages: int | str
    colours: str
    paper: str
    finishing: str
    quantity: int


def trim_size(name: str, width_mm: float, height_mm: float) -> str:
    """`A4 210 × 297 mm`; a named size (`billboard`) with its measure."""
    measure = f"{width_mm:g} × {height_mm:g} mm"
    return measure if name.split(" ")[0] in ("", measure) else f"{name.split(' ')[0]} {measure}"


def colours(pages: int) -> str:
    """4/0 for a one-page file (CMYK on the front), 4/4 for a booklet printed on both sides."""
    return "4/4" if pages > 1 else "4/0"


def safe_cell(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs: a leading formula character gets a `'` before it. A cell
    that starts with `'` gets one too, so that two values stay two cells (`=1+1` -> `'=1+1`, `'=1+1` ->
    `''=1+1`) and `unsafe_cell` gives each back: a register compared by its cells never takes one for the other."""
    text = str(value)
    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


def unsafe_cell(text: str) -> str:
    """The value `safe_cell` guarded (a `'` it did not add, before a letter say, is the value's own)."""
    return text[1:] if text.startswith("'") and text[1:2].startswith((*FORMULA_START, "'")) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM (so Excel on Chinese Windows shows the Chinese), CRLF, every cell formula-safe."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def order_csv(rows: Iterable[Row]) -> bytes:
    return csv_bytes(HEADER, (astuple(row) for row in rows))
