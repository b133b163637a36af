"""The print target's three functions (docs/INTERFACES.md): validate, render, verify.

validate: read posters/ and tips/, then lay out every page once to prove the words fit.
render:   subset fonts once, lay out batches in a process pool, write PDFs, PNGs, previews, the WeChat
          article and manifest.json.
verify:   re-plan from the campaign and check the written files against that intent (verify.py).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from materials import progress
from materials.campaign import Campaign
from materials.errors import CampaignError, Problem
from materials.printing import booklet, channels, fontcache, sources
from materials.printing.planner import Batch, Planner
from materials.printing.worker import BatchResult, Job, run
from materials.templating import template_root

log = logging.getLogger(__name__)
#: Stands for the @font-face rules until the fonts are subset (they depend on every page's characters).
FONT_CSS_TOKEN = "/*@@FONT-CSS@@*/"  # noqa: S105 - a placeholder, not a secret


def _chars(batches: list[Batch]) -> set[str]:
    chars: set[str] = set()
    for batch in batches:
        chars.update(batch.head)
        for item in batch.items:
            chars.update(item.html)
    return chars


@contextmanager
def _pool(workers: int) -> Iterator[Executor]:
    # fork: workers inherit the imported modules, so a worker starts in milliseconds, not a second.
    import multiprocessing

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool


def plan(campaign: Campaign, font_css: str = "") -> tuple[Planner, list[Batch], list[Problem]]:
    """Every batch of the print run; problems if the sources are bad (nothing is laid out here)."""
    materials, problems = sources.load(campaign)
    planner = Planner(campaign, materials, font_css)
    if problems:
        return planner, [], problems
    batches = planner.plan() + booklet.batches(planner)
    more, problems = channels.batches(planner)
    return planner, batches + more, problems


def _roots(campaign: Campaign, fonts: Path) -> list[str]:
    return [str(campaign.root), str(template_root(campaign)), str(fonts)]


def _lay_out(campaign: Campaign, dest: Path) -> tuple[Planner, list[Batch], list[BatchResult], list[Problem]]:
    settings = campaign.settings.print
    planner, batches, problems = plan(campaign, FONT_CSS_TOKEN)
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


#: Validation lays out every page to prove the words fit, which is most of the cost of rendering. So it
#: renders for real into a private folder, and `render` moves that folder's files into place when nothing
#: has changed since (same pages, same settings): the build pays for layout once, not twice.
_validated: dict[str, Path] = {}


def _key(campaign: Campaign, batches: list[Batch]) -> str:
    digest = hashlib.sha256(campaign.settings.model_dump_json().encode())
    digest.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    for batch in batches:
        digest.update(batch.head.encode())
        for item in batch.items:
            digest.update(item.path.encode() + b"\0" + item.html.encode())
    return digest.hexdigest()


def _discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def validate(campaign: Campaign) -> list[Problem]:
    """Problems of the poster and tip sources, including words that do not fit their box."""
    folder = Path(tempfile.mkdtemp(prefix="materials-print-"))
    atexit.register(_discard, folder)
    planner, batches, results, problems = _lay_out(campaign, folder)
    if problems:
        _discard(folder)
        return problems
    _finish(campaign, planner, batches, results, folder)
    for stale in _validated.values():  # a long-running process (watch mode) keeps only the latest
        _discard(stale)
    _validated.clear()
    _validated[_key(campaign, plan(campaign, FONT_CSS_TOKEN)[1])] = folder
    return []


def render(campaign: Campaign, dest: Path, built: dict[str, Path]) -> None:
    """Write every print material into `dest` (an empty staging folder)."""
    dest.mkdir(parents=True, exist_ok=True)
    _, batches, problems = plan(campaign, FONT_CSS_TOKEN)
    if problems:
        raise CampaignError(problems, "print materials cannot be rendered")
    ready = _validated.pop(_key(campaign, batches), None)
    if ready is not None and ready.is_dir():
        log.info("print: using the pages laid out during validation")
        for entry in sorted(ready.iterdir()):
            shutil.move(str(entry), str(dest / entry.name))
        _discard(ready)
        return
    planner, batches, results, problems = _lay_out(campaign, dest)
    if problems:
        raise CampaignError(problems, "print materials cannot be rendered")
    _finish(campaign, planner, batches, results, dest)


def _finish(campaign: Campaign, planner: Planner, batches: list[Batch], results: list[BatchResult],
            dest: Path) -> None:
    channels.finish(planner, batches, dest)
    scaled = {path: scale for result in results for path, scale in result.scales.items()}
    for path, scale in sorted(scaled.items()):
        log.debug("%s: words set at %d%% of the design's type size to fit", path, round(scale * 100))
    if scaled:
        log.info("print: %d of %d files set their words smaller (down to %d%%) to fit their boxes",
                 len(scaled), sum(len(b.items) for b in batches), round(min(scaled.values()) * 100))
    (dest / "manifest.json").write_text(json.dumps(manifest(campaign, batches), ensure_ascii=False, indent=1,
                                                   sort_keys=True) + "\n", encoding="utf-8")


def manifest(campaign: Campaign, batches: list[Batch]) -> dict[str, Any]:
    """What the print folder holds, for the website's download list."""
    entries = []
    for batch in batches:
        for item in batch.items:
            entries.append({
                "id": item.material, "kind": item.kind, "title": item.titles, "size": item.size,
                "language": item.edition, "width_mm": round(item.width_mm, 2), "height_mm": round(item.height_mm, 2),
                "pdf": None if item.png else item.path,
                "png": item.path if item.png else item.preview,
                "link": item.link,
            })
    for lang in campaign.languages:
        entries.append({
            "id": "faq", "kind": "wechat-article",
            "title": {lang: campaign.text(campaign.settings.title, lang)}, "size": "html", "language": lang,
            "pdf": None, "png": None, "html": f"wechat/faq-article-{lang}.html",
            "link": campaign.service_link("wechat"),
        })
    entries += channels.manifest_entries(campaign, batches)
    entries.sort(key=lambda e: (e["kind"], e["id"], e["language"], e["size"]))
    return {"version": 1, "materials": entries}


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    from materials.printing import checks

    _, batches, problems = plan(campaign)
    if problems:
        return problems
    return checks.verify(campaign, dest) + channels.verify(campaign, batches, dest)
