"""Cold web build of a campaign (default: the shipped one), search index included: where the time goes.

    .venv/bin/python benchmarks/web.py [CAMPAIGN_DIR] [--runs N] [--print OUTPUT/print]

Each run starts a fresh Python process (cold: no Markdown or template caches), loads the campaign,
validates, renders into an empty folder and verifies, printing seconds per phase, then the home page's
transfer size (HTML + CSS + icon, as a browser fetches it). With --print (a folder written by
`materials build --only print`) the downloads and preview thumbnails are included, as in a full build.
Figures only: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time, tempfile
from pathlib import Path
t0 = time.perf_counter()
from materials.campaign import load
import materials.web as web
from materials.web.site import render
t1 = time.perf_counter()
campaign = load(Path(sys.argv[1]))
t2 = time.perf_counter()
problems = web.validate(campaign)
t3 = time.perf_counter()
dest = Path(sys.argv[2])
phases = render(campaign, dest, {"print": Path(sys.argv[3])} if len(sys.argv) > 3 else {})
t4 = time.perf_counter()
verify = web.verify(campaign, dest)
t5 = time.perf_counter()
out = {"import": t1 - t0, "load campaign": t2 - t1, "validate": t3 - t2}
out.update({f"render: {k}": v for k, v in phases.items()})
out.update({"verify (link check)": t5 - t4, "total": t5 - t0, "problems": len(problems) + len(verify)})
print(json.dumps(out))
"""


def home_weight(site: Path, lang: str) -> dict[str, int]:
    sizes = {"html": (site / lang / "index.html").stat().st_size,
             "site.css": (site / "assets" / "site.css").stat().st_size,
             "favicon.svg": (site / "assets" / "favicon.svg").stat().st_size}
    sizes["total"] = sum(sizes.values())
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("campaign", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--print", dest="print_dir", default=None,
                        help="print output folder to offer downloads from (as `build --only print,web` does)")
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            dest = Path(tmp) / "web"
            dest.mkdir()
            extra = [args.print_dir] if args.print_dir else []
            proc = subprocess.run([sys.executable, "-c", CHILD, args.campaign, str(dest), *extra],
                                  capture_output=True, text=True, check=True)
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            pages = sum(1 for _ in dest.rglob("*.html"))
            bundle = sum(p.stat().st_size for p in dest.glob("*/search/index.json"))
            downloads = sum(p.stat().st_size for p in (dest / "downloads").rglob("*") if p.is_file())
            weights = {lang: home_weight(dest, lang) for lang in ("zh-CN", "en") if (dest / lang).is_dir()}
    print(f"cold web build of {args.campaign}: {pages} pages, {args.runs} runs (median per phase, seconds)")
    for key in results[0]:
        if key == "problems":
            continue
        values = sorted(r[key] for r in results)
        print(f"  {key:28s} {values[len(values) // 2]:7.3f}   (min {values[0]:.3f}, max {values[-1]:.3f})")
    print(f"  problems reported: {results[-1]['problems']}")
    if args.print_dir:
        print(f"downloads: {downloads / 1024 / 1024:.1f} MB offered (hard links where the disk allows)")
    print(f"search indexes on disk: {bundle / 1024:.0f} KB in all languages (each loaded only by its search page; "
          "benchmarks/search.py measures a search page's transfer)")
    for lang, w in weights.items():
        print(f"home page {lang}: {w['total'] / 1024:.1f} KB uncompressed "
              f"(html {w['html'] / 1024:.1f}, css {w['site.css'] / 1024:.1f}, icon {w['favicon.svg'] / 1024:.1f})")


if __name__ == "__main__":
    main()
