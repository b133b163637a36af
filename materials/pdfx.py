"""PDF/X-4 for the print shop: CMYK colour, the output intent, trim and crop marks, and a preflight.

WeasyPrint writes PDF/X-4 metadata (`pdf_variant="pdf/x-4"`) but no output intent, and every CSS and SVG
colour as sRGB (`rg`). `press_ready` turns such a PDF into one a print shop's preflight accepts:

- every sRGB colour becomes CMYK: the campaign's own print values for its brand colours (`[brand.cmyk]`),
  black ink alone for greys (black text and QR codes are K only, never four-colour "rich black"), and the
  output profile's conversion for any other colour and for images; transparency groups blend in CMYK;
- page content is clipped to the BleedBox (the bleed, `bleed_mm` outside the TrimBox), and crop marks are
  drawn in black ink outside it, in a MediaBox grown to hold them;
- the `GTS_PDFX` output intent with the embedded CMYK profile is attached, and the XMP metadata is made
  reproducible (same inputs, same bytes).

`preflight(path)` reads any PDF back the way a print shop's preflight would and lists what is wrong, one
`Problem` per problem and page. Public API: `press_ready`, `attach_output_intent`, `to_cmyk`,
`trim_and_mark`, `preflight`, `Inks`, `OutputProfile`, `PROFILE`.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from materials.errors import Problem
from materials.i18n import _

if TYPE_CHECKING:
    import pikepdf

MM = 72 / 25.4
#: Crop marks start this far outside the bleed and are this long (mm); black ink, this wide (pt).
MARK_GAP_MM = 1.0
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25
#: Total ink a print shop accepts on coated paper (C+M+Y+K, percent).
MAX_INK = 300.0
#: The PDF version of every press file: PDF/X-4 is based on PDF 1.6.
PDF_VERSION = "1.6"
#: What a print shop's preflight reads from a press file's XMP.
XMP_DATES = ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate")
XMP_REQUIRED = ("dc:title", *XMP_DATES, "xmpMM:DocumentID", "xmpMM:InstanceID", "xmpMM:VersionID")
#: Annotations that belong on a press file (everything else is interactive: links, widgets, notes).
PRINT_ANNOTATIONS = ("/TrapNet", "/PrinterMark")
#: Text is "rich black" when its black ink is at least this (percent) and C, M or Y is used with it.
RICH_BLACK_K = 60.0


@dataclass(frozen=True)
class OutputProfile:
    """The printing condition the CMYK values are meant for, and its ICC profile."""

    path: Path
    identifier: str  # OutputConditionIdentifier
    condition: str  # OutputCondition: the printing condition in words
    info: str  # Info: the profile's own name


#: FOGRA39 (ISO 12647-2 offset, coated paper), the registered characterisation the ICC registry names "FOGRA39":
#: our own profile, computed from the Zlib-licensed FOGRA39L data by scripts/make-output-profile (28 KB, Zlib;
#: materials/icc/README.md). Total ink limited to 300 %.
PROFILE = OutputProfile(
    path=Path(__file__).parent / "icc" / "fogra39-coated.icc",
    identifier="FOGRA39",
    condition="Offset printing, ISO 12647-2, coated paper (paper type 1 or 2), FOGRA39, total ink 300%",
    info="FOGRA39 coated (ISO 12647-2), materials, from FOGRA39L.ti3 with ArgyllCMS",
)

CMYK = tuple[float, float, float, float]


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """'#0b6b3a' -> (11, 107, 58); three-digit forms too."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


class Inks:
    """sRGB -> CMYK (fractions 0..1) for one output profile.

    `exact` maps '#rrggbb' to the CMYK percentages a campaign chose for its brand colours. Greys print in
    black ink alone (K = 1 - grey level). Every other colour goes through the profile once (relative
    colorimetric with black point compensation) and is remembered."""

    def __init__(self, exact: Mapping[str, Sequence[float]] | None = None, profile: OutputProfile = PROFILE) -> None:
        self.profile = profile
        self.exact: dict[tuple[int, int, int], CMYK] = {}
        for colour, values in (exact or {}).items():
            c, m, y, k = (float(v) / 100 for v in values)
            self.exact[hex_rgb(colour)] = (c, m, y, k)
        self._seen: dict[tuple[int, int, int], CMYK] = {}

    @cached_property
    def _transform(self) -> Any:
        from PIL import ImageCms

        return ImageCms.buildTransform(
            ImageCms.createProfile("sRGB"), ImageCms.getOpenProfile(str(self.profile.path)), "RGB", "CMYK",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)

    def cmyk(self, r: float, g: float, b: float) -> CMYK:
        key = (round(r * 255), round(g * 255), round(b * 255))
        found = self.exact.get(key) or self._seen.get(key)
        if found is not None:
            return found
        if key[0] == key[1] == key[2]:
            result: CMYK = (0.0, 0.0, 0.0, round(1 - key[0] / 255, 4))
        else:
            from PIL import Image, ImageCms

            converted = ImageCms.applyTransform(Image.new("RGB", (1, 1), key), self._transform)
            assert converted is not None
            c, m, y, k = (round(v / 255, 4) for v in converted.tobytes())
            result = (c, m, y, k)
        self._seen[key] = result
        return result

    def image(self, image: Any) -> Any:
        """An RGB PIL image in CMYK through the profile (greys stay K only: littlecms keeps them neutral)."""
        from PIL import ImageCms

        return ImageCms.applyTransform(image.convert("RGB"), self._transform)


