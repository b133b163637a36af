"""Progress for work longer than a second: a bar with rate and ETA on a terminal, one line otherwise."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")
log = logging.getLogger("materials.progress")

#: Set by the command line (-q hides bars); library callers get no bars unless they enable them.
state = {"bars": False}


def enable_bars(on: bool) -> None:
    state["bars"] = on


def track(items: Iterable[T], label: str, length: int | None = None, unit: str = "items") -> Iterator[T]:
    """Yield `items`, drawing a progress bar on a terminal; log a one-line summary when done."""
    start = time.perf_counter()
    count = 0
    if state["bars"] and sys.stderr.isatty():
        with click.progressbar(items, length=length, label=label, file=sys.stderr, show_pos=True,
                               show_eta=True, item_show_func=None) as bar:
            for item in bar:
                count += 1
                yield item
    else:
        for item in items:
            count += 1
            yield item
    elapsed = time.perf_counter() - start
    rate = f", {count / elapsed:.0f} {unit}/s" if elapsed > 0.05 else ""
    log.info("%s: %d %s in %.1f s%s", label, count, unit, elapsed, rate)
