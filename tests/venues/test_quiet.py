"""Quiet by default (issue 22): outside `check` and `build`, fact warnings are one line and only where the
command uses facts; `-q` prints errors only; `NO_COLOR` (and a pipe) gives plain text."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from materials import content, facts
from materials.campaign import load
from materials.venues import links

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]


def unconfirm(campaign: Path) -> None:
    path = campaign / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("confirmed = true", "confirmed = false"),
                    encoding="utf-8")


def real_service(campaign: Path) -> None:
    """No PLACEHOLDER service address: --strict has nothing to refuse before rendering."""
    toml = campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("https://declare.health-code.example/apply",
                                                             "https://declare.test-city.gov.cn/apply"),
                    encoding="utf-8")


def materials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_verify_and_venues_say_nothing_of_facts_and_q_prints_errors_only(venue_campaign: Path,
                                                                           tmp_path: Path) -> None:
    unconfirm(venue_campaign)
    checked = load(venue_campaign)
    assert content.check(checked) == [] and len(checked.fact_notes) >= 2  # the content rules note the facts
    code = links.venue_code(links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))), "heping", "HP-1")
    done = materials("verify", code, "--campaign", str(venue_campaign))
    assert done.returncode == 0 and "fact" not in done.stdout + done.stderr, done.stderr
    done = materials("venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign), "--out",
                     str(tmp_path / "out"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "fact" not in done.stderr and "warning: campaign.toml service.url" in done.stderr
    assert "\x1b[" not in done.stderr, "no colour codes into a pipe"
    done = materials("-q", "venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                     "--out", str(tmp_path / "out"), "--jobs", "1")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    done = materials("-q", "venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                     "--out", str(tmp_path / "out"), "--strict")
    assert done.returncode == 1 and "--strict: 1 warning(s) turned into failure" in done.stderr, \
        "-q hides warnings but --strict still counts them"
    done = materials("check", "--campaign", str(venue_campaign), env={"NO_COLOR": "1"})
    assert done.stderr.count("warning: unconfirmed fact {{") >= 2 and "\x1b[" not in done.stderr


def test_commands_that_use_facts_say_them_in_one_line(venue_campaign: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    unconfirm(venue_campaign)
    campaign = load(venue_campaign)
    assert content.check(campaign) == []
    with caplog.at_level(logging.WARNING, logger="materials"):
        facts.report(campaign, each=False)
    assert [r.getMessage() for r in caplog.records] == [
        f"{len(campaign.fact_notes)} local fact(s) not confirmed or not used; `materials check` lists them and "
        "`materials proof` prints them for sign-off"]


def test_a_venue_run_prints_a_handful_of_lines_and_v_adds_the_detail(venue_campaign: Path, tmp_path: Path) -> None:
    """Issue 22, "Done when": a successful venue run prints what was made and where, the notes about the office's
    ledger, warnings and one summary line; the font packs and each step's timing are for -v."""
    ledger = str(Path(__file__).parent / "fixtures" / "ledger.xlsx")
    detailed = materials("-v", "venues", ledger, "--campaign", str(venue_campaign), "--out", str(tmp_path / "a"),
                         "--jobs", "1")
    assert detailed.returncode == 0, detailed.stderr
    assert "font pack: " in detailed.stderr and "venue posters: 5 files in " in detailed.stderr
    assert "5 links signed, font packs and the static layer made in " in detailed.stderr

    done = materials("venues", ledger, "--campaign", str(venue_campaign), "--out", str(tmp_path / "b"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith((f"{ledger}: ", "warning: ")) for line in lines), lines
    assert len([line for line in lines if line.startswith(ledger)]) == 4, lines  # title, columns, 合计, full-width
    assert "hidden or filtered out" in done.stderr and "service.url" in done.stderr, "warnings stay"
    assert done.stdout.splitlines() == [done.stdout.strip()] and done.stdout.startswith(
        f"5 venues in 1 district -> {tmp_path / 'b'} (5 rendered, 0 unchanged) in "), done.stdout


def test_a_venue_run_warns_only_of_placeholders_its_posters_print(venue_campaign: Path, tmp_path: Path) -> None:
    """A PLACEHOLDER in a fact of the FAQ is the build's to warn about (and fail --strict on): a venue poster
    never prints it. One in the authority's name is printed on the posters: the run warns."""
    toml = venue_campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + '\n[facts.notice_number]\nzh-CN = "PLACEHOLDER: 文号"\nen = "PLACEHOLDER: number"\n',
                    encoding="utf-8")
    args = ["venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign), "--jobs", "1"]
    done = materials(*args, "--out", str(tmp_path / "a"))
    assert done.returncode == 0 and "PLACEHOLDER text" not in done.stderr, done.stderr
    toml.write_text(text.replace('zh-CN = "测试市疫情防控指挥部"', 'zh-CN = "测试市疫情防控指挥部（PLACEHOLDER）"'),
                    encoding="utf-8")
    done = materials(*args, "--out", str(tmp_path / "b"))
    assert "1 PLACEHOLDER text(s)" in done.stderr and "authority.zh-CN" in done.stderr, done.stderr


def test_strict_fails_on_warnings_raised_while_rendering_and_a_rerun_repeats_them(venue_campaign: Path,
                                                                                  tmp_path: Path) -> None:
    """`venues --strict` failed only on warnings known before rendering; one raised while rendering (an address
    left off the poster) passed. Now the run reports, then exits 1 naming the warning, without manifest.csv; a
    rerun that skips the unchanged poster repeats its warning, so --strict still fails."""
    real_service(venue_campaign)
    toml = venue_campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('size = "A4"', 'size = "A5"\nmax_address_width = 300'),
                    encoding="utf-8")
    address = "天津市和平区南营门街道宁夏路与南京路交口东南侧宁夏路社区居民委员会一楼大厅东侧" * 2
    english = ("Ground floor hall, Ningxia Road Community Residents Committee, southeast corner of Ningxia Road "
               "and Nanjing Road, Nanyingmen, Heping Dist")
    listing = tmp_path / "long.csv"
    listing.write_text(f'id,name,district,category,address,name_en,address_en\nHP-1,宁夏路社区,和平区,社区,{address},'
                       f'Ningxia Road Community,"{english}"\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["venues", str(listing), "--campaign", str(venue_campaign), "--out", str(out), "--jobs", "1"]
    left_off = "id HP-1: its address in en does not fit a A5 poster beside the others and is left off"

    done = materials(*args, "--strict", env={"NO_COLOR": "1"})
    assert done.returncode == 1, done.stderr
    assert f"warning: {listing} row 2, {left_off}" in done.stderr, "reported as it happens"
    assert "--strict: 1 warning(s) while rendering turned into failure; manifest.csv was not written" in done.stderr
    assert f"\n  {listing} row 2, {left_off}" in done.stderr, "the failure names the warning"
    assert (out / "heping" / "HP-1.pdf").is_file() and not (out / "manifest.csv").exists()

    done = materials(*args)
    assert done.returncode == 0 and "(0 rendered, 1 unchanged)" in done.stdout, done.stderr
    assert left_off in done.stderr, "the skipped poster's warning is said again"
    assert (out / "manifest.csv").is_file()
    done = materials(*args, "--strict")
    assert done.returncode == 1 and "--strict: 1 warning(s) while rendering" in done.stderr, done.stderr


def test_strict_fails_on_a_key_warning_raised_once_the_list_is_signed(venue_campaign: Path, tmp_path: Path) -> None:
    """The warning that verify --campaign cannot check posters signed with --key-file comes when the links are
    signed, after --strict's first check: it fails the run too."""
    key = tmp_path / "office.key"
    (venue_campaign / "keys" / "venue.key").rename(key)
    out = tmp_path / "out"
    args = ["venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign), "--out", str(out),
            "--jobs", "1", "--key-file", str(key)]
    real_service(venue_campaign)
    done = materials(*args, "--strict")
    assert done.returncode == 1, done.stderr
    assert "--strict: 1 warning(s) while rendering turned into failure" in done.stderr, done.stderr
    assert "\n  the campaign has no key file at keys/venue.key" in done.stderr, done.stderr
    assert not (out / "manifest.csv").exists()
    done = materials(*args)
    assert done.returncode == 0 and (out / "manifest.csv").is_file(), done.stderr
