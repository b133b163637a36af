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
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from materials import __version__, printorder, progress, qr
from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem, VerificationError
from materials.output import write_atomic
from materials.printorder import OrderSettings
from materials.venues import glyphs, links, outputs, renderer
from materials.venues.context import BLEED_MM, PAGE_MM, QR_MM, QR_MODULES, Brand, Poster, VenueText
from materials.venues.fontpack import FontPack, make_pack
from materials.venues.reading import VenueList, VenueRow, read_list

log = logging.getLogger(__name__)

CACHE = ".cache"
#: Names the command in the ownership marker of its output folder (materials/output.py).
MADE_BY = "materials venues"
#: `materials venues LIST` writes to OUTPUT/venue-lists/<LIST name>: never where `materials build` writes.
RUNS = "venue-lists"
#: Font packs are cached beside the demo key, in the campaign's ignored `.materials/` folder.
FONT_CACHE = ".materials/cache/fonts"
TEMPLATE_FILES = ("macros.html", "posters.html", "screen.html", "poster.css")
#: Below this many venues a process pool costs more than it saves.
INLINE_BELOW = 48


@dataclass
class Options:
    size: str | None = None
    jobs: int = 1
    dask: str | None = None
    skip_invalid: bool = False
    screens: bool | None = None
    key_files: list[Path] = field(default_factory=list)
    resume: bool = True
    executor: concurrent.futures.Executor | None = None
    sheet: str | None = None


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
        text = (f"{self.venues} venues in {self.districts} districts -> {self.out} "
                f"({self.rendered} rendered, {self.skipped} unchanged")
        if self.rejected:
            text += f", {self.rejected} rows rejected: see rejects.csv"
        return text + ")"


# ---- inputs -----------------------------------------------------------------------------------------------


def key_ring(campaign: Campaign, key_files: list[Path]) -> links.KeyRing:
    """The signing keys: `--key-file` paths, else the campaign's `venues.key_file` (a demo key if allowed)."""
    if key_files:
        return links.read_key_files(key_files)
    settings = campaign.settings.venues
    path = campaign.root / settings.key_file
    if not path.exists() and settings.demo_key:
        links.write_key_file(path, [links.new_key(1)])
        log.warning("created a DEMO signing key at %s for the sample campaign; real campaigns bring their own "
                    "key (`materials keys new --out FILE`) and keep it secret", campaign.relative(path))
    return links.read_key_file(path)


def link_base(campaign: Campaign) -> str:
    settings = campaign.settings.venues
    return links.link_base(settings.link_host or campaign.service_host, settings.link_path)


