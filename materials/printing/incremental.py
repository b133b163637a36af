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

import errno
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from materials import localcache
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
    """The print cache of one campaign (`None` folder: disabled).

    Records are sealed with this machine's cache secret and files are read only as regular files with one
    name (`materials.localcache`): a cache edited by hand, copied from another machine or holding symbolic
    links is not trusted, its items are laid out again."""

    folder: Path | None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.folder is None:
            return
        root = self.folder
        for _part in Path(CACHE).parts:
            root = root.parent
        # Every folder from the campaign down must be a real one (no symbolic link out of the campaign), and
        # without this machine's secret no record can be trusted: then no cache at all.
        self.folder = localcache.folder(root, CACHE)

    @classmethod
    def of(cls, campaign: Campaign) -> Cache:
        if os.environ.get(DISABLE, "") not in ("", "0"):
            return cls(None)
        return cls(campaign.root / CACHE)

    def _record_name(self, name: str, kind: str = "items") -> str:
        return f"{kind}/{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"

    def _record_path(self, name: str, kind: str = "items") -> Path:
        assert self.folder is not None
        return self.folder / self._record_name(name, kind)

    def _blob(self, sha: str) -> Path:
        assert self.folder is not None
        return self.folder / _blob_name(sha)

    def _load(self, name: str, kind: str) -> dict[str, Any] | None:
        """The record of `name`, if this machine wrote it for `name` (sealed) and it is safe to read."""
        if self.folder is None:
            return None
        record = localcache.read_record(self.folder, self._record_name(name, kind), kind, name)
        return record if isinstance(record, dict) else None

    def _keep(self, name: str, kind: str, record: dict[str, Any]) -> None:
        assert self.folder is not None
        data = localcache.seal(kind, name, record)
        path = localcache.inside(self.folder, self._record_name(name, kind), create=True)
        if data is None or path is None:
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(self.folder))  # not a real folder
        _write(path, data)

    def _keep_blob(self, data: bytes) -> str:
        assert self.folder is not None
        sha = hashlib.sha256(data).hexdigest()
        path = localcache.inside(self.folder, _blob_name(sha), create=True)
        if path is None:
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(self.folder))
        _write(path, data)  # always: a damaged file of that name is replaced
        return sha

    def _read_blob(self, sha: str) -> bytes | None:
        """The kept file of sha256 `sha` (checked), None if it is missing, changed or not a plain file."""
        if self.folder is None or not re.fullmatch(r"[0-9a-f]{64}", sha):
            return None
        return localcache.read_blob(self.folder, _blob_name(sha), sha)

    def lookup(self, item: Item, key: str) -> Reused | None:
        """The item's stored files if its (sealed) record names `key` and every file still has its sha256."""
        record = self._load(item.path, "items")
        if record is None or record.get("input") != key:
            return None
        stored = record.get("files")
        if not isinstance(stored, dict) or sorted(stored) != sorted(files_of(item)):
            return None
        files = {}
        for name, sha in stored.items():
            if self._read_blob(str(sha)) is None:
                return None
            files[name] = self._blob(str(sha))
        scale = record.get("scale")
        return Reused(files, float(scale) if isinstance(scale, int | float) else None)

    def store(self, item: Item, key: str, folder: Path, scale: float | None) -> None:
        """Keep the files `item` wrote into `folder`, and its record."""
        if self.folder is None:
            return
        try:
            files = {name: self._keep_blob((folder / name).read_bytes()) for name in files_of(item)}
            self._keep(item.path, "items", {"input": key, "files": files, "scale": scale})
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
                stamped = self._keep_blob(done)
                self._keep(f"{sha}:{value}", "stamped", {"stamped": stamped, "origin": sha, "value": value})
                self._keep(stamped, "origin", {"origin": sha})
            except OSError as error:
                log.debug("print cache: cannot keep a stamped file (%s)", error)
        return done

    def kept_stamped(self, sha: str, value: str) -> bytes | None:
        """The kept file of sha256 `sha` stamped with `value`, if it is kept and still has its sha256."""
        record = self._load(f"{sha}:{value}", "stamped")
        return None if record is None else self._read_blob(str(record.get("stamped")))

    def derived(self, name: str, inputs: Any, make: Callable[[], bytes]) -> bytes:
        """A file made from other files and settings (the print-shop pack's order sheet and contact sheet):
        the bytes kept under `name` when its record names the same hash of `inputs` (and of this package and
        the rendering libraries) and the kept file still has its sha256; else `make()`'s, kept for the next
        run. `inputs` must name everything the file is made from: a reused file is byte for byte what
        `make` would return."""
        key = hashlib.sha256(json.dumps([code_version(), inputs], sort_keys=True, default=str).encode()).hexdigest()
        record = self._load(name, "derived")
        if record is not None and record.get("input") == key:
            data = self._read_blob(str(record.get("sha")))
            if data is not None:
                log.debug("print cache: %s unchanged, taken from the cache", name)
                return data
        data = make()
        if self.folder is not None:
            try:
                self._keep(name, "derived", {"input": key, "sha": self._keep_blob(data)})
            except OSError as error:
                log.debug("print cache: cannot keep %s (%s)", name, error)
        return data

    def origin(self, path: Path) -> str:
        """The sha256 of a file as laid out, before its fingerprint was stamped in (else of the file)."""
        sha = _file_digest(path)
        record = self._load(sha, "origin")
        return str(record["origin"]) if record is not None and isinstance(record.get("origin"), str) else sha

    def verified(self, name: str, expected: Any, path: Path) -> str | None:
        """The key of a file's verification (what the check expects, the file's sha256) when a previous
        run found no problem with exactly this file; else the key to `remember` once it passes."""
        digest = hashlib.sha256(json.dumps([code_version(), expected], sort_keys=True, default=str).encode())
        digest.update(self.origin(path).encode())  # an edit elsewhere (a new fingerprint) checks it not again
        key = digest.hexdigest()
        record = self._load(name, "verified")
        return None if record is not None and record.get("key") == key else key

    def remember(self, name: str, key: str) -> None:
        if self.folder is None:
            return
        try:
            self._keep(name, "verified", {"key": key})
        except OSError as error:
            log.debug("print cache: cannot remember the check of %s (%s)", name, error)

    def _records(self, kind: str) -> list[Path]:
        """The record files of `kind` (none if its folder is not a real one: never a walk through a link)."""
        assert self.folder is not None
        folder = localcache.folder(self.folder, kind, create=False)
        return [] if folder is None else sorted(folder.glob("*.json"))

    def _sealed(self, path: Path) -> dict[str, Any] | None:
        """A record file's fields if it is one this machine sealed (for whatever name), for pruning."""
        assert self.folder is not None
        data = localcache.read(self.folder, f"{path.parent.name}/{path.name}", localcache.RECORD_LIMIT)
        try:
            record = json.loads(data) if data is not None else None
        except ValueError:
            return None
        return record if isinstance(record, dict) else None

    def prune(self, keep: Iterable[str], value: str) -> None:
        """Drop records of items no longer planned and files no record names: the files of the items, the
        kept sheets, and the files stamped with the sources fingerprint `value` (the current one) of those
        items; stamped files of other fingerprints go, with their records."""
        if self.folder is None or localcache.folder(self.folder, "items", create=False) is None:
            return
        wanted = {self._record_path(name).name for name in keep}
        used: set[str] = set()
        try:
            for record_path in self._records("items"):
                record = self._sealed(record_path) if record_path.name in wanted else None
                if record is None or not isinstance(record.get("files"), dict):
                    record_path.unlink(missing_ok=True)
                else:
                    used.update(str(sha) for sha in record["files"].values())
            for record_path in self._records("derived"):
                record = self._sealed(record_path)
                if record is None:
                    record_path.unlink(missing_ok=True)
                else:
                    used.add(str(record.get("sha")))
            stamped: set[str] = set()
            for record_path in self._records("stamped"):
                record = self._sealed(record_path)
                # Another fingerprint's, or of a file no item has: None.
                kept = (str(record.get("stamped")) if record is not None and record.get("value") == value
                        and record.get("origin") in used else None)
                if kept is None:
                    record_path.unlink(missing_ok=True)
                else:
                    stamped.add(kept)
            used |= stamped
            # A file no record names may still be about to be copied by a run started from other records
            # (serve's gallery and a build at the same time): only files an hour old go. Only real folders
            # are walked, so nothing outside the cache is ever removed.
            old = time.time() - 3600
            files = localcache.folder(self.folder, "files", create=False)
            for sub in sorted(files.iterdir()) if files is not None else []:
                if localcache.folder(sub.parent, sub.name, create=False) is None:
                    continue
                for blob in sub.iterdir():
                    if blob.name not in used and blob.lstat().st_mtime < old:
                        blob.unlink(missing_ok=True)
        except OSError as error:
            log.debug("print cache: cannot prune (%s)", error)


def _blob_name(sha: str) -> str:
    return f"files/{sha[:2]}/{sha}"


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
            # Read again as `lookup` did (a plain file of the cache, its sha256 checked), never through a link.
            data = cache.kept_stamped(blob.name, value) if name.endswith(".pdf") else None
            if data is None:
                data = cache._read_blob(blob.name)
                if data is None:
                    raise MaterialsError(_("{parent}: a cached print file went away or changed during the "
                                           "build (the folder was deleted?); nothing was replaced, run the build "
                                           "again").format(parent=blob.parent.parent.parent))
                if name.endswith(".pdf"):
                    data = cache.stamped(data, value)
            target.write_bytes(data)
