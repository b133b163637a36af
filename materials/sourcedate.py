"""SOURCE_DATE_EPOCH (reproducible-builds.org), read and checked in one place: every output's date comes from it
when it is set, and `materials` checks it before any command runs (cli.py), so a value no date can hold is one
error naming the variable, never a traceback in a worker."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from materials.errors import MaterialsError
from materials.i18n import _

VARIABLE = "SOURCE_DATE_EPOCH"
#: 9999-12-31 23:59:59 UTC: the last second a date of Python (and of a PDF's metadata) can hold.
LAST = 253402300799


def source_date_epoch() -> datetime | None:
    """The time SOURCE_DATE_EPOCH sets (UTC), or None when it is unset or empty. Anything but a whole number of
    seconds from 0 to `LAST` is a MaterialsError naming the variable and the range (the reproducible-builds
    specification: a malformed value must stop the build, not be ignored)."""
    value = os.environ.get(VARIABLE, "")
    if not value:
        return None
    # isascii: `isdigit` is true of other scripts' digits too; at most 12 digits: int() refuses over 4,300
    if not (value.isascii() and value.isdigit() and len(value) <= 12 and int(value) <= LAST):
        raise MaterialsError(_("{variable}={value!r} is not a time materials can stamp on its outputs: set it to "
                               "a whole number of seconds since 1970-01-01 00:00 UTC, from 0 to {last} "
                               "(9999-12-31 23:59:59 UTC), or unset it to use the campaign's issued date").format(
                                   variable=VARIABLE, value=value if len(value) <= 40 else value[:40] + "…",
                                   last=LAST))
    return datetime.fromtimestamp(int(value), tz=UTC)