# -- colour -------------------------------------------------------------------------------------------------

RGB_SPACES = ("/DeviceRGB", "/CalRGB", "/RGB")
COLOUR_OPERATORS = frozenset(("rg", "RG", "cs", "CS", "sc", "scn", "SC", "SCN"))
RGB_OP = re.compile(rb"rg|RG")
#: Operators only the parser rewrites safely: inline images and colour spaces.
UNSAFE = re.compile(rb"BI|cs|CS|scn?|SCN?")


def _is_rgb(space: Any) -> bool:
    """A colour space object (name or array) whose colours are RGB."""
    import pikepdf

    if isinstance(space, pikepdf.Name):
        return str(space) in RGB_SPACES
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family in ("/CalRGB",):
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family in ("/Indexed", "/I"):
            return _is_rgb(space[1])
        if family in ("/Separation", "/DeviceN"):
            return _is_rgb(space[2])
    return False


def _token_at(raw: bytes, start: int, end: int) -> bool:
    """raw[start:end] is a whole token (not part of a name, number or word)."""
    before = raw[start - 1:start]
    after = raw[end:end + 1]
    return before in (b"", b" ", b"\n", b"\r", b"\t") and (after == b"" or not (after.isalnum() or after in b"_/"))


def _numbers(operands: Any) -> list[float] | None:
    try:
        return [float(v) for v in operands]
    except (TypeError, ValueError):
        return None


def _fmt(values: Sequence[float]) -> list[Any]:
    return [Decimal(f"{v:.4f}").normalize() if v else 0 for v in values]


