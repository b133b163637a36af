"""PDF/X-4 boxes, crop marks and the output intent, and `press_ready`, which applies them with the colour
conversion (materials/pdfx/colour.py) to a WeasyPrint PDF.

Page content is clipped to the BleedBox (the bleed, `bleed_mm` outside the TrimBox), crop marks are drawn in
black ink outside it, in a MediaBox grown to hold them; the `GTS_PDFX` output intent with the embedded CMYK
profile is attached, and the XMP metadata is made reproducible (same inputs, same bytes).
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pikepdf
from materials.pdfx.colour import PROFILE, Inks, OutputProfile, to_cmyk

MM = 72 / 25.4
#: Crop marks start this far outside the bleed and are this long (mm); black ink, this wide (pt).
MARK_GAP_MM = 1.0
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25
#: The PDF version of every press file: PDF/X-4 is based on PDF 1.6.
PDF_VERSION = "1.6"
#: What a print shop's preflight reads from a press file's XMP.
XMP_DATES = ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate")
XMP_REQUIRED = ("dc:title", *XMP_DATES, "xmpMM:DocumentID", "xmpMM:InstanceID", "xmpMM:VersionID")
#: Annotations that belong on a press file (everything else is interactive: links, widgets, notes).
PRINT_ANNOTATIONS = ("/TrapNet", "/PrinterMark")


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
