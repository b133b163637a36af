"""Output folders are owned, locked and never a source; the machine's state is an error, never a traceback.

Real builds of the mini campaign's website (the cheapest real target) into real folders; a second process
holds the lock; a killed build is a real SIGKILL; a full disk and a read-only folder are a real tmpfs
mounted in a private mount namespace (skipped where the machine does not allow one).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from materials.cli import cli

# Spelled out, not imported, so these tests also run (and fail) against a version without them.
MARKER, LOCK, PROBLEMS = ".materials-output", ".materials-lock", "problems.txt"

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def web_build(campaign: Path, out: Path | None = None) -> tuple[int, str]:
    return run("build", "--campaign", str(campaign), "--only", "web", *(["--out", str(out)] if out else []))


def test_out_holding_the_campaigns_templates_is_refused_and_kept(mini_campaign: Path) -> None:
    own = mini_campaign / "templates"
    shutil.copytree(Path(__file__).resolve().parent.parent / "templates", own)
    before = tree(own)
    code, output = web_build(mini_campaign, own)
    assert code == 1 and "sources" in output, output
    assert tree(own) == before, "the campaign's templates must survive"
    code, output = web_build(mini_campaign, own / "web" / "out")
    assert code == 1 and "inside the campaign's sources" in output


@pytest.mark.parametrize("folder", ["faq/zh-CN/out", "faq", "posters", "tips/new", ".materials"])
def test_out_inside_any_source_folder_is_refused(mini_campaign: Path, folder: str) -> None:
    code, output = web_build(mini_campaign, mini_campaign / folder)
    assert code == 1 and ("sources" in output or "key" in output), output
    assert not (mini_campaign / folder / "web").exists()


def test_out_with_foreign_files_is_refused_new_or_empty_is_claimed(mini_campaign: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "reports"
    foreign.mkdir()
    (foreign / "budget.xlsx").write_bytes(b"not ours")
    code, output = web_build(mini_campaign, foreign)
    assert code == 1 and "not empty (budget.xlsx)" in output and MARKER in output
    assert (foreign / "budget.xlsx").read_bytes() == b"not ours" and not (foreign / "web").exists()

    empty = tmp_path / "empty"
    empty.mkdir()
    code, output = web_build(mini_campaign, empty)
    assert code == 0, output
    assert json.loads((empty / MARKER).read_text(encoding="utf-8"))["made_by"] == "materials build"
    assert web_build(mini_campaign, empty)[0] == 0, "a folder the build made is the build's to replace"


def test_a_marker_of_another_command_is_refused(mini_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "district"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"made_by": "materials venues", "source": "/x/heping.csv"}),
                              encoding="utf-8")
    (out / "manifest.csv").write_text("id\n", encoding="utf-8")
    code, output = web_build(mini_campaign, out)
    assert code == 1 and "holds the output of `materials venues`" in output
    assert (out / "manifest.csv").is_file()


def test_default_output_of_an_older_version_is_adopted(mini_campaign: Path) -> None:
    assert web_build(mini_campaign)[0] == 0
    (mini_campaign / "output" / MARKER).unlink()  # as an older version left it
    code, output = web_build(mini_campaign)
    assert code == 0, output


@pytest.mark.parametrize("where", ["output/venue.key", "output/web/venue.key", "site/web/venue.key"])
def test_keys_new_refuses_a_path_inside_an_output_folder(mini_campaign: Path, tmp_path: Path, where: str) -> None:
    if where.startswith("site"):
        assert web_build(mini_campaign, tmp_path / "site")[0] == 0
        key = tmp_path / where
    else:
        key = mini_campaign / where
    code, output = run("keys", "new", "--out", str(key))
    assert code == 1 and "inside the output folder" in output and "no longer be verified" in output
    assert not key.exists()
    code, output = run("keys", "new", "--out", str(mini_campaign / "secrets" / "venue.key"))
    assert code == 0, output


def test_build_refuses_an_out_that_holds_the_campaigns_key(mini_campaign: Path, tmp_path: Path) -> None:
    out = mini_campaign / "site"  # a key_file setting names a file inside the campaign (an absolute one is refused)
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nkey_file = "site/venue.key"\n')
    code, output = web_build(mini_campaign, out)
    assert code == 1 and "venues.key_file" in output and "inside the output folder" in output


def hold_lock(folder: Path) -> subprocess.Popen[str]:
    """A second process that holds the folder's lock, as a concurrent run would."""
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from materials.output import locked
        with locked(Path({str(folder)!r}), "materials build"):
            print("locked", flush=True)
            time.sleep(60)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_a_second_run_into_the_same_folder_is_refused_clearly(mini_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert web_build(mini_campaign, out)[0] == 0
    before = tree(out / "web")
    holder = hold_lock(out)
    try:
        code, output = web_build(mini_campaign, out)
        assert code == 1, output
        assert f"another run is writing to {out}" in output and f"process {holder.pid}" in output
        assert "Traceback" not in output
        assert tree(out / "web") == before
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()
    assert web_build(mini_campaign, out)[0] == 0, "the lock ends with the process that held it"


def kill_while_staging(command: list[str], out: Path) -> bool:
    """Start a real build and SIGKILL it while its staging folder exists; False if it finished first."""
    build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while build.poll() is None:
            if any(p.name.endswith(".staging") for p in out.glob(".*")):
                build.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        build.wait()
    return build.returncode == -signal.SIGKILL


def test_a_killed_build_leaves_no_staging_folder_after_the_next_run(mini_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [*CLI, "build", "--campaign", str(mini_campaign), "--only", "web", "--out", str(out)]
    assert any(kill_while_staging(command, out) for _ in range(5)), "no build was caught while staging"
    assert any(p.name.endswith(".staging") for p in out.glob(".*")), "the kill left a stage behind"
    code, output = web_build(mini_campaign, out)
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [LOCK, MARKER, "web"], "the stale stage is gone"


def test_a_long_problem_list_is_capped_on_screen_and_written_whole(mini_campaign: Path, tmp_path: Path) -> None:
    # A different district on every row: the same problem on several rows would be one line naming the rows.
    rows = "".join(f"HP-{n},某社区,朝阳{n}区,社区,某路{n}号,,,0\n" for n in range(1, 121))
    header = "id,name,district,category,address,name_en,address_en,reprint\n"
    (mini_campaign / "venues.csv").write_text(header + rows, encoding="utf-8")
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nlist = "venues.csv"\ndemo_key = true\n')
    out = tmp_path / "out"
    code, output = run("build", "--campaign", str(mini_campaign), "--only", "venues", "--out", str(out))
    assert code == 1
    shown = [line for line in output.splitlines() if "unknown district" in line]
    assert len(shown) == 50 and "row 2," in shown[0] and "row 51," in shown[-1], "numeric row order, first 50"
    assert f"... and 70 more; the whole list is in {out / PROBLEMS}" in output
    written = (out / PROBLEMS).read_text(encoding="utf-8")
    assert written.count("unknown district") == 120 and "row 121," in written
    assert written.index("row 9,") < written.index("row 10,") < written.index("row 100,")


# ---- the machine's state: a real tmpfs in a private mount namespace ----------------------------------------

MACHINE = """
import json, os, subprocess, sys
from pathlib import Path
campaign, mount, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
cli = [sys.executable, "-c", "from materials.cli import main; main()"]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], check=True)
out = mount / "out"
build = cli + ["build", "--campaign", str(campaign), "--only", "web", "--out", str(out)]
first = subprocess.run(build, capture_output=True, text=True)
def tree():
    return {str(p.relative_to(out)): p.read_bytes().hex()[:64] + str(p.stat().st_size)
            for p in sorted((out / "web").rglob("*")) if p.is_file()}
before = tree()
if mode == "full":
    with open(mount / "filler", "wb") as f:
        try:
            while True:
                f.write(b"x" * 65536)
                f.flush()
        except OSError:
            pass
else:
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
second = subprocess.run(build, capture_output=True, text=True)
print(json.dumps({"first": first.returncode, "first_err": first.stderr[-2000:], "code": second.returncode,
                  "output": second.stdout + second.stderr, "intact": tree() == before,
                  "left": sorted(p.name for p in out.iterdir())}))
"""


@pytest.mark.parametrize(("mode", "reason"), [("full", "No space left on device (ENOSPC)"),
                                              ("read-only", "Read-only file system (EROFS)")])
def test_full_disk_and_read_only_output_are_one_clear_error(mini_campaign: Path, tmp_path: Path, mode: str,
                                                            reason: str) -> None:
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        pytest.skip("this machine allows no private mount namespace")
    mount = tmp_path / "disk"
    mount.mkdir()
    script = tmp_path / "machine.py"
    script.write_text(MACHINE, encoding="utf-8")
    done = subprocess.run(["unshare", "-rm", sys.executable, str(script), str(mini_campaign), str(mount), mode],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first"] == 0, result["first_err"]
    assert result["code"] == 1, result["output"]
    assert "Traceback" not in result["output"]
    assert reason in result["output"] and str(mount / "out") in result["output"], result["output"]
    assert "previous output" in result["output"]
    assert result["intact"], "the previous site must be untouched"
    if mode == "full":
        assert not [n for n in result["left"] if n.endswith((".staging", ".part"))], result["left"]


def test_the_proof_in_output_does_not_block_the_build(mini_campaign: Path) -> None:
    output = mini_campaign / "output"
    output.mkdir()
    (output / "proof.pdf").write_bytes(b"%PDF-1.7 as materials proof writes it")
    code, result = web_build(mini_campaign)
    assert code == 0, result
    assert (output / "proof.pdf").is_file()


@pytest.mark.parametrize("change", ["rename", "replace", "remove"])
def test_a_folder_renamed_or_replaced_during_a_run_fails_naming_it(tmp_path: Path, change: str) -> None:
    """The lock remembers the folder's identity: a run whose folder was renamed, replaced by another or
    removed fails with the folder's name instead of ending as if its files were all there."""
    from materials import output
    from materials.errors import OutputError

    out = tmp_path / "out"
    with pytest.raises(OutputError, match=f"the output folder {out} was renamed, moved or replaced"):  # noqa: SIM117
        with output.locked(out, "materials venues"):
            (out / "a.pdf").write_bytes(b"%PDF")
            if change == "remove":
                shutil.rmtree(out)
            else:
                out.rename(tmp_path / "elsewhere")
            if change == "replace":
                out.mkdir()
    with output.locked(out, "materials venues"):  # an untouched folder: no complaint
        (out / "b.pdf").write_bytes(b"%PDF")


@pytest.mark.parametrize("link", ["output"])
def test_a_default_output_that_is_a_link_to_another_campaign_is_refused(mini_campaign: Path, tmp_path: Path,
                                                                        link: str) -> None:
    """Red team 2, #4: a campaign shipping `output` as a link to its neighbour's output would replace the
    neighbour's site; the default folder is never followed through a link (an explicit --out is)."""
    victim = tmp_path / "victim" / "output"
    (victim / "web").mkdir(parents=True)
    (victim / "web" / "index.html").write_text("the neighbour's site", encoding="utf-8")
    target = victim if link == "output" else victim / "web"
    (mini_campaign / link).parent.mkdir(parents=True, exist_ok=True)
    (mini_campaign / link).symlink_to(target)
    before = tree(victim)
    code, output = web_build(mini_campaign)
    assert code == 1 and "symbolic link" in output and "--out" in output, output
    assert tree(victim) == before and sorted(p.name for p in victim.iterdir()) == ["web"]
