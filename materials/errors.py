"""One exception tree for every problem a user can fix.

Every class derives from `click.ClickException`, so the command line prints the message and exits with
status 1 without a traceback; library callers catch `MaterialsError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int | None = None
    key: str | None = None
    message: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.key:
            where += f": {self.key}"
        return f"{where}: {self.message}"


class MaterialsError(click.ClickException):
    """A problem the user can fix; the message says where and what to do."""

    exit_code = 1


class CampaignError(MaterialsError):
    """The campaign folder has problems: all of them are listed, then one abort."""

    def __init__(self, problems: Iterable[Problem], summary: str = "the campaign has problems") -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.key or "", p.message))
        count = len(self.problems)
        lines = [f"{summary} ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class OutputError(MaterialsError):
    """The output folder cannot be used (for instance it contains the campaign)."""


class VerificationError(CampaignError):
    """Rendered output failed verification (a QR code, a font, a page count)."""
