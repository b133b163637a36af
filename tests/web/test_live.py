"""`materials serve` as a user runs it: an open page updates itself after an edit, and the gallery shows every
print output with its thumbnail, redrawing only what changed."""

from __future__ import annotations

import html
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
#: Small print sizes keep the gallery's first build short.
PRINT_TABLE = """
[print]
poster_sizes = ["A4"]
tip_sizes = ["A5"]
booklet_sizes = ["A5"]
wechat_cover = [900, 383]
screens = { small = { width_px = 640, height_px = 360, diagonal_in = 20, viewing_distance_m = 1.5 } }
"""


def get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def serving(campaign_copy: Path, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """(base URL, campaign, site folder) of a `materials serve` process watching the campaign."""
    toml = campaign_copy / "campaign.toml"
    if "[print]" not in toml.read_text(encoding="utf-8"):
        toml.write_text(toml.read_text(encoding="utf-8") + PRINT_TABLE, encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "out"
    process = subprocess.Popen([*CLI, "serve", "--campaign", str(campaign_copy), "--out", str(out), "--port",
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"serve exited: {process.stdout.read() if process.stdout else ''}")
        try:
            return get(url)[0] == 200
        except OSError:
            return False

    try:
        wait_for(up, 60, "serve to answer")
        yield url, campaign_copy, out / "web"
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C: serve removes its temporary gallery folder
        try:
            process.wait(40)  # serve gives its builder 10 s to end, then kills it
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail("serve did not stop within 40 s of Ctrl+C")
        finally:
            if process.stdout is not None:
                process.stdout.close()


def gallery_tiles(url: str) -> dict[str, list[str]]:
    """File link -> thumbnail URLs of the gallery page."""
    page = get(url + "__materials__/gallery/")[2].decode("utf-8")
    tiles = {}
    for href, inner in re.findall(r'<li><a href="([^"]+)">(.*?)</a></li>', page, re.S):
        tiles[href] = re.findall(r'<img src="([^"]+)"', inner)
    return tiles


@pytest.mark.browser
def test_an_open_page_updates_itself_after_a_faq_edit(serving: tuple[str, Path, Path], page_at: object) -> None:
    url, campaign, site = serving
    page = page_at(1280)  # type: ignore[operator]
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(url + "en/faq/what/")
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    faq = campaign / "faq" / "en" / "what.md"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("\n---\n", "\n---\nEdited while serve runs: the page shows it by itself.\n", 1),
                   encoding="utf-8")
    expect(page.get_by_text("Edited while serve runs: the page shows it by itself.")).to_be_visible(timeout=15_000)
    assert not [m for m in console if "Content Security Policy" in m], console
    # The built site is untouched: no preview script in its files, its CSP as it was.
    built = (site / "en" / "faq" / "what" / "index.html").read_text(encoding="utf-8")
    assert "Edited while serve runs" in built and "__materials__" not in built
    from materials.web.site import CSP

    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in html.unescape(built)


def test_the_gallery_shows_every_print_output_and_redraws_only_what_changed(
        serving: tuple[str, Path, Path]) -> None:
    url, campaign, _ = serving
    wait_for(lambda: any("/posters/" in href for href in gallery_tiles(url)), 120, "the gallery's posters")
    page = get(url + "__materials__/gallery/")[2].decode("utf-8")
    tiles = gallery_tiles(url)
    for heading in ("Posters", "Tips signs", "FAQ booklet", "Display screens", "WeChat covers", "Facts"):
        assert f">{heading} (" in page, heading
    from materials.campaign import load

    for name, fact in load(campaign).settings.facts.items():
        status = "confirmed" if fact.confirmed else "to be confirmed"
        assert re.search(rf"<th>{name}</th><td>[^<]*</td><td>{status}</td>", page), name
    # Every file of the print manifest has a tile with a thumbnail per page, each one an image.
    served = {}
    for href in tiles:
        status, kind, body = get(url + href.lstrip("/"))
        served[href] = (status, kind, len(body))
    assert all(status == 200 for status, _, _ in served.values()), served
    assert all(tiles.values()), [href for href, thumbs in tiles.items() if not thumbs]
    booklets = [thumbs for href, thumbs in tiles.items() if "/booklet/" in href]
    assert booklets and all(len(thumbs) > 2 for thumbs in booklets)  # one thumbnail per booklet page
    status, kind, body = get(url + next(iter(tiles.values()))[0].lstrip("/"))
    assert status == 200 and kind == "image/png" and body.startswith(b"\x89PNG")
    # Nothing outside the preview folder is served.
    assert get(url + "__materials__/files/..%2f..%2fcampaign.toml")[0] == 404
    assert get(url + "__materials__/thumbs/../../etc/passwd")[0] == 404
    assert get(url + "__materials__/files/print/%00.pdf")[0] == 404
    assert get(url)[0] == 200  # and the server is still up

    poster = campaign / "posters" / "apply.md"
    # The English section is the file's last: the English and bilingual editions change, the Chinese does not.
    poster.write_text(poster.read_text(encoding="utf-8") + "\nOne more line for the gallery.\n", encoding="utf-8")

    def redrawn() -> bool:
        now = gallery_tiles(url)
        return any(now.get(h) != t for h, t in tiles.items() if "/posters/apply/" in h and "-en." in h)

    wait_for(redrawn, 120, "the edited poster's new thumbnail")
    after = gallery_tiles(url)
    changed = sorted(h for h in tiles if after.get(h) != tiles[h])
    assert changed and all("apply" in h for h in changed), changed
    assert all(after[h] == tiles[h] for h in tiles if "/tips/" in h)
    assert not [h for h in changed if "-zh-CN." in h], changed

    # A mistake in a poster is on the gallery page, naming the file; the last good thumbnails stay.
    poster.write_text(poster.read_text(encoding="utf-8").replace("theme: green", "theme: purple"), encoding="utf-8")

    def reported() -> bool:
        page = get(url + "__materials__/gallery/")[2].decode("utf-8")
        return "Problems (1)" in page and "posters/apply.md" in page

    wait_for(reported, 120, "the poster's problem on the gallery page")
    assert gallery_tiles(url) == after


def test_a_poster_edit_starts_the_gallery_before_the_site_and_a_faq_edit_after(campaign_copy: Path,
                                                                              tmp_path: Path) -> None:
    from typing import cast

    from materials.web import live

    state = live.State(campaign_copy, tmp_path / "preview")
    told: list[tuple[list[str], int]] = []  # what the gallery was told, and how many site rebuilds were done then

    class Gallery:
        def changed(self, paths: list[str]) -> None:
            told.append((paths, state.snapshot()["web"]))

    poster, faq = next((campaign_copy / "posters").glob("*.md")), next((campaign_copy / "faq").rglob("*.md"))
    gallery = cast(live.Gallery, Gallery())
    live.changed(state, gallery, tmp_path / "out", [str(poster)])
    live.changed(state, gallery, tmp_path / "out", [str(faq)])
    assert "site" not in state.problems
    assert told == [([str(poster)], 0), ([str(faq)], 2)]



def test_serve_sees_campaign_toml_edits_after_a_save_by_rename(campaign_copy: Path) -> None:
    """Red team 6 D11: after one save by rename (`sed -i`, most editors), serve's watch stayed on the old
    campaign.toml and missed every later edit (the gallery kept the old error until restart). The watch serve
    runs (real inotify through watchfiles) sees a rename-save, then in-place edits, and never output/."""
    import queue
    import threading

    from materials.web import live, preview

    toml = campaign_copy / "campaign.toml"
    stop = threading.Event()
    seen: queue.Queue[set[str]] = queue.Queue()

    def watching() -> None:
        for batch in preview.watch(live.watched(campaign_copy), stop_event=stop, debounce=200):
            seen.put({Path(path).name for _change, path in batch})

    thread = threading.Thread(target=watching, daemon=True)
    thread.start()

    def noticed(name: str) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if name in seen.get(timeout=1):
                    return
            except queue.Empty:
                pass
        pytest.fail(f"the watch did not notice {name}")

    try:
        time.sleep(1)  # the watch is set up
        subprocess.run(["sed", "-i", "s/^issued = /issued =  /", str(toml)], check=True)  # a save by rename
        noticed("campaign.toml")
        for number in range(2):  # then edits in place of the file that came by rename
            with toml.open("a", encoding="utf-8") as handle:
                handle.write(f"\n# edit {number}\n")
            noticed("campaign.toml")
        (campaign_copy / "output").mkdir(exist_ok=True)
        (campaign_copy / "output" / "x.html").write_text("x", encoding="utf-8")
        time.sleep(1)
        assert all("x.html" not in batch for batch in list(seen.queue)), "output/ is never watched"
    finally:
        stop.set()
        thread.join(10)


def _one_print_png(tmp_path: Path) -> Path:
    from PIL import Image

    folder = tmp_path / "preview"
    (folder / "print").mkdir(parents=True)
    Image.new("RGB", (120, 160), (200, 30, 30)).save(folder / "print" / "a.png")
    return folder


def test_a_thumbnail_cache_that_is_a_link_out_of_the_campaign_is_not_used(tmp_path: Path) -> None:
    """Issue 17 D2: `.materials/cache` linked out of the campaign; thumbnails are drawn, nothing goes there."""
    from materials.web import live

    root, outside = tmp_path / "campaign", tmp_path / "outside"
    (root / ".materials").mkdir(parents=True)
    outside.mkdir()
    (root / ".materials" / "cache").symlink_to(outside)
    made = live.thumbnails(_one_print_png(tmp_path), root)
    assert made["print/a.png"]
    assert list(outside.iterdir()) == []


def test_a_replaced_thumbnail_in_the_cache_is_drawn_again(tmp_path: Path) -> None:
    """Issue 17 D2: a thumbnail swapped in the campaign's cache (another picture) is not shown as the file's."""
    from materials.web import live

    root, folder = tmp_path / "campaign", _one_print_png(tmp_path)
    root.mkdir()
    [name] = live.thumbnails(folder, root)["print/a.png"]
    cache = root / live.THUMBS
    drawn = (cache / name).read_bytes()
    (cache / name).write_bytes(b"\x89PNG another picture")
    assert live.thumbnails(folder, root)["print/a.png"] == [name]
    assert (cache / name).read_bytes() == drawn