class _Recolour:
    """Rewrites the content streams, groups, shadings and images reachable from one PDF's pages."""

    def __init__(self, pdf: pikepdf.Pdf, inks: Inks) -> None:
        self.pdf = pdf
        self.inks = inks
        self.done: set[tuple[int, int]] = set()

    def _once(self, obj: Any) -> bool:
        key = obj.objgen
        if key == (0, 0):
            return True
        if key in self.done:
            return False
        self.done.add(key)
        return True

    def page(self, page: Any) -> None:
        import pikepdf

        self._group(page.obj)
        resources = page.obj.get("/Resources", pikepdf.Dictionary())
        contents = page.obj.get("/Contents")
        parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
        new = self._recolour(b"\n".join(part.read_bytes() for part in parts), page, resources)
        if new is not None:
            page.obj.Contents = self.pdf.make_stream(new)
        self._resources(resources)
        for annot in page.obj.get("/Annots", []):
            appearance = annot.get("/AP")
            if appearance is not None:
                for state in appearance.values():
                    if isinstance(state, pikepdf.Stream):
                        self._form(state)

    def _group(self, obj: Any) -> None:
        import pikepdf

        group = obj.get("/Group")
        if group is not None and _is_rgb(group.get("/CS", pikepdf.Name.DeviceCMYK)):
            group.CS = pikepdf.Name.DeviceCMYK

    def _resources(self, resources: Any) -> None:
        import pikepdf

        for xobject in resources.get("/XObject", {}).values():
            if not isinstance(xobject, pikepdf.Stream):
                continue
            subtype = xobject.get("/Subtype")
            if subtype == "/Form":
                self._form(xobject)
            elif subtype == "/Image":
                self._image(xobject)
        for pattern in resources.get("/Pattern", {}).values():
            if int(pattern.get("/PatternType", 0)) == 1:
                self._form(pattern)
            elif "/Shading" in pattern:
                self._shading(pattern.Shading)
        for shading in resources.get("/Shading", {}).values():
            self._shading(shading)
        spaces = resources.get("/ColorSpace")
        if spaces is not None:
            for name in list(spaces.keys()):
                if _is_rgb(spaces[name]) and isinstance(spaces[name], pikepdf.Name):
                    spaces[name] = pikepdf.Name.DeviceCMYK

    def _form(self, form: Any) -> None:
        import pikepdf

        if not self._once(form):
            return
        self._group(form)
        resources = form.get("/Resources", pikepdf.Dictionary())
        new = self._recolour(form.read_bytes(), form, resources)
        if new is not None:
            form.write(new)
        self._resources(resources)

    def _recolour(self, raw: bytes, owner: Any, resources: Any) -> bytes | None:
        """The stream with every RGB colour in CMYK, or None if it had none.

        WeasyPrint writes colours as `r g b rg` and never a literal string, an inline image or a colour space
        operator: such streams are rewritten by finding the operators, several times faster than parsing
        (a 40-page booklet: 1.5 s). Any other stream goes through pikepdf's content stream parser."""
        import pikepdf

        if b"(" in raw or any(_token_at(raw, m.start(), m.end()) for m in UNSAFE.finditer(raw)):
            return self._content(pikepdf.parse_content_stream(owner), resources)
        pieces: list[bytes] = []
        done = 0
        for match in RGB_OP.finditer(raw):
            if not _token_at(raw, match.start(), match.end()):
                continue
            head = raw[done:match.start()]
            cut = head.rstrip()
            numbers: list[float] = []
            for _number in range(3):
                space = max(cut.rfind(b" "), cut.rfind(b"\n"), cut.rfind(b"\r"), cut.rfind(b"\t"))
                try:
                    numbers.insert(0, float(cut[space + 1:]))
                except ValueError:  # not three plain numbers before the operator: let the parser decide
                    return self._content(pikepdf.parse_content_stream(owner), resources)
                cut = cut[:space + 1].rstrip() if space >= 0 else b""
            op = b"k" if match.group() == b"rg" else b"K"
            values = b" ".join(str(v).encode() for v in _fmt(self.inks.cmyk(*numbers)))
            pieces += [head[:len(cut)], b" " if cut else b"", values, b" ", op]
            done = match.end()
        if not pieces:
            return None
        pieces.append(raw[done:])
        return b"".join(pieces)

    def _content(self, instructions: list[Any], resources: Any) -> bytes | None:
        """The stream with every RGB colour operator in CMYK, or None if it had none."""
        import pikepdf

        spaces = resources.get("/ColorSpace", {})
        rgb = {"fill": False, "stroke": False}
        changed = False
        out: list[Any] = []
        for instruction in instructions:
            out.append(instruction)
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue
            op = str(instruction.operator)
            if op not in COLOUR_OPERATORS:
                continue
            operands = list(instruction.operands)
            if op in ("rg", "RG") and (values := _numbers(operands)) and len(values) == 3:
                operands, op = _fmt(self.inks.cmyk(*values)), "k" if op == "rg" else "K"
            elif op in ("cs", "CS") and operands:
                name = operands[0]
                space = spaces.get(str(name), name) if str(name) not in RGB_SPACES else name
                is_rgb = _is_rgb(space) and not (isinstance(space, pikepdf.Array) and str(space[0]) == "/Indexed")
                rgb["fill" if op == "cs" else "stroke"] = is_rgb
                if not is_rgb:
                    continue
                operands = [pikepdf.Name.DeviceCMYK]
            elif op in ("sc", "scn", "SC", "SCN") and rgb["fill" if op.islower() else "stroke"]:
                values = _numbers(operands)
                if not values or len(values) != 3:
                    continue
                operands = _fmt(self.inks.cmyk(*values))
            else:
                continue
            out[-1] = pikepdf.ContentStreamInstruction(operands, pikepdf.Operator(op))
            changed = True
        return pikepdf.unparse_content_stream(out) if changed else None

    def _shading(self, shading: Any) -> None:
        import pikepdf

        if not self._once(shading) or not _is_rgb(shading.get("/ColorSpace")):
            return
        functions = shading.get("/Function")
        todo = list(functions) if isinstance(functions, pikepdf.Array) else [functions]
        while todo:
            function = todo.pop()
            kind = int(function.get("/FunctionType", -1))
            if kind == 3:
                todo.extend(function.Functions)
            elif kind == 2:
                for key in ("/C0", "/C1"):
                    values = _numbers(function.get(key, [0, 0, 0] if key == "/C0" else [1, 1, 1]))
                    if values is None or len(values) != 3:
                        return  # left as it is: the preflight reports it
                    function[key] = pikepdf.Array(_fmt(self.inks.cmyk(*values)))
            else:
                return  # sampled functions: left RGB, the preflight reports it
        shading.ColorSpace = pikepdf.Name.DeviceCMYK

    def _image(self, image: Any) -> None:
        import pikepdf

        if not self._once(image) or not _is_rgb(image.get("/ColorSpace")):
            return
        pil = pikepdf.PdfImage(image).as_pil_image()
        cmyk = self.inks.image(pil)
        image.write(zlib.compress(cmyk.tobytes()), filter=pikepdf.Name.FlateDecode)
        image.ColorSpace = pikepdf.Name.DeviceCMYK
        image.BitsPerComponent = 8
        for key in ("/DecodeParms", "/Decode"):
            if key in image:
                del image[key]


