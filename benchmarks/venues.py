"""Venue posters at city scale: `python benchmarks/venues.py N [--jobs J] [--naive K]`.

Generates N realistic venues over the shipped campaign's 16 districts (names and addresses drawn from the
3,755 common hanzi, so a big list uses thousands of distinct characters, as real city lists do), runs the
same code as `materials venues` (per-venue PDFs, every QR code read back from its rendered page, district
files, manifest), then prints venues per second, peak memory, bytes per venue, the time of an unchanged
rerun, and the naive way (one WeasyPrint call per venue on K sample venues) as a ratio.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = [("社区", "community", "Community"), ("有限公司", "enterprise", "Co. Ltd."), ("机场", "airport", "Airport"),
         ("码头", "dock", "Terminal"), ("火车站", "railway-station", "Railway Station"),
         ("客运站", "highway-station", "Coach Station"), ("产业园", "industrial-park", "Industrial Park"),
         ("大厦", "commercial-building", "Tower")]
ROADS = ["路", "道", "街", "大街", "里", "胡同"]


def common_hanzi() -> list[str]:
    """GB2312 level 1: the 3,755 most common hanzi."""
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes([lead, trail]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def write_list(path: Path, count: int, districts: list[tuple[str, str]], seed: int = 2020) -> int:
    rng = random.Random(seed)
    hanzi = common_hanzi()
    used: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "district", "category", "address", "name_en", "address_en", "reprint"])
        for number in range(1, count + 1):
            key, zh_district = rng.choice(districts)
            kind_zh, kind, kind_en = rng.choice(KINDS)
            street = "".join(rng.choices(hanzi, k=rng.randint(2, 3))) + rng.choice(ROADS)
            place = "".join(rng.choices(hanzi, k=rng.randint(2, 5)))
            name = f"{place}{kind_zh}" if rng.random() < 0.6 else f"{street}{rng.randint(1, 400)}号{place}{kind_zh}"
            address = f"{zh_district}{street}{rng.randint(1, 999)}号"
            used.update(name + address)
            name_en = f"{place} {kind_en}" if rng.random() < 0.3 else ""
            name_en = f"No. {number} {kind_en}" if name_en else ""
            writer.writerow([f"{key[:2].upper()}-{number:06d}", name, zh_district, kind, address, name_en, "", 0])
    return len(used)


def naive(campaign, venues_dir: Path, sample: int, key_file: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """One WeasyPrint HTML -> PDF call per venue with the system font, as a simple script would do it."""
    from weasyprint import HTML

    from materials import qr
    from materials.venues import layout
    from materials.venues.run import Options, global_context, make_plan, read_and_check

    listing = read_and_check(campaign, venues_dir, False)
    listing.venues = listing.venues[:sample]
    plan = make_plan(campaign, listing, Options(key_files=[key_file]), None)
    env = layout.environment(plan.templates, 1.0)
    g = dict(global_context(campaign, "A4"))
    css = env.get_template("poster.css").render(g=g)
    started = time.perf_counter()
    sizes = []
    for venue in listing.venues:
        context = layout.with_qr(plan.contexts[venue.id], g, "posters")
        html = env.get_template("posters.html").render(g=g, css=css, venues=[context])
        # The simple way draws the code as inline SVG (the run draws its modules into the PDF itself).
        code = qr.svg(qr.make(context["link"], g["qr_error"]), g["qr_mm"])
        html = html.replace(f'<div class="qr" data-qr="{venue.id}"></div>', f'<div class="qr">{code}</div>')
        sizes.append(len(HTML(string=html).write_pdf()))
    return (time.perf_counter() - started) / len(listing.venues), sum(sizes) / len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive", type=int, default=20, help="venues rendered the naive way for the ratio")
    parser.add_argument("--keep", type=Path, default=None, help="write the output here and keep it")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1583798400")
    logging.basicConfig(level=logging.WARNING)

    from materials.campaign import load
    from materials.venues import links
    from materials.venues.run import Options, run

    campaign = load(ROOT)
    with tempfile.TemporaryDirectory(prefix="venues-bench-") as tmp:
        work = Path(tmp)
        key_file = work / "bench.key"
        links.write_key_file(key_file, [links.new_key(1)])
        listing = work / "venues.csv"
        districts = [(d.key, d.names["zh-CN"]) for d in campaign.settings.districts]
        distinct = write_list(listing, args.count, districts)
        out = args.keep or work / "out"
        options = Options(jobs=args.jobs, key_files=[key_file], resume=True)

        started = time.perf_counter()
        summary = run(campaign, listing, out, options, label="venues.csv")
        total = time.perf_counter() - started

        pdfs = list(out.glob("*/*.pdf"))
        sizes = [p.stat().st_size for p in pdfs]
        district_bytes = sum(p.stat().st_size for p in out.glob("*.pdf"))
        rerun_started = time.perf_counter()
        again = run(campaign, listing, out, options, label="venues.csv")
        rerun = time.perf_counter() - rerun_started

        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        per_venue = total / args.count
        naive_seconds, naive_size = naive(campaign, listing, min(args.naive, args.count), key_file)

    print(f"venues:                {args.count} ({distinct} distinct characters in names and addresses), "
          f"{summary.districts} districts, --jobs {args.jobs}")
    print(f"total:                 {total:.1f} s  ({args.count / total:.0f} venues/s, {per_venue * 1000:.1f} ms "
          "a venue incl. QR read-back, district files, manifest)")
    print(f"  font pack:           {summary.font_seconds:.1f} s (cached for reruns)")
    print(f"peak memory:           parent {own:.0f} MB, largest worker {child:.0f} MB, "
          f"all processes <= {own + args.jobs * child:.0f} MB")
    print(f"per-venue PDF:         mean {sum(sizes) / len(sizes) / 1024:.1f} KB, max {max(sizes) / 1024:.1f} KB")
    print(f"district files:        {district_bytes / 1e6:.1f} MB in all")
    print(f"unchanged rerun:       {rerun:.1f} s ({again.skipped} skipped, {again.rendered} rendered)")
    print(f"naive (1 call/venue):  {naive_seconds * 1000:.0f} ms a venue without QR read-back, "
          f"{naive_size / 1024:.0f} KB a PDF; this run is {naive_seconds / per_venue:.1f}x faster")


if __name__ == "__main__":
    main()
