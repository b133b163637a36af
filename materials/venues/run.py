"""A venue run from list to print files, in named phases.

read and validate the list -> sign every link -> make the font pack -> skip venues whose inputs did not
change -> render chunks through an Executor (inline, process pool or Dask) and check every QR code read
back from its page -> district files -> manifest.csv and print-order.csv, last.

Each file is written with `os.replace`, so a killed run leaves no truncated file; manifest.csv is removed
first and written last, so a folder without it is visibly unfinished. A cache record per venue (its input
hash and the sha256 of its PDF) lets the next run skip finished venues and end with the same bytes a clean
run makes.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from materials import progress
from materials.campaign import Campaign
from materials.errors import MaterialsError, Problem, VerificationError
from materials.i18n import _, ngettext
from materials.log import DETAIL, WarningCounter
from materials.output import holding, still_held
from materials.venues import known, renderer
from materials.venues.compose import PageArt
from materials.venues.folder import (
    CACHE,
    MADE_BY,
    accept,
    by_district,
    check_same_list,
    default_out,
    district_file,
    list_identity,
    made_by_run,
    remove_stale,
    unchanged,
    write_tables,
)
from materials.venues.jobs import Job, Rendered
from materials.venues.plan import FONT_CACHE, Options, Plan, checked, make_plan, read_and_check
from materials.venues.reading import VenueList, VenueRow, read_list
from materials.venues.settings import VenueSettings

log = logging.getLogger(__name__)

#: The settings a venue poster prints (besides the service address, always checked): a PLACEHOLDER elsewhere
#: (a fact of the FAQ, say) is for `materials build` to warn about, not a venue run.
POSTER_SETTINGS = ("title", "authority", "authority_short", "districts", "place_categories", "venues")

#: Below this many venues a process pool costs more than it saves.
INLINE_BELOW = 48


@dataclass
class Summary:
    venues: int = 0
    rendered: int = 0
    skipped: int = 0
    rejected: int = 0
    districts: int = 0
    out: Path = Path()
    seconds: float = 0.0
    font_seconds: float = 0.0

    def line(self) -> str:
        """The run's one summary line: what was made and where."""
        districts = ngettext("{count} district", "{count} districts", self.districts).format(count=self.districts)
        if self.rejected:
            return ngettext("{venues} venue in {districts} -> {out} ({rendered} rendered, {skipped} unchanged, "
                            "{rejected} rows rejected: see rejects.csv)",
                            "{venues} venues in {districts} -> {out} ({rendered} rendered, {skipped} unchanged, "
                            "{rejected} rows rejected: see rejects.csv)", self.venues).format(
                venues=self.venues, districts=districts, out=self.out, rendered=self.rendered,
                skipped=self.skipped, rejected=self.rejected)
        return ngettext("{venues} venue in {districts} -> {out} ({rendered} rendered, {skipped} unchanged)",
                        "{venues} venues in {districts} -> {out} ({rendered} rendered, {skipped} unchanged)",
                        self.venues).format(venues=self.venues, districts=districts, out=self.out,
                                            rendered=self.rendered, skipped=self.skipped)


def make_executor(options: Options, work: int) -> tuple[concurrent.futures.Executor | None, Callable[[], None]]:
    """The seam where chunks go: None (inline), a local process pool, or a Dask cluster."""
    if options.executor is not None:
        return options.executor, lambda: None
    if options.dask:
        try:
            from distributed import Client
        except ImportError:
            raise MaterialsError(_("--dask needs the optional extra: pip install 'materials[dask]'")) from None
        _require_tls_settings(options.dask)
        try:
            client = Client(options.dask, timeout=10)
        except (OSError, TimeoutError) as e:
            raise MaterialsError(_("--dask {dask}: cannot reach the scheduler ({e})").format(dask=options.dask,
                                                                                             e=e)) from None
        return client.get_executor(), client.close
    if options.jobs <= 1 or work < INLINE_BELOW:
        return None, lambda: None
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=options.jobs, initializer=worker_start,
                                                  initargs=(os.getpid(),))
    return pool, lambda: pool.shutdown(cancel_futures=True)


