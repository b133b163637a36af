"""Fast feedback (issue 21): how long each look at an edit costs, as ratios to a full print build measured
in the same run on a copy of the shipped campaign (the machine is shared: only ratios compare).

    .venv/bin/python benchmarks/feedback.py [--campaign DIR]

Every step runs the `materials` command as a user would (a new process each time, start-up included):
  full      `materials build --only print` with an empty cache (the baseline of every ratio)
  again     the same with nothing changed
  one       the same after one poster's English text changed
  one-zh    the same after one poster's Chinese text changed: with characters the run prints already, and
            with characters new to the run (the font subset changes, so every file is laid out again)
  check     `materials check` after a build
  strict    `materials build --only print --strict` on a campaign with a PLACEHOLDER (fails at once)
  faq       `materials serve`: a FAQ edited, until the page open in Chromium shows it (seconds)
  gallery   `materials serve`'s gallery: a poster edited, until the gallery links its new thumbnail
and, from the full build, the print time per page against WeasyPrint's batched time per page for the same
pages (benchmarks/print.py's baseline). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("campaign.toml", "glossary.toml", "notice", "faq", "posters", "tips", "venues", "templates", "images")
COMMAND = [str(Path(sys.executable).parent / "materials")]


def copy_campaign(source: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in SOURCES:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name)
        elif path.is_file():
            shutil.copy2(path, target / name)
    return target


def timed(args: list[str], campaign: Path, expect: int = 0, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run([*COMMAND, "-q", *args, "--campaign", str(campaign)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != expect:
        sys.exit(f"{' '.join(args)}: exit {done.returncode}, expected {expect}\n{done.stderr[-2000:]}")
    return elapsed


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        sys.exit(f"{path}: {old!r} not found to edit")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def pages(folder: Path) -> int:
    import pypdfium2 as pdfium

    count = 0
    for path in folder.rglob("*.pdf"):
        document = pdfium.PdfDocument(str(path))
        count += len(document)
        document.close()
    return count + sum(1 for p in folder.rglob("*.png") if "previews" not in p.parts)


def serve_figures(campaign: Path, out: Path) -> tuple[float, float]:
    """Run `materials serve`; time a FAQ edit until the page open in Chromium shows it, then a poster edit until
    the gallery links its new thumbnail."""
    import re
    import signal
    import socket
    import urllib.request

    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen([*COMMAND, "-q", "serve", "--campaign", str(campaign), "--out", str(out), "--port",
                                str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def gallery() -> dict[str, str]:
        try:
            with urllib.request.urlopen(url + "__materials__/gallery/", timeout=10) as response:
                page = response.read().decode("utf-8")
        except OSError:
            return {}
        return dict(re.findall(r'<li><a href="([^"]+)"><img src="([^"]+)"', page))

    def wait(condition: object, timeout: float) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if condition():  # type: ignore[operator]
                return time.perf_counter() - started
            time.sleep(0.05)
        sys.exit(f"serve: timed out after {timeout} s")

    try:
        wait(lambda: any("/posters/" in href for href in gallery()), 300)
        before = gallery()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.goto(url + "en/faq/what-is-the-health-code/")
            edit(campaign / "faq" / "en" / "01-what-is-the-health-code.md", "Your health QR code is a personal QR code",
                 "Edited for the benchmark. Your health QR code is a personal QR code")
            started = time.perf_counter()
            expect(page.get_by_text("Edited for the benchmark.")).to_be_visible(timeout=60_000)
            faq = time.perf_counter() - started
            browser.close()
        # The FAQ edit changed the booklet: let the gallery settle before the poster's figure.
        wait(lambda: any(gallery().get(h) != t for h, t in before.items() if "/booklet/" in h), 300)
        time.sleep(1.0)
        before = gallery()
        target = next(h for h in before if "/posters/arrival/" in h and h.endswith("-en.pdf"))
        edit(campaign / "posters" / "arrival.md", "and people without a code go through",
             "and people without a health code go through")
        thumb = wait(lambda: gallery().get(target) not in (None, before[target]), 300)
        return faq, thumb
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", type=Path, default=ROOT)
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1583798400")
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:  # run in the background: give serve its Ctrl+C back
        signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from print import baseline  # benchmarks/print.py: WeasyPrint's own batched time per page

    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    work = Path(tempfile.mkdtemp(prefix="bench-feedback-"))
    try:
        campaign = copy_campaign(args.campaign, work / "campaign")
        out = work / "out"
        build = ["build", "--only", "print", "--out", str(out)]
        full = timed(build, campaign)
        figures: list[tuple[str, float, str]] = []
        page_count = pages(out / "print")
        figures.append(("print rebuild with nothing changed", timed(build, campaign), "<= 0.10"))
        edit(campaign / "posters" / "arrival.md", "a green light across the city",
             "a green light across the whole city")
        figures.append(("print rebuild after one poster's text changed", timed(build, campaign), "<= 0.30"))
        edit(campaign / "posters" / "arrival.md", "以及无码人员", "以及无“码”人员")
        figures.append(("  the same, Chinese text with characters the run already prints", timed(build, campaign), "-"))
        edit(campaign / "posters" / "arrival.md", "按原有方式通行。", "按原有方式通行，请勿拥挤。")
        figures.append(("  the same, Chinese text with characters new to the run (new font subset: every file)",
                        timed(build, campaign), "-"))
        figures.append(("`check` after a build", timed(["check"], campaign), "<= 0.10"))
        figures.append(("`--strict` failure on a placeholder", timed([*build, "--strict"], campaign, expect=1),
                        "<= 0.15"))
        faq_s, thumb_s = serve_figures(campaign, work / "serve-out")
        figures.append(("FAQ edit -> open page updated, in `serve` (seconds, not a ratio)", faq_s, "<= 3 s"))
        figures.append(("poster edit -> its gallery thumbnail updated", thumb_s, "<= 0.25"))
        base_time, base_pages = baseline(campaign, 2)
        print(f"full print build (empty cache, `materials build --only print`): {full:.1f} s, {page_count} pages")
        for name, seconds, goal in figures:
            ratio = "" if goal.endswith(" s") else f", ÷ full = {seconds / full:.3f}"
            print(f"  {name}: {seconds:.2f} s{ratio} (goal {goal})")
        ours, theirs = full / page_count * 1000, base_time / base_pages * 1000
        print(f"  print time per page: {ours:.1f} ms; WeasyPrint batched {theirs:.1f} ms ({base_pages} pages in "
              f"{base_time:.1f} s); ratio {ours / theirs:.2f} (goal <= 2.0)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other processes on the machine inflate every figure)")


if __name__ == "__main__":
    main()
