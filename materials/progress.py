"""Progress for work longer than a second: done/total, rate and time left on a terminal, one log line otherwise."""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from materials.i18n import _

T = TypeVar("T")
log = logging.getLogger("materials.progress")

#: Set by the command line (-q hides bars); library callers get no bars unless they enable them.
state = {"bars": False}


def enable_bars(on: bool) -> None:
    state["bars"] = on


def rate(count: float, elapsed: float, unit: str) -> str:
    """`12 pages/s`, `0.8 batches/s`: never a rate rounded down to 0."""
    if elapsed <= 0.05 or count <= 0:
        return ""
    per_second = count / elapsed
    shown = f"{per_second:.0f}" if per_second >= 10 else f"{per_second:.2g}"
    return _(", {rate} {unit}/s").format(rate=shown, unit=unit)


def track(items: Iterable[T], label: str, length: int | None = None, unit: str | None = None,
          weights: Sequence[int] | None = None, level: int = logging.INFO) -> Iterator[T]:
    """Yield `items`; on a terminal draw one line of done/total, rate and time left, redrawn at most ten
    times a second (never on a pipe or in a CI log); log a one-line summary at `level` when done (a command
    that prints its own summary logs this one as detail, for -v). `weights` counts each item as that many
    units (a batch of 14 pages counts 14 pages)."""
    unit = _("items") if unit is None else unit
    start = time.perf_counter()
    count = 0
    bar = state["bars"] and sys.stderr.isatty()
    drawn = 0.0
    for index, item in enumerate(items):
        count += weights[index] if weights is not None and index < len(weights) else 1
        if bar and time.perf_counter() - drawn > 0.1:
            drawn = time.perf_counter()
            _draw(label, count, length, unit, drawn - start)
        yield item
    elapsed = time.perf_counter() - start
    if bar:
        sys.stderr.write("\r\x1b[2K")
        sys.stderr.flush()
    log.log(level, _("%s: %d %s in %.1f s%s"), label, count, unit, elapsed, rate(count, elapsed, unit))


def _draw(label: str, count: int, length: int | None, unit: str, elapsed: float) -> None:
    total = f"/{length}" if length else ""
    left = ""
    if length and count and elapsed > 0:
        left = _(", {seconds} s left").format(seconds=f"{max(0.0, elapsed / count * (length - count)):.0f}")
    width = shutil.get_terminal_size((80, 20)).columns
    line = f"{label}: {count}{total} {unit}{rate(count, elapsed, unit)}{left}"
    sys.stderr.write("\r\x1b[2K" + line[: width - 1])
    sys.stderr.flush()
