"""Incremental print: unchanged items come from the cache, byte for byte what a cold build makes."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path

import pikepdf
import pytest

from materials import fingerprint
from materials.build import build
from materials.campaign import Campaign, load
from materials.printing import incremental
from materials.printing.manifest import laid_out_digest


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def campaign_of(folder: Path) -> Campaign:
    return load(folder)


def reused(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "taken from the cache" in r.getMessage()]


def reword_apply(campaign: Path) -> None:
    """One sentence of the apply poster's English text changed."""
    poster = campaign / "posters" / "apply.md"
    poster.write_text(poster.read_text(encoding="utf-8").replace("Scan with your phone camera to apply.",
                                                                 "Scan the code with your phone camera."),
                      encoding="utf-8")


def test_edit_rebuilds_only_the_changed_poster_and_matches_a_cold_build(
        built: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    print_campaign, first = built  # after a cold print build (`cold_build`)
    caplog.set_level(logging.INFO, logger="materials")
    before = digests(first)
    assert (print_campaign / incremental.CACHE / "items").is_dir()

    caplog.clear()
    reword_apply(print_campaign)
    second = build(print_campaign, tmp_path / "second", only="print").outputs["print"]
    after = digests(second)
    [line] = reused(caplog)
    taken, total = int(line.split()[1]), int(line.split()[3])
    changed = [p for p in after if p.startswith(("posters/apply/", "previews/posters-apply-"))]
    english = [p for p in changed if "-en." in p or "-bilingual." in p]
    assert english and all(after[p] != before[p] for p in english)
    assert 0 < taken < total
    # Every file of an untouched material is the previous run's layout; only the sources fingerprint stamped
    # into its keywords is the new one (issue 20: the edit is a new fingerprint in every file).
    cache = incremental.Cache.of(campaign_of(print_campaign))
    tips = [p for p in after if p.startswith("tips/")]
    assert tips and all(cache.origin(second / p) == cache.origin(first / p) for p in tips)
    # The print contract tells the same to serve's gallery, which redraws no thumbnail of them.
    pdfs = [p for p in tips if p.endswith(".pdf")]
    assert pdfs and all(laid_out_digest(print_campaign, second / p) == laid_out_digest(print_campaign, first / p)
                        != after[p] for p in pdfs)
    mark = f"materials-sources {fingerprint.sources(campaign_of(print_campaign))}"
    for path in tips:
        if path.endswith(".pdf"):
            with pikepdf.open(second / path) as pdf:
                assert str(pdf.docinfo["/Keywords"]) == mark, path

    shutil.rmtree(print_campaign / incremental.CACHE)
    cold = build(print_campaign, tmp_path / "cold", only="print").outputs["print"]
    assert digests(cold) == after


def test_a_damaged_cache_file_is_laid_out_again(built: tuple[Path, Path], tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    # The laid-out files items reuse (the cache also keeps stamped copies and the pack's sheets beside them).
    cache = incremental.Cache(print_campaign / incremental.CACHE)
    shas = sorted({sha for record in (print_campaign / incremental.CACHE / "items").glob("*.json")
                   for sha in json.loads(record.read_text(encoding="utf-8"))["files"].values()})
    blobs = [cache._blob(sha) for sha in shas]
    assert blobs and all(blob.is_file() for blob in blobs)
    for blob in blobs[:3]:
        blob.write_bytes(b"%PDF-1.7 not what was stored")
    caplog.set_level(logging.INFO, logger="materials")
    again = build(print_campaign, tmp_path / "again", only="print").outputs["print"]
    assert digests(again) == first
    [line] = reused(caplog)
    assert int(line.split()[1]) < int(line.split()[3])
    caplog.clear()
    build(print_campaign, tmp_path / "third", only="print")  # the damaged files were stored again
    [line] = reused(caplog)
    assert int(line.split()[1]) == int(line.split()[3])


def test_check_after_a_build_lays_nothing_out(built: tuple[Path, Path], tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    from materials.build import check

    print_campaign, _first = built  # after a cold print build (`cold_build`)
    caplog.set_level(logging.INFO, logger="materials")
    check(print_campaign)
    messages = [r.getMessage() for r in caplog.records]
    [line] = reused(caplog)
    assert int(line.split()[1]) == int(line.split()[3])
    assert not [m for m in messages if m.startswith("print: laying out")]


def test_an_unwritable_cache_costs_speed_not_the_build(print_campaign: Path, tmp_path: Path) -> None:
    blocked = print_campaign / ".materials" / "cache"
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    out = build(print_campaign, tmp_path / "out", only="print").outputs["print"]
    assert (out / "posters" / "apply").is_dir()
    assert blocked.read_text(encoding="utf-8").startswith("a file")


def test_strict_fails_on_start_up_warnings_before_any_layout(print_campaign: Path, tmp_path: Path) -> None:
    from materials.errors import MaterialsError

    # The fixture's service URL is a PLACEHOLDER: a warning known before anything is laid out.
    with pytest.raises(MaterialsError, match="--strict"):
        build(print_campaign, tmp_path / "out", only="print", strict=True)
    assert not (print_campaign / incremental.CACHE).exists()
    assert not (tmp_path / "out").exists()


def test_problems_of_other_kinds_come_before_print_layout(print_campaign: Path, tmp_path: Path) -> None:
    from materials.build import check
    from materials.errors import CampaignError

    toml = print_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[venues.allotment]\n"no-such-category" = 3\n',
                    encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        check(print_campaign)
    assert "venues.allotment.no-such-category" in str(raised.value.problems)
    assert not (print_campaign / incremental.CACHE).exists()  # print laid nothing out


def test_a_file_changed_after_its_check_is_checked_again(built: tuple[Path, Path], tmp_path: Path) -> None:
    from PIL import Image, ImageDraw

    from materials import printing
    from materials.campaign import load

    print_campaign, out = built  # after a cold print build (`cold_build`)
    assert (print_campaign / incremental.CACHE / "verified").is_dir()
    campaign = load(print_campaign)
    assert printing.verify(campaign, out) == []  # every file as the build checked it: taken from the records
    screen = sorted((out / "screens").rglob("*.png"))[0]
    with Image.open(screen) as image:
        spoiled = image.convert("RGB")
    ImageDraw.Draw(spoiled).rectangle((0, 0, 12, 12), fill="#000000")  # ink in the overscan margin
    spoiled.save(screen)
    found = [p.message for p in printing.verify(campaign, out)]
    assert any("action-safe margin" in message for message in found), found


def test_a_changed_file_of_the_campaigns_templates_lays_everything_out_again(
        print_campaign: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A template may load any file of the campaign's templates/ (an image, a stylesheet) by URL.
    logo = print_campaign / "templates" / "print" / "logo.svg"
    logo.parent.mkdir(parents=True)
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', encoding="utf-8")
    build(print_campaign, tmp_path / "first", only="print")
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"/>', encoding="utf-8")
    caplog.set_level(logging.INFO, logger="materials")
    build(print_campaign, tmp_path / "second", only="print")
    assert reused(caplog) == []


def pack_reuse(caplog: pytest.LogCaptureFixture) -> set[str]:
    return {r.getMessage().split()[2] for r in caplog.records
            if r.getMessage().startswith("print cache: print-shop/") and r.getMessage().endswith("from the cache")}


def test_an_unchanged_rebuild_reuses_the_pack_and_home_editions_byte_for_byte(
        built: tuple[Path, Path], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from materials.printing import shop

    print_campaign, first = built  # after a cold print build (`cold_build`)
    assert sorted((first / "home").rglob("*.pdf")) and (first / shop.ZIP).is_file()
    kept = print_campaign / incremental.CACHE
    kinds = ("stamped", "derived", "verified")
    records = {p: p.stat().st_mtime_ns for kind in kinds for p in (kept / kind).glob("*.json")}
    assert len(records) > 10
    caplog.set_level(logging.DEBUG, logger="materials")
    again = build(print_campaign, tmp_path / "again", only="print").outputs["print"]
    # No file was stamped with the fingerprint again, no sheet kept again, no file (home editions included)
    # checked again: their records are untouched.
    assert {p: p.stat().st_mtime_ns for p in records} == records
    assert {p for kind in kinds for p in (kept / kind).glob("*.json")} == set(records)
    # Neither sheet of the pack was laid out again, and no home edition was read again to check it.
    assert {f"{shop.FOLDER}/{shop.ORDER_PDF}", f"{shop.FOLDER}/{shop.CONTACT_SHEET}"} <= pack_reuse(caplog)
    [line] = [r.getMessage() for r in caplog.records if "checked before, byte for byte" in r.getMessage()]
    assert line.split()[1] == line.split()[3]
    # ... and every reused file is what a build with no cache made (`first`), the stamped fingerprint included.
    assert digests(again) == digests(first)
    mark = f"materials-sources {fingerprint.sources(campaign_of(print_campaign))}"
    for name in (shop.ORDER_PDF, shop.CONTACT_SHEET):
        with pikepdf.open(first / shop.FOLDER / name) as pdf:
            assert str(pdf.docinfo["/Keywords"]) == mark, name


def test_a_changed_input_makes_the_pack_again(built: tuple[Path, Path], tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    from materials.printing import shop

    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    order, sheet = f"{shop.FOLDER}/{shop.ORDER_PDF}", f"{shop.FOLDER}/{shop.CONTACT_SHEET}"
    first = digests(first_dir)
    caplog.set_level(logging.DEBUG, logger="materials")

    # A new quantity changes the order sheet's rows, not a thumbnail of the contact sheet.
    toml = print_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n[print.order.quantity]\nposter = 7\n", encoding="utf-8")
    second = digests(build(print_campaign, tmp_path / "second", only="print").outputs["print"])
    assert sheet in pack_reuse(caplog) and order not in pack_reuse(caplog)
    assert second[order] != first[order] and second[shop.ZIP] != first[shop.ZIP]
    assert second[f"{shop.FOLDER}/{shop.SUMS}"] != first[f"{shop.FOLDER}/{shop.SUMS}"]

    # A poster's new words change its preview (the contact sheet) and the fingerprint (both sheets' keywords).
    caplog.clear()
    reword_apply(print_campaign)
    third_dir = build(print_campaign, tmp_path / "third", only="print").outputs["print"]
    third = digests(third_dir)
    assert order in pack_reuse(caplog)  # its rows are the same: only the new fingerprint is stamped in
    # The fixture's 19 press files fill two pages of the sheet: the apply poster's previews are all on the first.
    assert sheet not in pack_reuse(caplog) and f"{sheet}#1" not in pack_reuse(caplog)
    assert f"{sheet}#2" in pack_reuse(caplog)
    assert third[sheet] != second[sheet] and third[order] != second[order]
    changed = [p for p in third if p.startswith("home/posters/apply/") and "-en" in p]
    assert changed and all(third[p] != second[p] for p in changed)
    mark = f"materials-sources {fingerprint.sources(campaign_of(print_campaign))}"
    for path in (order, sheet):
        with pikepdf.open(third_dir / path) as pdf:
            assert str(pdf.docinfo["/Keywords"]) == mark, path

    # Each made again is what a build with no cache makes.
    shutil.rmtree(print_campaign / incremental.CACHE)
    assert digests(build(print_campaign, tmp_path / "cold", only="print").outputs["print"]) == third


def test_a_damaged_kept_sheet_is_made_again(built: tuple[Path, Path], tmp_path: Path,
                                           caplog: pytest.LogCaptureFixture) -> None:
    import json

    from materials.printing import shop

    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    records = sorted((print_campaign / incremental.CACHE / "derived").glob("*.json"))
    assert len(records) >= 3  # the order sheet, the contact sheet and its pages
    for record in records:
        blob = incremental.Cache(print_campaign / incremental.CACHE)._blob(json.loads(record.read_text())["sha"])
        blob.write_bytes(b"%PDF-1.7 not what was kept")
    caplog.set_level(logging.DEBUG, logger="materials")
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert pack_reuse(caplog) == set()
    assert again == first
    assert again[f"{shop.FOLDER}/{shop.ORDER_PDF}"] == first[f"{shop.FOLDER}/{shop.ORDER_PDF}"]


def test_stamped_files_outlive_an_idle_hour_and_not_their_fingerprint(built: tuple[Path, Path], tmp_path: Path) -> None:
    import os
    import time

    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    kept = print_campaign / incremental.CACHE
    stamped = {p: p.stat().st_mtime_ns for p in (kept / "stamped").glob("*.json")}
    assert stamped
    old = time.time() - 2 * 3600  # the cache drops files no record names once they are an hour old
    for blob in (kept / "files").glob("*/*"):
        os.utime(blob, (old, old))
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert again == first
    assert {p: p.stat().st_mtime_ns for p in (kept / "stamped").glob("*.json")} == stamped  # nothing stamped again

    reword_apply(print_campaign)  # a new fingerprint: every file is stamped with it, the old stamps go
    build(print_campaign, tmp_path / "edited", only="print")
    assert len(list((kept / "stamped").glob("*.json"))) == len(stamped)
    assert not set((kept / "stamped").glob("*.json")) & set(stamped)


def taken_from_cache(caplog: pytest.LogCaptureFixture) -> int:
    """How many items the last build took from the cache (it says nothing when none)."""
    lines = reused(caplog)
    return int(lines[-1].split()[1]) if lines else 0


def test_a_record_edited_to_name_another_items_file_is_not_trusted(built: tuple[Path, Path], tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Issue 17 D2: a campaign's cache may come from someone else; a record that names another poster's file
    under this item's name lays the item out again, and the output is a cold build's."""
    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    records = sorted((print_campaign / incremental.CACHE / "items").glob("*.json"))
    loaded = [(path, json.loads(path.read_text(encoding="utf-8"))) for path in records]
    # The English poster's record names the Chinese poster's PDF (same size and code: it passes every check).
    named = {name: (path, record) for path, record in loaded for name in record["files"]}
    name, other_name = "posters/apply/apply-A4-en.pdf", "posters/apply/apply-A4-zh-CN.pdf"
    victim, record = named[name]
    other = named[other_name][1]
    record["files"][name] = other["files"][other_name]
    victim.write_text(json.dumps(record), encoding="utf-8")
    caplog.set_level(logging.INFO, logger="materials")
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert again == first
    assert 0 < taken_from_cache(caplog) < len(records)


def test_a_cache_from_another_machine_is_not_trusted(built: tuple[Path, Path], tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))  # another secret
    caplog.set_level(logging.INFO, logger="materials")
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert again == first
    assert taken_from_cache(caplog) == 0
    assert (tmp_path / "another-machine" / "materials" / "cache.key").stat().st_mode & 0o777 == 0o600


def test_a_symbolic_link_in_the_cache_is_not_read(built: tuple[Path, Path], tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    blobs = sorted(p for p in (print_campaign / incremental.CACHE / "files").glob("*/*"))
    outside = tmp_path / "outside"
    outside.mkdir()
    for blob in blobs:  # each blob moved out of the campaign, a link in its place (same bytes, same sha256)
        moved = outside / blob.name
        blob.rename(moved)
        blob.symlink_to(moved)
    caplog.set_level(logging.INFO, logger="materials")
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert again == first
    assert taken_from_cache(caplog) == 0


def test_a_cache_folder_that_is_a_symbolic_link_is_not_used(built: tuple[Path, Path], tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    print_campaign, first_dir = built  # after a cold print build (`cold_build`)
    first = digests(first_dir)
    cache = print_campaign / ".materials" / "cache"
    outside = tmp_path / "elsewhere"
    cache.rename(outside)
    cache.symlink_to(outside)
    before = digests(outside)
    caplog.set_level(logging.INFO, logger="materials")
    again = digests(build(print_campaign, tmp_path / "again", only="print").outputs["print"])
    assert again == first
    assert not reused(caplog)  # no cache at all: nothing taken, nothing written or pruned out there
    assert digests(outside) == before