def _require_tls_settings(address: str) -> None:
    """A TLS scheduler (tls://, wss://) is reached with the certificates of Dask's configuration, as `dask worker`
    and every Dask client reach it; without them Dask fails with a TypeError traceback, so say what to set."""
    from distributed.security import Security

    if address.partition("://")[0].lower() not in ("tls", "wss"):
        return
    if Security().get_connection_args("client").get("ssl_context") is None:
        raise MaterialsError(_("--dask {dask}: a TLS scheduler needs this client's certificates in Dask's "
                               "configuration (distributed.comm.tls.ca-file, distributed.comm.tls.client.cert and "
                               "distributed.comm.tls.client.key in ~/.config/dask/distributed.yaml, or the "
                               "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, ..._CLIENT__CERT and ..._CLIENT__KEY "
                               "variables), and none is set; set them, or use a tcp:// scheduler").format(
                                   dask=address))


def worker_start(parent: int) -> None:
    """A pool worker ends with the run that started it: it drops the inherited lock descriptor (the lock is the
    run's alone) and is killed when its parent dies, however it dies (kill -9 included)."""
    from materials.errors import end_with_parent
    from materials.output import close_inherited_locks

    close_inherited_locks()
    end_with_parent(parent)


def _map(executor: concurrent.futures.Executor | None,
         jobs: list[Job]) -> Iterator[list[Rendered]]:
    if executor is None:
        return map(renderer.render_job, jobs)
    return _surviving(executor.map(renderer.render_job, jobs))


def _surviving(results: Iterator[list[Rendered]]) -> Iterator[list[Rendered]]:
    """The pool's results; a worker the kernel killed (out of memory) ends the run with one clear line."""
    from materials.errors import worker_deaths

    with worker_deaths():
        yield from results


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run(campaign: Campaign, list_path: Path, out: Path, options: Options, *, label: str | None = None,
        font_cache: Path | None = None, listing: VenueList | None = None,
        strict: WarningCounter | None = None) -> Summary:
    """Render a venue list into `out` (created if needed; only venue files in it are touched). `listing`: the
    list already read (by `run_into`); `strict`: under --strict, the warnings counted so far (none: the run
    checked them before writing), and a warning while rendering fails the run before manifest.csv is written."""
    import time

    started = time.perf_counter()
    if listing is None:
        listing = read_and_check(campaign, list_path, options.skip_invalid, label, options.sheet)
    _check_out(out, campaign, list_path, listing, options.size or VenueSettings.of(campaign.settings).size,
               options.replace)
    claimed = known.claim_ids(campaign, listing, list_path, out)
    try:  # refused before a poster is signed (the key cannot sign a district, --dask unreachable): no record
        cache = out / CACHE
        planned = time.perf_counter()
        plan = make_plan(campaign, listing, options, font_cache or campaign.root / FONT_CACHE)
        todo, shas, skipped_notes = unchanged(plan, out, cache, options.resume)
        executor, close = make_executor(options, len(todo))
    except BaseException:
        known.release_ids(campaign, claimed)
        raise
    font_seconds = time.perf_counter() - planned
    log.log(DETAIL, _("%d links signed, font packs and the static layer made in %.1f s"), len(plan.venues),
            font_seconds)

    by_id = {v.id: v for v in plan.venues}
    for venue_id, notes in skipped_notes.items():
        for note in notes:
            log.warning(_("%s row %d, id %s: %s"), plan.listing.label, by_id[venue_id].row, venue_id, note)
    summary = Summary(venues=len(plan.venues), skipped=len(plan.venues) - len(todo), out=out,
                      rejected=len(listing.rejected_rows), font_seconds=font_seconds)
    jobs = _jobs(plan, todo)
    problems: list[Problem] = []
    try:
        # From here on we write: first make the folder visibly unfinished.
        for name in ("manifest.csv", "print-order.csv"):
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()
        still_held(out)
        out.mkdir(parents=True, exist_ok=True)
        for folder in (cache, cache / "venues"):  # inside `out` only: never `out` again at a path it left
            with contextlib.suppress(FileExistsError):
                folder.mkdir()
        results = (r for batch in _map(executor, jobs) for r in batch)
        districts = by_district(plan)
        # A4/A5 district files are merged as soon as their district's last poster is accepted (chunks come
        # district by district), while the workers render the next district: not all after the last chunk.
        waiting = {district: 0 for district in districts}
        for venue in todo:
            waiting[venue.district] += 1
        district_files: dict[str, str] = {}
        arts: dict[str, PageArt] = {}
        for rendered in progress.track(results, _("venue posters"), length=len(todo) * (2 if plan.screens else 1),
                                       unit=_("files"), level=DETAIL):
            found = accept(rendered, plan, by_id, out, cache, shas)
            problems += found
            district = by_id[rendered.id].district
            for note in rendered.art.notes if rendered.art is not None and not found else ():
                log.warning(_("%s row %d, id %s: %s"), plan.listing.label, by_id[rendered.id].row, rendered.id, note)
            if found:
                waiting[district] = -1  # never merged: the run fails
            elif waiting[district] > 0 and rendered.art is not None:
                arts[rendered.id] = rendered.art
                waiting[district] -= 1
                if waiting[district] == 0 and not problems:
                    district_files[district] = district_file(plan, out, district, districts[district], arts, shas)
        if problems:
            raise VerificationError(problems, _("venue posters failed verification; manifest.csv was not "
                                                "written"))
        for district, venues in districts.items():
            if district not in district_files:
                district_files[district] = district_file(plan, out, district, venues, arts, shas)
    finally:
        close()
    if strict is not None and strict.messages:
        raise MaterialsError(_("--strict: {count} warning(s) while rendering turned into failure; manifest.csv was "
                               "not written, so the folder is not ready to print (the next run resumes):\n"
                               "{warnings}").format(count=len(strict.messages),
                                                    warnings="\n".join(f"  {m}" for m in strict.messages)))
    summary.rendered = len(todo)
    summary.districts = len(district_files)
    write_tables(plan, out, shas, district_files)
    remove_stale(plan, out, cache, district_files)
    summary.seconds = time.perf_counter() - started
    return summary


