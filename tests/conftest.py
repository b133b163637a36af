"""Shared fixtures: fixture campaigns copied into a temporary folder so tests can break them."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The test campaigns' venue signing key: 32 distinct bytes, evens then odds (counting bytes are a weak key).
SIGNING_KEY = bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))


@pytest.fixture(params=["marked-line", "hex", "hex-upper", "raw", "base64", "base64url", "hex-mixed-case",
                        "hex-newline", "hex-colons", "hex-spaces", "c-array", "python-bytes", "hex-two-halves",
                        "base32", "base32-lower"])
def key_form(request: pytest.FixtureRequest) -> bytes:
    """`SIGNING_KEY` as it may be copied into a bigger file (red team 5): a key file's line, hex in either case,
    raw bytes, base64 and base64url, each between other text; red team 6: hex in mixed case, hex broken by a line
    break, colon- or space-separated, a C byte array, a Python bytes literal, two quoted halves, base32."""
    import base64

    hexed = SIGNING_KEY.hex()
    pairs = [hexed[i:i + 2] for i in range(0, 64, 2)]
    mixed = "".join(c.upper() if i % 4 == 1 else c for i, c in enumerate(hexed))  # 0A, then 0c, then 0E...
    assert mixed not in (hexed, hexed.upper())
    if request.param not in ("marked-line", "hex", "hex-upper", "raw", "base64", "base64url"):
        return {
            "hex-mixed-case": f"/* {mixed} */",
            "hex-newline": f"/* {hexed[:30]}\n{hexed[30:]} */",
            "hex-colons": "/* " + ":".join(pairs) + " */",
            "hex-spaces": "/* " + " ".join(pairs).upper() + " */",
            "c-array": "const k = {" + ", ".join("0x" + p for p in pairs) + "};",
            "python-bytes": 'k = b"' + "".join("\\x" + p for p in pairs) + '"',
            "hex-two-halves": f'var k = "{hexed[:32]}" + "{hexed[32:]}";',
            "base32": "// " + base64.b32encode(SIGNING_KEY).decode(),
            "base32-lower": "// " + base64.b32encode(SIGNING_KEY).decode().rstrip("=").lower(),
        }[request.param].encode()

    return {
        "marked-line": f"/* materials-venue-key 1 {SIGNING_KEY.hex()} */".encode(),
        "hex": f"// build {SIGNING_KEY.hex()} end".encode(),
        "hex-upper": f"// {SIGNING_KEY.hex().upper()}".encode(),
        "raw": b"// " + SIGNING_KEY + b" //",
        "base64": b"// " + base64.b64encode(SIGNING_KEY),
        "base64url": b"// " + base64.urlsafe_b64encode(SIGNING_KEY).rstrip(b"="),
    }[request.param]


@pytest.fixture
def shipped_root() -> Path:
    """The repository root: the shipped Tianjin campaign."""
    return ROOT


@pytest.fixture
def mini_campaign(tmp_path: Path) -> Path:
    """A writable copy of the small test campaign (two languages, three questions)."""
    target = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", target)
    return target


# Messages are asserted in English; a developer whose desktop runs in Chinese gets the same results. The tests
# of the Chinese messages (tests/test_i18n.py) set the language of the processes they start themselves.
for _name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

# A test run started in the background of a script (`make test &`, nohup, a CI runner's shell) inherits SIGINT
# ignored, and so would every `materials serve` the tests start: a Python started with SIGINT ignored raises no
# KeyboardInterrupt, so the tests' Ctrl+C would not stop it (each live-preview test waited 20 s, then killed
# serve and left its folders behind). A handler, unlike "ignored", is not inherited: the children get Ctrl+C back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
# The machine-local cache secret (materials.localcache) of this test session: never the developer's own.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="materials-tests-cache-")


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1583798400")  # 2020-03-10, the notice's date


def _raster(tool: str, pdf: Path, page: int, dpi: int, out: Path) -> Any:
    """Page `page` (1-based) of `pdf` as a greyscale PIL image, drawn by `tool` over the CropBox."""
    import subprocess

    import pypdfium2 as pdfium
    from PIL import Image

    if tool == "pdfium":
        document = pdfium.PdfDocument(str(pdf))
        try:
            return document[page - 1].render(scale=dpi / 72).to_pil().convert("L")
        finally:
            document.close()
    target = out / f"{pdf.stem}-{page}-{tool}.png"
    if tool == "ghostscript":
        command = ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-dUseCropBox", "-sDEVICE=pnggray", f"-r{dpi}",
                   "-dTextAlphaBits=4", "-dGraphicsAlphaBits=4",
                   f"-dFirstPage={page}", f"-dLastPage={page}", f"-sOutputFile={target}", str(pdf)]
    else:
        command = ["mutool", "draw", "-q", "-r", str(dpi), "-c", "gray", "-o", str(target), str(pdf), str(page)]
    subprocess.run(command, check=True, capture_output=True)
    with Image.open(target) as image:
        return image.convert("L")


def _coverage(image: Any) -> float:
    """Share of a character box's pixels that stand out from its background (the commonest grey of its
    edge): the glyph's ink, whatever grey each renderer makes of the colours around it."""
    width = image.width
    pixels = list(image.tobytes())
    edge = pixels[:width] + pixels[-width:] + pixels[::width] + pixels[width - 1::width]
    background = max(set(edge), key=edge.count)
    return sum(abs(p - background) > 48 for p in pixels) / len(pixels)


def text_area_difference(pdf: Path, page: int, tool: str, out: Path, dpi: int = 72) -> float:
    """How differently `tool` (ghostscript or mupdf) draws the text of a page than pdfium (whose renders,
    like poppler's, draw even codes a RIP cannot select): each character's ink coverage in its box, as
    pdfium's text layer places it, compared between the two renders, in percentage points averaged over
    the characters. Anti-aliasing and a pixel's shift differ by a few points; a glyph drawn as a .notdef
    box or a blank differs by 15 or more."""
    import pypdfium2 as pdfium

    reference = _raster("pdfium", pdf, page, dpi, out)
    other = _raster(tool, pdf, page, dpi, out)
    scale = dpi / 72
    differences = []
    document = pdfium.PdfDocument(str(pdf))
    try:
        sheet = document[page - 1]
        left, _, _, top = sheet.get_cropbox()
        textpage = sheet.get_textpage()
        text = textpage.get_text_range()
        for index in range(textpage.count_chars()):
            x0, y0, x1, y1 = textpage.get_charbox(index)
            box = (round((x0 - left) * scale) - 1, round((top - y1) * scale) - 1,
                   round((x1 - left) * scale) + 1, round((top - y0) * scale) + 1)
            if (index < len(text) and text[index].isspace()) or box[2] - box[0] < 4 or box[3] - box[1] < 4:
                continue
            differences.append(abs(_coverage(reference.crop(box)) - _coverage(other.crop(box))) * 100)
        textpage.close()
    finally:
        document.close()
    assert differences, f"no text on page {page} of {pdf.name}"
    return sum(differences) / len(differences)


@pytest.fixture
def text_difference(tmp_path: Path) -> Any:
    """`text_area_difference(pdf, page, tool)` with its rasters in the test's temporary folder."""
    import functools

    return functools.partial(text_area_difference, out=tmp_path)
