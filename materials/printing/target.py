"""The print target (the shape of materials/targets.py): validate, render, verify.

validate: read posters/ and tips/, then lay out every page once to prove the words fit: subset fonts once,
          lay out batches in a process pool, write PDFs, PNGs, previews, the WeChat article and
          manifest.json into a private folder the plan holds.
render:   move the plan's files into the staging folder (the build pays for layout once, not twice).
verify:   re-plan from the campaign and check the written files against that intent (checks.py).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from materials import progress, templating
from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem
from materials.printing import channels, checks, fontcache, home, shop
from materials.printing.batches import FONT_CSS_TOKEN, plan_batches
from materials.printing.manifest import ManifestEntry, PrintManifest
from materials.printing.planner import Batch, Planner
from materials.printing.worker import BatchResult, Job, run
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

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def _roots(campaign: Campaign, fonts: Path) -> list[str]:
    return [str(campaign.root), *(str(root) for root in template_roots(campaign)), str(fonts)]


def _lay_out(campaign: Campaign, dest: Path) -> tuple[Planner, list[Batch], list[BatchResult], list[Problem]]:
    settings = campaign.settings.print
    planner, batches, problems = plan_batches(campaign, FONT_CSS_TOKEN)
    if problems:
        return planner, batches, [], problems
    fonts = Path(tempfile.mkdtemp(prefix="materials-print-fonts-"))
    try:
        with _pool(settings.workers) as pool:
            family = campaign.settings.fonts.sans[0]
            list(pool.map(_subset, fontcache.jobs(family, _chars(batches), fonts)))
            font_css = fontcache.css(fonts, campaign.settings.fonts.sans)
            planner.font_css = font_css
            for batch in batches:
                batch.head = batch.head.replace(FONT_CSS_TOKEN, font_css)
                batch.padded = tuple(html.replace(FONT_CSS_TOKEN, font_css) for html in batch.padded)
            batches.sort(key=lambda b: -sum(len(i.html) for i in b.items) - len(b.head))
            jobs = [Job(batch=b, dest=str(dest), roots=_roots(campaign, fonts),
                        min_scale=settings.min_type_scale, preview_width=settings.preview_width_px,
                        bleed_mm=settings.bleed_mm, colours=campaign.settings.brand.print_colours())
                    for b in batches]
            results = list(progress.track(pool.map(run, jobs), "print: laying out", length=len(jobs),
                                          unit="batches"))
    finally:
        shutil.rmtree(fonts, ignore_errors=True)
    for result in results:
        problems += result.problems
    return planner, batches, results, problems


def _subset(args: tuple[str, int, str, str]) -> str:
    return fontcache.subset_one(*args)


@dataclass
class PrintPlan(Plan):
    """Validation lays out every page to prove the words fit, which is most of the cost of rendering, so
    it renders for real into `folder` and `render` moves those files into place."""

    folder: Path | None = None

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
        planner, batches, results, problems = _lay_out(campaign, folder)
        if not problems:
            _finish(campaign, planner, batches, results, folder)
    except BaseException:
        result.close()
        raise
    if problems:
        result.close()
    result.problems = problems
    return result


def render(plan: PrintPlan, dest: Path, built: Mapping[str, Path]) -> None:
    """Move the pages laid out during validation into `dest` (an empty staging folder)."""
    del built  # print depends on no other output kind
    if plan.problems or plan.folder is None:
        raise CampaignError(plan.problems, "print materials cannot be rendered")
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(plan.folder.iterdir()):
        shutil.move(str(entry), str(dest / entry.name))
    plan.close()


def _finish(campaign: Campaign, planner: Planner, batches: list[Batch], results: list[BatchResult],
            dest: Path) -> None:
    channels.finish(planner, batches, dest)
    scaled = {path: scale for result in results for path, scale in result.scales.items()}
    for path, scale in sorted(scaled.items()):
        log.debug("%s: words set at %d%% of the design's type size to fit", path, round(scale * 100))
    if scaled:
        log.info("print: %d of %d files set their words smaller (down to %d%%) to fit their boxes",
                 len(scaled), sum(len(b.items) for b in batches), round(min(scaled.values()) * 100))
    manifest(campaign, batches).write(dest)
    shop.write(campaign, batches, dest)


def manifest(campaign: Campaign, batches: list[Batch]) -> PrintManifest:
    """What the print folder holds, for the website's download list."""
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
    return PrintManifest(materials=entries)


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    """Check a rendered print folder: QR codes read back, page counts, boxes, fonts, safe area, and each
    channel's own rules (screen safe margins, WeChat centre squares, playlists)."""
    _, batches, problems = plan_batches(campaign)
    if problems:
        return problems
    return (checks.verify(campaign, dest) + channels.verify(campaign, batches, dest)
            + shop.verify(campaign, batches, dest))
