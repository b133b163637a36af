"""Logging set-up shared by the command line and the library.

Warnings are counted so that `--strict` can turn them into a failure after the run has reported all of
them. WeasyPrint reports missing images and fonts through its own logger; we listen to it too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

LOGGERS = ("materials", "weasyprint")

#: Detail an office does not need on every run (font packs, each step's timing): shown with `-v`; `-vv` adds
#: the developers' debug lines.
DETAIL = 15
logging.addLevelName(DETAIL, "DETAIL")


class WarningCounter(logging.Handler):
    """Counts warnings (and worse) and keeps their messages for the summary."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        from materials.errors import safe_message

        self.messages.append(safe_message(record.getMessage()))  # shown in summaries and serve's gallery


def watch_warnings() -> WarningCounter:
    """Attach a fresh counter to our loggers and WeasyPrint's; detach it with `unwatch`."""
    counter = WarningCounter()
    for name in LOGGERS:
        logging.getLogger(name).addHandler(counter)
    return counter


def unwatch(counter: WarningCounter) -> None:
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(counter)


@contextlib.contextmanager
def counting() -> Iterator[WarningCounter]:
    """A counter attached for the body of a `with` statement."""
    counter = watch_warnings()
    try:
        yield counter
    finally:
        unwatch(counter)
