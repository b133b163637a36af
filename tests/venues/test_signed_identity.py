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
    # verify names each poster as it was signed: the old code the first venue (replaced), the new one the second.
    def code(out: str) -> str:
        text = (tmp_path / out / "manifest.csv").read_text(encoding="utf-8-sig")
        return next(row["code"] for row in csv.DictReader(io.StringIO(text)) if row["id"] == "HP-C-901")

    old = subprocess.run([*CLI, "verify", code("o1"), "--campaign", str(venue_campaign)], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert "genuine code: 甲场所" in old.stdout and "replaced" in old.stdout, old.stdout + old.stderr
    new = subprocess.run([*CLI, "verify", code("o3"), "--campaign", str(venue_campaign)], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert new.returncode == 0 and "genuine code: 丙完全不同的场所" in new.stdout, new.stdout + new.stderr


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
