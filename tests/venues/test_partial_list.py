"""A run of a list that lacks venues of the run already in the folder is refused, naming them, unless --replace
says so; then every poster removed is named (red team 12, D5: `venues fix.csv`, one venue of the full list at
reprint 1, deleted the other venues' posters, district pages and manifest rows with only "1 venue … rendered")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"


def materials(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


def test_a_partial_list_does_not_silently_remove_the_other_posters(venue_campaign: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.csv"
    full.write_text(HEADER + "HP-P-1,场所一,和平区,社区,一号\nHP-P-2,场所二,和平区,社区,二号\n"
                    "HP-P-3,场所三,和平区,社区,三号\n", encoding="utf-8")
    done = materials("venues", full, "--campaign", venue_campaign, "--jobs", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    folder = next((venue_campaign / "output" / "venue-lists").iterdir())
    posters = sorted(p.name for p in (folder / "heping").iterdir())
    assert posters == ["HP-P-1.pdf", "HP-P-2.pdf", "HP-P-3.pdf"], posters
    fix = tmp_path / "fix.csv"
    fix.write_text("id,name,district,category,address,reprint\nHP-P-1,场所一(更正),和平区,社区,一号,1\n",
                   encoding="utf-8")
    done = materials("venues", fix, "--campaign", venue_campaign, "--jobs", "1")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "2 venue(s) that" in output and "HP-P-2" in output and "HP-P-3" in output, output
    assert "--replace" in output and "--out" in output, output
    assert sorted(p.name for p in (folder / "heping").iterdir()) == posters
    assert "HP-P-3" in (folder / "manifest.csv").read_text(encoding="utf-8-sig")
    done = materials("venues", fix, "--campaign", venue_campaign, "--jobs", "1", "--replace")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert sorted(p.name for p in (folder / "heping").iterdir()) == ["HP-P-1.pdf"]
    assert "heping/HP-P-2.pdf" in output and "heping/HP-P-3.pdf" in output and "removed" in output, output
