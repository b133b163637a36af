"""Where `materials venues` writes: its own folder per list, never the build's; keys never inside it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner

from materials.cli import cli
from materials.venues import links


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".cache" not in p.parts}


def district_list(campaign: Path, name: str, rows: str) -> Path:
    path = campaign / "lists" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("id,name,district,category,address\n" + rows, encoding="utf-8")
    return path


def test_venues_and_build_never_replace_each_other(venue_campaign: Path) -> None:
    heping = district_list(venue_campaign, "heping.csv", "HP-900,宁夏路社区,和平区,社区,和平区宁夏路12号\n")
    code, output = run("venues", str(heping), "--campaign", str(venue_campaign), "--jobs", "1")
    assert code == 0, output
    run_dir = venue_campaign / "output" / "venue-lists" / "heping-A4"
    assert f"-> {run_dir}" in output
    district_run = tree(run_dir)
    assert "heping/HP-900.pdf" in district_run

    code, output = run("build", "--campaign", str(venue_campaign), "--only", "venues")
    assert code == 0, output
    assert tree(run_dir) == district_run, "a build must leave the district's run alone"
    assert "heping/HP-900.pdf" not in tree(venue_campaign / "output" / "venues")

    code, output = run("venues", str(heping), "--campaign", str(venue_campaign), "--jobs", "1")
    assert code == 0 and "(0 rendered, 1 unchanged)" in output, "resuming still works"

    code, output = run("venues", str(heping), "--campaign", str(venue_campaign),
                       "--out", str(venue_campaign / "output" / "venues"))
    assert code == 1 and "part of the output of `materials build`" in output
    code, output = run("venues", str(heping), "--campaign", str(venue_campaign),
                       "--out", str(venue_campaign / "output"))
    assert code == 1 and "holds the output of `materials build`" in output
    code, output = run("build", "--campaign", str(venue_campaign), "--only", "web", "--out", str(run_dir))
    assert code == 1 and "holds the output of `materials venues`" in output
    assert tree(run_dir) == district_run


def test_another_list_of_the_same_name_does_not_replace_a_run(venue_campaign: Path, tmp_path: Path) -> None:
    first = district_list(venue_campaign, "heping.csv", "HP-900,宁夏路社区,和平区,社区,和平区宁夏路12号\n")
    assert run("venues", str(first), "--campaign", str(venue_campaign), "--jobs", "1")[0] == 0
    other = tmp_path / "elsewhere" / "heping.csv"
    other.parent.mkdir()
    other.write_text(first.read_text(encoding="utf-8").replace("HP-900", "HP-901"), encoding="utf-8")
    code, output = run("venues", str(other), "--campaign", str(venue_campaign), "--jobs", "1")
    assert code == 1 and "holds the posters of 1 venue(s) of another list, none of them in" in output, output
    assert "the default output folder" in output and "run again with --out FOLDER" in output, output
    marker = json.loads((venue_campaign / "output" / "venue-lists" / "heping-A4" / ".materials-output").read_text())
    assert marker == {"made_by": "materials venues", "source": "venues of heping (A4)",
                      "note": "made by materials; only that command writes here",
                      "campaign": str(venue_campaign.resolve())}


def test_a_renamed_copy_resumes_and_another_size_never_replaces_posters(venue_campaign: Path) -> None:
    """Issue 22: a `-v2` copy of the ledger started a new folder, and `--size A6` silently replaced A4 posters."""
    first = district_list(venue_campaign, "heping.csv", "HP-900,宁夏路社区,和平区,社区,和平区宁夏路12号\n")
    assert run("venues", str(first), "--campaign", str(venue_campaign), "--jobs", "1")[0] == 0
    copy = district_list(venue_campaign, "heping-v2-final.csv", "HP-900,宁夏路社区,和平区,社区,和平区宁夏路12号\n")
    code, output = run("venues", str(copy), "--campaign", str(venue_campaign), "--jobs", "1")
    run_dir = venue_campaign / "output" / "venue-lists" / "heping-A4"
    assert code == 0 and f"-> {run_dir} (0 rendered, 1 unchanged)" in output, output
    posters = tree(run_dir)
    code, output = run("venues", str(copy), "--campaign", str(venue_campaign), "--jobs", "1", "--size", "A6")
    assert code == 0 and f"-> {run_dir.with_name('heping-A6')} (1 rendered" in output, "a folder of its own"
    assert tree(run_dir) == posters, "the A4 posters are untouched"
    code, output = run("venues", str(copy), "--campaign", str(venue_campaign), "--size", "A5", "--out", str(run_dir))
    assert code == 1 and "holds the run of venues of heping (A4); a run of venues of heping (A5) there would " \
        "replace those venues" in output, output
    assert tree(run_dir) == posters


def test_key_file_inside_the_output_folder_is_refused(venue_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "district"
    key = out / "secret.key"
    out.mkdir()
    links.write_key_file(key, [links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2)))])
    code, output = run("venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                       "--out", str(out), "--key-file", str(key))
    assert code == 1 and "--key-file" in output and "inside the output folder" in output
    assert key.is_file() and sorted(p.name for p in out.iterdir()) == ["secret.key"]


def test_placeholder_service_warns_and_strict_fails(venue_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, output = run("venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                       "--out", str(out), "--jobs", "1", "--strict")
    assert code == 1 and "PLACEHOLDER" in output and "--strict" in output
    assert not list(out.glob("**/*.pdf")), "--strict fails before anything is rendered"
    code, output = run("venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                       "--out", str(out), "--jobs", "1")
    assert code == 0 and "warning: campaign.toml service.url" in output and "PLACEHOLDER" in output


def test_a_second_venue_run_into_one_folder_is_refused(venue_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        import time
        from pathlib import Path
        from materials.output import locked
        with locked(Path({str(out)!r}), "materials venues"):
            print("locked", flush=True)
            time.sleep(60)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        code, output = run("venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                           "--out", str(out), "--jobs", "1")
        assert code == 1 and f"another run is writing to {out} (materials venues, process {holder.pid})" in output
        assert not list(out.glob("**/*.pdf")) and not (out / "manifest.csv").exists()
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
