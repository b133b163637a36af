"""Print build speed: the whole print target of the shipped campaign, and its cost per page against
WeasyPrint's own batched per-page time for the same pages, measured in this script.

    .venv/bin/python benchmarks/print.py [--campaign DIR] [--repeat N]

Prints figures; asserts nothing (timings belong in benchmarks, not tests). The baseline lays out the same
pages (every poster, sign, card sheet, screen image and booklet) as one WeasyPrint document per batch and
writes one PDF per batch, on both cores, with the installed Noto fonts subset once per document: what
WeasyPrint costs per page when nothing else is done. The build additionally checks the words fit, writes
one PDF per file with its own metadata, renders PNGs and previews, and verifies every file.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _baseline_one(html: str) -> int:
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.write_pdf()
    return len(document.pages)


def baseline(campaign_dir: Path, workers: int) -> tuple[float, int]:
    from materials.campaign import load
    from materials.printing import fontcache
    from materials.printing.batches import FONT_CSS_TOKEN, plan_batches

    campaign = load(campaign_dir)
    _, batches, problems = plan_batches(campaign, FONT_CSS_TOKEN)
    assert not problems, problems
    plain = fontcache.css_system(campaign.settings.fonts.sans)
    htmls = [b.html().replace(FONT_CSS_TOKEN, plain) for b in batches]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pages = sum(pool.map(_baseline_one, htmls))
    return time.perf_counter() - started, pages


def build(campaign_dir: Path) -> tuple[float, dict[str, float], int, int]:
    import pypdfium2 as pdfium

    from materials.build import build as run_build

    out = Path(tempfile.mkdtemp(prefix="bench-print-"))
    try:
        started = time.perf_counter()
        result = run_build(campaign_dir, out, only="print")
        total = time.perf_counter() - started
        folder = result.outputs["print"]
        pdf_pages = 0
        for path in folder.rglob("*.pdf"):
            document = pdfium.PdfDocument(str(path))
            pdf_pages += len(document)
            document.close()
        pngs = sum(1 for p in folder.rglob("*.png") if "previews" not in p.parts)
        return total, result.seconds, pdf_pages, pngs
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", type=Path, default=ROOT)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1583798400")
    os.environ["MATERIALS_NO_CACHE"] = "1"  # a full build: no file taken from the incremental print's cache
    import logging

    logging.basicConfig(level=logging.ERROR)
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    for run in range(args.repeat):
        total, seconds, pdf_pages, pngs = build(args.campaign)
        pages = pdf_pages + pngs
        base_time, base_pages = baseline(args.campaign, 2)
        ours = total / pages * 1000
        theirs = base_time / base_pages * 1000
        print(f"run {run + 1}: whole print build (load, validate = lay out + write, verify): {total:.1f} s "
              f"(goal < 30 s); print target (lay out, write, verify) {seconds.get('print', 0):.1f} s")
        print(f"  output: {pdf_pages} PDF pages + {pngs} PNG images = {pages} pages")
        print(f"  per page: build {ours:.1f} ms; WeasyPrint batched baseline {theirs:.1f} ms "
              f"({base_pages} pages in {base_time:.1f} s); ratio {ours / theirs:.2f} (goal <= 2)")
    print(f"load average after: {os.getloadavg()[0]:.2f} (other processes on the machine inflate every figure)")


if __name__ == "__main__":
    main()
