"""The package's import structure (docs/architecture.md): no import cycles, even through imports inside
functions, and the foundation imports no output kind."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "materials"
OUTPUT_KINDS = ("materials.printing", "materials.venues", "materials.web")


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


def imports(path: Path, known: dict[str, Path], typing: bool = False) -> set[str]:
    """`materials` modules a module imports anywhere, inside functions too (typing-only imports under
    TYPE_CHECKING only with `typing`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not typing and isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("materials"):
            found |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                      for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("materials")}
    return {name for name in found if name in known}


def test_no_import_cycles() -> None:
    """Typing-only imports count too: a loop of them is the same knot for a reader, and one step from a real
    cycle (the registry used to reach back up to `campaign.py` for the type of a plan's campaign)."""
    known = modules()
    graph = {name: imports(path, known, typing=True) - {name} for name, path in known.items()}
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(graph[name]):
            assert state.get(other) != "open", "import cycle: " + " -> ".join([*path, name, other])
            if other not in state:
                visit(other, [*path, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])


def test_the_foundation_imports_no_output_kind() -> None:
    known = modules()
    for name in ("materials.config", "materials.schema", "materials.campaign", "materials.targets",
                 "materials.registry", "materials.templating", "materials.errors", "materials.scripts",
                 "materials.guarded", "materials.output"):
        found = sorted(d for d in imports(known[name], known, typing=True) if d.startswith(OUTPUT_KINDS))
        assert found == [], f"{name} imports {found}: output kinds register themselves (materials/targets.py)"


def test_no_output_kind_calls_the_pipeline() -> None:
    """Commands call the build; an output kind only answers it (MkDocs' plugins, Sphinx's builders). A kind's
    command that writes a folder uses the guarded run below the pipeline (materials/guarded.py), as the
    pipeline itself does. Every import counts: inside functions and under TYPE_CHECKING too."""
    known = modules()
    for name, path in known.items():
        if name.startswith(OUTPUT_KINDS):
            assert "materials.build" not in imports(path, known, typing=True), \
                f"{name} imports materials.build: use materials.guarded (docs/architecture.md)"


def test_the_guarded_run_and_the_script_traits_sit_below_the_pipeline() -> None:
    known = modules()
    for name in ("materials.guarded", "materials.output", "materials.scripts", "materials.log"):
        assert "materials.build" not in imports(known[name], known, typing=True), f"{name} imports the pipeline"
    # Script traits are plain data for every kind's layout: nothing of the package below them.
    assert imports(known["materials.scripts"], known, typing=True) == set()
    # Venue sizes are a table that settings and the CLI read without the renderer (its message goes through
    # materials.i18n, a leaf every layer uses).
    assert imports(known["materials.venues.sizes"], known, typing=True) <= {"materials.i18n"}


def test_a_misspelt_setting_of_an_output_kind_is_a_type_error(tmp_path: Path) -> None:
    """Each kind's table is typed end to end (materials.schema.KindSettings): mypy names a misspelt setting
    and the untyped road `settings.print` that used to let it through."""
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        "from materials.config import Settings\n"
        "from materials.printing.settings import PrintSettings\n\n\n"
        "def bleed(settings: Settings) -> float:\n"
        "    return PrintSettings.of(settings).bleed_mmm\n\n\n"
        "def table(settings: Settings) -> object:\n"
        "    return settings.print\n\n\n"
        "def right(settings: Settings) -> float:\n"
        "    return PrintSettings.of(settings).bleed_mm\n", encoding="utf-8")
    out, err, status = api.run(["--config-file", str(PACKAGE.parent / "pyproject.toml"), "--no-error-summary",
                                "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"), str(snippet)])
    assert status == 1, out + err
    assert sorted(int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line) == [6, 10], out
    assert '"PrintSettings" has no attribute "bleed_mmm"' in out and '"Settings" has no attribute "print"' in out


def _kind(module: str) -> str | None:
    return next((k for k in OUTPUT_KINDS if module == k or module.startswith(k + ".")), None)


