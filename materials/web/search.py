"""The offline search index: Pagefind's extended build, which segments Chinese text.

Pagefind reads the rendered pages (only the `data-pagefind-body` element of each question page, so a
result is always one question's permalink) and writes `pagefind/` beside them: a small loader, a
WebAssembly search engine and index chunks per language (`<html lang>`), fetched by assets/search.js
only when someone searches. Nothing is fetched from another origin.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

from materials.errors import MaterialsError

log = logging.getLogger(__name__)

BUNDLE = "pagefind"
#: Files of the bundle the site does not use (we ship our own small, accessible search UI).
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


def executable() -> Path:
    from pagefind.service import get_executable

    exe = get_executable()
    if exe is None or "extended" not in exe.name:
        raise MaterialsError(
            "Pagefind's extended build is not installed (it segments Chinese for search); "
            "run `pip install 'pagefind[extended]'` or set site.search = false in campaign.toml"
        )
    return exe


def build_index(site: Path) -> None:
    """Index the rendered site in place; raise MaterialsError if Pagefind fails or indexes nothing."""
    result = subprocess.run(
        [str(executable()), "--site", str(site), "--output-subdir", BUNDLE, "--quiet"],
        capture_output=True, text=True, check=False, timeout=300,
    )
    for line in result.stderr.splitlines() + result.stdout.splitlines():
        if line.strip():
            log.debug("pagefind: %s", line)
    if result.returncode != 0:
        raise MaterialsError(f"building the search index failed (pagefind exit {result.returncode}): "
                             f"{result.stderr.strip() or result.stdout.strip()}")
    bundle = site / BUNDLE
    if not (bundle / "pagefind.js").is_file() or not any(bundle.glob("index/*.pf_index")):
        raise MaterialsError("the search index is empty: no page carried data-pagefind-body")
    for name in UNUSED:
        (bundle / name).unlink(missing_ok=True)
    _normalise_entry(bundle / "pagefind-entry.json")


def _normalise_entry(path: Path) -> None:
    """Pagefind writes its languages in hash-map order, which differs between runs: sort them so the
    same site gives the same bytes (reproducible builds). The loader reads it as JSON, order-free."""
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")), encoding="utf-8")
