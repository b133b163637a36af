"""scripts/setup-system: installs system packages as root, names them otherwise.

The script is run for real; only `id` and `dpkg-query` are replaced by stand-ins on PATH, so the test can
play a non-root user on a machine missing packages without touching this machine's packages.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fake_bin(tmp_path: Path, uid: int, installed: set[str]) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    cases = "\n".join(f'  {name}) echo "install ok installed" ;;' for name in sorted(installed))
    script = f'#!/bin/sh\neval last=\\${{$#}}\ncase "$last" in\n{cases}\n  *) exit 1 ;;\nesac\n'
    (bin_dir / "dpkg-query").write_text(script)
    for path in bin_dir.iterdir():
        path.chmod(0o755)
    return bin_dir


def run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run(["sh", str(ROOT / "scripts/setup-system")], capture_output=True, text=True, env=env,
                          check=False)


def test_non_root_gets_the_exact_install_line(tmp_path: Path) -> None:
    result = run(fake_bin(tmp_path, 1000, {"libpango-1.0-0", "fontconfig", "poppler-utils"}))
    assert result.returncode == 1
    assert ("sudo apt-get install libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk chromium ghostscript mupdf-tools"
            in result.stderr)
    assert "libpango-1.0-0 " not in result.stderr.split("install", 2)[-1]


def test_nothing_to_do_when_everything_is_installed(tmp_path: Path) -> None:
    everything = {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk", "fontconfig",
                  "poppler-utils", "chromium", "ghostscript", "mupdf-tools"}
    result = run(fake_bin(tmp_path, 1000, everything))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