def to_cmyk(pdf: pikepdf.Pdf, inks: Inks | None = None) -> None:
    """Every RGB colour of every page in CMYK (see `Inks`): page content, form XObjects, tiling patterns,
    shadings with exponential functions, transparency groups and images."""
    recolour = _Recolour(pdf, inks or Inks())
    for page in pdf.pages:
        recolour.page(page)


# -- boxes and marks ----------------------------------------------------------------------------------------

def _box(values: Any) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in values)
    return min(a, c), min(b, d), max(a, c), max(b, d)


def trim_and_mark(pdf: pikepdf.Pdf, bleed_mm: float, marks: bool = True) -> None:
    """BleedBox `bleed_mm` outside the TrimBox, everything the page draws clipped to it, and (with `marks`)
    crop marks in black ink on the trim lines, starting `MARK_GAP_MM` outside the bleed, in a MediaBox grown
    to hold them. A page without a TrimBox keeps its MediaBox as the trim."""
    import pikepdf

    bleed = bleed_mm * MM
    reach = bleed + ((MARK_GAP_MM + MARK_LENGTH_MM) * MM if marks else 0.0)
    for page in pdf.pages:
        x0, y0, x1, y1 = _box(page.obj.get("/TrimBox", page.mediabox))
        page.obj.TrimBox = pikepdf.Array([x0, y0, x1, y1])
        page.obj.BleedBox = pikepdf.Array([x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed])
        media = _box(page.mediabox)
        page.obj.MediaBox = pikepdf.Array([min(media[0], x0 - reach), min(media[1], y0 - reach),
                                           max(media[2], x1 + reach), max(media[3], y1 + reach)])
        if "/CropBox" in page.obj:
            del page.obj["/CropBox"]
        clip = f"q {x0 - bleed:.3f} {y0 - bleed:.3f} {x1 - x0 + 2 * bleed:.3f} {y1 - y0 + 2 * bleed:.3f} re W n\n"
        page.contents_add(pdf.make_stream(clip.encode()), prepend=True)
        tail = "\nQ\n"
        if marks:
            tail += _marks((x0, y0, x1, y1), bleed + MARK_GAP_MM * MM, MARK_LENGTH_MM * MM)
        page.contents_add(pdf.make_stream(tail.encode()))


