"""A venue run's folder: where a run writes (named by the list's districts and size, never where another list's
run is), and what it holds: each venue's files with a cache record of its inputs, the district files,
manifest.csv, print-order.csv and rejects.csv, and nothing stale."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path

from materials import __version__, printorder, qr
from materials.campaign import Campaign
from materials.errors import MaterialsError, Problem, VerificationError, printable
from materials.i18n import _
from materials.keys import redact
from materials.output import write_inside
from materials.venues import files, glyphs, outputs, static
from materials.venues.compose import PageArt
from materials.venues.jobs import Rendered
from materials.venues.plan import Plan
from materials.venues.reading import VenueList, VenueRow

log = logging.getLogger(__name__)

CACHE = ".cache"
#: Names the command in the ownership marker of its output folder (materials/output.py).
MADE_BY = "materials venues"
#: `materials venues LIST` writes to OUTPUT/venue-lists/<LIST name>: never where `materials build` writes.
RUNS = "venue-lists"


def input_hash(plan: Plan, venue_id: str) -> str:
    """Everything a venue's files depend on; equal hashes mean equal bytes."""
    h = hashlib.sha256()
    h.update(json.dumps([__version__, plan.size, plan.screens, plan.verify_dpi, plan.poster.as_data(),
                         plan.contexts[venue_id].as_data(), plan.fonts.digest, plan.static_fonts.digest],
                        sort_keys=True, ensure_ascii=False).encode())
    for name, source in plan.templates:
        h.update(name.encode() + b"\0" + source.encode())
    return h.hexdigest()


def venue_file(venue: VenueRow) -> str:
    return f"{venue.district}/{venue.id}.pdf"


def screen_file(venue: VenueRow) -> str:
    return f"{venue.district}/{venue.id}.png"


def check_same_list(out: Path, listing: VenueList, default: bool = False, replace: bool = False) -> None:
    """A folder whose posters are all of venues this list does not have holds another list's run (a run here
    would delete them as stale); a new version of the same list shares venues with it and resumes. `default`: `out`
    is the folder the command chose (no --out given), and the message says so. A list that lacks some of the
    folder's venues (a one-venue correction run into the full list's folder) is refused naming them, unless
    `replace` (--replace): the run would remove their posters, district pages and manifest rows (red team 12)."""
    import csv
    import io

    manifest = out / "manifest.csv"
    try:
        rows = list(csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error):
        return
    held = {(row.get("district"), row.get("id")) for row in rows}
    if held and listing.venues and not held & {(v.district, v.id) for v in listing.venues}:
        if default:
            raise MaterialsError(_("the default output folder {out} (chosen by the list's districts and poster "
                                   "size) holds the posters of {count} venue(s) of another list, none of them in "
                                   "{label}; a run there would delete them. Write this list elsewhere: run again "
                                   "with --out FOLDER (a new folder, such as {suggested}), or move {out} away "
                                   "first").format(out=out, count=len(held), label=listing.label,
                                                   suggested=out.with_name(out.name + "-2")))
        raise MaterialsError(_("--out {out} holds the posters of {count} venue(s) of another list, none of "
                               "them in {label}; a run there would delete them. Give this list its own folder: "
                               "another --out").format(out=out, count=len(held), label=listing.label))
    listed = {(v.district, v.id) for v in listing.venues}
    rejected = {venue_id for _row, venue_id, _reason in listing.rejected_rows}  # named when removed
    missing = sorted(f"{district}/{venue_id}" for district, venue_id in held - listed
                     if district and venue_id and venue_id not in rejected)
    if missing and not replace:
        shown = ", ".join(missing[:MISSING_SHOWN]) + (_(" and {more} more").format(more=len(missing) - MISSING_SHOWN)
                                                      if len(missing) > MISSING_SHOWN else "")
        raise MaterialsError(_("{out} holds the posters of {count} venue(s) that {label} lacks: {venues}; a run there "
                               "would delete them, their district pages and manifest rows. Run the full list "
                               "there, write this one elsewhere with --out FOLDER (a new folder, such as "
                               "{suggested}), or pass --replace if those venues are to go").format(
                                   out=out, count=len(missing), label=listing.label, venues=shown,
                                   suggested=out.with_name(out.name + "-2")))


#: How many venues a refusal of a partial list names before "and N more".
MISSING_SHOWN = 20


def made_by_run(out: Path) -> bool:
    """A run folder without a marker (an older version's, or the library's `run`): only runs keep resume records."""
    return (out / CACHE / "venues").is_dir()


