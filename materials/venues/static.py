"""The static layer of a venue poster: the poster without any venue, rendered once per process, run and size
by WeasyPrint (through its public API: `HTML.render`, `Page.anchors`, `Document.write_pdf`), and turned into
one PDF form XObject (`/S`) with the rectangles of its empty *slots*, where each venue's parts go. Also the
poster templates' Jinja environment, the font pack as `@font-face` rules, and the crop marks.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from materials.errors import MaterialsError
from materials.i18n import _
from materials.venues.context import Poster, css_cmyk
from materials.venues.fontpack import FontPack

log = logging.getLogger(__name__)

PT_PER_MM = 72 / 25.4
MIN_PT = 6.5
#: The slots of the static layer (macros.html, layer "static"), where each venue's own parts go.
SLOTS = ("venue", "qr", "code", "address")
#: The BleedBox is the trim plus this (the band's colour runs 3.5 mm past the trim); crop marks are drawn
#: from just outside it to the edge of the 6 mm bleed, in K only.
BLEED_BOX_PT = 10.0
MARK_WIDTH_PT = 0.25


# ---- templates ----------------------------------------------------------------------------------------------


def pt_filter(scale: float) -> Any:
    return lambda v: f"{scaled_pt(float(v), scale):.2f}pt"


def scaled_pt(value: float, scale: float) -> float:
    """A type size of the A4 design at another size: never below a legible minimum."""
    return max(value * scale, MIN_PT)


def mm_filter(scale: float) -> Any:
    return lambda v: f"{float(v) * scale:.3f}mm"


def environment(templates: tuple[tuple[str, str], ...], scale: float, poster: Poster) -> jinja2.Environment:
    # The same sandbox as every template (materials.templating.Sandbox): autoescape and StrictUndefined, so
    # a template typo fails the run instead of printing a blank on every poster, and no template reaches
    # Python, files or the key. Sources come with the job (remote workers).
    from materials.templating import Sandbox

    sources = dict(templates)

    def load(name: str) -> tuple[str, str, Any] | None:  # the file name shows in a template error's message
        return (sources[name], f"venues/{name}", lambda: True) if name in sources else None

    env = Sandbox(jinja2.FunctionLoader(load), autoescape=True)
    env.filters["pt"] = pt_filter(scale)
    env.filters["mm"] = mm_filter(scale)
    env.filters["cmyk"] = functools.partial(css_cmyk, exact=poster.brand.inks)
    return env


@functools.lru_cache(maxsize=4)
def _font_dir(digest: str) -> Path:
    """A folder for a font pack's files in this process, removed when the process ends.

    `multiprocessing.util.Finalize` rather than `atexit`: pool workers end through multiprocessing, which
    runs these finalizers but not atexit handlers; in the main process multiprocessing runs them at exit.
    A finalizer only runs in the process that made it, so a forked worker never removes its parent's folder.
    """
    from multiprocessing import util

    folder = Path(tempfile.mkdtemp(prefix=f"materials-fonts-{digest[:8]}-"))
    util.Finalize(None, shutil.rmtree, args=(str(folder),), kwargs={"ignore_errors": True}, exitpriority=1)
    return folder


def font_faces(fonts: FontPack) -> tuple[str, Path]:
    folder = _font_dir(fonts.digest)
    paths = fonts.write(folder)
    rules = []
    for weight, path in paths.items():
        rules.append(f'@font-face {{ font-family: "Venue Sans"; src: url("{path.as_uri()}"); '
                     f"font-weight: {700 if weight == 'bold' else 400}; }}")
    return "\n".join(rules) + "\n", folder


def weasy(html: str, folder: Path, label: str, template: str) -> Any:
    """The rendered document of a venue template's page (`template`: its name, for a refused file)."""
    from weasyprint import HTML

    from materials.fetcher import url_fetcher

    with refused_resources(template):
        return HTML(string=html, base_url=folder.as_uri() + "/", url_fetcher=url_fetcher([folder], label)).render()


@contextlib.contextmanager
def refused_resources(template: str) -> Iterator[None]:
    """A file a venue template asks for that the fetcher refuses (`file:///etc/passwd`, a web address) is one
    error naming the template, as in every other template; never a traceback (WeasyPrint raises the refusal as a
    BaseException, while laying out or while writing attachments)."""
    from materials.fetcher import RefusedResource

    try:
        yield
    except BaseException as error:
        seen: BaseException | None = error
        while seen is not None and not isinstance(seen, RefusedResource):
            seen = seen.__cause__ or seen.__context__
        if not isinstance(seen, RefusedResource):
            raise
        raise MaterialsError(_("venue template {template}: refused to load {url!r}: {reason}. A venue template may "
                               "use only its fonts and data: URLs; remove the reference").format(
                                 template=template, url=seen.url, reason=seen.reason)) from None


