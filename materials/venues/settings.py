"""Settings of the venues target: the `[venues]` table of campaign.toml."""

from __future__ import annotations

import builtins
import re
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from materials.i18n import _
from materials.schema import KindSettings, Strict, check_file_names, check_host, is_placeholder_name
from materials.venues import sizes
from materials.venues.sizes import VenueSize

QrLevel = Literal["L", "M", "Q", "H"]

#: Upper-case letters and digits only: keeps the whole link in QR alphanumeric mode.
LINK_PATH = re.compile(r"^[A-Z0-9]+(?:/[A-Z0-9]+)*$")
LINK_HOST = re.compile(r"^[A-Za-z0-9]+(?:(?:\.|-+)[A-Za-z0-9]+)*\.(?:[A-Za-z]{2,}|[Xx][Nn]--[A-Za-z0-9-]+)$")


class VenueSheet(Strict):
    """The press sheet a sticker size is imposed on."""

    name: str = Field(min_length=1, max_length=40)
    """The sheet's name on the order sheet (`SRA3`)."""
    width_mm: float = Field(gt=0, le=2000)
    height_mm: float = Field(gt=0, le=2000)
    across: int = Field(ge=1, le=20)
    """Stickers across the sheet."""
    down: int = Field(ge=1, le=20)
    """Stickers down the sheet."""


class VenuePaper(Strict):
    """A venue poster or sticker size of the campaign: one row of materials/venues/sizes.py, as data."""

    width_mm: float = Field(gt=0, le=2000)
    """Trim width."""
    height_mm: float = Field(gt=0, le=2000)
    """Trim height."""
    qr_mm: float = Field(gt=0, le=2000)
    """Width of the QR code with its quiet zone: its modules must stay readable from where the poster is read
    (the built-in A4 has 100, A6 stickers 50)."""
    sheet: VenueSheet | None = None
    """For a sticker: the sheet it is imposed on with cut marks (a poster without one is a press file of its own,
    with bleed and crop marks)."""
    translated_address: bool = True
    """Print the address in the campaign's other languages too (false where a sticker has room for one line)."""

    @model_validator(mode="after")
    def _fits(self) -> VenuePaper:
        if self.qr_mm > min(self.width_mm, self.height_mm):
            raise ValueError(_("qr_mm {qr:g} is wider than the page ({width:g} × {height:g} mm)").format(
                qr=self.qr_mm, width=self.width_mm, height=self.height_mm))
        sheet = self.sheet
        if sheet is not None and (self.width_mm * sheet.across > sheet.width_mm
                                  or self.height_mm * sheet.down > sheet.height_mm):
            raise ValueError(_("{across} × {down} stickers of {width:g} × {height:g} mm do not fit a {sheet} sheet "
                               "of {sheet_width:g} × {sheet_height:g} mm").format(
                                   across=sheet.across, down=sheet.down, width=self.width_mm, height=self.height_mm,
                                   sheet=sheet.name, sheet_width=sheet.width_mm, sheet_height=sheet.height_mm))
        return self

    def row(self, name: str) -> VenueSize:
        sheet = self.sheet
        return sizes.VenueSize(name, self.width_mm, self.height_mm, qr_mm=self.qr_mm,
                               sheet=sizes.Sheet(sheet.name, sheet.width_mm, sheet.height_mm, across=sheet.across,
                                                 down=sheet.down) if sheet else None,
                               translated_address=self.translated_address)