def unchanged(plan: Plan, out: Path, cache: Path,
              resume: bool) -> tuple[list[VenueRow], dict[str, str], dict[str, list[str]]]:
    """The venues to render, the sha256 of the others' PDFs, and the notes their rendering made (an address left
    off), which a rerun repeats: a warning does not go away because the poster was not rendered again."""
    todo: list[VenueRow] = []
    shas: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    for venue in plan.venues:
        record = cache / "venues" / f"{venue.id}.json"
        wanted = input_hash(plan, venue.id)
        if resume and record.is_file():
            try:
                saved = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            path = out / venue_file(venue)
            files_ok = path.is_file() and outputs.sha256(path.read_bytes()) == saved.get("sha256")
            if plan.screens:
                png = out / screen_file(venue)
                files_ok = files_ok and png.is_file() and outputs.sha256(png.read_bytes()) == saved.get("png")
            if saved.get("input") == wanted and files_ok:
                shas[venue.id] = saved["sha256"]
                notes[venue.id] = [str(note) for note in saved.get("notes") or []]
                continue
        todo.append(venue)
    return todo, shas, notes


def accept(rendered: Rendered, plan: Plan, by_id: dict[str, VenueRow], out: Path, cache: Path,
            shas: dict[str, str]) -> list[Problem]:
    """Check one rendered file and write it, with its cache record, if it is right."""
    venue = by_id[rendered.id]
    label = plan.listing.label
    where = f"row {venue.row}, id {venue.id}"
    if rendered.problems:
        return [Problem(label, None, where, p) for p in rendered.problems]
    link = plan.contexts[venue.id].link
    if rendered.decoded != [link]:
        found = ", ".join(rendered.decoded) or "nothing"
        return [Problem(label, None, where, _("the QR code read back from the rendered page gives {found}, "
                                              "not {link}").format(found=found, link=link))]
    is_png = rendered.data.startswith(b"\x89PNG")
    target = out / (screen_file(venue) if is_png else venue_file(venue))
    write_inside(out, target, rendered.data)
    record_path = cache / "venues" / f"{venue.id}.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    digest = outputs.sha256(rendered.data)
    if is_png:
        record["png"] = digest
    else:
        record = {"input": input_hash(plan, venue.id), "sha256": digest, "png": record.get("png"),
                  "notes": list(rendered.art.notes) if rendered.art is not None else []}
        shas[venue.id] = digest
    # The record names the input only once the PDF is in place: a kill between the two re-renders the venue.
    write_inside(out, record_path, json.dumps(record, sort_keys=True))
    return []


def by_district(plan: Plan) -> dict[str, list[VenueRow]]:
    by_district: dict[str, list[VenueRow]] = {}
    for venue in sorted(plan.venues, key=lambda v: (v.district, v.id)):
        by_district.setdefault(venue.district, []).append(venue)
    return by_district


def district_file(plan: Plan, out: Path, district: str, venues: list[VenueRow],
                   arts: dict[str, PageArt], shas: dict[str, str]) -> str:
    """`<district>.pdf`: the district's posters in id order (stickers imposed on sheets), their
    page contents as in the venues' own files (`arts`, or read back from the written file of a venue this
    run skipped) under one shared static layer and one font subset per weight.

    Made from the venues' PDFs alone, so a district whose venue files did not change (the same sha256s in
    the same order) keeps its file: its cache record says so, and the file's own sha256 is checked."""
    name = f"{district}.pdf"
    record_path = out / CACHE / "districts" / f"{district}.json"
    wanted = hashlib.sha256(json.dumps([__version__, plan.size, district, [shas[v.id] for v in venues]])
                            .encode()).hexdigest()
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    target = out / name
    if record.get("input") == wanted and target.is_file() and \
            outputs.sha256(target.read_bytes()) == record.get("sha256"):
        for venue in venues:
            arts.pop(venue.id, None)
        return name
    pages = [arts.pop(v.id) if v.id in arts else files.page_art((out / venue_file(v)).read_bytes())
             for v in venues]
    art = static.static_art(plan.templates, plan.static_fonts, plan.poster)
    data = files.district_pdf(art, glyphs.faces(plan.fonts), pages, f"{district} {plan.size}", plan.poster)
    if plan.poster.paper.sticker:
        links_here = sorted(plan.contexts[v.id].link for v in venues)
        found = sorted(text for page in qr.decode_pdf(data, plan.verify_dpi) for text in page)
        if found != links_here:
            raise VerificationError([Problem(name, None, None, _("a sticker's QR code does not read back "
                                                                 "on the sheet"))])
    write_inside(out, target, data)
    write_inside(out, record_path, json.dumps({"input": wanted, "sha256": outputs.sha256(data)}, sort_keys=True))
    return name


def write_tables(plan: Plan, out: Path, shas: dict[str, str], district_files: dict[str, str]) -> None:
    rows = []
    for venue in sorted(plan.venues, key=lambda v: (v.district, v.id)):
        rows.append([venue.id, venue.name, venue.district, venue.category, plan.contexts[venue.id].code,
                     venue.reprint, venue_file(venue), plan.contexts[venue.id].link,
                     plan.key_ids[venue.id], shas[venue.id]])
    if plan.listing.rejected_rows:
        rejected = [(row, redact(venue_id), redact(reason)) for row, venue_id, reason in plan.listing.rejected_rows]
        write_inside(out, out / "rejects.csv", outputs.csv_bytes(["row", "id", "reason"], rejected))
    else:
        with contextlib.suppress(FileNotFoundError):
            (out / "rejects.csv").unlink()
    write_inside(out, out / "print-order.csv", printorder.order_csv(_order_rows(plan, district_files)))
    write_inside(out, out / "manifest.csv", outputs.csv_bytes(outputs.MANIFEST_HEADER, rows))


