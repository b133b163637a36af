"""One venue code, one venue, whatever the list's path (issue #17): a list saved again under the same name with
another venue under a signed id is refused like another list, the register keeps what was signed, and the
README's correction (raise `reprint`) still works."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"


def venues(campaign: Path, listing: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign), "--out", str(out),
                           "--jobs", "1"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


def register(campaign: Path) -> list[dict[str, str]]:
    text = (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_list_saved_again_under_its_name_cannot_give_a_signed_id_to_another_venue(
        venue_campaign: Path, tmp_path: Path) -> None:
    listing = tmp_path / "ca.csv"
    listing.write_text(HEADER + "HP-C-901,甲场所,和平区,社区,地址甲\n", encoding="utf-8")
    first = venues(venue_campaign, listing, tmp_path / "o1")
    assert first.returncode == 0, first.stdout + first.stderr
    # The same file name, another venue under the same id (an office's monthly ledger.csv): refused.
    listing.write_text(HEADER + "HP-C-901,丙完全不同的场所,和平区,企业,别的地址\n", encoding="utf-8")
    second = venues(venue_campaign, listing, tmp_path / "o2")
    told = second.stdout + second.stderr
    assert second.returncode == 1, told
    assert "Traceback" not in told and "row 2" in told and "甲场所" in told and "reprint" in told, told
    assert [row["name"] for row in register(venue_campaign)] == ["甲场所"]
    assert not (tmp_path / "o2" / "manifest.csv").exists()
    # A harmless respelling (spaces) of the signed venue is the same venue: no clash, no second record.
    listing.write_text(HEADER + "HP-C-901, 甲场所 ,和平区,社区,地址甲 \n", encoding="utf-8")
    same = venues(venue_campaign, listing, tmp_path / "o1")
    assert same.returncode == 0, same.stdout + same.stderr
    # The README's correction: raise the reprint; the earlier record stays, the new one is added.
    listing.write_text("id,name,district,category,address,reprint\n"
                       "HP-C-901,丙完全不同的场所,和平区,企业,别的地址,1\n", encoding="utf-8")
    corrected = venues(venue_campaign, listing, tmp_path / "o3")
    assert corrected.returncode == 0, corrected.stdout + corrected.stderr
    assert sorted((row["name"], row["reprint"]) for row in register(venue_campaign)) == [
        ("丙完全不同的场所", "1"), ("甲场所", "0")]
    again = venues(venue_campaign, listing, tmp_path / "o3")  # rerun unchanged: idempotent
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(register(venue_campaign)) == 2
    # verify: the old code is refused as replaced, naming what it was signed for; the new one names the second.
    old = verify(venue_campaign, code(tmp_path / "o1", "HP-C-901"))
    assert old.returncode == 1 and "甲场所" in old.stderr, old.stdout + old.stderr
    assert "replaced by reprint 1" in old.stderr and "genuine" not in old.stdout, old.stdout + old.stderr
    new = verify(venue_campaign, code(tmp_path / "o3", "HP-C-901"))
    assert new.returncode == 0 and "genuine code: 丙完全不同的场所" in new.stdout, new.stdout + new.stderr


def code(out: Path, venue_id: str) -> str:
    text = (out / "manifest.csv").read_text(encoding="utf-8-sig")
    return next(row["code"] for row in csv.DictReader(io.StringIO(text)) if row["id"] == venue_id)


def verify(campaign: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "verify", *args, "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})


def test_a_replaced_poster_is_refused_with_or_without_the_list(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 11 #10: after reprint 1 was signed, the reprint-0 code printed "genuine code …" and exited 0
    unless --list named the current list. The register (or, before it, a run's manifest) records the later
    reprint: refused either way, saying by which reprint and when it was signed."""
    from datetime import UTC, datetime

    runs = venue_campaign / "output" / "venue-lists"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(HEADER + "HP-F-002,乙场所,和平区,社区,地址乙\n", encoding="utf-8")
    second.write_text(HEADER.strip() + ",reprint\nHP-F-002,乙场所,和平区,社区,地址乙,1\n", encoding="utf-8")
    for listing, out in ((first, runs / "a"), (second, runs / "b")):
        done = venues(venue_campaign, listing, out)
        assert done.returncode == 0, done.stdout + done.stderr
    old, new = code(runs / "a", "HP-F-002"), code(runs / "b", "HP-F-002")
    today = datetime.now(UTC).date().isoformat()
    for args in ((old,), (old, "--list", str(first))):
        refused = verify(venue_campaign, *args)
        told = refused.stdout + refused.stderr
        assert refused.returncode == 1 and "genuine" not in told, told
        assert "replaced by reprint 1" in told, told
    assert f"signed {today}" in verify(venue_campaign, old).stderr
    assert verify(venue_campaign, new).returncode == 0
    # Runs made before the register: their manifests record reprint 1 just the same.
    (venue_campaign / ".materials" / "signed-venues.csv").unlink()
    refused = verify(venue_campaign, old)
    assert refused.returncode == 1 and "replaced by reprint 1" in refused.stderr, refused.stdout + refused.stderr
    assert "b/manifest.csv" in refused.stderr, refused.stderr


def test_an_old_list_run_again_after_a_reprint_says_it_was_reprinted(venue_campaign: Path, tmp_path: Path) -> None:
    """Red team 11, #12: running the list of reprint 0 again after reprint 1 was signed for a corrected venue said
    "both posters would carry the same code", which they would not (the reprint is in the code). It is refused
    saying the venue was reprinted after this list, and which list to run."""
    listing = tmp_path / "old.csv"
    listing.write_text(HEADER + "HP-C-902,甲场所,和平区,社区,地址甲\n", encoding="utf-8")
    assert venues(venue_campaign, listing, tmp_path / "o1").returncode == 0
    corrected = tmp_path / "new.csv"
    corrected.write_text("id,name,district,category,address,reprint\nHP-C-902,乙场所,和平区,社区,地址乙,1\n",
                         encoding="utf-8")
    assert venues(venue_campaign, corrected, tmp_path / "o2").returncode == 0
    again = venues(venue_campaign, listing, tmp_path / "o3")
    told = again.stdout + again.stderr
    assert again.returncode == 1 and "Traceback" not in told, told
    assert "HP-C-902 in district heping was reprinted after this list: reprint 1 ('乙场所'" in told, told
    assert "replaced the poster of reprint 0 this row asks for" in told and "new.csv" in told, told
    assert "same code" not in told, told
