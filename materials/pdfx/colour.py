"""PDF/X-4 colour: every sRGB colour of a WeasyPrint PDF in CMYK.

The campaign's own print values for its brand colours (`[brand.cmyk]`), black ink alone for greys (black text
and QR codes are K only, never four-colour "rich black"), and the output profile's conversion for any other
colour and for images; transparency groups blend in CMYK. `OutputProfile` and `PROFILE` name the printing
condition the CMYK values are meant for (materials/pdfx/__init__.py has the whole picture).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pikepdf

#: Total ink a print shop accepts on coated paper (C+M+Y+K, percent).
MAX_INK = 300.0
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
    path=Path(__file__).parent.parent / "icc" / "fogra39-coated.icc",
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