def _order_rows(plan: Plan, district_files: dict[str, str]) -> list[printorder.Row]:
    """The order sheet (materials.printorder): per district, its print file (one copy of every page: each is
    another venue) and the campaign posters and signs its venues' categories are allotted."""
    rows: list[printorder.Row] = []
    by_district: dict[str, list[VenueRow]] = {}
    for venue in plan.venues:
        by_district.setdefault(venue.district, []).append(venue)
    language = plan.poster.primary
    size = plan.poster.paper
    kind = size.order_kind
    trim = (printorder.trim_size(size.sheet.name, size.sheet.width_mm, size.sheet.height_mm) if size.sheet
            else printorder.trim_size(size.name, size.width_mm, size.height_mm))
    for district in sorted(by_district):
        venues = by_district[district]
        rows.append(printorder.Row(
            district, district_files[district], size.print_item(), language, trim, size.pages(len(venues)), "4/0",
            plan.order.paper_of(kind), size.finishing, plan.order.quantity_of(kind)))
        totals: dict[str, int] = {}
        for venue in venues:
            for item, count in plan.allotment.get(venue.category, {}).items():
                totals[item] = totals.get(item, 0) + count
        for item in sorted(totals):
            item_kind = "tip" if item.startswith("tips") else item.split(" ")[0]
            item_size = item.split(" ")[-1]
            dims = printorder.PAPERS_MM.get(item_size)
            rows.append(printorder.Row(
                district, "", f"{item} (campaign file, see print/print-shop/order.csv)", "",
                printorder.trim_size(item_size, *dims) if dims else item_size, 1, "4/0",
                plan.order.paper_of(item_kind), printorder.FINISHING.get(item_kind, "trim to size"), totals[item]))
    return rows


def remove_stale(plan: Plan, out: Path, cache: Path, district_files: dict[str, str]) -> None:
    """Files of venues or districts no longer in the list: a clean run would not have them."""
    keep = {venue_file(v) for v in plan.venues} | set(district_files.values())
    if plan.screens:
        keep |= {screen_file(v) for v in plan.venues}
    for district in plan.district_keys:
        folder = out / district
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in (".pdf", ".png") and f"{district}/{path.name}" not in keep:
                    path.unlink()
                    log.warning(_("removed %s: its venue is not in this list"), out / district / path.name)
            if not any(folder.iterdir()):
                folder.rmdir()
        stale = out / f"{district}.pdf"
        if stale.is_file() and stale.name not in keep:
            stale.unlink()
            log.warning(_("removed %s: its venue is not in this list"), stale)
    ids = {v.id for v in plan.venues}
    for record in (cache / "venues").glob("*.json"):
        if record.stem not in ids:
            record.unlink()
    for record in (cache / "districts").glob("*.json"):
        if f"{record.stem}.pdf" not in keep:
            record.unlink()
    for part in out.rglob("*.part"):
        # Left by a run killed mid-write; never a finished file.
        with contextlib.suppress(OSError):
            os.unlink(part)


def list_identity(listing: VenueList, size: str) -> str:
    """What a run folder holds, as its marker records it: the districts of the list and the poster size. Not
    the file's name or path: a renamed copy (`-v2`, `-final`) of the same list resumes its run, and a run in
    another size is refused where it would replace posters."""
    districts = sorted({v.district for v in listing.venues})
    return f"venues of {', '.join(districts)} ({size})"


def run_folder(campaign: Campaign, listing: VenueList, size: str) -> str:
    """The default folder's name: the list's districts and size, such as `heping-A4` or `all-districts-A6`."""
    import hashlib

    districts = sorted({v.district for v in listing.venues})
    if set(districts) == {d.key for d in campaign.settings.districts} and len(districts) > 1:
        name = "all-districts"
    elif len(districts) <= 3:
        name = "+".join(districts)
    else:
        name = f"{len(districts)}-districts-" + hashlib.sha256(",".join(districts).encode()).hexdigest()[:8]
    return f"{name}-{size}"


def default_out(campaign: Campaign, listing: VenueList, size: str, list_path: Path) -> Path:
    """Each list gets its own folder beside (never inside) the build's outputs, so neither replaces the other;
    it is named by the list's districts and size, so a renamed copy of the list finds it again (a list without
    one valid row, which renders nothing, by its file name)."""
    name = run_folder(campaign, listing, size) if listing.venues else f"{printable(list_path.stem) or 'list'}-{size}"
    return campaign.root / "output" / RUNS / name