# ---- the static layer ---------------------------------------------------------------------------------------


@dataclass
class StaticArt:
    """The static layer of one run and size, in this process: its form XObject and slots."""

    #: The pikepdf document that owns the XObject (kept open: files copy the XObject from it).
    pdf: Any
    xobject: Any
    #: MediaBox, TrimBox, BleedBox of a poster page (points, origin at the trim's bottom left).
    boxes: dict[str, list[float]]
    #: Slot name -> (left, bottom, width, height) in points.
    slots: dict[str, tuple[float, float, float, float]]
    strings: dict[str, Any]
    #: Slot name -> how many characters of the static layer's own text lie in it (none, when the layout fits).
    intrusions: dict[str, int] = field(default_factory=dict)

    def warn(self, poster: Poster) -> None:
        """Name each slot that the static layer's text runs into (once per run: the layer is cached)."""
        for name, count in self.intrusions.items():
            log.warning(_("venue poster %s: the poster's own text runs into the %s box, where each venue's "
                          "%s is printed (%d characters there): the templates' texts are too long for this "
                          "size in %d languages; shorten them (templates/venues/strings.toml) or enlarge "
                          "the box (poster.css)"),
                        poster.size, name, name, count, 1 + len(poster.others))


_STATIC: dict[str, StaticArt] = {}


def static_art(templates: tuple[tuple[str, str], ...], fonts: FontPack, poster: Poster) -> StaticArt:
    """The static layer, rendered with WeasyPrint once per process and set of inputs."""
    key = hashlib.sha256(json.dumps([poster.as_data(), templates, fonts.digest], sort_keys=True,
                                    ensure_ascii=False).encode()).hexdigest()
    art = _STATIC.get(key)
    if art is None:
        if len(_STATIC) >= 4:  # a long-lived (Dask) worker that serves many runs
            _STATIC.clear()
        art = _STATIC[key] = _make_static(templates, fonts, poster)
    return art


def _make_static(templates: tuple[tuple[str, str], ...], fonts: FontPack, poster: Poster) -> StaticArt:
    import pikepdf

    env = environment(templates, poster.paper.scale, poster)
    font_css, folder = font_faces(fonts)
    css = font_css + env.get_template("poster.css").render(g=poster)
    html = env.get_template("posters.html").render(g=poster, css=css, venues=[None], layer="static")
    document = weasy(html, folder, "venue poster (static layer)", "posters.html")
    if len(document.pages) != 1:
        raise ValueError(_("the static layer of the venue poster takes {count} pages instead of one").format(
                             count=len(document.pages)))
    page = document.pages[0]
    width, height = poster.page_w * PT_PER_MM, poster.page_h * PT_PER_MM
    slots = {}
    for name in SLOTS:
        start, end = page.anchors.get(f"slot-{name}"), page.anchors.get(f"slot-{name}-end")
        if start is None or end is None:
            raise ValueError(_("template macros.html: the static layer has no slot `{name}` (an element "
                               "with id=\"slot-{name}\" holding `slot(\"{name}\")`); see docs/venues.md").format(
                                 name=name))
        # CSS px from the trim's top left -> points from its bottom left.
        left, top, right, bottom = start[0] * 0.75, start[1] * 0.75, end[0] * 0.75, end[1] * 0.75
        if right <= left or bottom <= top or bottom > height + 0.01:
            raise ValueError(_("template: the slot `{name}` of the venue poster is empty or off the page").format(
                                 name=name))
        slots[name] = (left, height - bottom, right - left, bottom - top)
    with refused_resources("posters.html"):
        data = document.write_pdf()
    pdf = pikepdf.open(io.BytesIO(data))
    source = pdf.pages[0]
    bleed = poster.bleed * PT_PER_MM
    boxes = {"MediaBox": [-bleed, -bleed, width + bleed, height + bleed], "TrimBox": [0, 0, width, height]}
    if bleed:
        cap = min(bleed, BLEED_BOX_PT)
        boxes["BleedBox"] = [-cap, -cap, width + cap, height + cap]
    # WeasyPrint's page starts at the bleed's bottom left; the XObject is drawn with the trim's origin.
    offset = [float(v) for v in source.mediabox]
    content = b"".join(stream.read_bytes() for stream in page_contents(source.obj))
    marks = crop_marks(width, height, bleed) if bleed else b""
    xobject = pdf.make_stream(
        b"q\n" + content + b"\nQ\n" + marks, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
        BBox=pikepdf.Array(offset), Resources=source.obj.Resources,
        Matrix=pikepdf.Array([1, 0, 0, 1, -bleed - offset[0], -bleed - offset[1]]))
    _cmyk_only(xobject)
    intrusions = _intrusions(data, slots, (offset[0] + bleed, offset[1] + bleed))
    strings = poster.strings  # venues/strings.toml, per label and language
    return StaticArt(pdf, xobject, boxes, slots, strings, intrusions)


