"""The caches under `<campaign>/.materials/cache/` are trusted only for what this machine put there.

A campaign folder travels (between district offices, as an archive), so everything in its cache may come from
someone else: a record that names another item's file, a symbolic link to a file outside the campaign, a FIFO.
So:

- every record is sealed with an HMAC-SHA256 under a secret of this machine, kept outside the campaign
  (`$XDG_CACHE_HOME/materials/cache.key`, default `~/.cache/materials/cache.key`, created 0600 on first use);
  a record whose seal does not match (edited, or made on another machine) is ignored, never trusted. The seal
  covers what the record is for (its kind and name), so a record cannot be moved to another item either;
- a file of the cache is read only if it is a regular file with one name (no symbolic link on its way from the
  cache folder, no hard link, no FIFO or device), through `safefile`;
- the cache folder itself, and every folder from the campaign down to it, must be a real folder: a symbolic
  link there and the cache is not used (nor written, nor pruned).

Without a secret (the home folder cannot be written), the caches are off: a build is slower, never wrong.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from materials import safefile, textfiles

log = logging.getLogger(__name__)

KEY_NAME = "cache.key"
KEY_BYTES = 32
#: A record is small (an item's input hash and files); anything larger is not one of ours.
RECORD_LIMIT = 1024 * 1024


def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "materials" / KEY_NAME


@functools.cache
def _secret_at(path: Path) -> bytes | None:
    try:
        return safefile.read_bytes(path, KEY_BYTES, follow=False) if path.exists() else _create(path)
    except OSError as error:
        log.debug("cache secret %s cannot be read (%s): caches are off", path, error)
        return None


def _create(path: Path) -> bytes | None:
    """A new secret at `path`, atomically (0600 from the start; a run that made one first wins)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secret = os.urandom(KEY_BYTES)
    fd, tmp = tempfile.mkstemp(prefix=".cache.key.", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secret)
        try:
            os.link(tmp, path)  # never replaces a secret another run made meanwhile
        except FileExistsError:
            return safefile.read_bytes(path, KEY_BYTES, follow=False)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return secret


def secret() -> bytes | None:
    """This machine's cache secret (made on first use), None if it cannot be made or read."""
    value = _secret_at(key_path())
    return value if value is not None and len(value) == KEY_BYTES else None


def _mac(key: bytes, kind: str, name: str, value: Any) -> str:
    message = json.dumps([kind, name, value], sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def seal(kind: str, name: str, value: dict[str, Any]) -> bytes | None:
    """The record of `value`'s fields (JSON), with a "mac" field sealing them for `kind` and `name`; None
    without a secret."""
    key = secret()
    if key is None:
        return None
    return json.dumps({**value, "mac": _mac(key, kind, name, value)}, sort_keys=True).encode()


def unseal(kind: str, name: str, data: bytes) -> dict[str, Any] | None:
    """The fields of a record sealed for `kind` and `name` on this machine; None for anything else."""
    key = secret()
    if key is None:
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("mac"), str):
        return None
    mac = record.pop("mac")
    return record if hmac.compare_digest(mac, _mac(key, kind, name, record)) else None


def _real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def folder(root: Path, relative: str, *, create: bool = True) -> Path | None:
    """`root / relative` if every folder from `root` down is a real folder (made when missing and `create`);
    None if one is a symbolic link or something else, if it cannot be made, or without a secret."""
    if secret() is None:
        return None
    path = root
    for part in Path(relative).parts:
        path = path / part
        if not _real_folder(path):
            if not create or path.is_symlink() or path.exists():
                return None
            try:
                path.mkdir()
            except OSError:
                return None
            if not _real_folder(path):
                return None
    return path


def inside(base: Path, relative: str, *, create: bool = False) -> Path | None:
    """The path `relative` under the cache folder `base`, if each folder on its way is a real one (made
    when `create`)."""
    parts = Path(relative).parts
    parent = folder(base, str(Path(*parts[:-1])), create=create) if len(parts) > 1 else base
    return None if parent is None else parent / parts[-1]


def read(base: Path, relative: str, limit: int) -> bytes | None:
    """The bytes of the cache file `relative` under `base` if it is a regular file with one name reached
    through real folders only, at most `limit` bytes; None otherwise (never a FIFO opened, nor a link followed)."""
    path = inside(base, relative)
    if path is None:
        return None
    try:
        fd = safefile.open_regular(path, follow=False)
    except OSError:
        return None
    if textfiles.hard_links(path) != 1:  # another name shares it (a hard link in from elsewhere)
        os.close(fd)
        return None
    try:
        return safefile.read_fd(fd, path, limit)
    except OSError:
        return None


def read_record(base: Path, relative: str, kind: str, name: str) -> dict[str, Any] | None:
    """The value of the sealed record `relative` under `base` for `kind` and `name` (None: no trusted record)."""
    data = read(base, relative, RECORD_LIMIT)
    return None if data is None else unseal(kind, name, data)


def read_blob(base: Path, relative: str, sha: str, limit: int = 1 << 34) -> bytes | None:
    """The cache file `relative` if it is safe to read (`read`) and its sha256 is `sha`."""
    data = read(base, relative, limit)
    if data is None or hashlib.sha256(data).hexdigest() != sha:
        return None
    return data
