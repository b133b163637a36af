"""Writing outputs so that a failed or interrupted run never leaves something that looks finished.

One file: written beside its destination and moved into place with `os.replace`. A folder: rendered into
a temporary sibling and swapped in only when every file is there and verified.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from materials import registry
from materials.errors import SHOWN, CampaignError, OutputError
from materials.i18n import _


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, data: bytes | str, mode: int | None = None, *, parents: bool = True) -> None:
    """Write `data` to `path` through a temporary file and `os.replace`.

    The file gets the mode a plain `open()` would give it (mkstemp's 0600 would hide print files and web
    pages from the web server), unless `mode` says otherwise (keys: 0600). `parents`: create missing folders
    on the way (`write_inside` creates its own, never the output folder itself).
    """
    if parents:
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


def make_stage(parent: Path, name: str) -> Path:
    """An empty staging folder in `parent`, with the mode a plain `mkdir` gives (not mkdtemp's 0700)."""
    stage = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".staging", dir=parent))
    stage.chmod(0o777 & ~_umask())
    return stage


def swap_in(stage: Path, final: Path) -> None:
    """Replace `final` with `stage`: two renames, so readers see the old folder or the new one.
    A symbolic link is never moved aside (it would leave its target stale and break the next run)."""
    refuse_link(final)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old")
        if old.is_symlink():  # left by an older version that moved a link aside: drop the link, not its target
            old.unlink()
        elif old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(stage, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def refuse_link(folder: Path) -> None:
    """An output folder that is a symbolic link (`output/web` -> a deploy folder) is refused, not moved: a
    run replaces its folders whole by renaming, which would move the link instead of writing its target."""
    if folder.is_symlink():
        raise OutputError(
            _("{folder} is a symbolic link to {path}; a run replaces this folder whole and will not move "
              "or write through a link. Remove the link (its target stays as it is), then copy the new "
              "output to the deploy folder after each build, e.g. rsync -a --delete {folder}/ {path}/").format(
                folder=folder, path=folder.resolve()))


def refuse_default_links(out: Path, campaign_root: Path) -> None:
    """A default output folder (CAMPAIGN/output and what a command makes under it) is never reached through a
    symbolic link: a campaign that ships `output` as a link to another campaign's output would overwrite that
    campaign's signed posters. Only a folder the user names with --out is followed."""
    base = campaign_root / "output"
    try:
        parts = out.relative_to(base).parts
    except ValueError:
        parts = ()
    path = base
    for part in ("", *parts):
        path = path / part if part else path
        if path.is_symlink():
            raise OutputError(
                _("{path} is a symbolic link (to {readlink}); a command never writes its default output "
                  "through a link, which could overwrite another campaign's output. Remove the link, or "
                  "name the folder to write with --out").format(path=path, readlink=os.readlink(path)))


def where_out(out: Path, default: bool) -> str:
    """How messages name the output folder `out`: as the user's --out, or as the default folder they never typed."""
    if default:
        return _("the default output folder {out}").format(out=out)
    return _("--out {out}").format(out=out)


def refuse_file_in_path(out: Path, where: str) -> None:
    """An output folder below a file (`--out notes.txt/x`) can never be made: say which part is the file, before
    a write fails with "Not a directory" and a message about free space and a previous output that never was."""
    for part in (out, *out.parents):
        if part.is_dir():
            return
        if part.exists():
            if part == out:
                raise OutputError(_("{where} is a file, not a folder").format(where=where))
            raise OutputError(_("{where}: {part} is a file, so no folder can be made below it; choose another "
                                "output folder").format(where=where, part=part))


def guard_output(out: Path, campaign_root: Path, *, default: bool = False) -> None:
    """Refuse an output folder that is, or contains, the campaign: cleaning it would destroy sources. `default`:
    `out` is the command's default folder (no --out given)."""
    where = where_out(out, default)
    refuse_file_in_path(out, where)
    out_r, root_r = out.resolve(), campaign_root.resolve()
    if out_r == root_r or root_r.is_relative_to(out_r):
        raise OutputError(
            _("{where} contains the campaign folder {campaign_root}; building there would replace your "
              "sources. Choose an empty folder such as output/").format(where=where, campaign_root=campaign_root)
        )
    for marker in ("campaign.toml", "faq"):
        if (out_r / marker).exists():
            raise OutputError(_("{where} looks like a campaign folder (it has {marker}); choose "
                                "another folder").format(where=where, out=out, marker=marker))


# ---- ownership, locking and the machine's state ------------------------------------------------------------

#: Marker file naming the command that owns an output folder; only that command writes there again.
MARKER = ".materials-output"
#: Lock file of a folder being written; `flock` is released by the kernel when the run ends or is killed.
LOCK = ".materials-lock"
#: Descriptors of the locks this process holds: a forked worker closes them (`close_inherited_locks`), so a
#: lock ends with the process that took it.
HELD_LOCKS: set[int] = set()
#: Report of a long problem list (the screen shows the first 50).
PROBLEMS = "problems.txt"


def source_folders() -> tuple[str, ...]:
    """Every campaign folder that holds sources: the campaign's own and the ones each output kind reads."""
    kinds = [*registry.source_folders(), *(folder for folder, _kind in registry.text_folders())]
    return tuple(dict.fromkeys((*SOURCE_FOLDERS, *kinds)))


def build_evidence() -> dict[str, str]:
    """What `materials build` makes inside its folder (a folder per output kind), and the file each holds that
    only this tool writes: each output kind declares its own (materials/registry.py)."""
    return registry.evidence()

#: Single files other commands write into the campaign's `output/` (`materials proof`).
SINGLE_FILES = ("proof.pdf",)
#: Campaign folders that hold sources of every kind: an output folder is never one of them or inside one (nor
#: one of the folders the output kinds read, `source_folders()`).
#: (`images/` holds the pictures posters and pages name; `notice/` the published notice.)
SOURCE_FOLDERS = ("faq", "templates", ".materials", "notice", "images")


def read_marker(folder: Path) -> dict[str, str] | None:
    """The marker of `folder`, or None when it has none (a marker that is not ours counts as none)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("made_by"), str):
        return None
    return {str(k): str(v) for k, v in data.items()}


def owned_folder(path: Path) -> Path | None:
    """The output folder (or campaign `output/`, or staging folder) that `path` lies in, if any."""
    here = path.resolve()
    for folder in (here, *here.parents):
        try:
            if (folder / MARKER).is_file() or folder.name.endswith(".staging"):
                return folder
            if folder.name == "output" and (folder.parent / "campaign.toml").is_file():
                return folder
        except OSError:  # a path too long to hold a marker (ENAMETOOLONG) holds none
            continue
    return None


def refuse_key_in_output(key: Path, option: str, out: Path | None = None) -> None:
    """A signing key inside a published or rebuilt folder would be deleted or published: refuse."""
    resolved = key.resolve()
    folder = out.resolve() if out is not None and resolved.is_relative_to(out.resolve()) else owned_folder(key)
    if folder is not None:
        raise OutputError(
            _("{option} {key} is inside the output folder {folder}; a key there is deleted by the next run "
              "(every poster signed with it could no longer be verified) or published with the output. "
              "Keep keys outside every output folder, e.g. secrets/venue.key").format(
                option=option, key=key, folder=folder))


def check_owner(out: Path, made_by: str, campaign_root: Path, *, source: str = "",
                protected: tuple[Path, ...] = (), default: bool = False, default_place: bool = False,
                legacy: Callable[[Path], bool] | None = None) -> None:
    """Refuse `out` unless it is new, empty, or marked as made by `made_by` (for the same `source`).

    `legacy` recognises a folder an older version of the command made (before markers). Never a folder that
    holds or lies inside the campaign's sources, holds a file in `protected` (a
    venue list, a key), or is another command's output: writing there would destroy what it holds.
    """
    guard_output(out, campaign_root, default=default or default_place)
    where = where_out(out, default or default_place)
    out_r, root_r = out.resolve(), campaign_root.resolve()
    for name in source_folders():
        folder = root_r / name
        if out_r.is_relative_to(folder):
            raise OutputError(_("{where} is inside the campaign's sources ({folder}); choose a folder "
                                "of its own, such as output/").format(where=where, out=out, folder=folder))
    for path in protected:
        if path.resolve().is_relative_to(out_r):
            raise OutputError(_("{where} holds {path}, which this run reads; choose another folder").format(where=where,
                                  out=out, path=path))
    if out.exists() and not out.is_dir():
        raise OutputError(_("{where} is a file, not a folder").format(where=where, out=out))
    evidence = build_evidence()
    for name in evidence:  # the folders a build swaps in whole
        refuse_link(out / name)
    parent = read_marker(out_r.parent)
    if parent is not None and parent["made_by"] != made_by and out_r.name in evidence:
        raise OutputError(_("{where} is part of the output of `{made_by}`, which replaces it on its "
                            "next run; `{made_by2}` writes elsewhere (see README, where each command "
                            "writes)").format(where=where, out=out, made_by=parent['made_by'], made_by2=made_by))
    if not out.is_dir():
        return
    marker = read_marker(out)
    if marker is not None:
        if marker["made_by"] != made_by:
            raise OutputError(_("{where} holds the output of `{made_by}`; `{made_by2}` would replace "
                                "it. Choose another folder (each command has its own, see README)").format(
                                  where=where, out=out, made_by=marker['made_by'], made_by2=made_by))
        refuse_other_campaign(out, marker, campaign_root, where=where)
        if source and marker.get("source", source) != source:
            raise OutputError(_("{where} holds the run of {source}; a run of {source2} there would "
                                "replace those venues. Give this list its own --out, or delete {out} first").format(
                                  where=where, out=out, source=marker['source'], source2=source))
        return
    entries = sorted(p.name for p in out.iterdir() if p.name not in (LOCK, PROBLEMS))
    if not entries or (default and _legacy_build(out, entries)) or (legacy is not None and legacy(out)):
        return
    shown = ", ".join(entries[:3])
    if len(entries) > 3:
        shown = _("{names} and {count} more").format(names=shown, count=len(entries) - 3)
    raise OutputError(_("{where} is not empty ({shown}) and was not made by `{made_by}` (no {marker} "
                        "marker); its files would be replaced or deleted. Choose a new or empty folder").format(
                          where=where, shown=shown, made_by=made_by, marker=MARKER))


def campaign_identity(campaign_root: Path) -> str:
    """What an output folder's marker records of the campaign that wrote it: its folder's real path."""
    return str(campaign_root.resolve())


def refuse_other_campaign(out: Path, marker: dict[str, str], campaign_root: Path, *, where: str = "") -> None:
    """Refuse `out` when its marker names another campaign: a run there would replace that campaign's output.

    A folder inside this campaign's own folder is always its own (a copied or moved campaign keeps its
    `output/`; the next run records the new path). A marker without a campaign (written by an older version)
    is accepted only there too: elsewhere it could be any campaign's."""
    out_r, root_r = out.resolve(), campaign_root.resolve()
    where = where or where_out(out, False)
    if out_r.is_relative_to(root_r):
        return
    recorded = marker.get("campaign", "")
    if recorded == campaign_identity(campaign_root):
        return
    if not recorded:
        raise OutputError(_("{where} was written by `{made_by}` of an older version, which did not record "
                            "the campaign; it may be another campaign's output. Choose another --out, or, if it is "
                            "this campaign's ({campaign}), delete {out} yourself and run again").format(where=where,
                              out=out, made_by=marker["made_by"], campaign=root_r))
    raise OutputError(_("{where} holds the output of the campaign {other}; a run of the campaign {campaign} "
                        "would replace it. Choose another --out, or delete {out} yourself if that output is no "
                        "longer needed").format(where=where, out=out, other=recorded, campaign=root_r))