def _marks(trim: tuple[float, float, float, float], start: float, length: float) -> str:
    x0, y0, x1, y1 = trim
    lines = []
    for x in (x0, x1):  # vertical marks above and below, on the trim's left and right edges
        lines += [(x, y0 - start, x, y0 - start - length), (x, y1 + start, x, y1 + start + length)]
    for y in (y0, y1):  # horizontal marks left and right, on the trim's bottom and top edges
        lines += [(x0 - start, y, x0 - start - length, y), (x1 + start, y, x1 + start + length, y)]
    path = "".join(f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l\n" for a, b, c, d in lines)
    return f"q 0 0 0 1 K {MARK_WIDTH_PT} w 0 J [] 0 d\n{path}S Q\n"


# -- output intent and metadata -----------------------------------------------------------------------------

def attach_output_intent(pdf: pikepdf.Pdf, profile: OutputProfile = PROFILE) -> None:
    """The `GTS_PDFX` output intent with the embedded CMYK profile (replacing any other output intent)."""
    import pikepdf

    icc = pdf.make_stream(b"")
    icc.write(_compressed(profile.path), filter=pikepdf.Name.FlateDecode)
    icc.N = 4
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(profile.identifier),
        OutputCondition=pikepdf.String(profile.condition), Info=pikepdf.String(profile.info), DestOutputProfile=icc,
        RegistryName=pikepdf.String("http://www.color.org"),
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


@lru_cache(maxsize=4)
def _compressed(path: Path) -> bytes:
    # Compressed once per process, not once per PDF: the profile is most of a small PDF's bytes.
    return zlib.compress(path.read_bytes(), 9)


def claim_pdfx(pdf: pikepdf.Pdf, identifier: bytes) -> None:
    """PDF/X-4 in the XMP and Info, with WeasyPrint's clock time and random id made reproducible, and the XMP
    a print shop's preflight reads complete: title, author, ISO 8601 creation, modification and metadata
    dates (from the Info dictionary's), document, instance and version ids."""
    import pikepdf

    info = pdf.docinfo
    info.Trapped = pikepdf.Name("/False")
    if info.get("/Title") is None:
        info.Title = pikepdf.String("untitled")
    created = iso_date(str(info.get("/CreationDate", ""))) or "1970-01-01T00:00:00Z"
    modified = iso_date(str(info.get("/ModDate", ""))) or created
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfxid:GTS_PDFXVersion"] = "PDF/X-4"
        meta["pdf:Trapped"] = "False"
        meta["xmpMM:DocumentID"] = "uuid:" + _uuid(identifier)
        meta["xmpMM:InstanceID"] = "uuid:" + _uuid(identifier + b"/press")
        meta["xmpMM:VersionID"] = str(meta.get("xmpMM:VersionID") or "1")
        meta["xmpMM:RenditionClass"] = "default"
        if not meta.get("dc:title"):
            meta["dc:title"] = str(info.Title)
        if not meta.get("dc:creator") and info.get("/Author") is not None:
            meta["dc:creator"] = [str(info.Author)]
        if not meta.get("xmp:CreatorTool") and info.get("/Creator") is not None:
            meta["xmp:CreatorTool"] = str(info.Creator)
        for key, value in (("xmp:CreateDate", created), ("xmp:ModifyDate", modified)):
            if not iso_date(str(meta.get(key, ""))):
                meta[key] = value
        meta["xmp:MetadataDate"] = iso_date(str(meta["xmp:ModifyDate"]))


_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz]|[+-]\d{2}'?\d{2}'?)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$")


def iso_date(value: str) -> str:
    """A PDF date (`D:20200310000000+08'00'`) or an ISO 8601 date-time as ISO 8601 (XMP's form), else ''."""
    if _ISO_DATE.match(value):
        return value
    found = _PDF_DATE.match(value)
    if not found:
        return ""
    year, month, day, hour, minute, second, zone = found.groups()
    zone = "Z" if not zone or zone in "Zz" else f"{zone[:3]}:{zone.replace(chr(39), '')[3:5] or '00'}"
    return f"{year}-{month or '01'}-{day or '01'}T{hour or '00'}:{minute or '00'}:{second or '00'}{zone}"


def _uuid(seed: bytes) -> str:
    h = hashlib.sha256(seed).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def remove_interactive(pdf: pikepdf.Pdf) -> None:
    """Nothing a press file needs on paper and a print shop's preflight rejects: link and other interactive
    annotations, forms and document actions (the screen editions keep their links)."""
    import pikepdf

    for page in pdf.pages:
        if "/Annots" in page.obj:
            kept = [a for a in page.obj.Annots if str(a.get("/Subtype")) in PRINT_ANNOTATIONS]
            if kept:
                page.obj.Annots = pikepdf.Array(kept)
            else:
                del page.obj["/Annots"]
    for key in ("/AcroForm", "/OpenAction", "/AA"):
        if key in pdf.Root:
            del pdf.Root[key]


def press_ready(data: bytes, *, bleed_mm: float, inks: Inks | None = None, marks: bool = True,
                profile: OutputProfile = PROFILE) -> bytes:
    """A WeasyPrint PDF (rendered with `pdf_variant="pdf/x-4"` and `bleed: <bleed_mm>mm`, without
    `marks: crop`) as a PDF/X-4 file for the press: CMYK, clipped to its bleed, crop marks in black ink,
    the output intent attached. Same input bytes, same output bytes."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        remove_interactive(pdf)
        to_cmyk(pdf, inks or Inks(profile=profile))
        trim_and_mark(pdf, bleed_mm, marks)
        attach_output_intent(pdf, profile)
        identifier = bytes(pdf.trailer.ID[0]) if "/ID" in pdf.trailer else hashlib.sha256(data).digest()
        claim_pdfx(pdf, identifier)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate, force_version=PDF_VERSION)
        return out.getvalue()


# -- preflight ----------------------------------------------------------------------------------------------

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
