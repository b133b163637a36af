"""Settings of the print target: the `[print]` table of campaign.toml."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from materials.i18n import _
from materials.printorder import OrderSettings
from materials.schema import KindSettings, check_file_names

QrLevel = Literal["L", "M", "Q", "H"]
#: A side of a WeChat image in pixels: 0 or less cannot be drawn, and a side of 100,000 asks a worker for tens of
#: gigabytes (WeChat itself shows covers at most 1,080 pixels wide).
WechatPixels = Annotated[int, Field(ge=100, le=4000)]


class PaperSize(BaseModel):
    """A trim size in millimetres."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    width_mm: float = Field(gt=20, le=5000)
    """Trim width in millimetres (PDF pages cannot exceed 5080 mm)."""
    height_mm: float = Field(gt=20, le=5000)
    """Trim height in millimetres."""
    viewing_distance_m: float | None = Field(default=None, gt=0, le=500)
    """Distance the words are read from, in metres (billboards: tens of metres from the road); sets the
    smallest letter height of the billboard edition (`[print] legibility_ratio`)."""
    scan_distance_m: float | None = Field(default=None, gt=0, le=100)
    """Distance phones scan the code from, in metres; the billboard edition's code is at least a tenth of it
    wide. Default: `[print] reading_distance_m` of the size."""

    @property
    def landscape(self) -> bool:
        return self.width_mm > self.height_mm


DEFAULT_SIZES = {
    "A2": PaperSize(width_mm=420, height_mm=594),
    "A3": PaperSize(width_mm=297, height_mm=420),
    "A4": PaperSize(width_mm=210, height_mm=297),
    "A5": PaperSize(width_mm=148, height_mm=210),
    "A6": PaperSize(width_mm=105, height_mm=148),
    "billboard": PaperSize(width_mm=2400, height_mm=1200, viewing_distance_m=20, scan_distance_m=6),
}