def _legacy_build(out: Path, entries: list[str]) -> bool:
    """The campaign's `output/` without a marker: an older version's build outputs (each target folder with a
    file only we write), folders of marked `materials venues` runs and the proof, nothing else."""

    evidence = build_evidence()

    def ours(entry: str) -> bool:
        path = out / entry
        if entry in SINGLE_FILES:
            return path.is_file()
        if entry in evidence:
            return (path / evidence[entry]).is_file()
        # A folder of marked runs (output/venue-lists); empty, it holds nothing to lose.
        return path.is_dir() and not path.is_symlink() and all(read_marker(run) is not None
                                                                for run in path.iterdir())

    known = [e for e in entries if not e.startswith(".")]
    return bool(known) and all(ours(e) for e in known)


def check_single_file(path: Path, campaign_root: Path, ours: Callable[[Path], bool], what: str) -> None:
    """Refuse a one-file destination (`materials proof --out F.pdf`) that would replace what is not `what`:
    a file among the campaign's sources, a file in another command's output folder (a venue run's district
    PDF; that command would also delete the new file on its next run), or any existing file `ours` does not
    recognise. A symbolic link is refused (replacing it would leave its target as it was)."""
    if path.is_symlink():
        raise OutputError(_("--out {path} is a symbolic link to {path2}; give the real file's path").format(
                              path=path, path2=path.resolve()))
    real, root_r = path.resolve(), campaign_root.resolve()
    for name in source_folders():
        if real.is_relative_to(root_r / name):
            raise OutputError(_("--out {path} is inside the campaign's sources ({value}); write the {what} "
                                "elsewhere, such as output/").format(path=path, value=root_r / name, what=what))
    folder = owned_folder(real.parent)
    if folder is not None:
        marker = read_marker(folder) or {}
        campaign_output = folder.name == "output" and (folder.parent / "campaign.toml").is_file()
        beside_a_build = marker.get("made_by") == "materials build" or (campaign_output and not marker)
        if real.parent != folder or not beside_a_build:
            owner = f"`{marker['made_by']}`" if marker else _("a run in progress")
            raise OutputError(_("--out {path} is inside {folder}, the output of {owner}, which replaces or "
                                "deletes its files; write the {what} beside it (such as output/) or "
                                "elsewhere").format(path=path, folder=folder, owner=owner, what=what))
    if real.exists() and not ours(real):
        raise OutputError(_("--out {path} exists and is not a {what} made by materials; it would be "
                            "replaced. Choose a new file name, or move that file first").format(path=path, what=what))


