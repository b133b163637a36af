"""The speed-ups of the poster pipeline print exactly what the plain way prints.

Posters are laid out with their unchanging parts (band, fallback line, steps, issuer line) laid out once and
copied into each venue's page, and WeasyPrint's crop marks are drawn once per page size and replayed. Both
are checked here against the plain way (the whole poster laid out per venue, marks drawn by WeasyPrint) on
the bytes of the written PDFs, which is stricter than comparing rasters.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import weasyprint.draw
import weasyprint.images
from weasyprint.pdf.fonts import Font

from materials.campaign import load
from materials.venues import layout
from materials.venues.fontpack import FontPack
from materials.venues.run import Options, _jobs, make_plan, read_and_check


def _render_all(venue_campaign: Path, size: str) -> list[layout.Rendered]:
    campaign = load(venue_campaign)
    listing = read_and_check(campaign, venue_campaign / "venues.csv", False)
    plan = make_plan(campaign, listing, Options(size=size), None)
    return [r for job in _jobs(plan, plan.venues) for r in layout.render_job(job)]


@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_static_layer_and_cached_marks_write_the_bytes_of_the_plain_way(
    venue_campaign: Path, venue_rows: Callable[..., str], monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    # A long name (two lines, smaller type) and an English name move the parts below them down the page.
    rows = venue_rows(6).splitlines(keepends=True)
    cells = rows[2].split(",")
    cells[1] = "南营门街道宁夏路社区" + cells[1]
    rows[2] = ",".join(cells)
    (venue_campaign / "venues.csv").write_text("".join(rows), encoding="utf-8")
    fast = _render_all(venue_campaign, size)
    assert all(r.data and not r.problems for r in fast)
    assert all(len(r.decoded) == 1 for r in fast)
    assert Font._harfbuzz_subset is layout._one_pass_subset

    monkeypatch.setattr(layout, "static_layer", lambda job: None)
    # WeasyPrint's own two-pass font subsetting gives the same bytes as the one pass the run makes.
    monkeypatch.setattr(layout, "_single_subset", lambda: None)
    monkeypatch.setattr(Font, "_harfbuzz_subset", Font.weasyprint_harfbuzz_subset)  # type: ignore[attr-defined]
    monkeypatch.setattr(layout, "_cached_marks", lambda: None)
    monkeypatch.setattr(weasyprint.draw, "ElementTree", xml.etree.ElementTree)
    monkeypatch.setattr(weasyprint.draw, "SVGImage", weasyprint.images.SVGImage)
    plain = _render_all(venue_campaign, size)
    assert [r.id for r in plain] == [r.id for r in fast]
    for a, b in zip(plain, fast, strict=True):
        assert a.data == b.data, f"venue {a.id}: the {size} poster differs from the plain way"


def test_static_parts_are_laid_out_once_and_fill_every_page(venue_campaign: Path) -> None:
    campaign = load(venue_campaign)
    listing = read_and_check(campaign, venue_campaign / "venues.csv", False)
    plan = make_plan(campaign, listing, Options(), None)
    job = _jobs(plan, plan.venues)[0]
    layer = layout.static_layer(job)
    assert layer is not None and layout.static_layer(job) is layer
    assert set(layer.boxes) == set(layout.STATIC_PARTS)
    assert [mark[1] for mark in layer.bookmarks] == ["扫码登记 Scan to check in"]
    document = layout._weasy_document(job, "venue", layer.css)
    page = document.pages[0]
    empty = {b.element.get("data-ph") for b in page._page_box.descendants(placeholders=True)
             if getattr(b, "element", None) is not None and b.element.get("data-ph")}
    assert empty == set(layout.STATIC_PARTS)
    layout.fill_static(page, layer)
    texts = "".join(b.text for b in page._page_box.descendants(placeholders=True) if hasattr(b, "text"))
    assert "扫码登记" in texts and "打开微信" in texts and "发布日期" in texts
    assert page.bookmarks[0][1] == "扫码登记 Scan to check in"


def _font_folder(digest: str) -> str:
    pack = FontPack("Venue Sans", digest, (("regular", b"not a font"),))
    _, folder = layout._font_css(pack)
    assert folder.is_dir()
    return str(folder)


def test_font_folders_are_removed_when_the_process_ends() -> None:
    # A pool worker (ends through multiprocessing) ...
    with ProcessPoolExecutor(max_workers=1) as pool:
        folder = pool.submit(_font_folder, "0123456789abcdef0123").result()
        assert Path(folder).is_dir()
    assert not Path(folder).exists(), "a worker left its font folder behind"
    # ... and a plain process (ends through the interpreter's exit).
    code = ("from tests.venues.test_layers import _font_folder; "
            "print(_font_folder('fedcba9876543210fedc'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    folder = out.stdout.strip()
    assert folder and not Path(folder).exists(), "the process left its font folder behind"


def test_templates_without_the_venue_layer_are_laid_out_whole(venue_campaign: Path) -> None:
    # A campaign's own macros.html from before the layers: no empty boxes, so no static layer.
    campaign = load(venue_campaign)
    listing = read_and_check(campaign, venue_campaign / "venues.csv", False)
    plan = make_plan(campaign, listing, Options(), None)
    job = _jobs(plan, plan.venues)[0]
    old = tuple((name, source.replace('data-ph="steps"', "")) for name, source in job.templates)
    whole = layout.Job(job.kind, old, job.fonts, job.g, job.venues, job.verify_dpi, job.label)
    assert layout.static_layer(whole) is None
    results = layout.render_job(whole)
    assert [r.decoded for r in results] == [[v["link"]] for v in job.venues]


def test_lean_stylesheet_parses_without_warnings(venue_campaign: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Regression: re-parsing the user-agent rules into WeasyPrint's shared counter-style table logged
    # "Invalid counter style name ' disc '" on every worker, which `--strict` turns into a failed build.
    layout._lean_ua.cache_clear()
    with caplog.at_level("WARNING", logger="weasyprint"):
        layout._lean_ua()
        _render_all(venue_campaign, "A4")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
