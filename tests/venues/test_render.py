"""Venue runs end to end: real WeasyPrint PDFs, QR codes read back from rasters of the written pages."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from materials import qr
from materials.campaign import load
from materials.cli import cli
from materials.errors import MaterialsError, VerificationError
from materials.venues import links, target
from materials.venues.outputs import page_count
from materials.venues.run import Options, run

#: Every district of the campaigns these tests sign for (a city-wide key may sign any of them).
DISTRICTS = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan", "beichen",
             "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"]


def manifest(out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((out / "manifest.csv").read_bytes().decode("utf-8-sig"))))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes, without the command's ownership marker and lock (the library's `run` writes neither)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in (".materials-output", ".materials-lock")}


@pytest.mark.slow
def test_200_venues_every_code_reads_back_to_its_manifest_link(
    venue_campaign: Path, tmp_path: Path, venue_rows: Callable[..., str]
) -> None:
    (venue_campaign / "venues.csv").write_text(venue_rows(200), encoding="utf-8")
    campaign = load(venue_campaign)
    out = tmp_path / "out"
    summary = run(campaign, venue_campaign / "venues.csv", out, Options(jobs=2))
    assert summary.venues == summary.rendered == 200
    rows = manifest(out)
    assert len(rows) == 200
    ring = links.read_key_file(venue_campaign / "keys" / "venue.key")
    per_district: dict[str, int] = {}
    for row in rows:
        pdf = out / row["file"]
        # Decoded here independently of the run's own check, at another resolution.
        assert qr.decode_pdf(pdf, 100) == [[row["link"]]], row["id"]
        base = row["link"].rsplit("/", 1)[0] + "/"
        assert links.verify_link(row["link"], ring, base=base, districts=DISTRICTS).venue_id == row["id"]
        assert pdf.stat().st_size < 100_000, f"{row['file']} is {pdf.stat().st_size} bytes"
        per_district[row["district"]] = per_district.get(row["district"], 0) + 1
    for district, count in per_district.items():
        assert page_count(out / f"{district}.pdf") == count
    assert target.verify(campaign, out) == []
    order = (out / "print-order.csv").read_text(encoding="utf-8-sig")
    assert "venue apply code posters A4" in order and "poster A3" in order


def test_manifest_is_formula_safe(venue_campaign: Path, tmp_path: Path,
                                  fixture_file: Callable[[str], Path]) -> None:
    out = tmp_path / "out"
    run(load(venue_campaign), fixture_file("formula.csv"), out, Options())
    raw = (out / "manifest.csv").read_bytes().decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(raw)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK" in raw and "'+cmd" in raw


def test_invalid_list_writes_nothing_and_skip_invalid_writes_rejects(
    venue_campaign: Path, tmp_path: Path, fixture_file: Callable[[str], Path]
) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    bad = fixture_file("duplicate-id.csv")
    result = runner.invoke(cli, ["venues", str(bad), "--campaign", str(venue_campaign), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "row 2, id" in result.output and "row 4, id" in result.output and "Traceback" not in result.output
    assert not out.exists(), "nothing may be written for an invalid list"

    result = runner.invoke(cli, ["venues", str(bad), "--campaign", str(venue_campaign), "--out", str(out),
                                 "--skip-invalid", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "2 rows rejected" in result.output
    rejects = list(csv.reader(io.StringIO((out / "rejects.csv").read_bytes().decode("utf-8-sig"))))
    assert [r[:2] for r in rejects] == [["row", "id"], ["2", "HP-001"], ["4", "HP-001"]]
    assert [r["id"] for r in manifest(out)] == ["BH-001"]


def test_killed_run_leaves_no_truncated_file_and_resumes_to_a_clean_runs_bytes(
    venue_campaign: Path, tmp_path: Path, venue_rows: Callable[..., str]
) -> None:
    listing = venue_campaign / "venues.csv"
    listing.write_text(venue_rows(60, seed=3), encoding="utf-8")
    toml = venue_campaign / "campaign.toml"  # small chunks, so the kill lands between two of them
    toml.write_text(toml.read_text(encoding="utf-8").replace('size = "A4"', 'size = "A4"\nchunk_size = 4'),
                    encoding="utf-8")
    out, clean = tmp_path / "resumed", tmp_path / "clean"
    command = [str(Path(sys.executable).parent / "materials"), "venues", str(listing),
               "--campaign", str(venue_campaign), "--jobs", "1"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1583798400"}
    # Warm the font pack cache so the kill lands while posters are being written.
    subprocess.run([*command, "--out", str(clean)], env=env, check=True, capture_output=True)
    process = subprocess.Popen([*command, "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("*/*.pdf"))) < 10:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = list(out.glob("*/*.pdf"))
    assert 10 <= len(written) < 60, "the kill must land mid-run"
    assert not (out / "manifest.csv").exists(), "an unfinished run must not look finished"
    for pdf in written:
        assert pdf.read_bytes().rstrip().endswith(b"%%EOF"), f"{pdf} is truncated"

    result = subprocess.run([*command, "--out", str(out)], env=env, capture_output=True, text=True, check=True)
    assert "unchanged" in result.stdout and " 0 unchanged" not in result.stdout, result.stdout
    resumed, fresh = snapshot(out), snapshot(clean)
    assert {k: v for k, v in resumed.items() if not k.startswith(".cache/")} == \
        {k: v for k, v in fresh.items() if not k.startswith(".cache/")}


def test_rerun_skips_unchanged_and_rerenders_changed(venue_campaign: Path, tmp_path: Path) -> None:
    campaign = load(venue_campaign)
    listing = venue_campaign / "venues.csv"
    out = tmp_path / "out"
    first = run(campaign, listing, out, Options())
    assert first.rendered == 4

    def stamps() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in out.glob("*.pdf")}

    made = stamps()
    assert len(made) == 2
    again = run(campaign, listing, out, Options())
    assert again.rendered == 0 and again.skipped == 4
    assert stamps() == made, "district files of unchanged districts are kept, not made again"
    text = listing.read_text(encoding="utf-8").splitlines()
    text[1] = text[1][: -len(",0")] + ",1"  # a reprint of the first venue: a new link, the same characters
    listing.write_text("\n".join(text) + "\n", encoding="utf-8")
    third = run(campaign, listing, out, Options())
    assert third.rendered == 1 and third.skipped == 3
    changed = {name for name, stamp in stamps().items() if stamp != made[name]}
    reprinted = text[1].split(",")[0]
    assert changed == {f"{r['district']}.pdf" for r in manifest(out) if r["id"] == reprinted}, changed
    listing.write_text("\n".join(text[:3] + text[4:]) + "\n", encoding="utf-8")  # one venue leaves the list
    with pytest.raises(MaterialsError, match=r"holds the posters of 1 venue\(s\) that .* lacks"):
        run(campaign, listing, out, Options())  # never silently (red team 12, D5)
    run(campaign, listing, out, Options(replace=True))
    assert len(manifest(out)) == 3 and len(list(out.glob("*/*.pdf"))) == 3, "the removed venue's poster is gone"


def test_dask_local_cluster_gives_the_same_files(venue_campaign: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    campaign = load(venue_campaign)
    listing = venue_campaign / "venues.csv"
    run(campaign, listing, tmp_path / "local", Options())
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        result = CliRunner().invoke(cli, ["venues", str(listing), "--campaign", str(venue_campaign),
                                          "--out", str(tmp_path / "dask"), "--dask", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    assert "4 rendered" in result.output
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "local")


def test_unreachable_dask_scheduler_is_a_clear_error(venue_campaign: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["venues", str(venue_campaign / "venues.csv"), "--campaign",
                                      str(venue_campaign), "--out", str(tmp_path / "o"),
                                      "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1 and "cannot reach the scheduler" in result.output, result.output
    assert not (tmp_path / "o").exists()


def test_a6_stickers_on_sheets_and_screen_images(
    venue_campaign: Path, tmp_path: Path, venue_rows: Callable[..., str]
) -> None:
    from PIL import Image

    campaign = load(venue_campaign)
    (venue_campaign / "venues.csv").write_text(venue_rows(9, seed=11), encoding="utf-8")
    out = tmp_path / "out"
    run(campaign, venue_campaign / "venues.csv", out, Options(size="A6", screens=True))
    rows = manifest(out)
    for district in {r["district"] for r in rows}:
        links_here = sorted(r["link"] for r in rows if r["district"] == district)
        pages = qr.decode_pdf(out / f"{district}.pdf", 100)
        assert len(pages) == (len(links_here) + 3) // 4
        assert sorted(t for page in pages for t in page) == links_here
    for row in rows:
        png = out / row["file"].replace(".pdf", ".png")
        image = Image.open(png)
        assert image.size == (1920, 1080)
        assert qr.decode_image(image.convert("L")) == [row["link"]]


def test_build_seam_validate_render_verify(venue_campaign: Path, tmp_path: Path) -> None:
    campaign = load(venue_campaign)
    assert target.validate(campaign) == []
    dest = tmp_path / "stage"
    dest.mkdir()
    target.render(campaign, dest, {})
    assert not (dest / ".cache").exists()
    assert target.verify(campaign, dest) == []
    secret = links.read_key_file(venue_campaign / "keys" / "venue.key").keys[1].secret
    for path in dest.rglob("*"):
        if path.is_file():
            assert secret.hex().encode() not in path.read_bytes() and secret not in path.read_bytes()
    # A poster swapped for another venue's is caught.
    rows = manifest(dest)
    (dest / rows[0]["file"]).write_bytes((dest / rows[1]["file"]).read_bytes())
    problems = [str(p) for p in target.verify(campaign, dest)]
    assert any("does not match its hash" in p for p in problems)
    assert any("read back as" in p for p in problems)


def test_validate_reports_missing_key(venue_campaign: Path) -> None:
    (venue_campaign / "keys" / "venue.key").unlink()
    problems = [str(p) for p in target.validate(load(venue_campaign))]
    assert any("venues.key_file" in p and "materials keys new" in p for p in problems)


@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_longest_valid_texts_fit_every_size(venue_campaign: Path, tmp_path: Path, size: str,
                                            fixture_file: Callable[[str], Path]) -> None:
    # Name, English name and addresses at the validation limits: the poster must still be clean.
    summary = run(load(venue_campaign), fixture_file("longest.csv"), tmp_path / size, Options(size=size))
    assert summary.rendered == 1


def test_text_running_into_the_footer_is_caught(venue_campaign: Path, tmp_path: Path,
                                               fixture_file: Callable[[str], Path]) -> None:
    toml = venue_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('size = "A4"', 'size = "A4"\nmax_name_width = 200\n'
                                                             "max_address_width = 300"), encoding="utf-8")
    listing = fixture_file("longest.csv")
    longer = "服务站点" + "和平区南营门街道宁夏路社区居民委员会服务站点" * 3 + ","  # 94 characters
    address = "天津市和平区南营门街道宁夏路与南京路交口东南侧宁夏路社区居民委员会一楼大厅东侧"
    text = listing.read_text(encoding="utf-8").replace("服务,", longer).replace(address, address * 3)
    listing.write_text(text, encoding="utf-8")
    with pytest.raises(VerificationError, match="too long for a A4 poster"):
        run(load(venue_campaign), listing, tmp_path / "out", Options())
    assert not (tmp_path / "out" / "manifest.csv").exists()


def test_regression_micro_qr_false_positive_is_not_a_second_code() -> None:
    # A 40 dpi raster of a real poster on which zxing-cpp also "finds" a Micro QR code reading "96" in the
    # top-left finder pattern; the read-back must see exactly the one real code.
    import zxingcpp
    from PIL import Image

    image = Image.open(Path(__file__).parent / "fixtures" / "micro-qr-false-positive.png")
    raw = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert sorted(r.text[:8] for r in raw) == ["96", "HTTPS://"], "the fixture still shows the false positive"
    assert [t[:8] for t in qr.decode_image(image)] == ["HTTPS://"]