def claim(out: Path, made_by: str, source: str = "", campaign_root: Path | None = None) -> None:
    """Mark `out` as made by `made_by` for the campaign at `campaign_root` (call with its lock held)."""
    payload = {"made_by": made_by, "note": "made by materials; only that command writes here"}
    if source:
        payload["source"] = source
    if campaign_root is not None:
        payload["campaign"] = campaign_identity(campaign_root)
    if read_marker(out) != payload:
        write_atomic(out / MARKER, json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n")


def missing_folders(out: Path) -> list[Path]:
    """`out` and those of its parents that do not exist yet, nearest first: what a run into `out` creates."""
    return [folder for folder in (out, *out.parents) if not folder.exists() and not folder.is_symlink()]


def release_if_unused(out: Path, created: bool, made: list[Path] | None = None) -> None:
    """After a run that failed before writing anything: unmark the folder (so it stays free for any list), and
    remove it if the run created it, with the parents it created (`made`, from `missing_folders`) left empty:
    a refused run leaves nothing behind (an empty output/venue-lists/ would block the next build). Call after
    the lock is released."""
    if not out.is_dir():
        return
    names = {p.name for p in out.iterdir()}
    if names <= {MARKER, LOCK, PROBLEMS}:
        (out / MARKER).unlink(missing_ok=True)
    if created and names <= {MARKER, LOCK}:
        (out / LOCK).unlink(missing_ok=True)
        for folder in made or [out]:
            try:
                folder.rmdir()
            except OSError:
                break


def open_lock(path: Path) -> int:
    """Open (or create) the lock file `path`, never through a symbolic link: a link named like the lock would have
    the file created or truncated where it points. Refused naming the link."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        if not path.is_symlink():
            raise
        raise OutputError(_("{path} is a symbolic link (to {readlink}); a lock file is never opened through a link, "
                            "which would create or empty the file it points to. Remove the link (its target stays "
                            "as it is) and run again").format(path=path, readlink=os.readlink(path))) from e


@contextlib.contextmanager
def locked(out: Path, what: str) -> Iterator[None]:
    """Hold the lock of `out` for one run; a second run gets a clear refusal instead of mixed files."""
    import fcntl

    out.mkdir(parents=True, exist_ok=True)
    fd = open_lock(out / LOCK)
    HELD_LOCKS.add(fd)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or _("another process")
            raise OutputError(_("another run is writing to {out} ({holder}); wait for it to finish, or "
                                "choose another --out").format(out=out, holder=holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{what}, process {os.getpid()}\n".encode(), 0)
        identity = _identity(out)
        try:
            clean_stale(out)
            refuse_links_inside(out)
            yield
        except BaseException:
            if _identity(out) != identity:
                raise OutputError(_moved(out, what)) from None
            raise
        finally:
            os.ftruncate(fd, 0)  # names the holder only while held
        if _identity(out) != identity:
            raise OutputError(_moved(out, what))
    finally:
        os.close(fd)


def refuse_links_inside(out: Path) -> None:
    """A symbolic link anywhere inside an output folder (a district folder or `.cache` of a venue run, a print
    file the web build copies) would make the run write, delete or publish what lies outside it: refused,
    naming the link, before anything is written (the lock is held, so no run of ours adds one meanwhile)."""
    for path in links_inside(out):
        raise OutputError(
            _("{path} is a symbolic link (to {readlink}) inside the output folder {out}; a run "
              "would write, delete or publish through it what lies outside its folder. Remove the "
              "link (its target stays as it is) and run again").format(
                path=path, readlink=os.readlink(path), out=out))


def links_inside(folder: Path) -> Iterator[Path]:
    """Every symbolic link inside `folder` (not followed), in order: what a run refuses in its output folder
    (`refuse_links_inside`) and `materials check --output` in a built one."""
    for parent, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(dirs + names):
            path = Path(parent) / name
            if path.is_symlink():
                yield path


def close_inherited_locks() -> None:
    """In a forked worker: drop its copies of the parent's lock descriptors, so only the parent holds the
    lock (and a worker outliving a killed parent cannot keep the next run out)."""
    for fd in list(HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    HELD_LOCKS.clear()


#: The output folders a run holds by identity (`holding`): device and inode when the run began writing.
HELD: dict[Path, tuple[tuple[int, int] | None, str]] = {}


@contextlib.contextmanager
def holding(out: Path, what: str) -> Iterator[None]:
    """While the body runs, `write_inside(out, ...)` writes only into the folder `out` is now: a folder renamed,
    moved or replaced under the run fails it (naming the folder) at its next write, and the run never makes a
    new folder at the old path, which would hold a half-written copy that looks like a run's."""
    HELD[out] = (_identity(out), what)
    try:
        yield
    finally:
        HELD.pop(out, None)


def still_held(out: Path) -> None:
    """Raise `OutputError` if `out` is no longer the folder `holding` began with."""
    identity, what = HELD.get(out, (None, ""))
    if identity is not None and _identity(out) != identity:
        raise OutputError(_moved(out, what))


def write_inside(out: Path, path: Path, data: bytes | str) -> None:
    """`write_atomic` of `path` inside the output folder `out`: its subfolders are made one by one inside
    `out`, never `out` itself, after checking `out` is still the folder the run holds (`holding`)."""
    still_held(out)
    folder = out
    try:
        for part in path.parent.relative_to(out).parts:
            folder = folder / part
            with contextlib.suppress(FileExistsError):
                folder.mkdir()
        write_atomic(path, data, parents=False)
    except FileNotFoundError:
        still_held(out)
        if not out.is_dir():
            raise OutputError(_moved(out, HELD.get(out, (None, "materials"))[1] or "materials")) from None
        raise


def _identity(folder: Path) -> tuple[int, int] | None:
    """Device and inode of a folder: a folder renamed away, or replaced by another, has new ones."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _moved(out: Path, what: str) -> str:
    return _("the output folder {out} was renamed, moved or replaced while `{what}` wrote into it, so its files "
             "are not all where they belong (the run cannot vouch for either folder). Put nothing in its place "
             "during a run; delete the half-written folder and run again").format(out=out, what=what)


def clean_stale(out: Path) -> None:
    """Staging folders and partial files of a run that was killed (we hold the lock: nobody else writes)."""
    for path in out.iterdir():
        if path.name.startswith(".") and path.name.endswith((".staging", ".old")) and path.is_symlink():
            path.unlink()  # a link an older version moved aside: its target is not ours to delete
        elif path.name.startswith(".") and path.name.endswith((".staging", ".old")) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(".") and path.name.endswith(".part") and path.is_file():
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def machine_errors(out: Path, kept: str = "") -> Iterator[None]:
    """A full disk or a read-only folder is the machine's state, not a bug: one line with path and errno.

    `kept` says what of the previous output survives (default: all of it, staged outputs replace it whole).
    """
    try:
        yield
    except OSError as e:
        if isinstance(e, (BlockingIOError, ChildProcessError)) or e.errno is None:
            raise
        where = e.filename or out
        code = errno.errorcode.get(e.errno, str(e.errno))
        kept = kept or _("nothing was replaced, the previous output in {out} is intact").format(out=out)
        if e.errno == errno.ENAMETOOLONG:  # not the disk's state either: the name the user gave
            raise OutputError(_("cannot write {where}: a name in this path is longer than this system allows "
                                "(ENAMETOOLONG: most allow 255 bytes for a file or folder name); {kept}. Choose a "
                                "shorter name, then run again").format(where=where, kept=kept)) from None
        if e.errno in (errno.ENOENT, errno.ENOTDIR):  # not the disk's state: the folder is not one to write in
            raise OutputError(_("cannot write {where}: {value} ({code}); {kept}. Its folder does not exist or "
                                "takes no files (such as /proc): choose a folder of your own, then run again").format(
                                  where=where, value=e.strerror or e, code=code, kept=kept)) from None
        raise OutputError(_("cannot write {where}: {value} ({code}); {kept}. Free space or fix the "
                            "folder's permissions, then run again").format(
                              where=where, value=e.strerror or e, code=code, kept=kept)) from None


@contextlib.contextmanager
def problems_report(out: Path) -> Iterator[None]:
    """A problem list too long for the screen is written whole to `out/problems.txt` (an old one goes)."""
    (out / PROBLEMS).unlink(missing_ok=True)
    try:
        yield
    except CampaignError as e:
        if len(e.problems) > SHOWN:
            write_atomic(out / PROBLEMS, e.full_text())
            e.report(out / PROBLEMS)
        raise
