"""Subset the CJK fonts once per build instead of once per PDF.

WeasyPrint subsets every font it embeds, per document. Noto Sans CJK has 65,000 glyphs: loading and
subsetting it costs ~20 ms per weight per PDF, four times the cost of laying out a poster page. We cut the
configured family (its Simplified Chinese face, as fontconfig resolves it for zh-CN) down to the
characters the print run uses, once, and give WeasyPrint that small font through `@font-face`; its own
per-PDF subsetting then costs well under a millisecond. Characters outside the subset still fall back to
the installed fonts, so a missed character is slower, never a tofu box.
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterable
from pathlib import Path

from materials.errors import MaterialsError

log = logging.getLogger(__name__)

#: The family name the print stylesheets use; WeasyPrint names the embedded fonts after it
#: (Noto-Sans-CJK-SC-Print-Bold), which shows which face was embedded.
FAMILY = "Noto Sans CJK SC Print"
WEIGHTS = {400: "regular", 700: "bold"}
#: Always kept, whatever the content: digits, Latin, punctuation used by templates and page numbers.
BASE_TEXT = "".join(chr(c) for c in range(0x20, 0x7F)) + "·—–‘’“”…•×、。，：；！？（）《》「」『』【】—"


def face(family: str, weight: int) -> tuple[Path, int]:
    """(file, face index) fontconfig picks for `family` at `weight` for Simplified Chinese text."""
    style = "bold" if weight >= 600 else "regular"
    out = subprocess.run(
        ["fc-match", "-f", "%{family}\n%{file}\n%{index}\n", f"{family}:lang=zh-cn:weight={style}"],
        capture_output=True, text=True, check=False,
    ).stdout.splitlines()
    if len(out) < 3 or family.lower() not in out[0].lower():
        raise MaterialsError(f"font {family!r} ({style}) is not installed; install fonts-noto-cjk or change "
                             "campaign.toml fonts.sans")
    return Path(out[1]), int(out[2] or 0)


_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
typedef struct hb_subset_input_t hb_subset_input_t; typedef struct hb_set_t hb_set_t;
typedef uint32_t hb_codepoint_t;
hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy(hb_blob_t *blob);
void hb_face_destroy(hb_face_t *face);
void hb_subset_input_destroy(hb_subset_input_t *input);
"""


def _harfbuzz_subset(source: str, index: int, text: str) -> bytes | None:
    """HarfBuzz's subsetter (the library WeasyPrint uses): ~5 ms where fontTools takes ~1 s on a CJK face."""
    try:
        from cffi import FFI

        ffi = FFI()
        ffi.cdef(_HB_CDEF)
        hb = ffi.dlopen("libharfbuzz.so.0")
        hbs = ffi.dlopen("libharfbuzz-subset.so.0")
    except (ImportError, OSError, AttributeError):
        return None
    blob = hb.hb_blob_create_from_file_or_fail(source.encode())
    if blob == ffi.NULL:
        return None
    face = hb.hb_face_create(blob, index)
    request = hbs.hb_subset_input_create_or_fail()
    codepoints = hbs.hb_subset_input_unicode_set(request)
    for char in text:
        hb.hb_set_add(codepoints, ord(char))
    subset = hbs.hb_subset_or_fail(face, request)
    data = None
    if subset != ffi.NULL:
        result = hb.hb_face_reference_blob(subset)
        length = ffi.new("unsigned int *")
        data = bytes(ffi.unpack(hb.hb_blob_get_data(result, length), length[0]))
        hb.hb_blob_destroy(result)
        hb.hb_face_destroy(subset)
    hbs.hb_subset_input_destroy(request)
    hb.hb_face_destroy(face)
    hb.hb_blob_destroy(blob)
    return data or None


def _fonttools_subset(source: str, index: int, text: str, dest: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = ["*"]  # keep vertical forms, locl and kerning
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    font.save(dest)
    font.close()


def subset_one(source: str, index: int, text: str, dest: str) -> str:
    """Write the subset of one face covering `text` to `dest` (runs in a worker process)."""
    data = _harfbuzz_subset(source, index, text)
    if data is None:
        log.info("libharfbuzz-subset not usable; subsetting %s with fontTools (slower)", source)
        _fonttools_subset(source, index, text, dest)
    else:
        Path(dest).write_bytes(data)
    return dest


def jobs(family: str, chars: Iterable[str], folder: Path) -> list[tuple[str, int, str, str]]:
    """Arguments of `subset_one` for each weight."""
    text = "".join(sorted(set(BASE_TEXT) | set(chars)))
    result = []
    for weight, name in WEIGHTS.items():
        path, index = face(family, weight)
        result.append((str(path), index, text, str(folder / f"print-{name}.otf")))
    return result


def css(folder: Path, fallbacks: Iterable[str]) -> str:
    """`@font-face` rules for the subset fonts written in `folder`."""
    rules = []
    for weight, name in WEIGHTS.items():
        uri = (folder / f"print-{name}.otf").resolve().as_uri()
        rules.append(f'@font-face {{ font-family: "{FAMILY}"; src: url("{uri}"); font-weight: {weight}; }}')
    families = ", ".join(f'"{f}"' for f in [FAMILY, *fallbacks])
    rules.append(f"html {{ font-family: {families}, sans-serif; }}")
    return "\n".join(rules)


def css_system(families: Iterable[str]) -> str:
    """The font rule without the subset fonts: WeasyPrint embeds (and subsets) the installed faces."""
    names = ", ".join(f'"{f}"' for f in families)
    return f"html {{ font-family: {names}, sans-serif; }}"
