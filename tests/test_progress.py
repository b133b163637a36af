"""Progress on a terminal, quiet on a pipe, and one summary at the end of a build whose times agree."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from materials import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_rates_are_never_rounded_to_zero() -> None:
    assert progress.rate(14, 68.7, "batches") == ", 0.2 batches/s"
    assert progress.rate(294, 20.0, "pages") == ", 15 pages/s"
    assert progress.rate(3, 0.01, "pages") == ""


def test_a_terminal_sees_done_total_and_rate(monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(progress.state, "bars", True)
    caplog.set_level(logging.INFO, logger="materials.progress")
    clock = iter(range(0, 100))
    monkeypatch.setattr(progress.time, "perf_counter", lambda: float(next(clock)))
    assert list(progress.track(iter("abc"), "print: laying out", length=30, unit="pages",
                               weights=[10, 10, 10])) == ["a", "b", "c"]
    drawn = terminal.getvalue()
    assert "print: laying out: 10/30 pages" in drawn and "pages/s" in drawn and "s left" in drawn
    assert drawn.endswith("\r\x1b[2K")  # the line is cleared for the summary
    [line] = [r.getMessage() for r in caplog.records]
    assert re.fullmatch(r"print: laying out: 30 pages in \d+\.\d s, \d+(\.\d+)? pages/s", line)


def test_a_pipe_gets_no_progress_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    monkeypatch.setitem(progress.state, "bars", True)
    assert list(progress.track(range(5), "work", length=5)) == [0, 1, 2, 3, 4]
    assert pipe.getvalue() == ""


def test_build_ends_with_one_summary(mini_campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from materials.cli import main; main()"]
    done = subprocess.run([*command, "build", "--campaign", str(mini_campaign), "--only", "web", "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    folder = re.fullmatch(r"web: (\d+) files \((.+)\) in (\d+\.\d) s: (.+)", lines[0])
    assert folder is not None, lines
    assert int(folder[1]) == sum(1 for p in (out / "web").rglob("*") if p.is_file())
    assert sum(int(part.rsplit(" ", 1)[1]) for part in folder[2].split(", ")) == int(folder[1])
    total = re.fullmatch(r"built web in (\d+\.\d) s, (\d+) warning\(s\)", lines[-1])
    assert total is not None, lines
    assert float(folder[3]) <= float(total[1])  # the part never takes longer than the whole
    assert int(total[2]) >= 1  # the fixture's PLACEHOLDER service URL
    assert "\r" not in done.stderr  # not a terminal: no progress lines
