"""Keep the message catalog in step with the code: extract, update, compile (`make catalog`).

    python scripts/catalog.py            # extract every message, update the .po, compile the .mo
    python scripts/catalog.py --check    # exit 1 (and say why) when the .po or .mo is out of date

Messages come from the package (`_`, `N_`, `ngettext`) and from click, whose own words (Usage:, Options:,
Error: ...) users see around ours. The .po is written sorted by message and without source locations, so
that two branches adding messages merge line by line; the dates in its header are fixed, so the files are
the same on every machine.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "materials"
PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "materials.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
FIXED_DATE = datetime(2020, 3, 11, tzinfo=UTC)


def template() -> Catalog:
    """Every message of the package and of click, as a catalog without translations."""
    catalog = Catalog(project="materials", creation_date=FIXED_DATE, revision_date=FIXED_DATE, fuzzy=False)
    sources = ((PACKAGE, "materials"), (Path(click.__file__).parent, "click"))
    for folder, prefix in sources:
        for filename, lineno, message, comments, context in extract_from_dir(folder, keywords=KEYWORDS,
                                                                             comment_tags=("i18n:",),
                                                                             strip_comment_tags=True):
            catalog.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments,
                        context=context, flags=_flags(message))
    for doc in settings_docs():
        catalog.add(doc, None, [("materials/config.py", 0)], auto_comments=["A setting of campaign.toml, as "
                                                                             "`materials settings` shows it"],
                    flags=_flags(doc))
    return catalog


def settings_docs() -> list[str]:
    """The settings' docstrings (the settings reference), which no `_()` marks: pydantic reads them."""
    sys.path.insert(0, str(ROOT))
    from materials import i18n
    from materials.config import reference

    i18n.activate({})  # the English docstrings as written, whatever the language of this shell
    found: list[str] = []
    reference(translate=lambda doc: found.append(doc) or doc)
    i18n.activate()
    return found


def _flags(message: str | tuple[str, ...]) -> tuple[str, ...]:
    text = message if isinstance(message, str) else " ".join(message)
    if "{" in text:
        return ("python-brace-format",)
    if "%" in text:
        return ("python-format",)
    return ()


def updated() -> Catalog:
    """The .po as it should be: today's messages, with the translations it already has."""
    with PO.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN", domain="materials")
    catalog.update(template(), update_creation_date=False)
    catalog.revision_date = FIXED_DATE
    catalog.creation_date = FIXED_DATE
    catalog.obsolete.clear()
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=0, no_location=True, sort_output=True, ignore_obsolete=True,
             include_previous=False)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def translated(string: str | tuple[str, ...] | None, fuzzy: bool) -> bool:
    strings = (string,) if isinstance(string, str) or string is None else string
    return not fuzzy and all(strings)


def same(path: Path, data: bytes) -> bool:
    """The file says what `data` says; the header's `Generated-By` line (Babel's version) does not count."""
    if path.suffix == ".mo":
        def messages(raw: bytes) -> dict[object, object]:
            return {str(m.id): str(m.string) for m in read_mo(io.BytesIO(raw)) if m.id}
        return messages(path.read_bytes()) == messages(data)
    def lines(raw: bytes) -> list[bytes]:
        return [line for line in raw.splitlines() if not line.startswith(b'"Generated-By:')]
    return lines(path.read_bytes()) == lines(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the files are up to date")
    args = parser.parse_args()
    catalog = updated()
    # Written and read back once, so that the .mo is compiled from exactly what the .po says.
    po = po_bytes(catalog)
    mo = mo_bytes(read_po(io.BytesIO(po), locale="zh_Hans_CN", domain="materials"))
    stale = [path for path, data in ((PO, po), (MO, mo)) if not path.exists() or not same(path, data)]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run `make catalog`", file=sys.stderr)
        return 1 if stale else 0
    for path, data in ((PO, po), (MO, mo)):
        path.write_bytes(data)
    untranslated = [m.id for m in catalog if m.id and not translated(m.string, m.fuzzy)]
    print(f"{PO.relative_to(ROOT)}: {sum(1 for m in catalog if m.id)} messages, {len(untranslated)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
