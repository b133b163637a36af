"""A run refused before it signs anything leaves no record in the register (red team 12, D6): the key cannot
sign the list's district, or --dask names a scheduler that cannot be reached. Such a run used to record its
venues as signed, so correcting the name was then refused as a clash with a venue never printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"
REGISTER = Path(".materials") / "signed-venues.csv"


def materials(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize("refusal", ["district-key", "dask"])
def test_a_refused_run_records_nothing_and_the_corrected_list_runs(venue_campaign: Path, tmp_path: Path,
                                                                   refusal: str) -> None:
    listing = tmp_path / "r1.csv"
    listing.write_text(HEADER + "HP-R-1,登记一,和平区,社区,一号\n", encoding="utf-8")
    if refusal == "district-key":
        made = materials("keys", "new", "--district", "binhai", "--campaign", venue_campaign,
                         "--out", tmp_path / "binhai.key")
        assert made.returncode == 0, made.stdout + made.stderr
        more: list[object] = ["--key-file", tmp_path / "binhai.key"]
        why = "cannot sign"
    else:
        more, why = ["--dask", "tcp://127.0.0.1:1"], "cannot reach the scheduler"
    done = materials("venues", listing, "--campaign", venue_campaign, "--out", tmp_path / "o1", "--jobs", "1", *more)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and why in output and "Traceback" not in output, output
    register = venue_campaign / REGISTER
    assert not register.exists() or "HP-R-1" not in register.read_text(encoding="utf-8-sig")
    listing.write_text(HEADER + "HP-R-1,登记一(改),和平区,社区,一号\n", encoding="utf-8")
    done = materials("venues", listing, "--campaign", venue_campaign, "--out", tmp_path / "o2", "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    text = register.read_text(encoding="utf-8-sig")
    assert "登记一(改)" in text and "登记一," not in text, text