def _check_out(out: Path, campaign: Campaign, list_path: Path, listing: VenueList, size: str,
               replace: bool = False) -> None:
    from materials.output import check_owner

    check_owner(out, MADE_BY, campaign.root, source=list_identity(listing, size), protected=(list_path,),
                legacy=made_by_run)
    check_same_list(out, listing, replace=replace)


def _jobs(plan: Plan, todo: list[VenueRow]) -> list[Job]:
    jobs = []
    ordered = sorted(todo, key=lambda v: (v.district, v.id))
    for part in chunks(ordered, plan.chunk_size):
        contexts = tuple(plan.contexts[v.id] for v in part)
        for kind in ("posters", "screens") if plan.screens else ("posters",):
            jobs.append(Job(kind, plan.templates, plan.fonts, plan.static_fonts, plan.poster, contexts,
                                     plan.verify_dpi, f"{kind} {part[0].id}..{part[-1].id}"))
    return jobs


def run_into(campaign: Campaign, list_path: Path, out: Path | None, options: Options, *,
             strict: bool = False) -> Summary:
    """`materials venues`: check the output folder and keys, take its lock, then `run`."""
    from materials import guarded
    from materials import log as warnings_log

    with warnings_log.counting() as counter:  # a hidden row's warning fails --strict too
        # Rows with problems do not raise here: the folder (named by the list's districts) is checked first, and
        # a problem list too long for the screen is written whole into it, as before any venue is rendered.
        keys = options.key_files or [campaign.root / VenueSettings.of(campaign.settings).key_file]
        listing = read_list(list_path, campaign.settings, str(list_path), sheet=options.sheet, key_files=keys)
        listing.log()
        size = options.size or VenueSettings.of(campaign.settings).size
        out_dir = out if out is not None else default_out(campaign, listing, size, list_path)
        option = "--key-file" if options.key_files else "venues.key_file"
        kept = _("no file was left half-written; the previous output in {out} is intact apart from venues "
                 "already re-rendered, and the next run resumes").format(out=out_dir)
        with guarded.Run(out_dir, MADE_BY, campaign.root, keys=[(key, option) for key in keys],
                         protected=(list_path,), source=list_identity(listing, size), legacy=made_by_run,
                         kept=kept, strict=strict, release=True, counter=counter,
                         default_place=out is None) as guard:
            check_same_list(out_dir, listing, default=out is None, replace=options.replace)
            guarded.warn_placeholders(campaign, used=POSTER_SETTINGS)
            guarded.strict_failure(strict, guard.warnings)
            # `holding`: written only into the folder out_dir is now; one renamed, moved or replaced under the
            # run fails it at its next write and is never made again at the old path.
            with guard.writing(), holding(out_dir, MADE_BY):
                listing = checked(listing, options.skip_invalid)
                return run(campaign, list_path, out_dir, options, label=str(list_path), listing=listing,
                           strict=counter if strict else None)
