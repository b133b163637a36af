"""Settings of the venues target: the `[venues]` table of campaign.toml."""

from __future__ import annotations

import builtins
import re
from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from materials.i18n import _
from materials.schema import KindSettings, check_host, is_placeholder_name
from materials.venues import sizes

QrLevel = Literal["L", "M", "Q", "H"]

#: Upper-case letters and digits only: keeps the whole link in QR alphanumeric mode.
LINK_PATH = re.compile(r"^[A-Z0-9]+(?:/[A-Z0-9]+)*$")
LINK_HOST = re.compile(r"^[A-Za-z0-9]+(?:(?:\.|-+)[A-Za-z0-9]+)*\.(?:[A-Za-z]{2,}|[Xx][Nn]--[A-Za-z0-9-]+)$")


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
    size: str = "A4"
    """Poster size: A4 and A5 posters, or A6 stickers imposed four to an A4 sheet with cut marks (the sizes of
    materials/venues/sizes.py)."""
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
    """Campaign posters and tips signs sent with each venue, per place category: `{ community = { "poster-A3"
    = 2 } }`; `print-order.csv` adds them up per district."""

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        sizes.get(value)  # a ValueError names the sizes there are
        return value

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
