"""The print target (the shape of materials/targets.py): validate, render, verify.

validate: read posters/ and tips/, then lay out every page once to prove the words fit: subset fonts once,
          lay out batches in a process pool, write PDFs, PNGs, previews, the WeChat article and
          manifest.json into a private folder the plan holds.
render:   move the plan's files into the staging folder (the build pays for layout once, not twice).
verify:   check the written files against the plan (checks.py): the plan render just wrote from, when it
          verifies the same campaign object and folder (a build), else planned again from the campaign.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from materials import fingerprint, progress, templating
from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem
from materials.i18n import _
from materials.printing import channels, checks, fontcache, home, incremental, shop
from materials.printing.batches import FONT_CSS_TOKEN, plan_batches
from materials.printing.manifest import ManifestEntry, PrintManifest, texts_of
from materials.printing.planner import Batch, Planner
from materials.printing.settings import PrintSettings
from materials.printing.sources import Material
from materials.printing.worker import BatchResult, Job, preload, run
from materials.targets import Plan
from materials.templating import template_roots

log = logging.getLogger(__name__)


def _chars(batches: list[Batch]) -> set[str]:
    chars: set[str] = set()
    for batch in batches:
        chars.update(batch.head)
        chars.update(batch.padded[-1] if batch.padded else "")  # the notes pages' heading
        for item in batch.items:
            chars.update(item.html)
    return chars


@contextmanager
def _pool(workers: int) -> Iterator[Executor]:
    # fork: workers inherit the imported modules, so a worker starts in milliseconds, not a second.
    import multiprocessing

    preload()
    from materials.errors import end_with_parent, worker_deaths

    with worker_deaths(), ProcessPoolExecutor(max_workers=workers,
                                              mp_context=multiprocessing.get_context("fork"),
                                              initializer=end_with_parent, initargs=(os.getpid(),)) as pool:
        yield pool


def _roots(campaign: Campaign, fonts: Path) -> list[str]:
    return [str(campaign.root), *(str(root) for root in template_roots(campaign)), str(fonts)]


@dataclass
class LaidOut:
    """What validation made: the plan of every item, the results of the batches laid out this run, and the
    items taken from the cache instead (materials.printing.incremental)."""

    planner: Planner
    batches: list[Batch]
    results: list[BatchResult]
    problems: list[Problem]
    reused: dict[str, incremental.Reused] = field(default_factory=dict)


def _lay_out(campaign: Campaign, dest: Path) -> LaidOut:
    settings = PrintSettings.of(campaign.settings)
    planner, batches, problems = plan_batches(campaign, FONT_CSS_TOKEN)
    if problems:
        return LaidOut(planner, batches, [], problems)
    family = campaign.settings.fonts.sans[0]
    chars = _chars(batches)
    subsets = fontcache.jobs(family, chars, dest)
    options = {"min_scale": settings.min_type_scale, "preview": settings.preview_width_px,
               "bleed": settings.bleed_mm, "colours": campaign.settings.brand.print_colours(),
               "templates": incremental.folder_digest(campaign.root / "templates")}
    fonts_key = incremental.font_key([(s[0], s[1]) for s in subsets], subsets[0][2])
    cache = incremental.Cache.of(campaign)
    keys = {item.path: incremental.item_key(batch, item, options, fonts_key)
            for batch in batches for item in batch.items}
    reused: dict[str, incremental.Reused] = {}
    todo: list[Batch] = []
    for batch in batches:
        fresh = []
        for item in batch.items:
            found = cache.lookup(item, keys[item.path])
            if found is None:
                fresh.append(item)
            else:
                reused[item.path] = found
        if fresh:
            todo.append(replace(batch, items=fresh))
    total = sum(len(b.items) for b in batches)
    if reused:
        log.info(_("print: %d of %d files unchanged since the last run, taken from the cache"), len(reused), total)
    results: list[BatchResult] = []
    if todo:
        results = _render_batches(campaign, todo, chars, dest, planner)
    for result in results:
        problems += result.problems
    if not problems:
        scales = {path: scale for result in results for path, scale in result.scales.items()}
        for batch in todo:
            for item in batch.items:
                cache.store(item, keys[item.path], dest, scales.get(item.path))
        cache.prune(keys, fingerprint.sources(campaign))
    return LaidOut(planner, batches, results, problems, reused)


def _render_batches(campaign: Campaign, todo: list[Batch], chars: set[str], dest: Path,
                    planner: Planner) -> list[BatchResult]:
    settings = PrintSettings.of(campaign.settings)
    fonts = Path(tempfile.mkdtemp(prefix="materials-print-fonts-"))
    try:
        with _pool(settings.workers) as pool:
            family = campaign.settings.fonts.sans[0]
            list(pool.map(_subset, fontcache.jobs(family, chars, fonts)))
            font_css = fontcache.css(fonts, campaign.settings.fonts.sans)
            planner.font_css = font_css
            for batch in todo:
                batch.head = batch.head.replace(FONT_CSS_TOKEN, font_css)
                batch.padded = tuple(html.replace(FONT_CSS_TOKEN, font_css) for html in batch.padded)
            todo.sort(key=lambda b: -sum(len(i.html) for i in b.items) - len(b.head))
            jobs = [Job(batch=b, dest=str(dest), roots=_roots(campaign, fonts),
                        min_scale=settings.min_type_scale, preview_width=settings.preview_width_px,
                        bleed_mm=settings.bleed_mm, colours=campaign.settings.brand.print_colours())
                    for b in todo]
            pages = sum(len(b.items) for b in todo)
            return list(progress.track(pool.map(run, jobs), _("print: laying out"), length=pages,
                                       unit=_("pages"), weights=[len(b.items) for b in todo]))
    finally:
        shutil.rmtree(fonts, ignore_errors=True)


def _subset(args: tuple[str, int, str, str]) -> str:
    return fontcache.subset_one(*args)


@dataclass
class PrintPlan(Plan):
    """Validation lays out every changed page to prove the words fit, which is most of the cost of rendering,
    so it renders for real into `folder`; unchanged pages come from the cache. `render` puts both in place."""

    folder: Path | None = None
    laid_out: LaidOut | None = None

    def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def validate(campaign: Campaign) -> PrintPlan:
    """Problems of the poster and tip sources, including words that do not fit their box."""
    try:
        labels = templating.check_strings(templating.strings(campaign, "print"), campaign.languages, "print")
    except MaterialsError as e:
        labels = [Problem("templates/print/strings.toml", None, None, e.message)]
    if labels:
        return PrintPlan(campaign, labels)
    folder = Path(tempfile.mkdtemp(prefix="materials-print-"))
    result = PrintPlan(campaign, folder=folder)
    try:
        laid_out = _lay_out(campaign, folder)
    except BaseException:
        result.close()
        raise
    if laid_out.problems:
        result.close()
    else:
        result.laid_out = laid_out
    result.problems = laid_out.problems
    return result


def render(plan: PrintPlan, dest: Path, built: Mapping[str, Path]) -> None:
    """Move the pages laid out during validation, and copy those taken from the cache, into `dest` (an empty
    staging folder); then write what is made from them (playlists, the WeChat article, the manifest)."""
    del built  # print depends on no other output kind
    if plan.problems or plan.folder is None or plan.laid_out is None:
        raise CampaignError(plan.problems, _("print materials cannot be rendered"))
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(plan.folder.iterdir()):
        shutil.move(str(entry), str(dest / entry.name))
    cache, value = incremental.Cache.of(plan.campaign), fingerprint.sources(plan.campaign)
    cache.stamp(dest, value)  # the files laid out this run
    incremental.copy_into(plan.laid_out.reused, dest, cache, value)
    _finish(plan.campaign, plan.laid_out, dest)
    global _rendered
    _rendered = (plan.campaign, dest.resolve(), plan.laid_out.batches)
    plan.close()


#: The campaign, folder and plan of the last render: its verification needs no second plan of the same
#: campaign (planning the shipped campaign again costs a tenth of a second or more: issue 21).
_rendered: tuple[Campaign, Path, list[Batch]] | None = None


def _finish(campaign: Campaign, laid_out: LaidOut, dest: Path) -> None:
    planner, batches = laid_out.planner, laid_out.batches
    channels.finish(planner, batches, dest)
    scaled = {path: scale for result in laid_out.results for path, scale in result.scales.items()}
    scaled |= {path: item.scale for path, item in laid_out.reused.items() if item.scale is not None}
    for path, scale in sorted(scaled.items()):
        log.debug("%s: words set at %d%% of the design's type size to fit", path, round(scale * 100))
    if scaled:
        log.info(_("print: %d of %d files set their words smaller (down to %d%%) to fit their boxes"),
                 len(scaled), sum(len(b.items) for b in batches), round(min(scaled.values()) * 100))
    manifest(campaign, batches, planner.materials).write(dest)
    shop.write(campaign, batches, dest)


def manifest(campaign: Campaign, batches: list[Batch], read: list[Material]) -> PrintManifest:
    """What the print folder holds, for the website's download list, and the words of the poster and tip
    sources validation `read`, for its tips page."""
    entries = [
        ManifestEntry(id=item.material, kind=item.kind, title=item.titles, size=item.size, language=item.edition,
                      width_mm=round(item.width_mm, 2), height_mm=round(item.height_mm, 2),
                      pdf=None if item.png else item.path, png=item.path if item.png else item.preview,
                      link=item.link, home_pdf=home.path(item))
        for batch in batches for item in batch.items
    ]
    entries += [
        ManifestEntry(id="faq", kind="wechat-article", title={lang: campaign.text(campaign.settings.title, lang)},
                      size="html", language=lang, html=f"wechat/faq-article-{lang}.html",
                      link=campaign.service_link("wechat"))
        for lang in campaign.languages
    ]
    entries += channels.manifest_entries(campaign, batches)
    entries.sort(key=lambda e: (e.kind, e.id, e.language, e.size))
    return PrintManifest(materials=entries, sources=fingerprint.sources(campaign), texts=texts_of(read))


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    """Check a rendered print folder: QR codes read back, page counts, boxes, fonts, safe area, and each
    channel's own rules (screen safe margins, WeChat centre squares, playlists)."""
    global _rendered
    last, _rendered = _rendered, None
    if last is not None and last[0] is campaign and last[1] == dest.resolve():
        batches = last[2]
    else:
        _, batches, problems = plan_batches(campaign)
        if problems:
            return problems
    return (checks.verify(campaign, dest, batches) + channels.verify(campaign, batches, dest)
            + shop.verify(campaign, batches, dest))
