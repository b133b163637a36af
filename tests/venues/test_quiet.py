"""Quiet by default (issue 22): outside `check` and `build`, fact warnings are one line and only where the
command uses facts; `-q` prints errors only; `NO_COLOR` (and a pipe) gives plain text."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from materials import facts
from materials.campaign import load
from materials.venues import links

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]


def unconfirm(campaign: Path) -> None:
    path = campaign / "campaign.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("confirmed = true", "confirmed = false"),
                    encoding="utf-8")


def materials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_verify_and_venues_say_nothing_of_facts_and_q_prints_errors_only(venue_campaign: Path,
                                                                           tmp_path: Path) -> None:
    unconfirm(venue_campaign)
    assert len(load(venue_campaign).fact_notes) >= 2
    code = links.venue_code(links.Key(1, bytes(range(32))), "heping", "HP-1")
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
