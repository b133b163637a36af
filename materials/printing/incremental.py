"""Incremental print: lay out only the items whose inputs changed since the last run.

Each item (one output file) gets an input hash: its page HTML (the sources, facts and settings as the
planner rendered them), the batch's stylesheet, the files its page loads, every file of the campaign's own
`templates/`, the font subset's characters and font files, the worker's options, the dates
(SOURCE_DATE_EPOCH), every file of this package and the versions of the rendering libraries. A run that
laid out an item without problems stores its files in a content-addressed cache,
`<campaign>/.materials/cache/print/` (safe to delete: the next run lays everything out again), with a
record per item: its input hash, the sha256 of each file, the type scale it needed.

The next run takes an item from the cache when its record names the same input hash and every stored file
still has the sha256 the record names (the cheap check), so a reused file is byte for byte what a cold run
makes from the same inputs. The verification of a file (QR read-back, preflight) is cached the same way:
keyed by what the check expects and the sha256 of the file checked.

A cache that cannot be read or written (a read-only campaign folder) costs speed, never a build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from materials.campaign import Campaign
from materials.errors import MaterialsError
from materials.i18n import _
from materials.printing.planner import Batch, Item

log = logging.getLogger(__name__)

#: Under the campaign folder, beside the venue engine's font cache (ignored by git).
CACHE = ".materials/cache/print"
#: Bumped when the records' shape changes.
FORMAT = 1
#: Set to 1 to lay out every item again (the cache is neither read nor written).
DISABLE = "MATERIALS_NO_CACHE"
LIBRARIES = ("weasyprint", "pydyf", "pypdfium2", "pikepdf", "pillow", "segno", "zxing-cpp", "tinycss2")
_FILE_URI = re.compile(r"file://(/[^\"')\s<>]+)")


@functools.cache
def code_version() -> str:
    """This package's own code and templates plus the rendering libraries' versions: a change to any of
    them invalidates every cached item (a developer's edit of the worker shows at once)."""
    digest = hashlib.sha256(str(FORMAT).encode())
    package = Path(__file__).resolve().parent.parent
    digest.update(folder_digest(package).encode())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none".encode())
    return digest.hexdigest()


def folder_digest(folder: Path) -> str:
    """Every file under `folder` (names and bytes; compiled Python aside): the built-in templates and code,
    or a campaign's own `templates/` with any image or stylesheet its pages may load."""
    digest = hashlib.sha256()
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(folder)).encode() + b"\0")
                digest.update(_file_digest(path).encode())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def font_key(family_files: Iterable[tuple[str, int]], text: str) -> str:
    """The font subset's identity: the font files (path, size, mtime), face index and characters."""
    digest = hashlib.sha256(text.encode())
    for path, index in family_files:
        stat = Path(path).stat()
        digest.update(f"{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def item_key(batch: Batch, item: Item, options: dict[str, Any], fonts: str) -> str:
    """The input hash of one item."""
    fields = asdict(item)
    fields.pop("where", None)  # named in the user's language, for messages only: no part of what is printed
    html = fields.pop("html")
    loaded = sorted(set(_FILE_URI.findall(html)) | set(_FILE_URI.findall(batch.head)))
    payload = {
        "code": code_version(), "fields": fields, "html": html, "head": batch.head, "fonts": fonts,
        "loaded": {uri: _file_digest(Path(unquote(uri))) for uri in loaded},
        "batch": [batch.pdf_variant, batch.author, batch.created, batch.tail], "options": options,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def files_of(item: Item) -> list[str]:
    """The files one item writes, relative to the print folder: with a press file, its home edition."""
    from materials.printing import home

    office = home.path(item) if item.press else None
    return [item.path, *([item.preview] if item.preview and item.png is None else []),
            *([office] if office and office != item.path else [])]


@dataclass
class Reused:
    """An item taken from the cache: where each of its files is stored, and its type scale."""

    files: dict[str, Path]
    scale: float | None = None


@dataclass
class Cache:
    """The print cache of one campaign (`None` folder: disabled)."""

    folder: Path | None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, campaign: Campaign) -> Cache:
        if os.environ.get(DISABLE, "") not in ("", "0"):
            return cls(None)
        return cls(campaign.root / CACHE)

    def _record_path(self, name: str, kind: str = "items") -> Path:
        assert self.folder is not None
        return self.folder / kind / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"

    def _blob(self, sha: str) -> Path:
        assert self.folder is not None
        return self.folder / "files" / sha[:2] / sha

    def lookup(self, item: Item, key: str) -> Reused | None:
        """The item's stored files if its record names `key` and every file still has its sha256."""
        if self.folder is None:
            return None
        try:
            record = json.loads(self._record_path(item.path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("input") != key:
            return None
        stored = record.get("files")
        if not isinstance(stored, dict) or sorted(stored) != sorted(files_of(item)):
            return None
        files = {}
        for name, sha in stored.items():
            blob = self._blob(str(sha))
            if _file_digest(blob) != sha:
                return None
            files[name] = blob
        scale = record.get("scale")
        return Reused(files, float(scale) if isinstance(scale, int | float) else None)

    def store(self, item: Item, key: str, folder: Path, scale: float | None) -> None:
        """Keep the files `item` wrote into `folder`, and its record."""
        if self.folder is None:
            return
        try:
            files = {}
            for name in files_of(item):
                data = (folder / name).read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                _write(self._blob(sha), data)  # always: a damaged file of that name is replaced
                files[name] = sha
            record = {"input": key, "files": files, "scale": scale}
            _write(self._record_path(item.path), json.dumps(record, sort_keys=True).encode())
        except OSError as error:
            log.debug("print cache: cannot store %s (%s)", item.path, error)

    def stamp(self, folder: Path, value: str) -> None:
        """Put the sources fingerprint `value` into every PDF under `folder` (`stamped`)."""
        for path in sorted(folder.rglob("*.pdf")):
            data = path.read_bytes()
            done = self.stamped(data, value)
            if done is not data:
                _write(path, done)

    def stamped(self, data: bytes, value: str) -> bytes:
        """`data` (a PDF laid out with the fingerprint placeholder) with the sources fingerprint `value` in
        (materials.fingerprint.stamp), `data` itself when it has no placeholder. The stamped file is kept by
        (its unstamped sha256, value): a run with the same sources stamps nothing again, and checks and
        thumbnails find the unstamped sha256 of a stamped file (`origin`)."""
        sha = hashlib.sha256(data).hexdigest()
        kept = self.kept_stamped(sha, value)
        if kept is not None:
            return kept
        from materials import fingerprint

        done = fingerprint.stamp(data, value)
        if done == data:
            return data
        if self.folder is not None:
            try:
                stamped = hashlib.sha256(done).hexdigest()
                _write(self._blob(stamped), done)
                record = {"stamped": stamped, "origin": sha, "value": value}
                _write(self._record_path(f"{sha}:{value}", "stamped"), json.dumps(record).encode())
                _write(self._record_path(stamped, "origin"), json.dumps(sha).encode())
            except OSError as error:
                log.debug("print cache: cannot keep a stamped file (%s)", error)
        return done

    def kept_stamped(self, sha: str, value: str) -> bytes | None:
        """The kept file of sha256 `sha` stamped with `value`, if it is kept and still has its sha256."""
        if self.folder is None:
            return None
        try:
            stamped = json.loads(self._record_path(f"{sha}:{value}", "stamped").read_text("utf-8"))["stamped"]
            done = self._blob(str(stamped)).read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return done if hashlib.sha256(done).hexdigest() == stamped else None

    def derived(self, name: str, inputs: Any, make: Callable[[], bytes]) -> bytes:
        """A file made from other files and settings (the print-shop pack's order sheet and contact sheet):
        the bytes kept under `name` when its record names the same hash of `inputs` (and of this package and
        the rendering libraries) and the kept file still has its sha256; else `make()`'s, kept for the next
        run. `inputs` must name everything the file is made from: a reused file is byte for byte what
        `make` would return."""
        key = hashlib.sha256(json.dumps([code_version(), inputs], sort_keys=True, default=str).encode()).hexdigest()
        if self.folder is not None:
            try:
                record = json.loads(self._record_path(name, "derived").read_text(encoding="utf-8"))
                if isinstance(record, dict) and record.get("input") == key:
                    data = self._blob(str(record["sha"])).read_bytes()
                    if hashlib.sha256(data).hexdigest() == record["sha"]:
                        log.debug("print cache: %s unchanged, taken from the cache", name)
                        return data
            except (OSError, ValueError, KeyError):
                pass
        data = make()
        if self.folder is not None:
            try:
                sha = hashlib.sha256(data).hexdigest()
                _write(self._blob(sha), data)
                _write(self._record_path(name, "derived"), json.dumps({"input": key, "sha": sha}).encode())
            except OSError as error:
                log.debug("print cache: cannot keep %s (%s)", name, error)
        return data

    def origin(self, path: Path) -> str:
        """The sha256 of a file as laid out, before its fingerprint was stamped in (else of the file)."""
        sha = _file_digest(path)
        if self.folder is not None:
            try:
                return str(json.loads(self._record_path(sha, "origin").read_text(encoding="utf-8")))
            except (OSError, ValueError):
                pass
        return sha

    def verified(self, name: str, expected: Any, path: Path) -> str | None:
        """The key of a file's verification (what the check expects, the file's sha256) when a previous
        run found no problem with exactly this file; else the key to `remember` once it passes."""
        digest = hashlib.sha256(json.dumps([code_version(), expected], sort_keys=True, default=str).encode())
        digest.update(self.origin(path).encode())  # an edit elsewhere (a new fingerprint) checks it not again
        key = digest.hexdigest()
        if self.folder is None:
            return key
        try:
            if json.loads(self._record_path(name, "verified").read_text(encoding="utf-8")) == key:
                return None
        except (OSError, ValueError):
            pass
        return key

    def remember(self, name: str, key: str) -> None:
        if self.folder is None:
            return
        try:
            _write(self._record_path(name, "verified"), json.dumps(key).encode())
        except OSError as error:
            log.debug("print cache: cannot remember the check of %s (%s)", name, error)

    def prune(self, keep: Iterable[str], value: str) -> None:
        """Drop records of items no longer planned and files no record names: the files of the items, the
        kept sheets, and the files stamped with the sources fingerprint `value` (the current one) of those
        items; stamped files of other fingerprints go, with their records."""
        if self.folder is None or not (self.folder / "items").is_dir():
            return
        wanted = {self._record_path(name).name for name in keep}
        used: set[str] = set()
        try:
            for record_path in (self.folder / "items").glob("*.json"):
                if record_path.name not in wanted:
                    record_path.unlink(missing_ok=True)
                    continue
                try:
                    used.update(json.loads(record_path.read_text(encoding="utf-8")).get("files", {}).values())
                except (OSError, ValueError, AttributeError):
                    record_path.unlink(missing_ok=True)
            for record_path in (self.folder / "derived").glob("*.json"):
                try:
                    used.add(str(json.loads(record_path.read_text(encoding="utf-8")).get("sha")))
                except (OSError, ValueError, AttributeError):
                    record_path.unlink(missing_ok=True)
            stamped: set[str] = set()
            for record_path in (self.folder / "stamped").glob("*.json"):
                try:
                    record = json.loads(record_path.read_text(encoding="utf-8"))
                    # Another fingerprint's, or of a file no item has: None.
                    kept = str(record["stamped"]) if record["value"] == value and record["origin"] in used else None
                except (OSError, ValueError, KeyError, TypeError):
                    kept = None
                if kept is None:
                    record_path.unlink(missing_ok=True)
                else:
                    stamped.add(kept)
            used |= stamped
            # A file no record names may still be about to be copied by a run started from other records
            # (serve's gallery and a build at the same time): only files an hour old go.
            old = time.time() - 3600
            for blob in (self.folder / "files").glob("*/*"):
                if blob.name not in used and blob.stat().st_mtime < old:
                    blob.unlink(missing_ok=True)
        except OSError as error:
            log.debug("print cache: cannot prune (%s)", error)


def _write(path: Path, data: bytes) -> None:
    """Atomically, with the mode a plain `open()` gives (umask respected): the stamped print files are written
    here, and mkstemp's 0600 would hide them (and the web downloads linked to them) from a web server."""
    from materials.output import write_atomic

    write_atomic(path, data)


def copy_into(reused: dict[str, Reused], dest: Path, cache: Cache, value: str) -> None:
    """Write every reused item's files into the print folder `dest`, each PDF with the sources fingerprint
    `value` stamped in (the stamped file kept from a previous run with the same sources, when there is one)."""
    for item in reused.values():
        for name, blob in item.files.items():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                if name.endswith(".pdf"):
                    # A blob is named by its sha256 (checked by `lookup`): no need to read it if it was stamped.
                    data = cache.kept_stamped(blob.name, value)
                    target.write_bytes(data if data is not None else cache.stamped(blob.read_bytes(), value))
                else:
                    shutil.copyfile(blob, target)
            except FileNotFoundError:
                raise MaterialsError(_("{parent}: a cached print file went away during the "
                                       "build (the folder was deleted?); nothing was replaced, run the build "
                                       "again").format(parent=blob.parent.parent.parent)) from None
