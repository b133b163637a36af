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

Three modules, one job each: `colour.py` (sRGB to CMYK), `marks.py` (boxes, crop marks, the output intent
and XMP, and `press_ready`, which applies both) and `preflight.py` (reading a press file back).
"""

from materials.pdfx.colour import CMYK, MAX_INK, PROFILE, RICH_BLACK_K, Inks, OutputProfile, hex_rgb, to_cmyk
from materials.pdfx.marks import (
    MARK_GAP_MM,
    MARK_LENGTH_MM,
    MARK_WIDTH_PT,
    MM,
    PDF_VERSION,
    PRINT_ANNOTATIONS,
    XMP_DATES,
    XMP_REQUIRED,
    attach_output_intent,
    claim_pdfx,
    iso_date,
    press_ready,
    remove_interactive,
    trim_and_mark,
)
from materials.pdfx.preflight import preflight

__all__ = ["CMYK", "MARK_GAP_MM", "MARK_LENGTH_MM", "MARK_WIDTH_PT", "MAX_INK", "MM", "PDF_VERSION",
           "PRINT_ANNOTATIONS", "PROFILE", "RICH_BLACK_K", "XMP_DATES", "XMP_REQUIRED", "Inks", "OutputProfile",
           "attach_output_intent", "claim_pdfx", "hex_rgb", "iso_date", "preflight", "press_ready",
           "remove_interactive", "to_cmyk", "trim_and_mark"]