def _intrusions(pdf: bytes, slots: dict[str, tuple[float, float, float, float]],
                origin: tuple[float, float]) -> dict[str, int]:
    """Text of the static layer inside a slot (slots are empty there: a venue's text goes in them), by slot:
    steps in one more language can run into the footer's address box. Read from the written page's text."""
    import pypdfium2 as pdfium

    found: dict[str, str] = {}
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[0].get_textpage()
        for index in range(textpage.count_chars()):
            left, bottom, right, top = textpage.get_charbox(index)
            x, y = (left + right) / 2 - origin[0], (bottom + top) / 2 - origin[1]
            for name, (sx, sy, sw, sh) in slots.items():
                if sx + 0.5 < x < sx + sw - 0.5 and sy + 0.5 < y < sy + sh - 0.5:
                    found[name] = found.get(name, "") + textpage.get_text_range(index, 1)
    finally:
        document.close()
    return {name: len("".join(text.split())) for name, text in found.items() if text.strip()}


#: WeasyPrint starts every page (and group) by setting black fill and stroke colours in RGB; the page's
#: drawing then sets the template's own colours, which are CMYK (`device-cmyk()` is written as `k`/`scn`).
_RGB_BLACK = re.compile(rb"(?<![\d.])0 0 0 (rg|RG)(?=\s)")
_RGB_OPERATOR = re.compile(rb"(?<![^\s])(rg|RG)(?=\s|$)")


def _cmyk_only(xobject: Any) -> None:
    """Make the static layer K/CMYK only, as a print shop's PDF/X-4 preflight wants it: WeasyPrint's RGB black
    becomes K black and its transparency groups blend in DeviceCMYK. Any other RGB colour comes from the
    template and is refused (write it as `device-cmyk()`)."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    pending = [xobject]
    while pending:
        form = pending.pop()
        if form.objgen in seen:
            continue
        seen.add(form.objgen)
        data = _RGB_BLACK.sub(lambda m: b"0 0 0 1 k" if m.group(1) == b"rg" else b"0 0 0 1 K", form.read_bytes())
        if _RGB_OPERATOR.search(data) or b"/DeviceRGB" in data:
            raise ValueError(_("template poster.css: the venue poster uses an RGB colour; print colours "
                               "are written as device-cmyk(C M Y K)"))
        form.write(data)
        group = form.get("/Group")
        if group is not None and group.get("/CS") is not None:
            group.CS = pikepdf.Name.DeviceCMYK
        resources = form.get("/Resources")
        for child in (resources.get("/XObject") or {}).values() if resources is not None else ():
            if child.get("/Subtype") == "/Form":
                pending.append(child)


def page_contents(page: Any) -> list[Any]:
    import pikepdf

    contents = page.Contents
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def crop_marks(width: float, height: float, bleed: float, cuts_x: tuple[float, ...] = (),
               cuts_y: tuple[float, ...] = ()) -> bytes:
    """Crop marks (and cut marks at `cuts_x`/`cuts_y`) outside the BleedBox, 0.25 pt, K only."""
    near, far = min(bleed, BLEED_BOX_PT) + 0.5, bleed
    lines = []
    for x in (0.0, *cuts_x, width):
        lines += [(x, -far, x, -near), (x, height + near, x, height + far)]
    for y in (0.0, *cuts_y, height):
        lines += [(-far, y, -near, y), (width + near, y, width + far, y)]
    ops = [f"q 0 0 0 1 K {MARK_WIDTH_PT:g} w"]
    ops += [f"{x1:.3f} {y1:.3f} m {x2:.3f} {y2:.3f} l S" for x1, y1, x2, y2 in lines]
    return ("\n".join(ops) + "\nQ\n").encode()
