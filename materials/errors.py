"""One exception tree for every problem a user can fix.

Every class derives from `click.ClickException`, so the command line prints the message and exits with
status 1 without a traceback; library callers catch `MaterialsError`.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from materials.i18n import N_, _, ngettext
from materials.keys import redact


def printable(text: str, keep: str = "") -> str:
    """`text` safe to print on a terminal: every control character (C0, C1, DEL: ESC starts the sequences that
    recolour, retitle or rewrite a terminal), every format character (bidi overrides and isolates, zero-width
    characters) and line or paragraph separators are written as escapes (`\\x1b`, `\\u202e`); the characters in
    `keep` (a message's own line breaks) stay. For any value a command prints from a file: a venue's name in a
    manifest, a district's name in campaign.toml, a quoted source line."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        if char not in keep and (unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


#: What a message keeps of its own layout (`printable`): line breaks between its lines, tabs.
MESSAGE_LAYOUT = "\n\t"


def safe_message(text: str) -> str:
    """A message as it may be shown: no key material (`keys.redact`) and no terminal controls (`printable`)."""
    return printable(redact(text), keep=MESSAGE_LAYOUT)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can. A message quotes source lines and values:
    any key material in them is hidden here, once for every message, and terminal controls escaped
    (`safe_message`)."""

    file: str
    line: int | None = None
    key: str | None = None
    message: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "file", printable(self.file))
        object.__setattr__(self, "message", safe_message(self.message))
        if self.key:
            object.__setattr__(self, "key", safe_message(self.key))

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = _("{file} line {line}").format(file=where, line=self.line)
        if self.key:
            where += f": {self.key}"
        return f"{where}: {self.message}"


class MaterialsError(click.ClickException):
    """A problem the user can fix; the message says where and what to do (never key material, no terminal
    controls: `safe_message`)."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(safe_message(message))


#: Problems shown on screen; a longer list is written whole to a file beside the output.
SHOWN = 50


def _natural(text: str) -> tuple[str | int, ...]:
    """`row 9` sorts before `row 10`: digit runs compare as numbers."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", text)))


class CampaignError(MaterialsError):
    """The campaign folder has problems: all of them are listed, then one abort."""

    def __init__(self, problems: Iterable[Problem], summary: str | None = None) -> None:
        self.problems = sorted(set(problems), key=lambda p: (_natural(p.file), p.line or 0, _natural(p.key or ""),
                                                             p.message))
        self.summary = _("the campaign has problems") if summary is None else summary
        self.saved: Path | None = None
        super().__init__(self._text(SHOWN))

    def _text(self, limit: int | None) -> str:
        count = len(self.problems)
        lines = [ngettext("{summary} ({count} problem):", "{summary} ({count} problems):", count).format(
            summary=self.summary, count=count)]
        lines += [f"  {p}" for p in self.problems[:limit]]
        if limit is not None and count > limit:
            if self.saved:
                more = _("  ... and {count} more; the whole list is in {file}").format(count=count - limit,
                                                                                      file=self.saved)
            else:
                more = _("  ... and {count} more").format(count=count - limit)
            lines.append(more)
        # The summary names a file (a venue list's name may hold ESC): escaped, as every problem's line already is.
        return safe_message("\n".join(lines))

    def full_text(self) -> str:
        return self._text(None) + "\n"

    def report(self, path: Path) -> None:
        """Say on screen where the whole list was written."""
        self.saved = path

    def format_message(self) -> str:
        return self._text(SHOWN)

    def __str__(self) -> str:
        return self._text(SHOWN)


class OutputError(MaterialsError):
    """The output folder cannot be used (for instance it contains the campaign)."""


class VerificationError(CampaignError):
    """Rendered output failed verification (a QR code, a font, a page count)."""


class TemplateProblem(MaterialsError):
    """A template has a mistake (syntax, a missing file, an undefined name): the message names file and line."""


#: What a run says when the kernel ends one of its render workers (the OOM killer, `kill -9`).
WORKER_DIED = N_("a render worker ended unexpectedly (killed or out of memory); run again to resume")


@contextlib.contextmanager
def worker_deaths() -> Iterator[None]:
    """A process pool whose worker was killed raises BrokenProcessPool: one clear error line, exit 1."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield
    except BrokenProcessPool:
        raise MaterialsError(_(WORKER_DIED)) from None


def end_with_parent(parent: int, number: int | None = None) -> None:
    """Make this process (a pool worker, serve's gallery builder) receive `number` (default SIGKILL) when the
    thread that started it ends, however it ends (kill -9 included), so no child outlives its command; exit at
    once when `parent` already died before the signal was armed. Linux only (elsewhere a no-op)."""
    import ctypes
    import os
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL if number is None else number, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)