def test_a_kind_reads_another_through_its_contract_or_settings_only() -> None:
    """An output kind reaches another one through the registry, that kind's typed contract (print's
    `manifest.py`) or its settings module; never its internals. No exception: `materials serve`'s gallery
    (web/live.py) used to import print's worker and cache, and now asks the registry to preload and the
    manifest module for a file's digest. Every import counts, inside functions and under TYPE_CHECKING."""
    known = modules()
    found = []
    for name, path in known.items():
        mine = _kind(name)
        if mine is None:
            continue
        found += [f"{name} imports {d}" for d in sorted(imports(path, known, typing=True))
                  if _kind(d) not in (None, mine) and d.rsplit(".", 1)[1] not in ("manifest", "settings")]
    assert found == []


def test_the_web_reads_print_through_its_typed_manifest_only() -> None:
    """The tips page offers print's files and words through printing/manifest.py (a typed contract): the
    downloads module takes nothing else of the print kind."""
    known = modules()
    printing = {d for d in imports(known["materials.web.downloads"], known, typing=True)
                if d.startswith("materials.printing")}
    assert printing == {"materials.printing.manifest"}
    from materials.web import downloads

    # Manifest entries stay typed on the web side too (downloads.Download), never dicts again.
    assert downloads.collect.__annotations__["return"] == "list[Download]"
    assert "model_dump" not in (PACKAGE / "web" / "downloads.py").read_text(encoding="utf-8")


def test_loading_a_campaign_runs_no_content_rule() -> None:
    """`campaign.load()` reads and cross-checks the campaign's files; the content rules (facts, notice, glossary
    over every text) run in the pipeline and `check` (materials/content.py), so loading stays below them."""
    known = modules()
    rules = {"materials.facts", "materials.glossary", "materials.texts", "materials.notice", "materials.content"}
    found = imports(known["materials.campaign"], known, typing=True) & rules
    assert found == set(), f"materials.campaign imports {sorted(found)}"
    assert "materials.content" in imports(known["materials.build"], known)


def test_the_foundation_knows_no_output_kind_by_name() -> None:
    """Channels, evidence files, strings and template folders come from the registry (each kind declares its
    own), so the foundation's modules hold no kind's name as a literal."""
    for name in ("config", "campaign", "output", "texts", "fingerprint", "templating", "guarded"):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        literals = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
        for kind in ("web", "print", "venues", "booklet", "wechat", "manifest.json", "sitemap.xml", "posters",
                     "tips"):
            assert kind not in literals, f"materials/{name}.py names {kind!r}: declare it on the kind's Target"


def test_a_campaign_that_lists_one_channel_passes_check(mini_campaign: Path) -> None:
    """campaign.toml `channels` adds channels to the output kinds' own; it never takes one from a kind that
    tags its links (`channels = ["portal"]` used to fail with "unknown publicity channel 'booklet'")."""
    from materials import registry
    from materials.build import check

    toml = mini_campaign / "campaign.toml"
    toml.write_text('channels = ["portal", "radio"]\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    campaign = check(mini_campaign)
    assert campaign.settings.channels == ["portal", "radio"]
    assert campaign.channels == [*registry.channels(), "radio"]
    assert {"portal", "booklet", "poster", "venue"} <= set(registry.channels())
    assert campaign.service_link("booklet").endswith("=booklet") and campaign.service_link("radio").endswith("=radio")


def test_a_venue_size_says_its_own_finishing() -> None:
    """The order sheet's finishing of a venue file comes from its size row (materials/venues/sizes.py), so a
    new sticker size needs no other edit: "4 A6" is not written anywhere else."""
    from materials import printorder
    from materials.venues import sizes

    assert not any(kind.startswith("venue") for kind in printorder.FINISHING)
    assert sizes.get("A6").finishing == "cut on the marks into 4 A6; 1 copy a sheet"
    assert sizes.get("A4").finishing == "trim; 1 copy of each page (one venue a page)"
    a7 = sizes.VenueSize("A7", 74.0, 105.0, qr_mm=36.0, sheet=sizes.Sheet("A4", 210.0, 297.0, across=2, down=4))
    assert a7.finishing == "cut on the marks into 8 A7; 1 copy a sheet" and a7.order_kind == "venue-sticker"
