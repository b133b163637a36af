"""Two `materials keys new` at once on one campaign (red team 11, #1): both chose the next id from the key file
as it was before either wrote, so both said "wrote key 2" and the file kept only the second writer's key. The
key file is now locked from reading it to writing it: the second run waits, then takes the next id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from materials.venues import links

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
ROUNDS = 6


def _together(*commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    running = [subprocess.Popen([*CLI, *command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for command in commands]
    done = []
    for process in running:
        output, _ = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, output))
    return done


@pytest.mark.parametrize("kind", ["district", "add"])
def test_two_keys_new_at_once_keep_both_keys(venue_campaign: Path, kind: str) -> None:
    key_file = venue_campaign / "keys" / "venue.key"
    original = key_file.read_bytes()
    hand_over = venue_campaign / ".materials" / "district-keys"
    for _round in range(ROUNDS):
        key_file.unlink()
        key_file.write_bytes(original)
        key_file.chmod(0o600)
        for old in hand_over.glob("*.key") if hand_over.is_dir() else []:
            old.unlink()
        if kind == "district":
            commands = [["keys", "new", "--district", d, "--campaign", str(venue_campaign)]
                        for d in ("heping", "binhai")]
        else:
            commands = [["keys", "new", "--add", "--campaign", str(venue_campaign)] for _ in range(2)]
        results = _together(*commands)
        assert all(r.returncode == 0 for r in results), [r.stdout for r in results]
        ring = links.read_key_file(key_file)
        assert sorted(ring.keys) == [1, 2, 3], (f"round {_round}: the key file kept {sorted(ring.keys)}",
                                                [r.stdout for r in results])
        said = sorted(int(r.stdout.split("wrote key ")[1].split()[0]) for r in results)
        assert said == [2, 3], [r.stdout for r in results]
        if kind == "district":
            for district in ("heping", "binhai"):
                office = links.read_key_file(hand_over / f"{district}.key")
                (key,) = office.keys.values()
                assert ring.holds(key), f"round {_round}: {district}'s hand-over key is not in the campaign's file"


def test_the_key_files_lock_is_never_opened_through_a_link(venue_campaign: Path, tmp_path: Path) -> None:
    """A lock named like the key file's that is a symbolic link would have its target created or emptied."""
    from click.testing import CliRunner

    from materials.cli import cli

    victim = tmp_path / "victim.txt"
    victim.write_text("mine", encoding="utf-8")
    (venue_campaign / "keys" / ".venue.key.lock").symlink_to(victim)
    before = (venue_campaign / "keys" / "venue.key").read_bytes()
    result = CliRunner().invoke(cli, ["keys", "new", "--district", "heping", "--campaign", str(venue_campaign)])
    assert result.exit_code == 1 and "is a symbolic link" in result.output, result.output
    assert victim.read_text(encoding="utf-8") == "mine"
    assert (venue_campaign / "keys" / "venue.key").read_bytes() == before
