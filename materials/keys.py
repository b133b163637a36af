"""The one test of key material: whether some bytes hold a venue signing key, in any form it is likely to be copied.

Every place that must keep the key out of an output asks it: the renderer's fetcher (a file a PDF pulls in), the
template loader (a template's source), the site's staging (every file a build publishes, `guarded.Stages`), the
preview server (a file it would serve) and the venue list reader (a cell). Two kinds of evidence:

- generic, without knowing any key: a key file's line (`KEY_MARK`) anywhere, or a file that is nothing but 64 hex
  digits (a key copied out of its file);
- the campaign's actual keys (`remember`, from the key files its settings name): their hex (either case), their 32
  raw bytes, and their base64 and base64url, anywhere in the data. A SHA-256 digest on a page is 64 hex digits
  too, which is why a 64-hex run inside a bigger file counts only when it is a known key.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

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
    """A key as it may be copied: hex (both cases), its raw bytes, base64 and base64url (the 43 characters that
    do not depend on padding or on what follows it), each with what it is (`_described`)."""
    return ((secret.hex().encode(), "hex"), (secret.hex().upper().encode(), "hex"), (secret, "raw"),
            (base64.b64encode(secret)[:43], "base64"), (base64.urlsafe_b64encode(secret)[:43], "base64"))


def _described(form: str) -> str:
    return {"hex": _("the signing key as hex"), "raw": _("the signing key's raw bytes"),
            "base64": _("the signing key in base64")}[form]


def key_material(data: bytes) -> str | None:
    """What key material `data` holds (a phrase for a message, never the key itself), or None."""
    if KEY_MARK in data:
        return _("a line of a venue signing key file")
    if len(data) <= BARE_KEY_LIMIT and BARE_HEX_KEY.fullmatch(b"".join(data.split())):
        return _("a signing key written as hex")
    for secret in _KNOWN:
        for form, what in forms(secret):
            if form in data:
                return _described(what)
    return None


def file_key_material(path: str | os.PathLike[str]) -> str | None:
    """What key material the file `path` holds, by its contents, whatever its name; None for a file that holds
    none, or that is missing or unreadable (then nothing serves or copies it anyway)."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    return key_material(data)


def refuse_published(folder: Path, label: str) -> None:
    """Refuse a staged output `folder` (shown as `label`) that would publish key material: the error names the
    file. PDFs are made by the renderer, whose fetcher already refused every source holding a key (and their
    streams are compressed, where no form of it shows)."""
    from materials.errors import MaterialsError

    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() == ".pdf" or path.is_symlink() or not path.is_file():
            continue
        what = file_key_material(path)
        if what is not None:
            raise MaterialsError(_(
                "{file} would publish {what}; a signing key never goes into any output, so nothing was "
                "replaced. Find the campaign file it came from (a template, an asset, an FAQ or notice source, "
                "an image), remove the key from it, and, since the key may have been copied, make a new key "
                "(`materials keys new`) and reprint the venue posters").format(
                    file=Path(label) / path.relative_to(folder), what=what))
