"""Golden HTML of the fixture campaign (tests/web/campaign): the text of every page is reviewed in diffs.

Regenerate after an intended change (`make golden`), then review `git diff tests/web/golden`:

    MATERIALS_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/web/test_golden.py

The regenerating run fails on purpose after writing, so it can never pass by itself; run again to check.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
#: Text outputs whose content matters; binary and generated search files are checked elsewhere.
PATTERNS = ("**/*.html", "sitemap.xml", "robots.txt", "_headers", "nginx-headers.conf", "assets/site.css")


#: The sources' fingerprint (materials/fingerprint.py) changes with every template edit: tested in test_draft.py.
FINGERPRINT = re.compile(r'((?:name="materials-sources" content|data-materials-sources)=")[0-9A-F-]+"')


def text_files(folder: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for pattern in PATTERNS:
        for path in folder.glob(pattern):
            text = FINGERPRINT.sub(r'\1FINGERPRINT"', path.read_text(encoding="utf-8"))
            files[path.relative_to(folder).as_posix()] = text
    return dict(sorted(files.items()))


def test_site_matches_golden(site):
    actual = text_files(site)
    if os.environ.get("MATERIALS_REGENERATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, text in actual.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_text(text, encoding="utf-8")
        # A regeneration run must never count as a pass: review `git diff tests/web/golden`, then run again.
        raise AssertionError(f"golden files rewritten in {GOLDEN}; review the diff and rerun without "
                             "MATERIALS_REGENERATE_GOLDEN")
    expected = text_files(GOLDEN)
    assert sorted(actual) == sorted(expected), "pages added or removed: regenerate (see module docstring)"
    for rel, text in actual.items():
        if text != expected[rel]:
            diff = "".join(difflib.unified_diff(expected[rel].splitlines(True), text.splitlines(True),
                                                f"golden/{rel}", f"site/{rel}", n=2))
            raise AssertionError(f"{rel} differs from golden (regenerate if intended):\n{diff[:4000]}")
