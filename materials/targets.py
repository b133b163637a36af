"""Output kinds: the shape each one has, and the calls the pipeline makes on it.

Like Sphinx's builders, an output kind is an object with a fixed set of attributes and methods, and the
pipeline calls that shape, never a module attribute it may or may not find:

- what it declares (materials/registry.py, which the foundation reads): `name` (`print`), `table` (its
  settings table in campaign.toml, `[print]`), `settings` (the pydantic model of that table, every field
  with a default and a docstring), `summary` (one line for the settings reference), `depends_on` (output
  kinds whose files it reads when they exist: web offers print's PDFs); optionally `extra_tables` (more
  tables it owns, name -> (model, summary): web's `[search]`), `lays_out` (True when validation lays pages
  out: it runs after the other kinds' and is skipped when they found problems, so content and settings
  errors come in seconds), `channels` (the publicity channels its links are tagged with, `("portal",)`:
  campaign.toml's `channels` only adds more), `evidence` (a file in its output folder that only this tool
  writes, which tells an older build's folder from someone's files), `sources` (the campaign folders it
  reads: no output folder may be one of them), `words_in_templates` (True when its templates hold printed
  words of their own, which the content rules read: the venue posters'), `commands` (its click commands as
  `"module:name"`, added to the `materials` CLI, imported only when the CLI starts) and `preload()` (import
  what it renders with, for a process that builds again and again);
- `validate(campaign) -> Plan`: read and check its own sources, write nothing that outlives the plan;
- `render(plan, dest, built)`: write into the empty folder `dest`; `built` maps output kinds already
  rendered in this run (or present in the output folder) to their folders;
- `verify(campaign, dest) -> list[Problem]`: check a rendered folder, this run's or an old one.

What a kind's settings table knows (its keys, the files it reads, its placeholders and texts) it answers
itself (materials.schema.KindSettings).

The plan carries whatever validation read and learned to `render` (print's parsed sources and laid-out
pages, venues' checked list), so a build reads each source once; `Plan.close()` releases it. The build closes
every plan, whether it rendered or not, so nothing lives in module globals or in exit handlers.

Each output kind registers itself when its package is imported (`register(...)` at the end of
`materials/<kind>/__init__.py`, which must import nothing heavy).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from materials import registry
from materials.i18n import _

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.errors import Problem

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
class Target(registry.Kind, Protocol):
    """An output kind: what it declares (`registry.Kind`) and the three calls of the pipeline."""

    def validate(self, campaign: Campaign) -> Plan: ...

    def render(self, plan: Any, dest: Path, built: Mapping[str, Path]) -> None: ...

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]: ...


def register(target: object) -> Target:
    """Add an output kind; raise `TypeError` naming what it lacks (a missing method is never skipped)."""
    missing = [name for name in REQUIRED if not hasattr(target, name)]
    missing += [name for name in ("validate", "render", "verify")
                if name not in missing and not callable(getattr(target, name))]
    if missing:
        raise TypeError(_("output kind {name!r} lacks {missing}: see materials/targets.py for the shape every "
                          "output kind has").format(name=getattr(target, "name", target), missing=", ".join(missing)))
    assert isinstance(target, Target)
    registry.add(target)
    return target


def registered() -> dict[str, Target]:
    """Every output kind, dependencies first (the render order)."""
    return {name: _shaped(kind) for name, kind in registry.kinds().items()}


def get(name: str) -> Target:
    return _shaped(registry.kinds()[name])


def _shaped(kind: registry.Kind) -> Target:
    assert isinstance(kind, Target)  # register() let in nothing else
    return kind


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
