"""The one test of key material: whether some bytes hold a venue signing key, in any form it is likely to be copied.

Every place that must keep the key out of an output asks it: the renderer's fetcher (a file a PDF pulls in), the
template loader (a template's source), the site's staging (every file a build publishes, `guarded.Stages`), the
preview server (a file it would serve) and the venue list reader (a cell). Two kinds of evidence:

- generic, without knowing any key: a key file's line (`KEY_MARK`) anywhere, or a file that is nothing but 64 hex
  digits (a key copied out of its file);
- the campaign's actual keys (`remember`, from the key files its settings name): their hex in any mix of cases,
  also with separators between its digits (colons, spaces, line breaks, commas, quotes, `0x` or `\\x` before each
  byte: a C byte array, a hex dump, a key split in two quoted halves), their 32 raw bytes, their base64 and
  base64url, and their base32 (either case), anywhere in the data. A SHA-256 digest on a page is 64 hex digits
  too, which is why a 64-hex run inside a bigger file counts only when it is a known key.

What is not detected: a form someone who holds the key chooses in order to hide it (decimal, base85, the digits
reversed or encrypted...). The key holder is trusted; templates cannot read the key file.

Messages never quote key material either: `redact` is applied to every `Problem` and `MaterialsError`
(`materials.errors`), which quote source lines and values.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import functools
import io
import lzma
import mmap
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from materials import safefile
from materials.i18n import _

#: What every line of a venue signing key file starts with (`materials.venues.links.KEY_MAGIC` and a space).
KEY_MARK = b"materials-venue-key "
#: A file of nothing but a key's hex and whitespace is smaller than this (a page of the site is larger).
BARE_KEY_LIMIT = 4096
#: A signing key's 32 bytes written as hex: the whole content of a file once whitespace is taken out.
BARE_HEX_KEY = re.compile(rb"[0-9a-fA-F]{64}")
#: Key files are a few lines; a larger file named as a key file is not one.
KEY_FILE_LIMIT = 1 << 20
#: A key's bytes.
KEY_BYTES = 32
#: How much a packed file (gzip, bzip2, xz, zip) is unpacked, in all, to look for a key inside it: a key file
#: packed by hand is tiny; a bomb stops here.
UNPACK_LIMIT = 64 << 20
#: A file scanned for key material is read this many bytes at a time (`file_key_material`)...
SCAN_CHUNK = 16 << 20
#: ...each chunk scanned with this many bytes of the one before: far more than any form of a key takes, even
#: written as `0x12, 0x34, ...` with a line break and indentation between its 32 bytes (about 300 bytes).
SCAN_OVERLAP = 64 << 10

#: The actual keys of the campaigns this process built or serves (`remember`).
_KNOWN: set[bytes] = set()


def secrets_in(text: bytes) -> list[bytes]:
    """The keys written in a key file's lines (`KEY_MARK`, key id, 64 hex digits), leniently: a line that is not
    a key is skipped (reading a key file for signing is `venues.links.read_key_file`, which names its errors)."""
    found = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == KEY_MARK.strip() and BARE_HEX_KEY.fullmatch(parts[2]):
            found.append(binascii.unhexlify(parts[2]))
    return found


def remember(paths: Iterable[Path]) -> None:
    """Learn the keys of the key files `paths` (the campaign's settings name them), so that every later test
    looks for them in their every form. A missing or unreadable file teaches nothing."""
    for path in paths:
        try:
            if path.is_file() and path.stat().st_size <= KEY_FILE_LIMIT:
                _KNOWN.update(secrets_in(path.read_bytes()))
        except OSError:
            continue


@functools.cache
def forms(secret: bytes) -> tuple[tuple[bytes, str], ...]:
    """A key as it may be copied, case-sensitively: its raw bytes, base64 and base64url (the 43 characters that
    do not depend on padding or on what follows it), each with what it is (`_described`). Hex and base32 are
    looked for in any case (`key_material`)."""
    return ((secret, "raw"), (base64.b64encode(secret)[:43], "base64"),
            (base64.urlsafe_b64encode(secret)[:43], "base64"))


@functools.cache
def folded_forms(secret: bytes) -> tuple[tuple[bytes, str], ...]:
    """A key's forms that are case-blind, lower-cased: hex and base32 (the 51 characters before its padding)."""
    return ((secret.hex().encode(), "hex"), (base64.b32encode(secret)[:51].lower(), "base32"))


def _described(form: str) -> str:
    return {"hex": _("the signing key as hex"), "raw": _("the signing key's raw bytes"),
            "base64": _("the signing key in base64"), "base32": _("the signing key in base32")}[form]


#: What may stand between a key's hex digits when it is copied as bytes: `0x` or `\x` before a byte (a C array,
#: a Python bytes literal), then anything that is not a letter or digit (colons, spaces, line breaks, commas,
#: quotes, `+` between two halves).
_BYTE_PREFIX = re.compile(rb"(?<![0-9a-z])0x|\\x")
_NOT_ALNUM = re.compile(rb"[^0-9a-z]+")


def _squeezed(folded: bytes) -> bytes:
    """Lower-cased `data` with every separator between hex digits taken out (`_BYTE_PREFIX`, `_NOT_ALNUM`)."""
    return _NOT_ALNUM.sub(b"", _BYTE_PREFIX.sub(b"", folded))


#: UTF-8 of the characters NFKC turns into ASCII letters, digits or a space that a key is likely copied with:
#: the full-width forms (U+FF01-U+FF5E, `０１ａｂ`) and the ideographic space (U+3000). Data without any is not
#: normalised (a large binary file costs nothing more).
_WIDE = re.compile(rb"\xef\xbc[\x81-\xbf]|\xef\xbd[\x80-\x9e]|\xe3\x80\x80")
#: Whitespace a key's base64 may be split by (a space, a line break, Alt+Enter in a cell, a tab), also the
#: Unicode spaces and line separators a word processor puts in (NBSP, NEL, U+2000-U+200B, U+2028/9, U+202F,
#: U+205F, U+3000, U+FEFF), as UTF-8.
_SPACES = re.compile(rb"(?:\s|\xc2[\x85\xa0]|\xe2\x80[\x80-\x8b\xa8\xa9\xaf]|\xe2\x81\x9f|\xe3\x80\x80"
                     rb"|\xef\xbb\xbf)+")


def _normalised(data: bytes) -> bytes:
    """`data` with full-width letters and digits and the ideographic space as ASCII (NFKC), when it holds any:
    a key's hex typed or converted with full-width digits is still the key."""
    if not _WIDE.search(data):
        return data
    return unicodedata.normalize("NFKC", data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


def key_material(data: bytes) -> str | None:
    """What key material `data` holds (a phrase for a message, never the key itself), or None. Full-width
    characters are read as their ASCII (`_normalised`), and a known key's base64 is also looked for with every
    space and line break taken out (`_SPACES`): a key split in a cell is still the key."""
    if KEY_MARK in data:
        return _("a line of a venue signing key file")
    data = _normalised(data)
    if len(data) <= BARE_KEY_LIMIT and BARE_HEX_KEY.fullmatch(b"".join(data.split())):
        return _("a signing key written as hex")
    return _known_form(data)


def _known_form(data: bytes) -> str | None:
    """What form of a known key (`remember`) `data` holds, or None: base64 also with whitespace taken out (hex
    and base32 are looked for with every separator taken out, `_squeezed`)."""
    if not _KNOWN:
        return None
    folded = data.lower()
    squeezed = _squeezed(folded)
    unspaced = _SPACES.sub(b"", data)
    for secret in _KNOWN:
        for form, what in forms(secret):
            if form in data or form in unspaced:
                return _described(what)
        for form, what in folded_forms(secret):
            if form in folded or form in squeezed:
                return _described(what)
    return None


def value_key_material(data: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key, what key material its value holds) for every text of a parsed TOML table or YAML front matter
    `data` that holds some (`key_material`): a value a template prints must never hold the key (a venue label
    set to the key's hex is printed on every poster, in a compressed PDF stream no scan of the output sees)."""
    if isinstance(data, dict):
        for key, value in data.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(key, str) and (what := key_material(key.encode("utf-8", "surrogateescape"))) is not None:
                yield (prefix or _("a key of the file")), what  # the key's name holds it: never quoted
                continue
            yield from value_key_material(value, dotted)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from value_key_material(value, f"{prefix}[{index}]")
    elif isinstance(data, str | bytes):
        what = key_material(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
        if what is not None:
            yield prefix, what


def source_message(what: str) -> str:
    """Why a campaign file (a setting, an interface text, a Markdown source) holding `what` key material is
    refused when it is read; the problem names the file and the key or line, never the key itself."""
    return _("holds {what}; a signing key never goes into any output. Remove it from the file and, since the key "
             "may have been copied, make a new key (`materials keys new`) and reprint the venue posters").format(
                 what=what)


#: A run of 32 hex digits or more, whatever surrounds it, in a message: a key, a line of a key file, or most of
#: either (a quote cut at 60 characters), hidden without knowing any key. A SHA-256 checksum is hidden too: no
#: message needs one whole.
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")
#: A key file's line in a message: the mark, a key id and hex digits, then whatever follows on that line (not the
#: format a message describes: "`materials-venue-key ID HEX [DISTRICT]`").
_KEY_LINE = re.compile(re.escape(KEY_MARK.decode()) + r"\s*\d+\s+[0-9a-fA-F]{2,}[^\n'\"]*")
#: How many consecutive digits of a known key's hex a message never shows (with separators between them, as
#: `key_material` allows): 64 bits, never guessed, while 48 of the 64 digits would leave 64 bits to try.
KEY_PIECE = 16
_HEX_DIGITS = re.compile(rf"[0-9a-f]{{{KEY_PIECE},}}")
HIDDEN = "[…]"


def redact(text: str) -> str:
    """`text` (a message that may quote a source line or value) with any key material replaced by `HIDDEN`: a
    key file's line, a run of 32 or more hex digits, 16 or more digits of a known key's hex in a row (with
    separators, as `key_material` allows them: a quote cut short, or cut in the middle by an ellipsis, still
    shows most of the key), 16 or more characters in a row of its base64, base64url or base32, and every form
    of a known key `key_material` finds. A message that quotes a file
    holding the key must never show it (on screen, in a CI log, in serve's gallery)."""
    if not text:
        return text
    text = _KEY_LINE.sub(KEY_MARK.decode() + HIDDEN, text)
    text = _hide_key_pieces(text)
    text = _HEX_RUN.sub(HIDDEN, text)
    if _known_form(_encoded(text)) is not None:
        text = "\n".join(HIDDEN if _known_form(_encoded(line)) else line for line in text.split("\n"))
        if _known_form(_encoded(text)) is not None:  # a key spread over several lines of the message
            return _("(this message quoted key material and is not shown; look for a copy of the signing key "
                     "in the campaign's files)")
    return text


#: A run of base64 (either alphabet) or base32 characters as long as `KEY_PIECE` or longer, in a message.
_CODED_RUN = re.compile(rf"[A-Za-z0-9+/_-]{{{KEY_PIECE},}}")


def _coded_pieces(text: str) -> list[tuple[int, int]]:
    """Where `text` shows `KEY_PIECE` or more characters in a row of a known key's base64, base64url (as they
    are) or base32 (in any case): a quote cut short (a sheet's name of 31 characters, a formula cut at 40)."""
    spans: list[tuple[int, int]] = []
    for secret in _KNOWN:
        coded = [(form.decode(), False) for form, what in forms(secret) if what == "base64"]
        coded.append((base64.b32encode(secret)[:51].decode().lower(), True))
        for run in _CODED_RUN.finditer(text):
            for form, folded in coded:
                piece = run.group(0).lower() if folded else run.group(0)
                start = 0
                while start + KEY_PIECE <= len(piece):
                    end = start + KEY_PIECE
                    if piece[start:end] not in form:
                        start += 1
                        continue
                    while end < len(piece) and piece[start:end + 1] in form:
                        end += 1
                    spans.append((run.start() + start, run.start() + end))
                    start = end
    return spans


def _hide_key_pieces(text: str) -> str:
    """`text` with every run of `KEY_PIECE` or more digits of a known key's hex (in any case, separators between
    them as `_squeezed` takes out), or characters of its base64 or base32 (`_coded_pieces`), replaced by
    `HIDDEN`, from its first character to its last."""
    if not _KNOWN:
        return text
    digits, where = _squeezed_with_places(text)
    spans: list[tuple[int, int]] = _coded_pieces(text)
    for secret in _KNOWN:
        hexed = secret.hex()
        for run in _HEX_DIGITS.finditer(digits):
            for start in range(run.start(), run.end() - KEY_PIECE + 1):
                end = start + KEY_PIECE
                if digits[start:end] not in hexed:
                    continue
                while end < run.end() and digits[start:end + 1] in hexed:
                    end += 1
                spans.append((where[start], where[end - 1] + 1))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + HIDDEN + text[end:]
    return text


def _squeezed_with_places(text: str) -> tuple[str, list[int]]:
    """`_squeezed` of `text` as a string, with the place in `text` of each character it keeps."""
    kept: list[str] = []
    where: list[int] = []
    index = 0
    while index < len(text):
        pair = text[index:index + 2].lower()
        if pair == "\\x" or (pair == "0x" and (index == 0 or not _alnum(text[index - 1].lower()))):
            index += 2
            continue
        char = text[index].lower()
        if _alnum(char):
            kept.append(char)
            where.append(index)
        index += 1
    return "".join(kept), where


def _alnum(char: str) -> bool:
    return "0" <= char <= "9" or "a" <= char <= "z"


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def file_key_material(path: str | os.PathLike[str], limit: int | None = None) -> str | None:
    """What key material the file `path` holds, by its contents, whatever its name; None for a file that holds
    none, or that is missing, unreadable or not a regular file (then nothing serves or copies it anyway), or,
    given a `limit`, that is larger (a file its reader refuses by its size: a 3 GB glossary was read whole, 13 s
    and 3 GB of memory, only to be refused).

    Only a regular file is opened, without blocking (`safefile.open_regular`: a FIFO in an output folder hung
    `check --output`). A file above `SCAN_CHUNK` is read in chunks, each scanned with the last `SCAN_OVERLAP`
    bytes of the one before, so memory stays bounded (a 600 MB file took 1.3 GB); its packed contents are read
    through a map of the file, never a copy of it."""
    try:
        fd = safefile.open_regular(os.fspath(path))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        try:
            size = os.fstat(fd).st_size
            if limit is not None and size > limit:
                return None
            if size <= SCAN_CHUNK:
                data = handle.read(SCAN_CHUNK + 1)
                if len(data) <= SCAN_CHUNK:
                    return key_material(data) or packed_key_material(data)
                handle.seek(0)
            tail = b""
            while chunk := handle.read(SCAN_CHUNK):
                data, tail = tail + chunk, b""
                if (what := key_material(data)) is not None:
                    return what
                tail = data[-SCAN_OVERLAP:]
            data = tail = b""
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
                return packed_key_material(mapped)
        except (OSError, ValueError):
            return None


def packed_key_material(data: bytes | mmap.mmap, depth: int = 2) -> str | None:
    """What key material a packed file holds once unpacked (gzip, bzip2, xz, or a zip's members other than PDFs,
    which `published_key_material` leaves to the renderer's fetcher), up to `UNPACK_LIMIT` bytes and two levels
    deep: a web server sends `k.txt.gz` to a browser as the key itself. None for data that is not packed."""
    if depth == 0:
        return None
    for payload in _unpacked(data):
        what = key_material(payload) or packed_key_material(payload, depth - 1)
        if what is not None:
            return what
    return None


def _unpacked(data: bytes | mmap.mmap) -> Iterator[bytes]:
    """The contents of `data` if it is packed, each cut at `UNPACK_LIMIT`; a damaged archive yields what could be
    unpacked before the damage."""
    try:
        if data[:2] == b"\x1f\x8b":
            yield zlib.decompressobj(wbits=zlib.MAX_WBITS | 16).decompress(data, UNPACK_LIMIT)
            return
        if data[:3] == b"BZh":
            yield bz2.BZ2Decompressor().decompress(data, max_length=UNPACK_LIMIT)
            return
        if data[:6] == b"\xfd7zXZ\x00":
            yield lzma.LZMADecompressor().decompress(data, max_length=UNPACK_LIMIT)
            return
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError):
        return
    if data[:4] != b"PK\x03\x04":
        return
    try:
        source: Any = data if isinstance(data, mmap.mmap) else io.BytesIO(data)  # mmap reads and seeks as a file
        with zipfile.ZipFile(source) as archive:
            left = UNPACK_LIMIT
            for member in archive.infolist():
                if left <= 0:
                    return
                if member.is_dir() or member.filename.lower().endswith(".pdf"):
                    continue
                with archive.open(member) as handle:
                    content = handle.read(left)
                left -= len(content)
                yield content
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error,
            lzma.LZMAError):
        return


def published_key_material(folder: Path) -> Iterator[tuple[Path, str]]:
    """(file, what key material it holds) for every file of an output `folder` that holds some: the one scan of
    a build's staged output (`guarded.Stages.swap_in`) and of `materials check --output`. PDFs are made by the
    renderer, whose fetcher already refused every source holding a key (and their streams are compressed, where
    no form of it shows). A symbolic link is followed: whatever its name, the file it points to is scanned (a web
    server publishes `web/k.txt -> ../../.materials/venue-signing.key` as the key itself)."""
    for path in sorted(folder.rglob("*")):
        if (path.suffix.lower() == ".pdf" and not path.is_symlink()) or not path.is_file():
            continue
        what = file_key_material(path)
        if what is not None:
            yield path, what


def published_message(file: Path | str, what: str) -> str:
    """Why a build refuses to publish `file` holding `what` key material (`guarded.Stages.swap_in`)."""
    return _("{file} would publish {what}; a signing key never goes into any output, so nothing was "
             "replaced. Find the campaign file it came from (a template, an asset, an FAQ or notice source, "
             "an image), remove the key from it, and, since the key may have been copied, make a new key "
             "(`materials keys new`) and reprint the venue posters").format(file=file, what=what)
