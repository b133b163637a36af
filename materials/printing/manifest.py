"""`manifest.json`: what a print folder holds. The print target writes it, the web target reads it to offer
downloads, `materials check --output` reads it to check the folder, and the web tests build fixtures with it.

One typed model is the contract between them, so a field renamed on one side fails at once on the other.
Paths are POSIX paths relative to the print folder; reading refuses any that would leave it.

The same contract gives the words of every poster and tip (`material_texts`), typed, whether the print
target has run or not: the website's tips page shows them before any PDF exists. A print build writes them
into its manifest (`texts`, with the sources fingerprint they were read under), so in a build the web takes
the words print read, and no poster or tip is read twice. The web kind reads print through this module
only, never through the print kind's source readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from materials import fingerprint
from materials.errors import MaterialsError, Problem
from materials.i18n import _
from materials.schema import validation_message

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.printing.sources import Material

NAME = "manifest.json"
VERSION = 1


def _relative(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value:
        raise ValueError(_("{value!r} must be a path inside the print folder").format(value=value))
    return value


class ManifestEntry(BaseModel):
    """One file of the print run (a PDF with its PNG preview, a PNG, or the WeChat article)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    """Material id (`apply`), or `faq` for the booklet and the WeChat article."""
    kind: str
    """poster, tip, card, guide, booklet, screen, wechat-cover, wechat-square, billboard, playlist or wechat-article."""
    title: dict[str, str]
    """Title per language (a single-language edition has its language only)."""
    size: str
    """Size name (`A4`, `billboard`, `1920x1080`, `A4 (4× A6)`, `html`)."""
    language: str
    """A campaign language, or `bilingual`."""
    width_mm: float | None = None
    height_mm: float | None = None
    pdf: str | None = None
    """The PDF, relative to the print folder."""
    png: str | None = None
    """The PNG: the image itself, or the PDF's preview."""
    html: str | None = None
    """The WeChat article's HTML, or a screen playlist's slideshow."""
    list: str | None = None
    """A screen playlist's plain list (`.m3u8`) for signage players."""
    link: str | None = None
    """The tagged declaration-service link its QR code carries."""
    home_pdf: str | None = None
    """Its edition for office printers (A4 or A5, sRGB, no bleed or marks): the only file the public website
    offers. None for production files (press, billboard, screens, WeChat)."""

    _paths = field_validator("pdf", "png", "html", "list", "home_pdf")(_relative)

    @property
    def file(self) -> str | None:
        """The file a person downloads: the PDF, else the PNG, else the HTML."""
        return self.pdf or self.png or self.html


class MaterialWords(BaseModel):
    """A poster's or tip's words in one language, as its source gives them (the body is Markdown)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: str
    headline: str
    body: str


class MaterialText(BaseModel):
    """One poster or tip of the campaign's sources: what the website says about it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    """`poster` or `tip`."""
    layout: str
    """`sign` or `guide` (tips only)."""
    words: dict[str, MaterialWords]
    """Words per language the source has."""


class PrintManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(default=VERSION, ge=VERSION, le=VERSION)
    materials: list[ManifestEntry] = []
    sources: str = ""
    """The sources fingerprint (materials.fingerprint) of the campaign the folder was made from."""
    texts: list[MaterialText] = []
    """The words of every poster and tip, as the print target read them from posters/ and tips/."""

    def dumps(self) -> str:
        """Stable JSON (sorted keys, one space indent): the same run writes the same bytes."""
        data = self.model_dump(mode="json", exclude_none=False)
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def write(self, folder: Path) -> Path:
        path = folder / NAME
        path.write_text(self.dumps(), encoding="utf-8")
        return path

    @classmethod
    def read(cls, folder: Path, label: str | None = None) -> PrintManifest:
        """Read `folder/manifest.json`; a missing, unreadable or malformed file is a `MaterialsError` that
        names the item and field."""
        label = label or f"{folder.name}/{NAME}"
        try:
            data = json.loads((folder / NAME).read_bytes().decode("utf-8"))
        except FileNotFoundError:
            raise MaterialsError(_("{label}: missing; rebuild with `materials build --only print`").format(
                label=label)) from None
        except (ValueError, UnicodeDecodeError) as e:
            raise MaterialsError(_("{label}: cannot read the print manifest ({e}); rebuild the print target").format(
                label=label, e=e)) from None
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            found = "; ".join(_where(label, error["loc"]) + validation_message(error) for error in e.errors()[:5])
            raise MaterialsError(_("{problems}; rebuild with `materials build --only print`").format(
                problems=found)) from None


def _where(label: str, loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "materials" and isinstance(loc[1], int):
        rest = ".".join(str(part) for part in loc[2:])
        where = _("{file} item {number}").format(file=label, number=loc[1] + 1)
        return f"{where}: {rest}: " if rest else f"{where}: "
    return f"{label}: " + (".".join(str(part) for part in loc) + ": " if loc else "")


def laid_out_digest(root: Path, path: Path) -> str:
    """The sha256 of a print file of the campaign at `root` as it was laid out, before the sources fingerprint
    was stamped in (a file the print cache does not know: its own sha256). A file whose only change is a new
    fingerprint keeps its digest: `materials serve`'s gallery draws its thumbnails again only on a real change."""
    from materials.printing import incremental

    return incremental.Cache(root / incremental.CACHE).origin(path)


def texts_of(found: Iterable[Material]) -> list[MaterialText]:
    """The contract's view of the print target's parsed sources."""
    return [MaterialText(id=m.id, kind=m.kind, layout=m.layout,
                         words={lang: MaterialWords(lang=w.lang, headline=w.headline, body=w.body)
                                for lang, w in m.words.items()})
            for m in found]


def material_texts(campaign: Campaign,
                   printed: PrintManifest | None = None) -> tuple[list[MaterialText], list[Problem]]:
    """Every poster and tip of the campaign's sources, in order, with the problems that kept any from being read.
    A campaign without posters/ and tips/ has none.

    When `printed` (a print folder's manifest) was made from these very sources (its `sources` is the
    campaign's fingerprint), the words are the ones the print target read: a build reads and parses each
    poster and tip once, in print's validation. Otherwise (no print build, or an older one) they are read from
    the sources here."""
    if printed is not None and printed.sources and printed.sources == fingerprint.sources(campaign):
        return list(printed.texts), []
    from materials.printing import sources

    if not any((campaign.root / folder).is_dir() for folder in (sources.POSTER_DIR, sources.TIP_DIR)):
        return [], []
    found, problems = sources.load(campaign)
    return texts_of(found), problems


def allotment_items(campaign: Campaign) -> list[str]:
    """What `[venues.allotment]` may send with a venue: a file of the campaign's print pack, named as the venue
    run's `print-order.csv` reads it (`folder.print_rows`: the kind, then the size): `poster A3` for each size
    posters are made in (`[print] poster_sizes` and a poster's own `sizes`), `tips sign A4` likewise for tips
    signs, `booklet A5` for each booklet size."""
    from materials.printing import sources
    from materials.printing.settings import PrintSettings

    settings = PrintSettings.of(campaign.settings)
    materials, _problems = sources.load(campaign, note_absent=False)
    items = {f"poster {size}" for size in settings.poster_sizes} | {f"tips sign {size}" for size in settings.tip_sizes}
    items |= {f"poster {size}" if m.kind == "poster" else f"tips sign {size}" for m in materials for size in m.sizes}
    items |= {f"booklet {size}" for size in settings.booklet_sizes}
    return sorted(items)