class ScreenKind(BaseModel):
    """An electronic display screen: its pixels, its physical size and how far away people read it."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    width_px: int = Field(ge=160, le=8000)
    """Width of the picture in pixels."""
    height_px: int = Field(ge=160, le=8000)
    """Height of the picture in pixels."""
    diagonal_in: float = Field(gt=5, le=1000)
    """Visible diagonal in inches (a 55-inch TV, a 98-inch hall screen)."""
    viewing_distance_m: float = Field(gt=0, le=200)
    """Distance most people read the screen from, in metres; sets the smallest text (`legibility_ratio`)."""
    seconds: int = Field(default=10, ge=2, le=600)
    """How long each image stays on screen in the playlists."""
    body: bool = True
    """Show a poster's body text; false keeps the headline, the call to action and the code (for screens
    read from so far away that a paragraph cannot be large enough)."""

    @property
    def px_per_mm(self) -> float:
        """Pixels per millimetre of the visible picture (square pixels)."""
        diagonal_px = (self.width_px ** 2 + self.height_px ** 2) ** 0.5
        return diagonal_px / (self.diagonal_in * 25.4)


DEFAULT_SCREENS = {
    "hall": ScreenKind(width_px=1920, height_px=1080, diagonal_in=98, viewing_distance_m=10, seconds=10,
                       body=False),
    "lobby": ScreenKind(width_px=1920, height_px=1080, diagonal_in=55, viewing_distance_m=4, seconds=10),
    "kiosk": ScreenKind(width_px=1080, height_px=1920, diagonal_in=55, viewing_distance_m=2.5, seconds=12),
}


class PrintSettings(KindSettings):
    """Paper sizes, bleed and QR settings for posters, tips signs and the booklet."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    sizes: dict[str, PaperSize] = DEFAULT_SIZES
    """Named trim sizes, added to the built-in A2-A6 and billboard (2400x1200 mm landscape); a table
    `[print.sizes.NAME]` with `width_mm` and `height_mm` adds or overrides one. The billboard's
    `viewing_distance_m` (default 20) and `scan_distance_m` (default 6) size its billboard edition."""
    poster_sizes: list[str] = ["A4", "A3", "A2", "billboard"]
    """Sizes every poster is made in, unless its front matter lists its own `sizes`."""
    tip_sizes: list[str] = ["A4", "A5"]
    """Sizes of the tips signs."""
    card_size: str = "A6"
    """Size of the tips cards, imposed on `card_sheet` with cut marks."""
    card_sheet: str = "A4"
    """Sheet the tips cards are imposed on, as many up as fit (4 A6 on A4)."""
    booklet_sizes: list[str] = ["A5", "A4"]
    """Sizes of the FAQ booklet."""
    bleed_mm: float = Field(default=3.0, ge=3.0, le=20.0)
    """Bleed around every trim in mm (the BleedBox; backgrounds run into it); crop marks are drawn outside it.
    3 mm is what most print shops ask for; some want more for large formats."""
    safe_margin_mm: float = Field(default=5.0, ge=5.0)
    """No text or QR code closer than this to the trim."""
    poster_qr_error: QrLevel = "Q"
    """QR error-correction level of posters and billboards (Q survives weather and dirt)."""
    qr_error: QrLevel = "M"
    """QR error-correction level of tips, cards, the booklet and screen images."""
    reading_distance_m: dict[str, float] = {
        "A6": 0.4, "A5": 0.5, "A4": 0.8, "A3": 1.2, "A2": 1.6, "billboard": 6.0,
    }
    """Distance a size is read from, in metres; its QR code is at least a tenth of it wide."""
    booklet_reading_distance_m: float = Field(default=0.3, ge=0.1, le=5.0)
    """Distance the booklet's cover code is read from, in metres (a booklet is held in the hand)."""
    min_type_scale: float = Field(default=0.75, gt=0.3, le=1.0)
    """Words may shrink to this fraction of the design's type size to fit their box; below it, an error."""
    screens: dict[str, ScreenKind] = DEFAULT_SCREENS
    """Kinds of electronic display screens, each a table `[print.screens.NAME]` with `width_px`,
    `height_px`, `diagonal_in`, `viewing_distance_m`, `seconds` and `body` (false: headline, call to action
    and code only); every poster and tips sign is rendered for each, with a playlist per kind and edition.
    Default: `hall` (98-inch, 1920x1080, read from 10 m), `lobby` (55-inch, 4 m), `kiosk` (55-inch portrait
    1080x1920, 2.5 m)."""
    action_safe: float = Field(default=0.05, ge=0.0, le=0.2)
    """Share of each screen edge kept free of words and codes: TVs and players overscan (5% action-safe)."""
    legibility_ratio: float = Field(default=250, ge=50, le=1000)
    """A word read from D metres needs letters at least D / ratio tall (capitals of Latin script, the whole
    character in Chinese): 250 gives 4 mm a metre, the sign makers' rule for words read at a glance."""
    wechat_cover: tuple[WechatPixels, WechatPixels] = (900, 383)
    """Pixel size (width, height) of WeChat article cover images (the share card shows their centre square);
    each side from 100 to 4000."""
    wechat_square: tuple[WechatPixels, WechatPixels] = (500, 500)
    """Pixel size (width, height) of the square covers WeChat asks for secondary articles of a message; each side
    from 100 to 4000."""
    preview_width_px: int = Field(default=480, ge=100, le=2000)
    """Width of the PNG preview written beside each PDF (for the website's download list)."""
    max_image_bytes: int = Field(default=8_000_000, gt=0)
    """Largest image a poster or tip may use, in bytes."""
    workers: int = Field(default=2, ge=1, le=64)
    """Processes rendering PDFs and PNGs in parallel."""
    order: OrderSettings = Field(default_factory=OrderSettings)
    """The print shop's order sheet: copies and suggested paper per kind of file (`[print.order]`)."""

    @field_validator("sizes", mode="before")
    @classmethod
    def _merge_sizes(cls, value: Any) -> Any:
        # A campaign names only the sizes it adds or changes; the ISO sizes stay available.
        if isinstance(value, dict):
            return {**{k: v.model_dump() for k, v in DEFAULT_SIZES.items()}, **value}
        return value

    @model_validator(mode="after")
    def _sizes_known(self) -> PrintSettings:
        check_file_names(self.sizes, "print.sizes")
        check_file_names(self.screens, "print.screens")
        wanted = [*self.poster_sizes, *self.tip_sizes, self.card_size, self.card_sheet, *self.booklet_sizes]
        unknown = sorted({s for s in wanted if s not in self.sizes})
        if unknown:
            raise ValueError(_("unknown size {unknown}; define it under [print.sizes] "
                               "(known: {sizes})").format(unknown=', '.join(unknown), sizes=', '.join(self.sizes)))
        return self

    def trim_mm(self, size: str) -> tuple[float, float] | None:
        paper = self.sizes.get(size)
        return (paper.width_mm, paper.height_mm) if paper is not None else None
