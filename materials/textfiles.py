"""Reading the campaign's text files: UTF-8 only, a size limit, no invisible control or bidi characters,
YAML front matter. Every problem is a `Problem` with file and line, never a traceback.

Used by the FAQ loader (`campaign.py`), the print sources, the content checks (`texts.py`, `glossary.py`)
and the proof, which is why it is a module of its own: they all read files before a `Campaign` exists
or while it is being checked.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from materials import fonts, safefile
from materials.errors import Problem
from materials.i18n import _
from materials.keys import key_material, source_message

#: Largest Markdown file we read: an FAQ answer is a few hundred words.
MAX_SOURCE_BYTES = safefile.MARKDOWN


def load_toml(text: str) -> dict[str, Any]:
    """`tomllib.loads` for a campaign's TOML files: arrays or tables nested thousands deep (`x = [[[…]]]`) exhaust
    Python's stack inside tomllib, which is a syntax error here like any other (`toml_problem` names the file)."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise tomllib.TOMLDecodeError(_("arrays or tables are nested too deeply to read (thousands of levels); "
                                        "no setting nests more than a few: remove the nesting")) from None


def toml_problem(label: str, text: str, error: tomllib.TOMLDecodeError) -> Problem:
    """A TOML syntax error as a problem: our sentence, the line and column, tomllib's own (English) detail,
    and the line as written."""
    match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
    detail = re.sub(r"\s*\(at (?:line \d+, column \d+|end of document)\)$", "", str(error))
    if match is None:
        return Problem(label, None, None, _("TOML syntax error: {detail}").format(detail=detail))
    line, column = int(match.group(1)), int(match.group(2))
    # TOML ends a line at "\n" only: `splitlines` would also split at U+2028, U+0085, form feeds… in a comment and
    # quote another line than the one tomllib counted.
    lines = [raw.rstrip("\r") for raw in text.split("\n")]
    if 0 < line <= len(lines) and lines[line - 1].strip():
        return Problem(label, line, None, _("TOML syntax error at column {column}: {detail}: {text!r}").format(
            column=column, detail=detail, text=lines[line - 1].strip()))
    return Problem(label, line, None, _("TOML syntax error at column {column}: {detail}").format(
        column=column, detail=detail))


def hard_links(path: Path) -> int:
    """How many names on the disk share `path`'s contents (0 for a file that cannot be read): more than one and
    the file may be another file too (the signing key, a published page). The one test of it, for campaign files
    (`hard_linked`) and key files (`venues.links.refuse_unsafe_key`)."""
    try:
        return path.stat().st_nlink
    except OSError:
        return 0


def hard_linked(path: Path, label: str, *, named: bool = False) -> str | None:
    """Why a campaign file is not read, if it is hard-linked: another name on the disk shares its contents,
    which may be the signing key (`ln .materials/venue-signing.key templates/web/k.html`, or an archive's
    hard-link entry extracted over a campaign), so a template or page could publish it. A symbolic link shows
    where it points; a hard link does not, so it is refused whatever it points to."""
    count = hard_links(path)
    if count <= 1:
        return None  # a missing or unreadable file: the caller's own read reports it
    if named:  # a message of its own, not a problem already labelled with the file
        return _("{file} has {count} hard links (another name on this disk shares its contents, which could be the "
                 "signing key), so it is not read; replace the link with a copy: "
                 "cp {file} {file}.copy && mv {file}.copy {file}").format(file=label, count=count)
    return _("has {count} hard links (another name on this disk shares its contents, which could be the signing "
             "key), so it is not read; replace the link with a copy: "
             "cp {file} {file}.copy && mv {file}.copy {file}").format(file=label, count=count)


