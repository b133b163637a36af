"""The publicity channels of Article 3 that are not paper: display screens, WeChat, billboards.

`batches(planner)` adds their pages to the print run (laid out by the same workers, checked by the same
`checks.py`), `finish` writes what is made from the rendered images (playlists) and the WeChat article,
`verify` checks what only these channels promise: the action-safe margin of every screen image, the
centre square of every WeChat cover, an article the official-account editor keeps.
"""

from __future__ import annotations

from pathlib import Path

from materials.campaign import Campaign
from materials.errors import Problem
from materials.i18n import _
from materials.printing import billboard, incremental, playlist, screens, wechat
from materials.printing.legibility import LegibleItem
from materials.printing.manifest import ManifestEntry
from materials.printing.planner import Batch, Item, Planner


def items(planner: Planner) -> tuple[list[LegibleItem], list[Problem]]:
    boards, problems = billboard.items(planner)
    return [*screens.items(planner), *wechat.covers(planner), *boards], problems


def batches(planner: Planner) -> tuple[list[Batch], list[Problem]]:
    """The pages of these channels in batches of one kind and size each (one screen kind, the covers, the
    billboards), sharing one stylesheet; and the settings these channels cannot honour (found while
    planning, before any layout). Why by size: WeasyPrint carries words that overflow an absolutely
    positioned box onto the next page of the document, so words far too large for one screen would
    otherwise make an unrelated cover in the same batch look overfull too."""
    made, problems = items(planner)
    groups: dict[str, list[Item]] = {}
    for item in made:
        groups.setdefault(f"{item.kind} {item.size}", []).append(item)
    out = [Batch(name=f"channels {name}", head="", items=group, author=planner.author, created=planner.created)
           for name, group in groups.items()]
    css = planner.env.get_template("channels.css").render()
    head = planner.head(planner.campaign.primary_language, "channels", planner.page_css() + "\n" + css)
    for batch in out:
        batch.head = head
    return out, problems


def finish(planner: Planner, batches: list[Batch], dest: Path) -> list[str]:
    """Playlists from the rendered screen images, the WeChat article, its QR image and the editor's note."""
    wechat.write(planner, dest)
    every = [item for batch in batches for item in batch.items]
    return playlist.write(planner, every, dest)


def shown(batches: list[Batch]) -> list[tuple[str, str]]:
    """(screen kind, edition) of every playlist: each that has screen images."""
    return sorted({(i.size.split(" ")[0], i.edition) for b in batches for i in b.items if i.kind == "screen"})


def manifest_entries(campaign: Campaign, batches: list[Batch]) -> list[ManifestEntry]:
    """The playlists `finish` writes, for manifest.json (the web target skips entries with `html`)."""
    entries: list[ManifestEntry] = []
    for kind, edition in shown(batches):
        base = f"{screens.folder(kind)}/playlist-{edition}"
        entries.append(ManifestEntry(id=f"playlist-{kind}", kind="playlist", title=dict(campaign.settings.title),
                                     size=kind, language=edition, html=f"{base}.html", list=f"{base}.m3u8",
                                     link=campaign.service_link("screen")))
    return entries


def verify(campaign: Campaign, batches: list[Batch], dest: Path) -> list[Problem]:
    found = wechat.verify(campaign, dest)
    safe = campaign.settings.print.action_safe
    cache = incremental.Cache.of(campaign)  # an image checked before, byte for byte, is not analysed again
    for item in (i for b in batches for i in b.items):
        path = dest / item.path
        if not isinstance(item, LegibleItem) or not path.is_file():
            continue  # a missing file is reported by checks.py
        if item.kind not in ("screen", "wechat-cover"):
            continue
        name = f"channel {item.path}"
        key = cache.verified(name, [item.kind, item.background, safe, wechat.CENTRE_SHARE], path)
        if key is None:
            continue
        problems = []
        if item.kind == "screen":
            problems = screens.verify_image(item, path, safe)
        else:
            share = wechat.centre_share(path, item.background)
            if share < wechat.CENTRE_SHARE:
                problems.append(Problem(item.path, None, None, _("only {share:.0%} of the words and icon are in "
                                          "the centre square a share card shows; at least {CENTRE_SHARE:.0%}").format(
                                              share=share, CENTRE_SHARE=wechat.CENTRE_SHARE)))
        if not problems:
            cache.remember(name, key)
        found += problems
    for kind, edition in shown(batches):
        for ext in ("m3u8", "html"):
            name = f"{screens.folder(kind)}/playlist-{edition}.{ext}"
            if not (dest / name).is_file():
                found.append(Problem(name, None, None, _("the {kind} screens' playlist is missing").format(kind=kind)))
    return found
