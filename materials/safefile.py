"""Opening a campaign's or a user's file for reading: only a regular file, only up to a size limit.

A path the user names (a key file, a venue list) or a file inside a campaign folder (Markdown, TOML, templates)
may be a FIFO (reading waits forever for a writer), a device (`/dev/zero` never ends), a folder, or a file of
gigabytes (read whole, it ends in a MemoryError). Every reader of such files opens them here: the file is opened
without blocking (a FIFO opens at once), `fstat` must say a regular file, and at most `limit + 1` bytes are read,
so a file above its limit is refused with its size and the limit, never read whole.

`Refused` is an `OSError`, so a caller that already turns a read error into a message (its `strerror`) shows
ours; its `str()` names the file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from materials.i18n import _

MB = 1024 * 1024
#: Limits per kind of file: far above any real file of that kind, far below what exhausts memory.
MARKDOWN = 256 * 1024
TOML = 16 * MB
TEMPLATE = 16 * MB
KEY = 64 * 1024
VENUE_LIST = 256 * MB
IMAGE = 64 * MB
#: The most pixels a picture of the campaign may have (10,000 × 8,000: an A1 poster's width at 300 dpi), checked
#: from its header before it is decoded: a PNG of 30000 × 30000 one-bit pixels is 109 kB on the disk and 2.7 GB
#: decoded. Below Pillow's own decompression-bomb warning (89 million), which a picture never meets.
IMAGE_PIXELS = 80_000_000


class Refused(OSError):
    """A file that is not read: not a regular file, or above its size limit. `strerror` is the reason (without
    the file, for a message already labelled with it); `str()` names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return _("a FIFO")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("not a file")


def not_regular(path: Path | str, mode: int) -> Refused:
    return Refused(path, _("is not a regular file ({kind}); give a file").format(kind=_kind(mode)))


def too_big(path: Path | str, size: int, limit: int) -> Refused:
    return Refused(path, _("file is {size:,} bytes; the limit is {limit:,} (is this really the right file?)").format(
        size=size, limit=limit))


def open_regular(path: Path | str, *, follow: bool = True) -> int:
    """A file descriptor of `path` opened for reading, if it is a regular file (`follow=False`: and not a
    symbolic link). Raises `Refused` or the `OSError` of the open."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if not follow and error.errno == errno.ELOOP:
            raise Refused(path, _("is a symbolic link, which is not followed here; "
                                  "put the file itself in its place")) from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(path, mode)
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_fd(fd: int, path: Path | str, limit: int) -> bytes:
    """At most `limit` bytes of the open file `fd` (closed after); `Refused` if it holds more."""
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise too_big(path, size, limit)
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise too_big(path, total, limit)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_bytes(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """The bytes of the regular file `path`, refused (`Refused`) above `limit` or if not a regular file."""
    return read_fd(open_regular(path, follow=follow), path, limit)


def read_text(path: Path | str, limit: int, *, encoding: str = "utf-8", follow: bool = True) -> str:
    """`read_bytes` decoded (UnicodeDecodeError as `Path.read_text` raises it)."""
    return read_bytes(path, limit, follow=follow).decode(encoding)


def is_regular(path: Path) -> bool:
    """Whether `path` itself (not what a symbolic link points to) is a regular file: for folder walks, which
    must never open a FIFO or a device they meet."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def irregular_inside(folder: Path) -> Iterator[tuple[Path, str]]:
    """(path, what it is) for every entry under `folder` that is neither a folder, a regular file nor a symbolic link
    (a FIFO, a device, a socket), which no reader opens: `materials check --output` names each, since a web
    server or print shop given the folder would block on it or send a device's bytes."""
    for top, folders, files in os.walk(folder):
        for name in sorted(folders + files):
            path = Path(top) / name
            try:
                mode = path.lstat().st_mode
            except OSError:
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
                yield path, _kind(mode)
