"""Writing outputs so that a failed or interrupted run never leaves something that looks finished.

One file: written beside its destination and moved into place with `os.replace`. A folder: rendered into
a temporary sibling and swapped in only when every file is there and verified.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from materials.errors import OutputError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, data: bytes | str, mode: int | None = None) -> None:
    """Write `data` to `path` through a temporary file and `os.replace`.

    The file gets the mode a plain `open()` would give it (mkstemp's 0600 would hide print files and web
    pages from the web server), unless `mode` says otherwise (keys: 0600).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, mode if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staged_dir(final: Path) -> Iterator[Path]:
    """Yield an empty folder beside `final`; on success it replaces `final`, on failure it is removed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = make_stage(final.parent, final.name)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    swap_in(stage, final)


def make_stage(parent: Path, name: str) -> Path:
    """An empty staging folder in `parent`, with the mode a plain `mkdir` gives (not mkdtemp's 0700)."""
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".staging", dir=parent))
    stage.chmod(0o777 & ~_umask())
    return stage


def swap_in(stage: Path, final: Path) -> None:
    """Replace `final` with `stage`: two renames, so readers see the old folder or the new one."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(stage, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def guard_output(out: Path, campaign_root: Path) -> None:
    """Refuse an output folder that is, or contains, the campaign: cleaning it would destroy sources."""
    out_r, root_r = out.resolve(), campaign_root.resolve()
    if out_r == root_r or root_r.is_relative_to(out_r):
        raise OutputError(
            f"--out {out} contains the campaign folder {campaign_root}; building there would replace "
            "your sources. Choose an empty folder such as output/"
        )
    for marker in ("campaign.toml", "faq"):
        if (out_r / marker).exists():
            raise OutputError(f"--out {out} looks like a campaign folder (it has {marker}); choose another folder")
