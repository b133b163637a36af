"""The README is the user's manual: keep it in step with the code."""

from __future__ import annotations

import re
from pathlib import Path

from materials.config import reference_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_settings_reference_in_readme_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- settings-reference:start -->\n(.*?)<!-- settings-reference:end -->", readme, re.S)
    assert match, "README.md lost its settings-reference markers"
    assert match.group(1) == reference_markdown(), "README settings reference is stale: run `make readme`"


def test_readme_lists_every_top_level_folder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ignored = {".git", ".venv", "node_modules", "output", ".pytest_cache", ".mypy_cache", ".ruff_cache",
               ".hypothesis", ".benchmarks", ".materials", "materials.egg-info"}
    folders = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and p.name not in ignored)
    for folder in folders:
        assert f"`{folder}/`" in readme, f"README's folder table does not explain {folder}/"
