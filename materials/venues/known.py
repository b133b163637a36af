"""The venues a campaign knows, for `materials verify` to name what a genuine code belongs to.

A link or code carries a venue's id and (signed, not spelled) its district; the name, category and current
reprint live in the campaign's venue lists and in the manifests of its venue runs. `verify` reads them here,
so a district office can file the answer: which place, which district, which kind of place, which poster.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from materials import safefile
from materials.campaign import Campaign
from materials.errors import CampaignError, MaterialsError, Problem, printable
from materials.i18n import _
from materials.printorder import safe_cell, unsafe_cell
from materials.venues.links import DISTRICT, MAX_ID_LENGTH, VENUE_ID, typed_id
from materials.venues.reading import TRANSLATED, VenueList, VenueRow, read_list
from materials.venues.settings import VenueSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Known:
    venue_id: str
    name: str
    district: str
    category: str
    reprint: int
    source: str
    address: str = ""
    #: The entry is a record of what the campaign signed (its register, a run's manifest.csv), not a list's row.
    signed: bool = False
    #: How the current venue list differs from what was signed: (what, the list's value, the signed value).
    listed: tuple[tuple[str, str, str], ...] = ()
    #: The current list that says so.
    listed_in: str = ""
    #: The highest reprint the campaign signed of this venue, the date it was signed (the register's; "" from a
    #: run's manifest) and where that is recorded (the list it was signed from, or the manifest).
    signed_reprint: int = 0
    signed_on: str = ""
    signed_in: str = ""


def _manifests(campaign: Campaign) -> list[Path]:
    output = campaign.root / "output"
    found = [output / "venues" / "manifest.csv"]
    runs = output / "venue-lists"
    if runs.is_dir():
        found += sorted(runs.glob("*/manifest.csv"))
    return [path for path in found if path.is_file()]


def known_venues(campaign: Campaign, given: VenueList | None = None,
                 reprint: int | None = None) -> dict[tuple[str, str], Known]:
    """(district, id as typed) -> what the campaign knows of the venue, for `verify` to name it: what was signed
    (the register, then the manifests of runs made before it) names the venue; a venue list (the campaign's
    `[venues] list`, then `given`) names only a venue with no record of signing, and where it says something else
    of a signed venue (renamed, moved, another address) the entry carries the difference (`Known.listed`), never
    the list's name in place of the signed one: a code is vouched for only as what it was signed for.
    The register keeps a record per reprint (a correction is signed beside the earlier record): an entry names the
    venue as the record of `reprint` (the poster's) has it, else as the latest, and carries the latest reprint."""
    records: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in _register(campaign):
        records.setdefault((row["district"], typed_id(row["id"])), []).append(row)
    signed = {key: _signed_entry(rows, reprint) for key, rows in records.items()}
    runs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for path in _manifests(campaign):  # runs made before the register recorded them
        for row in _rows(path):
            key = (row["district"], typed_id(row["id"]))
            if key not in signed:  # every run's row: a later run may have signed a higher reprint (red team 11)
                runs.setdefault(key, []).append({**row, "list": campaign.relative(path), "signed": ""})
    signed.update({key: _signed_entry(rows, reprint) for key, rows in runs.items()})
    listings = []
    if VenueSettings.of(campaign.settings).list:
        path = campaign.root / VenueSettings.of(campaign.settings).list
        # `materials check` reports a broken list; verify still answers from the register and the manifests.
        with contextlib.suppress(MaterialsError):
            listings.append(read_list(path, campaign.settings, campaign.relative(path),
                                      key_files=[campaign.root / VenueSettings.of(campaign.settings).key_file]))
    listed: dict[tuple[str, str], Known] = {}
    for listing in [*listings, *([given] if given is not None else [])]:
        for venue in listing.venues:
            listed[(venue.district, typed_id(venue.id))] = Known(venue.id, venue.name, venue.district,
                                                                 venue.category, venue.reprint, listing.label,
                                                                 venue.address)
    found = {key: entry for key, entry in listed.items() if key not in signed}
    for key, entry in signed.items():
        now = listed.get(key)
        if now is None:
            # The list has the id only in another district, where nothing of that id was signed: moved there.
            moved = next((e for (district, typed), e in listed.items()
                          if typed == key[1] and (district, typed) not in signed), None)
            found[key] = entry if moved is None else replace(
                entry, listed=((_("district"), moved.district, entry.district),), listed_in=moved.source)
            continue
        differences = [(what, new, old) for what, new, old in (
            (_("name"), now.name, entry.name), (_("address"), now.address, entry.address),
            (_("category"), now.category, entry.category)) if old and new != old]
        # A higher reprint in the list invalidates older posters (`verify`'s --list), whatever was signed.
        found[key] = replace(entry, reprint=max(entry.reprint, now.reprint), listed=tuple(differences),
                             listed_in=now.source)
    return found


def _signed_entry(rows: list[dict[str, str]], reprint: int | None) -> Known:
    """What the records `rows` of one venue (the register's, or runs' manifests with their path as `list`) say:
    named as the record of `reprint` (the poster's) has it, else as the latest, with the latest reprint signed."""
    latest = max(_reprint(row) for row in rows)
    newest = next(row for row in reversed(rows) if _reprint(row) == latest)
    row = next((row for row in reversed(rows) if _reprint(row) == reprint), newest)
    return Known(row["id"], row.get("name") or "", row["district"], row.get("category") or "", latest,
                 row.get("list") or REGISTER, row.get("address") or "", signed=True, signed_reprint=latest,
                 signed_on=newest.get("signed") or "", signed_in=newest.get("list") or REGISTER)


def replaced(entry: Known, reprint: int) -> str | None:
    """Why a genuine poster of reprint `reprint` no longer counts, or None: the campaign signed a higher reprint
    of its venue (the register, a run's manifest), or the current venue list gives one. `verify` refuses it
    with or without --list (red team 11: it said "genuine" and exited 0 unless --list named the list)."""
    if reprint >= entry.reprint:
        return None
    what = _("venue {id} ({name}): this poster (reprint {reprint}) was replaced by reprint {latest}").format(
        id=printable(entry.venue_id), name=printable(entry.name), reprint=reprint, latest=entry.reprint)
    if entry.signed_reprint == entry.reprint and entry.signed_on:
        how = _("signed {date} from {source}").format(date=printable(entry.signed_on),
                                                      source=printable(entry.signed_in))
    elif entry.signed_reprint == entry.reprint:
        how = _("signed in the run {source}").format(source=printable(entry.signed_in))
    else:
        how = _("as the current list {source} gives it").format(source=printable(entry.listed_in or entry.source))
    return _("{what}, {how}. Only the latest poster counts: take this one down and put up the new one").format(
        what=what, how=how)


#: The campaign's register of every venue identity it has signed, wherever the run's --out was: (district,
#: id as typed) -> the id as spelled, the venue's name and the list it came from. Runs read it before signing.
REGISTER = ".materials/signed-venues.csv"
REGISTER_COLUMNS = ("district", "typed", "id", "name", "category", "address", "reprint", "list", "signed")
#: The register's free-text cells (every cell is written formula-safe, as manifest.csv's: it is opened in Excel).
REGISTER_TEXT = ("name", "category", "address")


def _list_identity(campaign: Campaign, list_path: Path) -> str:
    """The list as the register names it (its cell is written formula-safe, as every cell: a list named =x.csv;
    `_rows` reads the value back)."""
    real = list_path.resolve()
    # A file name may hold ESC or a line break: the register (opened in Excel, quoted in verify's answers) keeps
    # its escaped form (`printable`), as every message shows it.
    return printable(campaign.relative(real) if real.is_relative_to(campaign.root.resolve()) else str(real))


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a run's manifest as the values they hold: every cell was written formula-safe
    (`safe_cell`), and is read back with `unsafe_cell`, so a value rewritten by a later run is guarded once, not
    once more per run. A manifest that cannot be read counts as no run (the register is read by `_register`)."""
    try:
        text = safefile.read_text(path, safefile.VENUE_LIST, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    try:
        return _values(csv.DictReader(io.StringIO(text)))
    except csv.Error:  # a cell over csv's field limit, say: no run wrote it
        return []


def _values(reader: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    return [{key: unsafe_cell(value) if isinstance(value, str) else value for key, value in row.items()}
            for row in reader if isinstance(row.get("id"), str) and isinstance(row.get("district"), str)]


def _register(campaign: Campaign) -> list[dict[str, str]]:
    """The rows of the campaign's register of signed venues, or none if it does not exist yet. A register that
    cannot be read whole stops the run: it is the record of every venue the campaign signed, and a run that read
    it as empty would sign its ids for other venues and then write the register again without them (red team 9:
    a register saved as GBK, or with its header deleted, was silently replaced by one run's rows)."""
    path = campaign.root / REGISTER
    label = campaign.relative(path)

    def refused(why: str) -> MaterialsError:
        return MaterialsError(_("{file}: {why}. It records every venue this campaign signed, so nothing is signed "
                                "until it can be read: restore it from a backup, or save it again as a UTF-8 CSV "
                                "file with its header row ({columns})").format(
                                    file=label, why=why, columns=",".join(REGISTER_COLUMNS)))
    try:
        text = safefile.read_text(path, safefile.VENUE_LIST, encoding="utf-8-sig", follow=False)
    except FileNotFoundError:
        return []
    except safefile.Refused as e:
        raise refused(e.reason) from None
    except UnicodeDecodeError as e:
        raise refused(_("byte {offset} is not UTF-8 (was it saved by a spreadsheet in another encoding?)").format(
            offset=e.start)) from None
    except OSError as e:
        raise refused(_("cannot be read ({error})").format(error=e.strerror or e)) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("district", "id") if c not in (reader.fieldnames or [])]
        if missing and text.strip():
            raise refused(_("its header row lacks the columns {columns}").format(columns=", ".join(missing)))
        rows = list(reader)
    except csv.Error as e:
        raise refused(_("is not a CSV file this run can read ({error})").format(error=e)) from None
    for number, row in enumerate(rows, 2):
        if (why := _unreadable_row(row)) is not None:
            raise refused(_("row {row}: {why}").format(row=number, why=why))
    return _values(rows)


def _unreadable_row(row: dict[str, Any]) -> str | None:
    """Why a register row is not one a run wrote, or None. A row the clash check could not match (an id with a
    space, a district written as a name, a short row, a row swallowed by an unclosed quote) would count as no
    record, and its id would be signed again for another venue (red team 10)."""
    if None in row or any(value is None for value in row.values()):
        return _("it has another number of cells than the header")
    if any("\n" in value or "\r" in value or "\x00" in value for value in row.values()):
        return _("a cell holds a line break or a NUL byte (an unclosed quote above it?)")
    if not DISTRICT.fullmatch(row["district"]):
        return _("district {value!r} is not a district key as a run writes it").format(value=row["district"])
    if not VENUE_ID.fullmatch(row["id"]) or len(row["id"]) > MAX_ID_LENGTH:
        return _("id {value!r} is not a venue id as a run writes it").format(value=row["id"])
    if row.get("typed") and row["typed"] != typed_id(row["id"]):
        return _("typed {value!r} does not match its id").format(value=row["typed"])
    return None


def _reprint(row: dict[str, str]) -> int:
    try:
        return int(row.get("reprint") or 0)
    except ValueError:
        return 0


def signed_before(campaign: Campaign) -> dict[tuple[str, str], list[Known]]:
    """Every venue identity the campaign signed: its register, then the manifests of runs under output/ (runs
    made before the register existed). Several entries for one (district, typed id): ambiguous."""
    found: dict[tuple[str, str], list[Known]] = {}

    def add(entry: Known) -> None:
        same = found.setdefault((entry.district, typed_id(entry.venue_id)), [])
        if not any(e.venue_id == entry.venue_id and e.name == entry.name and e.reprint == entry.reprint
                   for e in same):
            same.append(entry)

    register = _register(campaign)
    for row in register:
        add(Known(row["id"], row.get("name") or "", row["district"], row.get("category") or "", _reprint(row),
                  row.get("list") or REGISTER))
    registered = {(row["district"], typed_id(row["id"])) for row in register}
    for path in _manifests(campaign):
        for row in _rows(path):
            if (row["district"], typed_id(row["id"])) not in registered:
                add(Known(row["id"], row.get("name") or "", row["district"], row.get("category") or "",
                          _reprint(row), campaign.relative(path)))
    return found


def refuse_respelled_ids(campaign: Campaign, listing: VenueList, list_path: Path, out: Path) -> None:
    """The signed identity of a venue is its district and its id as typed (upper case, no hyphens, half-width):
    S1-C-001 and S1C001 get the same typed code. An id the campaign already signed in another spelling is refused,
    naming the earlier one (the same spelling is the same venue, as in every list of the district); the register
    (`REGISTER`) holds every run's venues, wherever its --out was.
    The run's own folder (`out`) and this list's own entries are the same list again and count as its own."""
    register = _register(campaign)
    signed: dict[tuple[str, str], tuple[str, str]] = {}
    for row in register:
        signed.setdefault((row["district"], typed_id(row["id"])), (row["id"], row.get("list") or REGISTER))
    # Keyed on the signed identity (district, id), never on the list's path: a list saved again under the same
    # name (an office's monthly ledger.xlsx) that gives a signed id to another venue is refused like any list.
    records: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in register:
        records.setdefault((row["district"], row["id"]), []).append(row)
    problems = [_other_venue(listing, venue, row) for venue in listing.venues
                for row in records.get((venue.district, venue.id), []) if _differs(venue, row)]
    registered = {(row["district"], typed_id(row["id"])) for row in register}
    mine = (out / "manifest.csv").resolve()
    for path in _manifests(campaign):  # runs made before the register
        if path.resolve() == mine:
            continue
        for row in _rows(path):
            if (row["district"], typed_id(row["id"])) not in registered:
                signed.setdefault((row["district"], typed_id(row["id"])), (row["id"], campaign.relative(path)))
    for venue in listing.venues:
        earlier = signed.get((venue.district, typed_id(venue.id)))
        if earlier is not None and earlier[0] != venue.id:
            problems.append(Problem(listing.label, None, _("row {row}").format(row=venue.row) + ", id", (
                _("{id} differs from {earlier}, already signed in district {district} ({file}), only in "
                  "hyphens or letter case: both would carry the same typed code and `materials verify` "
                  "would name the other venue. Use {earlier} if it is the same venue, else an id of its own").format(
                    id=venue.id, earlier=earlier[0], district=venue.district, file=earlier[1]))))
    if problems:
        raise CampaignError(problems, _("venue ids clash with venues already signed"))


def _differs(venue: VenueRow, row: dict[str, str]) -> bool:
    """A register row of the same id and district names another venue (its name, category or address differ;
    a register written before category and address were recorded compares the name alone), and this list does
    not declare a later reprint (a correction reprints the poster, whose new code the old one cannot pass for)."""
    if venue.reprint > _reprint(row):
        return False
    recorded = {"name": venue.name, "category": venue.category, "address": venue.address,
                **_translated(venue)}
    columns = [*REGISTER_TEXT, *(column for column in row if TRANSLATED.match(column))]
    return any(row.get(column) not in (None, "") and _same_text(row[column]) != _same_text(recorded.get(column, ""))
               for column in columns)


def _translated(venue: VenueRow, languages: Iterable[str] | None = None) -> dict[str, str]:
    """The venue's names and addresses in other languages as register columns (`name_en`: ...), of `languages`
    (every one, given or not: the printed languages) or of those the list gives. A register written before
    these columns were recorded lacks them: they are not compared (red team 12: another English name under one
    id got the same code without a clash)."""
    names, addresses = dict(venue.names), dict(venue.addresses)
    langs = list(languages) if languages is not None else sorted({*names, *addresses})
    return {**{f"name_{lang}": names.get(lang, "") for lang in langs},
            **{f"address_{lang}": addresses.get(lang, "") for lang in langs}}


def _same_text(text: str) -> str:
    """A signed name, category or address as compared with a list's: full-width and half-width forms, runs of
    white space and letter case are one (a list saved again by another office's spreadsheet is the same venue)."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _same_venue(venue: VenueRow, row: dict[str, str]) -> bool:
    """The register's `row` records this very venue of the list: same district, id and reprint, and the same
    name, category and address, also those in other languages it records (as `_same_text` compares them)."""
    return (row["district"] == venue.district and row["id"] == venue.id and _reprint(row) == venue.reprint
            and not _differs(venue, row))


def _other_venue(listing: VenueList, venue: VenueRow, row: dict[str, str]) -> Problem:
    where = _("row {row}").format(row=venue.row) + ", id"
    signed = {"id": venue.id, "district": venue.district, "name": row.get("name", ""),
              "category": row.get("category") or "?", "address": row.get("address") or "?",
              "file": row.get("list") or REGISTER, "reprint": _reprint(row), "date": row.get("signed") or "?"}
    given = _translated(venue)
    other = [column for column in row if TRANSLATED.match(column) and row[column]
             and _same_text(row[column]) != _same_text(given.get(column, ""))]
    # A venue that differs only in another language is named by those columns, which the message shows.
    shown = _("; it was signed with {signed}, this row gives {given}").format(
        signed=", ".join(f"{column} {row[column]!r}" for column in other),
        given=", ".join(f"{column} {given.get(column, '')!r}" for column in other)) if other else ""
    return _with_detail(_clash(listing, venue, row, where, signed), shown)


def _with_detail(problem: Problem, detail: str) -> Problem:
    return replace(problem, message=problem.message + detail) if detail else problem


def _clash(listing: VenueList, venue: VenueRow, row: dict[str, str], where: str, signed: dict[str, Any]) -> Problem:
    if venue.reprint < _reprint(row):  # an older list run again: its code differs from the reprint's (red team 11)
        return Problem(listing.label, None, where, _(
            "{id} in district {district} was reprinted after this list: reprint {reprint} ({name!r}, {category}, "
            "{address!r}; list {file}, signed {date}) replaced the poster of reprint {mine} this row asks for, "
            "whose venue differs. Signing it again would put a replaced poster back. Use the list of reprint "
            "{reprint} (or a later one); if this row is another venue, give it an id of its own").format(
                mine=venue.reprint, **signed))
    return Problem(listing.label, None, where, _(
        "{id} is already signed in district {district} for another venue ({name!r}, {category}, {address!r}, "
        "reprint {reprint}; list {file}, signed {date}): both posters would carry the same code and `materials "
        "verify` could not tell them apart. Give this venue an id of its own; if it is the same venue corrected, "
        "raise its reprint above {reprint} (the old posters then no longer pass for it)").format(**signed))


@contextlib.contextmanager
def register_lock(campaign: Campaign) -> Iterator[None]:
    """The campaign's register, held by one run at a time (an exclusive lock on a file beside it, released when
    the process ends however it ends): checking for clashes and recording the new ids happen under it, so two
    runs started together are refused as they would be one after the other."""
    import fcntl

    from materials.output import open_lock

    lock_path = (campaign.root / REGISTER).with_suffix(".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = open_lock(lock_path)  # never through a link: it would create the lock where the link points
    except OSError as e:
        raise MaterialsError(_("cannot lock the campaign's register of signed venues {path} ({error}): make its "
                               "folder writable and run again").format(path=campaign.relative(lock_path),
                                                                       error=e.strerror or e)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def claim_ids(campaign: Campaign, listing: VenueList, list_path: Path, out: Path) -> list[dict[str, str]]:
    """Before anything is signed: refuse ids that clash with the register (`refuse_respelled_ids`) and record
    this list's ids in it, both under the register's lock. A run started at the same time as another waits
    for the other's record and is then refused like a later run. Returns the records this run added, which
    `release_ids` takes back if the run is refused before it signs a poster."""
    with register_lock(campaign):
        refuse_respelled_ids(campaign, listing, list_path, out)
        return register_signed(campaign, listing, list_path)


def release_ids(campaign: Campaign, claimed: list[dict[str, str]]) -> None:
    """Take this run's records `claimed` (`claim_ids`) out of the register again, under its lock: the run was
    refused before any poster was signed (the key cannot sign a district, --dask cannot be reached), and a venue
    recorded as signed would refuse its corrected name as a clash (red team 12). A record another run added is
    never one of them (a run never adds a record the register already holds). Best effort: a register that
    cannot be written now keeps the records, which refuse too much, never too little."""
    if not claimed:
        return
    wanted = {tuple(sorted(row.items())) for row in claimed}
    with contextlib.suppress(OSError, MaterialsError), register_lock(campaign):
        rows = _register(campaign)
        kept = [row for row in rows if tuple(sorted((k, row.get(k, "")) for k in claimed[0])) not in wanted]
        if len(kept) < len(rows):
            _write_register(campaign, kept, rows)


def register_signed(campaign: Campaign, listing: VenueList, list_path: Path) -> list[dict[str, str]]:
    """Add a run's venues to the campaign's register; called under `register_lock`, after
    `refuse_respelled_ids`. A signed record is never replaced nor removed (but by `release_ids`, for a run that
    signed nothing): a venue already recorded (same district, id and reprint, the same venue as `_same_venue`
    compares) keeps its record, with the list and date it was first signed from; a correction (a higher reprint)
    is a record of its own beside the earlier one. Returns the records added."""
    own = _list_identity(campaign, list_path)
    register = campaign.root / REGISTER
    today = datetime.now(UTC).date().isoformat()
    others = [lang for lang in campaign.languages if lang != campaign.primary_language]  # printed on posters
    try:
        rows = _register(campaign)
        new = [{"district": v.district, "typed": typed_id(v.id), "id": v.id, "name": v.name,
                "category": v.category, "address": v.address, "reprint": str(v.reprint), "list": own,
                "signed": today, **_translated(v, others)}
               for v in listing.venues if not any(_same_venue(v, row) for row in rows)]
        if not new:
            return []
        _write_register(campaign, rows + new, rows)
        return new
    except OSError as e:
        # Nothing is signed yet (`claim_ids` runs first): a run that signed what it cannot record would let a
        # later run give the same ids to other venues unrefused (red team 9).
        raise MaterialsError(_("cannot record this run's venues in {file} ({error}); nothing was signed. Make "
                               "the folder writable (and {file} a file) and run again").format(
                                   file=campaign.relative(register), error=e.strerror or e)) from None


def _write_register(campaign: Campaign, rows: list[dict[str, str]], read: list[dict[str, str]]) -> None:
    """Write the register's `rows` (sorted), keeping the columns an office added to the register as `read`."""
    from materials.output import write_atomic

    register = campaign.root / REGISTER
    # Columns an office added (a note, who approved it) are kept, after the register's own (red team 10).
    translated = sorted({column for row in rows for column in row if TRANSLATED.match(column)},
                        key=lambda column: (column.partition("_")[2], column.startswith("address")))
    extra = [column for column in (read[0] if read else {})
             if column not in REGISTER_COLUMNS and column not in translated]
    for row in rows:  # a register written before the typed column had it (or an office deleted it)
        row["typed"] = row.get("typed") or typed_id(row["id"])
    rows = sorted(rows, key=lambda row: (row["district"], row["typed"], _reprint(row), row.get("list") or ""))
    text = io.StringIO()
    writer = csv.DictWriter(text, (*REGISTER_COLUMNS, *translated, *extra), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows({column: safe_cell(value) for column, value in row.items() if isinstance(value, str)}
                     for row in rows)
    write_atomic(register, text.getvalue())


def ambiguity(campaign: Campaign, venue_id: str, district: str, exact: bool, reprint: int = 0) -> str:
    """Why `verify` cannot name one venue for a genuine typed code, or "": the campaign signed several ids that
    type the same (HP-1-A and HP1A), or one id for two venues (two lists reusing an id), before the register
    refused such clashes or in runs it did not see; never called genuine. A link (`exact`) signs the id as
    spelled: it is ambiguous only when that very id names two venues. Only what was signed counts: a current
    venue list that names the venue otherwise is not a second venue but a difference `verify` warns about
    (`known_venues`)."""
    entries = list(signed_before(campaign).get((district, typed_id(venue_id)), []))
    # A link signs the id as spelled: only entries of that spelling can share it. Two entries of one id are two
    # venues when their names differ (one id reused in two lists); a corrected venue has another reprint.
    entries = [e for e in entries if e.reprint == reprint and (not exact or e.venue_id == venue_id)]
    if len({(e.venue_id, safe_cell(e.name)) for e in entries}) < 2:
        return ""
    shown = "; ".join(f"{e.venue_id} {e.name!r} ({e.source})" for e in entries)
    return _("the signature is genuine but its typed code is the same for several venue ids the campaign signed in "
             "district {district}: {venues}. It cannot say which poster this is: scan the QR code (it carries the "
             "id as spelled), check the poster's name and address, and reprint one of them under an id of its "
             "own").format(district=district, venues=shown)
