"""The registered output kinds and what each declares: the part of an output kind the foundation reads.

An output kind (materials/targets.py has its whole shape) declares data as well as methods: its `name`, its
settings `table` and model (`settings`, `summary`, optionally `extra_tables`), `depends_on`, and optionally
`channels`, `evidence`, `sources`, `texts`, `words_in_templates`, `commands` and `preload`. Settings
(config.py), the loaded campaign (campaign.py), output folders (output.py), templates and the content rules read those
declarations here, never a kind's name, and never the methods that take a loaded campaign: so this module
sits below `campaign.py` and imports nothing of the package but `i18n`.

Each output kind is added when its package is imported (`targets.register(...)` at the end of
`materials/<kind>/__init__.py`, which must import nothing heavy). `BUILTIN` names those packages in render
order; `kinds()` imports them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from materials.i18n import _

if TYPE_CHECKING:
    import click
    from pydantic import BaseModel

#: The packages of the built-in output kinds, in the order they render (web offers print's files).
BUILTIN = ("materials.printing", "materials.venues", "materials.web")


@runtime_checkable
class Kind(Protocol):
    """What every output kind declares (its methods are `targets.Target`'s)."""

    name: str
    table: str
    settings: type[BaseModel]
    summary: str
    depends_on: tuple[str, ...]


_registry: dict[str, Kind] = {}


def add(kind: Kind) -> None:
    """Add an output kind whose shape `targets.register` checked."""
    if kind.name in kind.depends_on:
        raise TypeError(_("output kind {name!r} cannot depend on itself").format(name=kind.name))
    _registry[kind.name] = kind


def kinds() -> dict[str, Kind]:
    """Every output kind, dependencies first (the render order)."""
    for module in BUILTIN:
        importlib.import_module(module)
    ordered: dict[str, Kind] = {}

    def visit(kind: Kind, path: tuple[str, ...]) -> None:
        if kind.name in ordered:
            return
        if kind.name in path:
            raise TypeError(_("output kinds depend on each other in a circle: {value}").format(
                value=' -> '.join((*path, kind.name))))
        for dep in kind.depends_on:
            if dep in _registry:
                visit(_registry[dep], (*path, kind.name))
        ordered[kind.name] = kind

    def builtin_rank(kind: Kind) -> int:
        module = type(kind).__module__
        return next((i for i, name in enumerate(BUILTIN) if module == name or module.startswith(name + ".")),
                    len(BUILTIN))

    # Built-in kinds in BUILTIN's order whatever imported them first, then the others as registered.
    for kind in sorted(_registry.values(), key=builtin_rank):
        visit(kind, ())
    return ordered


def channels() -> list[str]:
    """Publicity channels the output kinds tag their links with, in render order."""
    found: list[str] = []
    for kind in kinds().values():
        found += [c for c in getattr(kind, "channels", ()) if c not in found]
    return found


def evidence() -> dict[str, str]:
    """Output kind -> the file in its output folder that only this tool writes (kinds that declare one)."""
    found = {name: str(getattr(kind, "evidence", "")) for name, kind in kinds().items()}
    return {name: file for name, file in found.items() if file}


def source_folders() -> list[str]:
    """Campaign folders the output kinds read their own sources from (`posters`, `venues`)."""
    return [folder for kind in kinds().values() for folder in getattr(kind, "sources", ())]


def text_folders() -> list[tuple[str, str]]:
    """Campaign folders of published Markdown the output kinds read, with the kind of text each holds:
    (`posters`, `poster`)."""
    return [pair for kind in kinds().values() for pair in getattr(kind, "texts", ())]


def template_words() -> list[str]:
    """Output kinds whose templates hold printed words of their own (read by the content rules)."""
    return [name for name, kind in kinds().items() if getattr(kind, "words_in_templates", False)]


def commands() -> list[click.Command]:
    """The output kinds' own commands for the `materials` CLI, in render order."""
    found = []
    for kind in kinds().values():
        for spec in getattr(kind, "commands", ()):
            module, _, name = spec.partition(":")
            found.append(getattr(importlib.import_module(module), name))
    return found


def settings_tables() -> dict[str, tuple[type[BaseModel], str]]:
    """campaign.toml tables of the output kinds: table -> (settings model, one-line summary)."""
    tables: dict[str, tuple[type[BaseModel], str]] = {}
    for kind in kinds().values():
        tables[kind.table] = (kind.settings, kind.summary)
        tables.update(getattr(kind, "extra_tables", {}))
    return tables


def preload(names: list[str] | None = None) -> None:
    """Import what the named kinds (default: every kind) render with, ahead of a build: a process that builds
    again and again (`materials serve`'s gallery) pays the rendering libraries' import once, and the worker
    pools it forks inherit them. A kind declares it with a `preload()` of its own."""
    for name, kind in kinds().items():
        warm = getattr(kind, "preload", None)
        if callable(warm) and (names is None or name in names):
            warm()