def read_text(path: Path, label: str, problems: list[Problem]) -> str | None:
    """Read a UTF-8 text file; wrong encodings, huge files and anything but a regular file (a FIFO, a device, a
    folder) are problems, not tracebacks. A hard-linked file
    is refused (`hard_linked`)."""
    linked = hard_linked(path, label)
    if linked is not None:
        problems.append(Problem(label, None, None, linked))
        return None
    try:
        # A regular file only (a FIFO would wait forever, a device never end), read up to the limit.
        raw = safefile.read_bytes(path, MAX_SOURCE_BYTES)
    except safefile.Refused as e:
        problems.append(Problem(label, None, None, e.reason))
        return None
    except OSError as e:
        problems.append(Problem(label, None, None, _("cannot read: {strerror}").format(strerror=e.strerror)))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        problems.append(Problem(label, line, None, _("not valid UTF-8 (byte 0x{raw:02x}); "
                                  "save the file as UTF-8").format(raw=raw[e.start])))
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    for number, line_text in enumerate(text.split("\n"), 1):
        for char in line_text:
            if _forbidden_char(char):
                problems.append(Problem(label, number, None, _("invisible control character {char}; "
                                          "delete it (often pasted from another document)").format(
                                              char=fonts.describe(char))))
                break
    what = key_material(raw)
    if what is not None:
        # Every Markdown source (an FAQ with its front matter, a poster, a tips sign, the notice) and the glossary
        # is read here: a key in its words would be printed, in a PDF's compressed text that no scan of the
        # output sees. Refused before anything else reads it, naming the line, never quoting it.
        where = next((number for number, row in enumerate(text.split("\n"), 1)
                     if key_material(row.encode("utf-8")) is not None), None)
        problems.append(Problem(label, where, None, source_message(what)))
        return None
    return text


def _forbidden_char(char: str) -> bool:
    code = ord(char)
    if char == "\t":
        return False
    return code < 0x20 or 0x7F <= code < 0xA0 or code in BIDI_AND_ZERO_WIDTH


#: Bidi overrides and isolates and zero-width characters: they reorder or hide text (Trojan Source).
BIDI_AND_ZERO_WIDTH = {
    0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
    0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
}


#: A YAML date of front matter (`updated:`, a notice's `date:`): the one form a build writes (feed.atom, faq.json).
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """A YAML timestamp as a `date` if it is a real day written YYYY-MM-DD, else the text as written, which the
    key's own check refuses naming file, line and key: PyYAML raised a bare ValueError for `2020-13-01` or
    `T25:00:00` (a traceback in `check`), and a time of day (`T10:00:00+14:00`, fractions of a second) passed
    `check` and broke `build`, whose feed and faq.json give dates."""
    text = str(loader.construct_scalar(node))
    if _DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return text


class _FastLoader(yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader):  # type: ignore[misc]
    pass


class _Loader(yaml.SafeLoader):
    pass


for _loader in (_FastLoader, _Loader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _front_matter(text: str) -> Any:
    """The YAML of a front matter, read with libyaml's parser and PyYAML's safe constructor (the same Python
    values as the pure-Python safe loader, ten times faster) when PyYAML was built with libyaml. A document
    it refuses is read again with the pure-Python safe loader, whose error (message and line) is the one
    reported, and whose value is taken if it reads the document after all. A timestamp is a `date` or its
    text (`_timestamp`)."""
    if getattr(yaml, "__with_libyaml__", False):
        try:
            return yaml.load(text, Loader=_FastLoader) or {}  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=_Loader) or {}  # noqa: S506 - a safe loader


def split_front_matter(text: str, label: str, problems: list[Problem]) -> tuple[dict[str, Any], str, int] | None:
    """(front matter, body, line where the body starts) of a Markdown file with YAML front matter."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(label, 1, None, _("must start with YAML front matter between two '---' lines")))
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        problems.append(Problem(label, 1, None, _("front matter has no closing '---' line")))
        return None
    source = "\n".join(lines[1:end])
    try:
        meta = _front_matter(source)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        # The line in the file, counted at "\n" only: YAML also ends a line at U+2028, U+2029 and U+0085, so
        # its own line number was past the real one.
        line = source[:mark.index].count("\n") + 2 if mark is not None else 1
        problems.append(Problem(label, line, None, _("front matter is not valid YAML: {detail}").format(
            detail=getattr(e, 'problem', e))))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(label, 2, None, _("front matter must be key: value lines")))
        return None
    rest = "\n".join(lines[end + 1:])
    body = rest.lstrip("\n")
    # Line numbers count from the body's first line: blank lines after the closing '---' come before it.
    return meta, body.rstrip("\n"), end + 2 + len(rest) - len(body)
