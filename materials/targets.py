"""Output kinds: the shape each one has and the registry the pipeline reads.

Like Sphinx's builders, an output kind is an object with a fixed set of attributes and methods, and the
pipeline calls that shape, never a module attribute it may or may not find:

- `name` (`print`), `table` (its settings table in campaign.toml, `[print]`), `settings` (the pydantic
  model of that table, every field with a default and a docstring), `summary` (one line for the settings
  reference), `depends_on` (output kinds whose files it reads when they exist: web offers print's PDFs);
  optionally `extra_tables` (more tables it owns, name -> (model, summary): web's `[search]`) and
  `lays_out` (True when validation lays pages out: it runs after the other kinds' and is skipped when
  they found problems, so content and settings errors come in seconds);
- `validate(campaign) -> Plan`: read and check its own sources, write nothing that outlives the plan;
- `render(plan, dest, built)`: write into the empty folder `dest`; `built` maps output kinds already
  rendered in this run (or present in the output folder) to their folders;
- `verify(campaign, dest) -> list[Problem]`: check a rendered folder, this run's or an old one.

The plan carries whatever validation learned to `render` (print lays every page out to prove the words
fit, and `render` reuses those pages); `Plan.close()` releases it. The build closes every plan, whether it
rendered or not, so nothing lives in module globals or in exit handlers.

Each output kind registers itself when its package is imported (`register(...)` at the end of
`materials/<kind>/__init__.py`, which must import nothing heavy). `BUILTIN` names those packages in
render order; `config.py` asks `settings_tables()` for the tables, so it imports no output kind.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from materials.i18n import _

if TYPE_CHECKING:
    from pydantic import BaseModel

    from materials.campaign import Campaign
    from materials.errors import Problem

#: The packages of the built-in output kinds, in the order they render (web offers print's files).
BUILTIN = ("materials.printing", "materials.venues", "materials.web")

#: What an output kind must have; a registration without one of them is a programming error.
REQUIRED = ("name", "table", "settings", "summary", "depends_on", "validate", "render", "verify")


@dataclass
class Plan:
    """What `validate` found, handed to `render`: its problems and anything it made on the way."""

    campaign: Campaign
    problems: list[Problem] = field(default_factory=list)

    def close(self) -> None:
        """Release what the plan holds (temporary folders). Called once the build no longer needs it."""

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@runtime_checkable
class Target(Protocol):
    name: str
    table: str
    settings: type[BaseModel]
    summary: str
    depends_on: tuple[str, ...]

    def validate(self, campaign: Campaign) -> Plan: ...

    def render(self, plan: Any, dest: Path, built: Mapping[str, Path]) -> None: ...

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]: ...


_registry: dict[str, Target] = {}


def register(target: object) -> Target:
    """Add an output kind; raise `TypeError` naming what it lacks (a missing method is never skipped)."""
    missing = [name for name in REQUIRED if not hasattr(target, name)]
    missing += [name for name in ("validate", "render", "verify")
                if name not in missing and not callable(getattr(target, name))]
    if missing:
        raise TypeError(_("output kind {name!r} lacks {missing}: see materials/targets.py for the shape every "
                          "output kind has").format(name=getattr(target, "name", target), missing=", ".join(missing)))
    assert isinstance(target, Target)
    if target.name in target.depends_on:
        raise TypeError(_("output kind {name!r} cannot depend on itself").format(name=target.name))
    _registry[target.name] = target
    return target


def registry() -> dict[str, Target]:
    """Every output kind, dependencies first (the render order)."""
    for module in BUILTIN:
        importlib.import_module(module)
    ordered: dict[str, Target] = {}

    def visit(target: Target, path: tuple[str, ...]) -> None:
        if target.name in ordered:
            return
        if target.name in path:
            raise TypeError(_("output kinds depend on each other in a circle: {value}").format(
                value=' -> '.join((*path, target.name))))
        for dep in target.depends_on:
            if dep in _registry:
                visit(_registry[dep], (*path, target.name))
        ordered[target.name] = target

    def builtin_rank(target: Target) -> int:
        module = type(target).__module__
        return next((i for i, name in enumerate(BUILTIN) if module == name or module.startswith(name + ".")),
                    len(BUILTIN))

    # Built-in kinds in BUILTIN's order whatever imported them first, then the others as registered.
    for target in sorted(_registry.values(), key=builtin_rank):
        visit(target, ())
    return ordered


def get(name: str) -> Target:
    return registry()[name]


def settings_tables() -> dict[str, tuple[type[BaseModel], str]]:
    """campaign.toml tables of the output kinds: table -> (settings model, one-line summary)."""
    tables: dict[str, tuple[type[BaseModel], str]] = {}
    for target in registry().values():
        tables[target.table] = (target.settings, target.summary)
        tables.update(getattr(target, "extra_tables", {}))
    return tables


def problems(name: str, campaign: Campaign) -> list[Problem]:
    """Validate one output kind and release its plan: the problems only (for `check` and tests)."""
    with get(name).validate(campaign) as plan:
        return list(plan.problems)


def verify(name: str, campaign: Campaign, dest: Path) -> list[Problem]:
    return get(name).verify(campaign, dest)


def shortcuts(name: str) -> tuple[Callable[[Campaign], list[Problem]],
                                  Callable[[Campaign, Path, Mapping[str, Path] | None], None],
                                  Callable[[Campaign, Path], list[Problem]]]:
    """`validate(campaign) -> problems`, `render(campaign, dest, built)` and `verify(campaign, dest)` of one
    output kind as plain functions, for its package's namespace (tests and benchmarks call them)."""
    return (functools.partial(problems, name), functools.partial(render, name), functools.partial(verify, name))


def render(name: str, campaign: Campaign, dest: Path, built: Mapping[str, Path] | None = None) -> None:
    """Validate and render one output kind into `dest` (tests, benchmarks); raise if validation fails."""
    from materials.errors import CampaignError

    target = get(name)
    with target.validate(campaign) as plan:
        if plan.problems:
            raise CampaignError(plan.problems, _("{name} cannot be rendered").format(name=name))
        dest.mkdir(parents=True, exist_ok=True)
        target.render(plan, dest, dict(built or {}))