def template_sources(campaign: Campaign) -> tuple[tuple[str, str], ...]:
    from materials.templating import check_syntax, template_file

    sources = []
    for name in TEMPLATE_FILES:
        path = template_file(campaign, f"venues/{name}")  # the campaign's own file, else the built-in one
        try:
            sources.append((name, path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise MaterialsError(f"template {campaign.relative(path)} is missing") from None
        check_syntax(name, sources[-1][1], campaign.relative(path))
    return tuple(sources)


def labels(campaign: Campaign) -> dict[str, dict[str, Any]]:
    """venues/strings.toml turned around for the templates: label -> language -> text, and `steps` ->
    language -> the `step_N` texts in order."""
    from materials.templating import strings

    texts = strings(campaign, "venues")
    out: dict[str, dict[str, Any]] = {"steps": {}}
    for lang in campaign.languages:
        for key, text in sorted(texts.get(lang, {}).items()):
            if key.startswith("step_"):
                out["steps"].setdefault(lang, []).append(text)
            else:
                out.setdefault(key, {})[lang] = text
    return out


def issued_texts(campaign: Campaign, date: datetime) -> dict[str, str]:
    from materials.templating import format_date, strings

    texts = strings(campaign, "venues")
    return {lang: format_date(date.date(), texts[lang]) for lang in campaign.languages}


def poster_context(campaign: Campaign, size: str) -> Poster:
    settings = campaign.settings
    date = campaign.source_date()
    host = settings.venues.link_host or campaign.service_host
    width, height = PAGE_MM[size]
    brand = settings.brand
    return Poster(
        size=size,
        page_w=width,
        page_h=height,
        # A6 stickers are imposed on sheets that carry the bleed and marks; the sticker itself has a white edge.
        bleed=0 if size == "A6" else BLEED_MM,
        qr_mm=QR_MM[size],
        qr_error=settings.venues.qr_error,
        primary=campaign.primary_language,
        others=tuple(lang for lang in campaign.languages if lang != campaign.primary_language),
        title=dict(settings.title),
        authority=dict(settings.authority),
        issued=issued_texts(campaign, date),
        strings=labels(campaign),
        date_iso=date.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        host=host.lower(),
        family=settings.fonts.sans[0],
        brand=Brand(brand.primary, brand.accent, brand.text, brand.background,
                    tuple(sorted(brand.print_colours().items()))),
    )


def venue_context(campaign: Campaign, venue: VenueRow, link: str, code: str) -> VenueText:
    categories = campaign.settings.place_categories[venue.category]
    district = next(d for d in campaign.settings.districts if d.key == venue.district)
    return VenueText(id=venue.id, name=venue.name, name_en=venue.name_en, address=venue.address,
                     address_en=venue.address_en, category=dict(categories), district=dict(district.names),
                     district_key=venue.district, link=link, code=code)


# ---- the run ----------------------------------------------------------------------------------------------


@dataclass
class Plan:
    venues: list[VenueRow]
    contexts: dict[str, VenueText]
    poster: Poster
    templates: tuple[tuple[str, str], ...]
    #: The run's font pack (every character it prints) and the static layer's (templates and settings).
    fonts: FontPack
    static_fonts: FontPack
    size: str
    screens: bool
    verify_dpi: int
    chunk_size: int
    key_ids: dict[str, int]
    listing: VenueList
    allotment: dict[str, dict[str, int]]
    district_keys: list[str]
    date: datetime
    #: Paper and quantities of the order sheet (campaign.toml `[print.order]`).
    order: OrderSettings = field(default_factory=OrderSettings)


def read_and_check(campaign: Campaign, list_path: Path, skip_invalid: bool, label: str | None = None,
                   sheet: str | None = None) -> VenueList:
    listing = read_list(list_path, campaign.settings, label or campaign.relative(list_path), sheet=sheet)
    if listing.problems and not skip_invalid:
        raise CampaignError(listing.problems, f"{listing.label} has problems; nothing was written "
                            "(fix them, or pass --skip-invalid to render the valid rows)")
    if not listing.venues:
        raise CampaignError(listing.problems, f"{listing.label}: no valid venue to render")
    return listing


def make_plan(campaign: Campaign, listing: VenueList, options: Options, font_cache: Path | None) -> Plan:
    settings = campaign.settings.venues
    size = options.size or settings.size
    ring = key_ring(campaign, options.key_files)
    key = ring.signing_key(settings.key_id)
    base = link_base(campaign)
    contexts = {}
    for venue in listing.venues:
        link = links.sign_link(key, base, venue.id, venue.reprint)
        code = links.venue_code(key, venue.id, venue.reprint)
        contexts[venue.id] = venue_context(campaign, venue, link, code)
    templates = template_sources(campaign)
    poster = poster_context(campaign, size)
    # Every character the posters print goes into the font pack: the list, the vocabularies and templates.
    # The static layer gets a pack of its own characters: WeasyPrint keeps glyph ids when it subsets, so
    # its fonts stay small only when the pack's glyph ids are.
    static_text = json.dumps(poster.as_data(), ensure_ascii=False) + "".join(source for _, source in templates)
    text = static_text + "".join(json.dumps(c.as_data(), ensure_ascii=False) for c in contexts.values())
    fonts = make_pack(poster.family, text, font_cache)
    static_fonts = make_pack(poster.family, static_text, font_cache)
    try:
        # Rendered here once: a template without its slots fails before anything is written, and a forked
        # process pool inherits the static layer instead of rendering it again.
        renderer.static_art(templates, static_fonts, poster)
    except ValueError as e:
        raise MaterialsError(str(e)) from None
    screens = settings.screens if options.screens is None else options.screens
    # Rasterise at a fixed number of pixels per module: ~40 dpi for A4, ~80 for A6 stickers.
    verify_dpi = max(24, round(settings.verify_px_per_module * 25.4 * QR_MODULES / QR_MM[size]))
    return Plan(listing.venues, contexts, poster, templates, fonts, static_fonts, size, screens, verify_dpi,
                settings.chunk_size, {v.id: key.key_id for v in listing.venues}, listing, settings.allotment,
                [d.key for d in campaign.settings.districts], campaign.source_date(),
                getattr(getattr(campaign.settings, "print", None), "order", None) or OrderSettings())


def input_hash(plan: Plan, venue_id: str) -> str:
    """Everything a venue's files depend on; equal hashes mean equal bytes."""
    h = hashlib.sha256()
    h.update(json.dumps([__version__, plan.size, plan.screens, plan.verify_dpi, plan.poster.as_data(),
                         plan.contexts[venue_id].as_data(), plan.fonts.digest, plan.static_fonts.digest],
                        sort_keys=True, ensure_ascii=False).encode())
    for name, source in plan.templates:
        h.update(name.encode() + b"\0" + source.encode())
    return h.hexdigest()


def venue_file(venue: VenueRow) -> str:
    return f"{venue.district}/{venue.id}.pdf"


def screen_file(venue: VenueRow) -> str:
    return f"{venue.district}/{venue.id}.png"


def make_executor(options: Options, work: int) -> tuple[concurrent.futures.Executor | None, Callable[[], None]]:
    """The seam where chunks go: None (inline), a local process pool, or a Dask cluster."""
    if options.executor is not None:
        return options.executor, lambda: None
    if options.dask:
        try:
            from distributed import Client
        except ImportError:
            raise MaterialsError("--dask needs the optional extra: pip install 'materials[dask]'") from None
        try:
            client = Client(options.dask, timeout=10)
        except (OSError, TimeoutError) as e:
            raise MaterialsError(f"--dask {options.dask}: cannot reach the scheduler ({e})") from None
        return client.get_executor(), client.close
    if options.jobs <= 1 or work < INLINE_BELOW:
        return None, lambda: None
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=options.jobs)
    return pool, lambda: pool.shutdown(cancel_futures=True)


def _map(executor: concurrent.futures.Executor | None,
         jobs: list[renderer.Job]) -> Iterator[list[renderer.Rendered]]:
    if executor is None:
        return map(renderer.render_job, jobs)
    return executor.map(renderer.render_job, jobs)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run(campaign: Campaign, list_path: Path, out: Path, options: Options, *, label: str | None = None,
        font_cache: Path | None = None) -> Summary:
    """Render a venue list into `out` (created if needed; only venue files in it are touched)."""
    import time

    started = time.perf_counter()
    _check_out(out, campaign, list_path)
    listing = read_and_check(campaign, list_path, options.skip_invalid, label, options.sheet)
    cache = out / CACHE
    planned = time.perf_counter()
    plan = make_plan(campaign, listing, options, font_cache or campaign.root / FONT_CACHE)
    font_seconds = time.perf_counter() - planned

    todo, shas = _unchanged(plan, out, cache, options.resume)
    summary = Summary(venues=len(plan.venues), skipped=len(plan.venues) - len(todo), out=out,
                      rejected=len(listing.rejected_rows), font_seconds=font_seconds)
    jobs = _jobs(plan, todo)
    executor, close = make_executor(options, len(todo))
    problems: list[Problem] = []
    try:
        # From here on we write: first make the folder visibly unfinished.
        for name in ("manifest.csv", "print-order.csv"):
            with contextlib.suppress(FileNotFoundError):
                (out / name).unlink()
        (cache / "venues").mkdir(parents=True, exist_ok=True)
        results = (r for batch in _map(executor, jobs) for r in batch)
        by_id = {v.id: v for v in plan.venues}
        districts = _by_district(plan)
        # A4/A5 district files are merged as soon as their district's last poster is accepted (chunks come
        # district by district), while the workers render the next district: not all after the last chunk.
        waiting = {district: 0 for district in districts}
        for venue in todo:
            waiting[venue.district] += 1
        district_files: dict[str, str] = {}
        arts: dict[str, renderer.PageArt] = {}
        for rendered in progress.track(results, "venue posters", length=len(todo) * (2 if plan.screens else 1),
                                       unit="files"):
            found = _accept(rendered, plan, by_id, out, cache, shas)
            problems += found
            district = by_id[rendered.id].district
            if found:
                waiting[district] = -1  # never merged: the run fails
            elif waiting[district] > 0 and rendered.art is not None:
                arts[rendered.id] = rendered.art
                waiting[district] -= 1
                if waiting[district] == 0 and not problems:
                    district_files[district] = _district_file(plan, out, district, districts[district], arts, shas)
        if problems:
            raise VerificationError(problems, "venue posters failed verification; manifest.csv was not written")
        for district, venues in districts.items():
            if district not in district_files:
                district_files[district] = _district_file(plan, out, district, venues, arts, shas)
    finally:
        close()
    summary.rendered = len(todo)
    summary.districts = len(district_files)
    _write_tables(plan, out, shas, district_files)
    _remove_stale(plan, out, cache, district_files)
    summary.seconds = time.perf_counter() - started
    return summary


def _check_out(out: Path, campaign: Campaign, list_path: Path) -> None:
    from materials.output import check_owner

    check_owner(out, MADE_BY, campaign.root, source=list_source(list_path), protected=(list_path,),
                legacy=made_by_run)


def made_by_run(out: Path) -> bool:
    """A run folder without a marker (an older version's, or the library's `run`): only runs keep resume records."""
    return (out / CACHE / "venues").is_dir()


def _unchanged(plan: Plan, out: Path, cache: Path, resume: bool) -> tuple[list[VenueRow], dict[str, str]]:
    todo: list[VenueRow] = []
    shas: dict[str, str] = {}
    for venue in plan.venues:
        record = cache / "venues" / f"{venue.id}.json"
        wanted = input_hash(plan, venue.id)
        if resume and record.is_file():
            try:
                saved = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            path = out / venue_file(venue)
            files_ok = path.is_file() and outputs.sha256(path.read_bytes()) == saved.get("sha256")
            if plan.screens:
                png = out / screen_file(venue)
                files_ok = files_ok and png.is_file() and outputs.sha256(png.read_bytes()) == saved.get("png")
            if saved.get("input") == wanted and files_ok:
                shas[venue.id] = saved["sha256"]
                continue
        todo.append(venue)
    return todo, shas


def _jobs(plan: Plan, todo: list[VenueRow]) -> list[renderer.Job]:
    jobs = []
    ordered = sorted(todo, key=lambda v: (v.district, v.id))
    for part in chunks(ordered, plan.chunk_size):
        contexts = tuple(plan.contexts[v.id] for v in part)
        for kind in ("posters", "screens") if plan.screens else ("posters",):
            jobs.append(renderer.Job(kind, plan.templates, plan.fonts, plan.static_fonts, plan.poster, contexts,
                                     plan.verify_dpi, f"{kind} {part[0].id}..{part[-1].id}"))
    return jobs


def _accept(rendered: renderer.Rendered, plan: Plan, by_id: dict[str, VenueRow], out: Path, cache: Path,
            shas: dict[str, str]) -> list[Problem]:
    """Check one rendered file and write it, with its cache record, if it is right."""
    venue = by_id[rendered.id]
    label = plan.listing.label
    where = f"row {venue.row}, id {venue.id}"
    if rendered.problems:
        return [Problem(label, None, where, p) for p in rendered.problems]
    link = plan.contexts[venue.id].link
    if rendered.decoded != [link]:
        found = ", ".join(rendered.decoded) or "nothing"
        return [Problem(label, None, where, f"the QR code read back from the rendered page gives {found}, "
                        f"not {link}")]
    is_png = rendered.data.startswith(b"\x89PNG")
    target = out / (screen_file(venue) if is_png else venue_file(venue))
    write_atomic(target, rendered.data)
    record_path = cache / "venues" / f"{venue.id}.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    digest = outputs.sha256(rendered.data)
    if is_png:
        record["png"] = digest
    else:
        record = {"input": input_hash(plan, venue.id), "sha256": digest, "png": record.get("png")}
        shas[venue.id] = digest
    # The record names the input only once the PDF is in place: a kill between the two re-renders the venue.
    write_atomic(record_path, json.dumps(record, sort_keys=True))
    return []


def _by_district(plan: Plan) -> dict[str, list[VenueRow]]:
    by_district: dict[str, list[VenueRow]] = {}
    for venue in sorted(plan.venues, key=lambda v: (v.district, v.id)):
        by_district.setdefault(venue.district, []).append(venue)
    return by_district


def _district_file(plan: Plan, out: Path, district: str, venues: list[VenueRow],
                   arts: dict[str, renderer.PageArt], shas: dict[str, str]) -> str:
    """`<district>.pdf`: the district's posters in id order (for A6 the stickers four to an A4 sheet), their
    page contents as in the venues' own files (`arts`, or read back from the written file of a venue this
    run skipped) under one shared static layer and one font subset per weight.

    Made from the venues' PDFs alone, so a district whose venue files did not change (the same sha256s in
    the same order) keeps its file: its cache record says so, and the file's own sha256 is checked."""
    name = f"{district}.pdf"
    record_path = out / CACHE / "districts" / f"{district}.json"
    wanted = hashlib.sha256(json.dumps([__version__, plan.size, district, [shas[v.id] for v in venues]])
                            .encode()).hexdigest()
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    target = out / name
    if record.get("input") == wanted and target.is_file() and \
            outputs.sha256(target.read_bytes()) == record.get("sha256"):
        for venue in venues:
            arts.pop(venue.id, None)
        return name
    pages = [arts.pop(v.id) if v.id in arts else renderer.page_art((out / venue_file(v)).read_bytes())
             for v in venues]
    art = renderer.static_art(plan.templates, plan.static_fonts, plan.poster)
    data = renderer.district_pdf(art, glyphs.faces(plan.fonts), pages, f"{district} {plan.size}", plan.poster)
    if plan.size == "A6":
        links_here = sorted(plan.contexts[v.id].link for v in venues)
        found = sorted(text for page in qr.decode_pdf(data, plan.verify_dpi) for text in page)
        if found != links_here:
            raise VerificationError([Problem(name, None, None, "a sticker's QR code does not read back on the sheet")])
    write_atomic(target, data)
    write_atomic(record_path, json.dumps({"input": wanted, "sha256": outputs.sha256(data)}, sort_keys=True))
    return name


def _write_tables(plan: Plan, out: Path, shas: dict[str, str], district_files: dict[str, str]) -> None:
    rows = []
    for venue in sorted(plan.venues, key=lambda v: (v.district, v.id)):
        rows.append([venue.id, venue.name, venue.district, venue.category, venue_file(venue),
                     plan.contexts[venue.id].link,
                     plan.key_ids[venue.id], shas[venue.id]])
    if plan.listing.rejected_rows:
        write_atomic(out / "rejects.csv", outputs.csv_bytes(["row", "id", "reason"], plan.listing.rejected_rows))
    else:
        with contextlib.suppress(FileNotFoundError):
            (out / "rejects.csv").unlink()
    write_atomic(out / "print-order.csv", printorder.order_csv(_order_rows(plan, district_files)))
    write_atomic(out / "manifest.csv", outputs.csv_bytes(outputs.MANIFEST_HEADER, rows))


def _order_rows(plan: Plan, district_files: dict[str, str]) -> list[printorder.Row]:
    """The order sheet (materials.printorder): per district, its print file (one copy of every page: each is
    another venue) and the campaign posters and signs its venues' categories are allotted."""
    rows: list[printorder.Row] = []
    by_district: dict[str, list[VenueRow]] = {}
    for venue in plan.venues:
        by_district.setdefault(venue.district, []).append(venue)
    language = plan.poster.primary
    for district in sorted(by_district):
        venues = by_district[district]
        if plan.size == "A6":
            width, height = PAGE_MM["A4"]
            rows.append(printorder.Row(
                district, district_files[district], "venue stickers A6, 4 up on A4 sheets", language,
                printorder.trim_size("A4", width, height), (len(venues) + 3) // 4, "4/0",
                plan.order.paper_of("venue-sticker"), printorder.FINISHING["venue-sticker"],
                plan.order.quantity_of("venue-sticker")))
        else:
            width, height = PAGE_MM[plan.size]
            rows.append(printorder.Row(
                district, district_files[district], f"venue check-in posters {plan.size}", language,
                printorder.trim_size(plan.size, width, height), len(venues), "4/0",
                plan.order.paper_of("venue-poster"), printorder.FINISHING["venue-poster"],
                plan.order.quantity_of("venue-poster")))
        totals: dict[str, int] = {}
        for venue in venues:
            for item, count in plan.allotment.get(venue.category, {}).items():
                totals[item] = totals.get(item, 0) + count
        for item in sorted(totals):
            kind = "tip" if item.startswith("tips") else item.split(" ")[0]
            size = item.split(" ")[-1]
            dims = printorder.PAPERS_MM.get(size)
            rows.append(printorder.Row(
                district, "", f"{item} (campaign file, see print/print-shop/order.csv)", "",
                printorder.trim_size(size, *dims) if dims else size, 1, "4/0", plan.order.paper_of(kind),
                printorder.FINISHING.get(kind, "trim to size"), totals[item]))
    return rows


def _remove_stale(plan: Plan, out: Path, cache: Path, district_files: dict[str, str]) -> None:
    """Files of venues or districts no longer in the list: a clean run would not have them."""
    keep = {venue_file(v) for v in plan.venues} | set(district_files.values())
    if plan.screens:
        keep |= {screen_file(v) for v in plan.venues}
    for district in plan.district_keys:
        folder = out / district
        if folder.is_dir():
            for path in folder.iterdir():
                if path.suffix in (".pdf", ".png") and f"{district}/{path.name}" not in keep:
                    path.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
        stale = out / f"{district}.pdf"
        if stale.is_file() and stale.name not in keep:
            stale.unlink()
    ids = {v.id for v in plan.venues}
    for record in (cache / "venues").glob("*.json"):
        if record.stem not in ids:
            record.unlink()
    for record in (cache / "districts").glob("*.json"):
        if f"{record.stem}.pdf" not in keep:
            record.unlink()
    for part in out.rglob("*.part"):
        # Left by a run killed mid-write; never a finished file.
        with contextlib.suppress(OSError):
            os.unlink(part)


# ---- where a run writes -----------------------------------------------------------------------------------


def list_source(list_path: Path) -> str:
    return str(list_path.resolve())


def default_out(campaign: Campaign, list_path: Path) -> Path:
    """Each list gets its own folder beside (never inside) the build's outputs, so neither replaces the other."""
    return campaign.root / "output" / RUNS / (list_path.stem or "list")


def run_into(campaign: Campaign, list_path: Path, out: Path | None, options: Options, *,
             strict: bool = False) -> Summary:
    """`materials venues`: check the output folder and keys, take its lock, then `run`."""
    from materials import log as warnings_log
    from materials import output
    from materials.build import strict_failure, warn_placeholders
    from materials.templating import template_errors

    out_dir = out if out is not None else default_out(campaign, list_path)
    keys = options.key_files or [campaign.root / campaign.settings.venues.key_file]
    for key in keys:
        output.refuse_key_in_output(key, "--key-file" if options.key_files else "venues.key_file", out_dir)
    output.check_owner(out_dir, MADE_BY, campaign.root, source=list_source(list_path),
                       protected=(list_path, *keys), legacy=made_by_run)
    counter = warnings_log.watch_warnings()
    try:
        warn_placeholders(campaign)
        strict_failure(strict, counter.messages)
        kept = (f"no file was left half-written; the previous output in {out_dir} is intact apart from venues "
                "already re-rendered, and the next run resumes")
        created = not out_dir.exists()
        try:
            with output.machine_errors(out_dir, kept), output.locked(out_dir, MADE_BY):
                output.claim(out_dir, MADE_BY, list_source(list_path))
                with output.problems_report(out_dir), template_errors():
                    return run(campaign, list_path, out_dir, options, label=str(list_path))
        except BaseException:
            output.release_if_unused(out_dir, created)
            raise
    finally:
        warnings_log.unwatch(counter)
