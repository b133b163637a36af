"""Venue posters at city scale: `python benchmarks/venues.py N [--jobs J] [--baseline K] [--scale-from M]`.

Generates N realistic venues over the shipped campaign's 16 districts (names and addresses drawn from the
3,755 common hanzi, so a big list uses thousands of distinct characters, as real city lists do), runs the
same code as `materials venues` (per-venue PDFs, every QR code read back from its rendered page, district
files, manifest), then prints the wall time a venue, peak memory, bytes written a venue, the time of an
unchanged rerun (and that it rewrites the same bytes), and, measured in the same run on the same machine,
WeasyPrint's own time a page when the whole poster is laid out in batched documents of 64 pages (the
`full` layer of macros.html) and the ratio of the two. `--scale-from M` first runs M venues and prints how
the time a venue grows from M to N.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from materials.venues.settings import VenueSettings

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


def weasyprint_batched(campaign, venues_csv: Path, sample: int, key_file: Path,  # type: ignore[no-untyped-def]
                       with_qr: bool) -> float:
    """Seconds a page for WeasyPrint alone: whole posters (the template's `full` layer, the run's font pack,
    with the QR code as inline SVG or without it) laid out and written in documents of 64 pages, one
    process."""
    from weasyprint import HTML

    from materials import qr
    from materials.venues import static
    from materials.venues.run import Options, make_plan, read_and_check

    listing = read_and_check(campaign, venues_csv, False)
    listing.venues = listing.venues[:sample]
    plan = make_plan(campaign, listing, Options(key_files=[key_file]), None)
    env = static.environment(plan.templates, plan.poster.paper.scale, plan.poster)
    font_css, folder = static.font_faces(plan.fonts)
    css = font_css + env.get_template("poster.css").render(g=plan.poster)
    pages = 0
    started = time.perf_counter()
    for start in range(0, len(listing.venues), 64):
        part = [plan.contexts[v.id] for v in listing.venues[start:start + 64]]
        html = env.get_template("posters.html").render(g=plan.poster, css=css, venues=part, layer="full")
        for venue in part if with_qr else ():
            code = qr.svg(qr.make(venue.link, plan.poster.qr_error), plan.poster.qr_mm)
            html = html.replace(f'<div class="qr" data-qr="{venue.id}"></div>', f'<div class="qr">{code}</div>')
        document = HTML(string=html, base_url=folder.as_uri() + "/").render()
        document.write_pdf()
        pages += len(document.pages)
    return (time.perf_counter() - started) / pages


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its ended children (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(campaign, work: Path, count: int, jobs: int, districts: list[tuple[str, str]],  # type: ignore[no-untyped-def]
            key_file: Path, keep: Path | None) -> dict[str, float]:
    from materials.venues.run import Options, run

    listing = work / f"venues-{count}.csv"
    distinct = write_list(listing, count, districts)
    out = keep or work / f"out-{count}"
    options = Options(jobs=jobs, key_files=[key_file], resume=True)
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    summary = run(campaign, listing, out, options, label="venues.csv")
    total = time.perf_counter() - started
    # The pool's workers have ended (and been waited for) when run() returns: their time is counted.
    cpu = cpu_seconds() - cpu_before
    first = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*") if p.is_file()}
    sizes = [p.stat().st_size for p in out.glob("*/*.pdf")]
    district_bytes = sum(p.stat().st_size for p in out.glob("*.pdf"))
    rerun_started = time.perf_counter()
    again = run(campaign, listing, out, options, label="venues.csv")
    rerun = time.perf_counter() - rerun_started
    second = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.rglob("*") if p.is_file()}
    return {"count": count, "distinct": distinct, "districts": summary.districts, "total": total, "cpu": cpu,
            "per_venue": total / count, "font": summary.font_seconds, "mean_pdf": sum(sizes) / len(sizes),
            "max_pdf": max(sizes), "district_bytes": district_bytes,
            "written": (sum(sizes) + district_bytes) / count, "rerun": rerun, "skipped": again.skipped,
            "identical": float(first == second), "listing": listing}  # type: ignore[dict-item]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--baseline", type=int, default=128, help="venues WeasyPrint lays out alone, batched")
    parser.add_argument("--scale-from", type=int, default=0, help="first run this many venues: the growth")
    parser.add_argument("--keep", type=Path, default=None, help="write the output here and keep it")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1583798400")
    logging.basicConfig(level=logging.WARNING)

    from materials.campaign import load
    from materials.venues.plan import key_ring

    campaign = load(ROOT)
    # The campaign's own key (its demo key, made if missing): a run refuses a key `verify --campaign` cannot
    # check (the one key story of issue 22).
    key_ring(campaign, [])
    key_file = ROOT / VenueSettings.of(campaign.settings).key_file
    with tempfile.TemporaryDirectory(prefix="venues-bench-") as tmp:
        work = Path(tmp)
        districts = [(d.key, d.names["zh-CN"]) for d in campaign.settings.districts]
        small = measure(campaign, work, args.scale_from, args.jobs, districts, key_file, None) \
            if args.scale_from else None
        m = measure(campaign, work, args.count, args.jobs, districts, key_file, args.keep)
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        sample = min(args.baseline, args.count)
        with_qr = weasyprint_batched(campaign, m["listing"], sample, key_file, True)  # type: ignore[arg-type]
        page = weasyprint_batched(campaign, m["listing"], sample, key_file, False)  # type: ignore[arg-type]

    per = m["per_venue"]
    print(f"venues:                {args.count} ({m['distinct']:.0f} distinct characters in names and addresses), "
          f"{m['districts']:.0f} districts, --jobs {args.jobs}")
    print(f"total:                 {m['total']:.1f} s  ({args.count / m['total']:.0f} venues/s, {per * 1000:.2f} ms "
          "a venue incl. QR read-back, district files, manifest)")
    print(f"CPU time:              {m['cpu'] / args.count * 1000:.2f} ms a venue, all processes (user + system)")
    print(f"WeasyPrint batched:    {page * 1000:.2f} ms a page without the QR code, {with_qr * 1000:.2f} ms with "
          f"it as SVG (whole posters, 64-page documents, one process, {min(args.baseline, args.count)} venues)")
    print(f"ratio:                 {per / page:.2f} of WeasyPrint's batched time a page without the QR code "
          f"({per / with_qr:.2f} of it with the code; goal <= 0.5)")
    print(f"  font packs:          {m['font']:.1f} s (cached for reruns)")
    print(f"peak memory:           parent {own:.0f} MB, largest worker {child:.0f} MB, "
          f"all processes <= {own + args.jobs * child:.0f} MB")
    print(f"per-venue PDF:         mean {m['mean_pdf'] / 1024:.1f} KB, max {m['max_pdf'] / 1024:.1f} KB")
    print(f"district files:        {m['district_bytes'] / 1e6:.1f} MB in all")
    print(f"written a venue:       {m['written'] / 1024:.1f} KB (venue PDFs and district files; goal <= 100 KB)")
    print(f"unchanged rerun:       {m['rerun']:.1f} s ({m['skipped']:.0f} skipped); same bytes: "
          f"{'yes' if m['identical'] else 'NO'}")
    if small:
        print(f"growth:                {small['per_venue'] * 1000:.2f} ms a venue at {args.scale_from}: "
              f"{args.count} venues cost {m['total'] / small['total']:.2f}x {args.scale_from} "
              f"(linear: {args.count / args.scale_from:.1f}x); CPU time {m['cpu'] / small['cpu']:.2f}x "
              f"({small['cpu'] / args.scale_from * 1000:.2f} ms a venue at {args.scale_from})")


if __name__ == "__main__":
    main()
