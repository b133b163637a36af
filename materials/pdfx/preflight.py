"""A print shop's preflight of a press PDF: `preflight(path)` reads any PDF back the way a print shop's
preflight would and lists what is wrong, one `Problem` per problem and page (materials/pdfx/__init__.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from materials.errors import Problem
from materials.i18n import _
from materials.pdfx.colour import CMYK, MAX_INK, RICH_BLACK_K, _is_rgb, _numbers
from materials.pdfx.marks import _ISO_DATE, MM, PDF_VERSION, PRINT_ANNOTATIONS, XMP_DATES, XMP_REQUIRED, _box

if TYPE_CHECKING:
    import pikepdf


class _Page:
    """What one page uses: RGB anywhere, the highest total ink, text set in rich black."""

    def __init__(self) -> None:
        self.rgb: set[str] = set()
        self.max_ink = 0.0
        self.rich_black: CMYK | None = None
        self.fonts: dict[str, bool] = {}
        self.seen: set[tuple[int, int]] = set()

    def ink(self, values: Sequence[float]) -> None:
        self.max_ink = max(self.max_ink, sum(values) * 100)


def _walk(stream: Any, resources: Any, page: _Page, where: str) -> None:
    import pikepdf

    spaces = resources.get("/ColorSpace", {})
    fill_space: Any = pikepdf.Name.DeviceGray
    stroke_space: Any = pikepdf.Name.DeviceGray
    fill: list[float] = [0.0]
    stack: list[tuple[Any, list[float]]] = []
    for instruction in pikepdf.parse_content_stream(stream):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            space = instruction.iimage.obj.get("/ColorSpace", instruction.iimage.obj.get("/CS"))
            if space is not None and _is_rgb(spaces.get(str(space), space)):
                page.rgb.add(_("an inline image in {where}").format(where=where))
            continue
        op, operands = str(instruction.operator), instruction.operands
        if op == "q":
            stack.append((fill_space, fill))
        elif op == "Q" and stack:
            fill_space, fill = stack.pop()
        elif op in ("rg", "RG"):
            page.rgb.add(_("RGB colour ({op}) in {where}").format(op=op, where=where))
            if op == "rg":
                fill_space, fill = pikepdf.Name.DeviceRGB, _numbers(operands) or [0.0, 0.0, 0.0]
        elif op in ("k", "K"):
            values = _numbers(operands) or [0.0, 0.0, 0.0, 0.0]
            page.ink(values)
            if op == "k":
                fill_space, fill = pikepdf.Name.DeviceCMYK, values
        elif op in ("g", "G"):
            if op == "g":
                fill_space, fill = pikepdf.Name.DeviceGray, _numbers(operands) or [0.0]
        elif op in ("cs", "CS"):
            space = spaces.get(str(operands[0]), operands[0]) if operands else None
            if space is not None and _is_rgb(space):
                page.rgb.add(_("RGB colour space ({op} {operands}) in {where}").format(op=op, operands=operands[0],
                                                                                       where=where))
            if op == "cs":
                fill_space = space
            else:
                stroke_space = space
        elif op in ("sc", "scn", "SC", "SCN"):
            given = _numbers(operands)
            space = fill_space if op.islower() else stroke_space
            if given is not None and len(given) == 4 and _family(space) == "/DeviceCMYK":
                page.ink(given)
            if op.islower() and given:
                fill = given
        elif op in ("Tj", "TJ", "'", '"'):
            if _family(fill_space) == "/DeviceCMYK" and len(fill) == 4:
                c, m, y, k = (v * 100 for v in fill)
                if k >= RICH_BLACK_K and max(c, m, y) > 0.5 and page.rich_black is None:
                    page.rich_black = (c, m, y, k)
        elif op == "Do" and operands:
            xobject = resources.get("/XObject", {}).get(str(operands[0]))
            if xobject is not None:
                _xobject(xobject, page, str(operands[0]))
        elif op == "sh" and operands:
            shading = resources.get("/Shading", {}).get(str(operands[0]))
            if shading is not None and _is_rgb(shading.get("/ColorSpace")):
                page.rgb.add(_("an RGB shading {operands}").format(operands=operands[0]))
    _resources(resources, page)


def _family(space: Any) -> str:
    import pikepdf

    if isinstance(space, pikepdf.Array) and len(space) > 0:
        if str(space[0]) == "/ICCBased":
            return {1: "/DeviceGray", 3: "/DeviceRGB", 4: "/DeviceCMYK"}.get(int(space[1].get("/N", 0)), "")
        return str(space[0])
    return str(space)


def _xobject(xobject: Any, page: _Page, name: str) -> None:
    import pikepdf

    if xobject.objgen != (0, 0) and xobject.objgen in page.seen:
        return
    page.seen.add(xobject.objgen)
    subtype = xobject.get("/Subtype")
    if subtype == "/Form":
        group = xobject.get("/Group")
        if group is not None and "/CS" in group and _is_rgb(group.CS):
            page.rgb.add(_("an RGB transparency group in form {name}").format(name=name))
        _walk(xobject, xobject.get("/Resources", pikepdf.Dictionary()), page, _("form {name}").format(name=name))
    elif subtype == "/Image":
        space = xobject.get("/ColorSpace")
        if xobject.get("/ImageMask", False):
            return
        if space is not None and _is_rgb(space):
            page.rgb.add(f"RGB image {name}")
        elif _family(space) == "/DeviceCMYK":
            page.max_ink = max(page.max_ink, _image_ink(xobject))


def _image_ink(xobject: Any) -> float:
    import pikepdf
    from PIL import ImageMath

    try:
        image = pikepdf.PdfImage(xobject).as_pil_image()
    except Exception:  # an image pikepdf cannot decode is not an ink problem
        return 0.0
    if image.mode != "CMYK":
        return 0.0
    c, m, y, k = (band.convert("I") for band in image.split())
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"], c=c, m=m, y=y, k=k)
    return float(total.getextrema()[1]) / 255 * 100


def _resources(resources: Any, page: _Page) -> None:
    for name, font in resources.get("/Font", {}).items():
        base = str(font.get("/BaseFont", name)).lstrip("/")
        page.fonts[base] = _embedded(font)


def _embedded(font: Any) -> bool:
    subtype = str(font.get("/Subtype", ""))
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        font = font.DescendantFonts[0]
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _claims(pdf: pikepdf.Pdf) -> Iterator[str]:
    """Document-wide problems: the PDF/X-4 claim and its output intent."""
    import pikepdf

    try:
        with pdf.open_metadata() as meta:
            fields = {key: str(meta.get(key, "") or "") for key in ("pdfxid:GTS_PDFXVersion", *XMP_REQUIRED)}
    except Exception:  # unreadable XMP is reported as a missing claim
        fields = {}
    version = fields.get("pdfxid:GTS_PDFXVersion", "")
    if not version.startswith("PDF/X-4"):
        if version:
            yield _("does not claim PDF/X-4 (XMP pdfxid:GTS_PDFXVersion is {version!r})").format(version=version)
        else:
            yield _("does not claim PDF/X-4 (XMP pdfxid:GTS_PDFXVersion is missing)")
    elif missing := [key for key in XMP_REQUIRED if not fields.get(key)]:
        yield _("XMP lacks {missing}").format(missing=', '.join(missing))
    if bad := [f"{key} {fields[key]!r}" for key in XMP_DATES if fields.get(key) and not _ISO_DATE.match(fields[key])]:
        yield _("XMP dates are not ISO 8601: {bad}").format(bad=', '.join(bad))
    if pdf.pdf_version != PDF_VERSION:
        yield _("is PDF {version}; every press file is PDF {wanted} (PDF/X-4)").format(version=pdf.pdf_version,
                                                                                      wanted=PDF_VERSION)
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if not intents:
        yield _("has no GTS_PDFX output intent (the print shop cannot tell which printing condition it is for)")
    for intent in intents:
        profile = intent.get("/DestOutputProfile")
        if not isinstance(profile, pikepdf.Stream):
            if not str(intent.get("/RegistryName", "")):
                yield _("output intent has no embedded profile and no registered printing condition")
        elif profile.read_bytes()[16:20] != b"CMYK":
            yield _("output intent profile is not a CMYK profile")
    if str(pdf.docinfo.get("/Trapped", "")) not in ("/True", "/False"):
        yield _("Info /Trapped must be True or False for PDF/X")


def _boxes(page: Any, trim_mm: tuple[float, float] | None) -> Iterator[str]:
    if "/TrimBox" not in page.obj:
        yield _("has no TrimBox")
        return
    trim = _box(page.obj.TrimBox)
    media = _box(page.mediabox)
    if trim_mm is not None:
        width, height = (trim[2] - trim[0]) / MM, (trim[3] - trim[1]) / MM
        if abs(width - trim_mm[0]) * MM > 0.6 or abs(height - trim_mm[1]) * MM > 0.6:
            yield _("TrimBox is {width:.1f}x{height:.1f} mm, expected {trim_mm:.1f}x{trim_mm2:.1f} mm").format(
                width=width, height=height, trim_mm=trim_mm[0], trim_mm2=trim_mm[1])
    if "/BleedBox" not in page.obj:
        yield _("has no BleedBox")
        return
    bleed = _box(page.obj.BleedBox)
    margin = min(trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]) / MM
    if margin < 3 - 0.01:
        yield _("BleedBox is {margin:.1f} mm outside the TrimBox; at least 3 mm").format(margin=margin)
    if bleed[0] < media[0] - 0.01 or bleed[1] < media[1] - 0.01 or bleed[2] > media[2] + 0.01 \
            or bleed[3] > media[3] + 0.01:
        yield _("BleedBox reaches outside the MediaBox")


def preflight(path: str | Path, *, name: str | None = None, trim_mm: tuple[float, float] | None = None,
              max_ink: float = MAX_INK, pages_multiple: int | None = None) -> list[Problem]:
    """What a print shop's preflight would reject in a press PDF, one `Problem` per problem and page:
    the PDF/X-4 claim and its CMYK output intent, any RGB colour space (page content, form XObjects,
    images, shadings, transparency groups), total ink above `max_ink` %, text in rich black, missing
    TrimBox or a BleedBox less than 3 mm outside it (and a TrimBox of another size than `trim_mm`), fonts
    not embedded and CJK fonts that are not the Simplified Chinese face; a page count that is not a multiple
    of `pages_multiple` (4 for a saddle-stitched booklet); interactive annotations (links); XMP without title,
    ISO 8601 dates or document, instance and version ids; another PDF version than 1.6."""
    import pikepdf

    label = name or str(path)
    try:
        pdf = pikepdf.open(path)
    except (OSError, pikepdf.PdfError) as error:
        return [Problem(label, None, None, _("not a readable PDF ({error})").format(error=error))]
    problems = [Problem(label, None, None, message) for message in _claims(pdf)]
    if pages_multiple and len(pdf.pages) % pages_multiple:
        problems.append(Problem(label, None, None, _("has {count} pages; saddle stitching needs a multiple "
                                                     "of {pages_multiple} (pad it with notes or blank pages)").format(
                                                         count=len(pdf.pages), pages_multiple=pages_multiple)))
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            here = _("page {number}").format(number=number)
            found = _Page()
            if "/Group" in page.obj and "/CS" in page.obj.Group and _is_rgb(page.obj.Group.CS):
                found.rgb.add(_("an RGB page group"))
            _walk(page, page.obj.get("/Resources", pikepdf.Dictionary()), found, _("the page"))
            messages = list(_boxes(page, trim_mm))
            interactive = sorted({str(a.get("/Subtype", "?")).lstrip("/") for a in page.obj.get("/Annots", [])
                                  if str(a.get("/Subtype")) not in PRINT_ANNOTATIONS})
            if interactive:
                messages.append(_("has interactive annotations ({interactive}); press files carry none").format(
                    interactive=', '.join(interactive)))
            messages += [_("uses {what}").format(what=what) for what in sorted(found.rgb)]
            if found.max_ink > max_ink + 0.5:
                messages.append(_("total ink reaches {max_ink:.0f}% (at most {max_ink2:.0f}%)").format(
                    max_ink=found.max_ink, max_ink2=max_ink))
            if found.rich_black is not None:
                c, m, y, k = found.rich_black
                messages.append(_("text in rich black (C{c:.0f} M{m:.0f} Y{y:.0f} K{k:.0f}); black text must be K "
                                  "only").format(c=c, m=m, y=y, k=k))
            for font, embedded in sorted(found.fonts.items()):
                if not embedded:
                    messages.append(_("font {font} is not embedded").format(font=font))
                elif "CJK" in font and "CJKSC" not in font.replace("-", "").replace(" ", "").upper():
                    messages.append(_("font {font} is not the Simplified Chinese face (SC glyph forms)").format(
                        font=font))
            problems += [Problem(label, None, None, f"{here}: {message}") for message in messages]
    return problems
