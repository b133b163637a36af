"""The campaign's register of signed venues (.materials/signed-venues.csv): one identity per venue of the city
even when two runs start together, and every cell formula-safe (red team 5, D1 and D6)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from materials.printorder import FORMULA_START

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"


def start(campaign: Path, listing: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "venues", str(listing), "--campaign", str(campaign), "--out", str(out),
                             "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "NO_COLOR": "1"})


def test_two_runs_started_together_cannot_both_sign_one_typed_code(venue_campaign: Path, tmp_path: Path) -> None:
    """HP-Z-1 and HPZ1 type the same code: run one after the other, the second is refused. Started together
    (two processes), both used to check the register before either recorded its ids, and both signed."""
    first, second = tmp_path / "ra.csv", tmp_path / "rb.csv"
    first.write_text(HEADER + "HP-Z-1,甲社区,和平区,社区,地址甲\n", encoding="utf-8")
    second.write_text(HEADER + "HPZ1,乙社区,和平区,社区,地址乙\n", encoding="utf-8")
    runs = [start(venue_campaign, first, tmp_path / "oa"), start(venue_campaign, second, tmp_path / "ob")]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    assert codes == [0, 1], outputs
    refused = outputs[[run.returncode for run in runs].index(1)]
    assert "Traceback" not in refused and "only in hyphens or letter case" in refused, refused
    register = (venue_campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    assert len([row["id"] for row in csv.DictReader(io.StringIO(register))]) == 1, register


def test_every_cell_of_the_register_is_formula_safe(venue_campaign: Path, tmp_path: Path) -> None:
    """A list named =rel.csv (and a venue named +1): no cell of the register starts a formula in Excel."""
    listing = venue_campaign / "=rel.csv"  # inside the campaign: recorded by its relative name
    listing.write_text(HEADER + "HP-7,+1 社区,和平区,社区,-地址\n", encoding="utf-8")
    done = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(venue_campaign), "--out",
                           str(tmp_path / "o2"), "--jobs", "1"], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    text = (venue_campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=rel.csv" in cells, text
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)], text
    again = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(venue_campaign), "--out",
                            str(tmp_path / "o2"), "--jobs", "1"], capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_COLOR": "1"})
    assert again.returncode == 0, again.stdout + again.stderr  # the same list again is its own, not a clash
    # Rewritten by the second run, each value is guarded once, not once more per run: the register is read back
    # as the values it holds (a cell starting with ' gets one more ' when written, so '' would mean the value
    # itself started with ').
    rewritten = [cell for row in csv.reader(io.StringIO(
        (venue_campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8"))) for cell in row]
    assert "'=rel.csv" in rewritten and "'+1 社区" in rewritten and "'-地址" in rewritten, rewritten
    assert not [cell for cell in rewritten if cell.startswith("''")], rewritten
