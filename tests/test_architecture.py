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
    known = modules()
    graph = {name: imports(path, known) - {name} for name, path in known.items()}
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
                 "materials.templating", "materials.errors", "materials.scripts", "materials.guarded",
                 "materials.output"):
        found = sorted(d for d in imports(known[name], known) if d.startswith(OUTPUT_KINDS))
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
