"""Playlists for screen players: per screen kind and edition, the images in order with a duration each.

Two forms of the same list, written beside the images in `screens/<kind>/`:
- `playlist-<edition>.m3u8`: the plain list signage players and VLC import (UTF-8 M3U: `#EXTINF` carries
  each image's seconds and title, `#EXTVLCOPT:image-duration` the same for VLC);
- `playlist-<edition>.html`: a self-contained slideshow for any browser-based player or a PC in kiosk
  mode. The images are inside the file (data: URLs) and CSS animations change them; no script at all.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from materials.printing.planner import Item, Planner


@dataclass
class Slide:
    file: str  # name beside the playlist
    title: str
    seconds: int


def slides(items: list[Item], kind: str, edition: str, seconds: int, order: list[str]) -> list[Slide]:
    """The screen images of one kind and edition, in the order of the materials (`order`: their ids)."""
    chosen = sorted((i for i in items if i.kind == "screen" and i.edition == edition and i.size.split(" ")[0] == kind),
                    key=lambda i: order.index(i.material) if i.material in order else len(order))
    return [Slide(Path(i.path).name, " / ".join(i.titles[lang] for lang in _langs(i)), seconds) for i in chosen]


def _langs(item: Item) -> list[str]:
    return list(item.titles) if item.edition == "bilingual" else [item.edition]


def m3u(shows: list[Slide], title: str) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{_one_line(title)}"]
    for slide in shows:
        lines += [f"#EXTINF:{slide.seconds},{_one_line(slide.title)}",
                  f"#EXTVLCOPT:image-duration={slide.seconds}", slide.file]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def keyframes(shows: list[Slide]) -> list[tuple[float, float]]:
    """(start, end) of each slide as percentages of the whole loop."""
    total = sum(s.seconds for s in shows)
    out, start = [], 0
    for slide in shows:
        out.append((start * 100 / total, (start + slide.seconds) * 100 / total))
        start += slide.seconds
    return out


def html(planner: Planner, shows: list[Slide], folder: Path, title: str, lang: str, size: tuple[int, int]) -> str:
    images = []
    for slide in shows:
        data = base64.b64encode((folder / slide.file).read_bytes()).decode("ascii")
        images.append(f"data:image/png;base64,{data}")
    return planner.env.get_template("playlist.html.j2").render(
        title=title, lang=lang, slides=list(zip(shows, images, keyframes(shows), strict=True)),
        total=sum(s.seconds for s in shows), width=size[0], height=size[1],
    )


def write(planner: Planner, items: list[Item], dest: Path) -> list[str]:
    """Both playlists of every screen kind and edition; returns their paths relative to `dest`."""
    from materials.printing.planner import editions
    from materials.printing.screens import folder

    campaign = planner.campaign
    written = []
    for kind, screen in planner.settings.screens.items():
        for edition in editions(campaign):
            shows = slides(items, kind, edition, screen.seconds, [m.id for m in planner.materials])
            if not shows:
                continue
            lang = campaign.primary_language if edition == "bilingual" else edition
            title = f"{campaign.text(campaign.settings.title, lang)} ({kind}, {edition})"
            where = dest / folder(kind)
            (where / f"playlist-{edition}.m3u8").write_text(m3u(shows, title), encoding="utf-8")
            (where / f"playlist-{edition}.html").write_text(
                html(planner, shows, where, title, lang, (screen.width_px, screen.height_px)), encoding="utf-8")
            written += [f"{folder(kind)}/playlist-{edition}.m3u8", f"{folder(kind)}/playlist-{edition}.html"]
    return written