class VenueSettings(KindSettings):
    """Link host and path, QR error level, key file and print allotments for venue check-in codes."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    list: str = ""
    """Venue list (CSV or XLSX, relative to the campaign) that `materials build` renders, such as
    `venues/sample.csv`; empty: the build makes no venue posters (`materials venues LIST` renders any list)."""
    link_host: str = ""
    """Host of the check-in links; empty means the declaration service's host (service.url). The same host
    rule as service.url: plain ASCII (`xn--` form), and a reserved name is a placeholder (`--strict` fails)."""
    link_path: str = "V"
    """Path before the token, upper-case letters and digits (`V` gives `HTTPS://HOST/V/TOKEN`)."""
    qr_error: QrLevel = "M"
    """QR error-correction level of check-in codes (M keeps a ~70-character link at version 4)."""
    sizes: dict[str, VenuePaper] = {}
    """Sizes the campaign adds to the built-in ones (materials/venues/sizes.py), or redefines: `[venues.sizes.B5]`
    with `width_mm`, `height_mm` and `qr_mm`, and for a sticker the `sheet` it is imposed on (`{ name = "SRA3",
    width_mm = 320, height_mm = 450, across = 3, down = 3 }`)."""
    size: str = "A4"
    """Poster size: A4 and A5 posters, A6 stickers imposed four to an A4 sheet with cut marks, or a size of
    `[venues.sizes]`."""
    key_file: str = ".materials/venue-signing.key"
    """Signing key file, relative to the campaign (made by `materials keys new`); never inside an output."""
    demo_key: bool = False
    """Create a throw-away demo key at `key_file` when it is missing (the shipped sample campaign only; real
    campaigns bring their own key and keep it secret)."""
    key_id: int | None = Field(default=None, ge=0, le=255)
    """Key of the key file that signs new posters; default the highest key id in the file."""
    max_name_width: int = Field(default=48, ge=8, le=200)
    """Longest venue name that still prints legibly, in half-width units (a Chinese character counts 2)."""
    max_address_width: int = Field(default=90, ge=8, le=300)
    """Longest address that still prints legibly, in half-width units (a Chinese character counts 2)."""
    screens: bool = False
    """Also write a 1920x1080 PNG per venue for display screens at stations and the airport."""
    chunk_size: int = Field(default=64, ge=1, le=1000)
    """Venues per unit of work for the process pool or Dask (each worker renders the poster's static layer
    once and composes every venue of its chunks onto it)."""
    verify_px_per_module: float = Field(default=4.0, ge=2.0, le=20.0)
    """Every rendered page is rasterised at this many pixels per QR module to read its code back (a few
    pixels a module is what a phone at reading distance gets; more costs time)."""
    allotment: dict[str, dict[str, int]] = {}
    """Campaign posters and tips signs sent with each venue, per place category: `{ community = { "poster A3" = 2,
    "tips sign A4" = 1 } }`; `print-order.csv` adds them up per district. Each name is a file the campaign
    prints: `poster SIZE` or `tips sign SIZE` for a size posters or tips signs are made in, or `booklet SIZE`;
    any other name, or a category that is no place category, is refused by `check` and `venues`."""

    @field_validator("sizes")
    @classmethod
    def _size_names(cls, value: dict[str, VenuePaper]) -> dict[str, VenuePaper]:
        check_file_names(value, "venues.sizes")
        return value

    @field_validator("size")
    @classmethod
    def _size(cls, value: str, info: ValidationInfo) -> str:
        check_file_names([value], "venues")
        own = info.data.get("sizes") or {}
        sizes.get(value, {name: paper.row(name) for name, paper in own.items()})  # a ValueError names the sizes
        return value

    def paper(self, name: str | None = None) -> VenueSize:
        """The row of the size called `name` (default: `size`), the campaign's own first; a ValueError names the
        sizes there are (an empty name too: it is no size, never the default)."""
        own = {own: paper.row(own) for own, paper in self.sizes.items()}
        return sizes.get(self.size if name is None else name, own)

    @field_validator("link_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not LINK_PATH.match(value):
            raise ValueError(_("{value!r} must be upper-case letters and digits, parts separated by / (the "
                               "link must stay in QR alphanumeric mode)").format(value=value))
        return value

    @field_validator("link_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if value and not LINK_HOST.match(value):
            check_host(value)  # names a look-alike letter and shows the xn-- form
            raise ValueError(_("{value!r} is not a host name such as hc.tj.gov.cn").format(value=value))
        return check_host(value).upper() if value else value

    @field_validator("allotment")
    @classmethod
    def _allotment(cls, value: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        for category, items in value.items():
            for item, count in items.items():
                if count < 0 or count > 10_000:
                    raise ValueError(_("{category}.{item}: {count} is not a count between 0 and 10000").format(
                                         category=category, item=item, count=count))
        return value

    def placeholder_warnings(self) -> builtins.list[str]:
        if not (self.link_host and is_placeholder_name(self.link_host)):
            return []
        return [_("campaign.toml venues.link_host {host} is a PLACEHOLDER on a reserved domain: every venue "
                  "check-in code leads nowhere. Set the real host before printing (--strict fails).").format(
                      host=self.link_host.lower())]

    def keys(self, root: Path) -> builtins.list[tuple[Path, str]]:
        return [(root / self.key_file, "campaign.toml venues.key_file")]

    def sources_read(self, root: Path) -> tuple[Path, ...]:
        return (root / self.key_file, *([root / self.list] if self.list else []))

    def file_settings(self) -> builtins.list[tuple[str, str]]:
        return [("venues.list", self.list), ("venues.key_file", self.key_file)]
