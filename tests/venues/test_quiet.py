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


def materials(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_verify_and_venues_say_nothing_of_facts_and_q_prints_errors_only(venue_campaign: Path,
                                                                           tmp_path: Path) -> None:
    unconfirm(venue_campaign)
    checked = load(venue_campaign)
    assert content.check(checked) == [] and len(checked.fact_notes) >= 2  # the content rules note the facts
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
    assert content.check(campaign) == []
    with caplog.at_level(logging.WARNING, logger="materials"):
        facts.report(campaign, each=False)
    assert [r.getMessage() for r in caplog.records] == [
        f"{len(campaign.fact_notes)} local fact(s) not confirmed or not used; `materials check` lists them and "
        "`materials proof` prints them for sign-off"]
