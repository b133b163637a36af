"""Template mistakes and the preview server: exit 1 naming file and line, one-line errors, 404 for odd paths."""

from __future__ import annotations

import functools
import http.client
import logging
import shutil
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from materials.cli import cli
from materials.templating import BUILTIN


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def own_templates(campaign_copy: Path) -> Path:
    """The campaign with its own copy of the built-in templates, to break."""
    shutil.copytree(BUILTIN, campaign_copy / "templates")
    return campaign_copy / "templates"


def break_line(path: Path, line: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(line - 1, text + "\n")
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(("broken", "expected"), [
    ("{% if %}", "line 3: Expected an expression"),
    ("{{ page.title ", "home.html line 4: expected token ':'"),
    ("{% include 'nowhere.html' %}", "template nowhere.html not found"),
    ("{{ no_such_name.title }}", "line 3: 'no_such_name' is undefined"),
])
def test_a_web_template_mistake_is_exit_1_naming_file_and_line(campaign_copy: Path, own_templates: Path,
                                                               tmp_path: Path, broken: str, expected: str) -> None:
    page = own_templates / "web" / "home.html"
    break_line(page, 3, broken)
    code, output = run("build", "--campaign", str(campaign_copy), "--only", "web", "--out", str(tmp_path / "out"))
    assert code == 1, output
    assert expected in output and "Traceback" not in output, output
    if "not found" not in expected:
        assert "home.html" in output


def test_a_missing_page_template_is_named(campaign_copy: Path, own_templates: Path, tmp_path: Path) -> None:
    # The campaign's templates override the built-in ones file by file: a file it lacks comes from the package,
    # so a missing template is one that exists nowhere, such as a part its own page includes.
    (own_templates / "web" / "faq_page.html").write_text('{% include "missing-part.html" %}\n', encoding="utf-8")
    code, output = run("build", "--campaign", str(campaign_copy), "--only", "web", "--out", str(tmp_path / "out"))
    assert code == 1 and "missing-part.html" in output and "Traceback" not in output, output


def test_a_venue_template_syntax_error_names_file_and_line(own_templates: Path, campaign_copy: Path,
                                                          tmp_path: Path) -> None:
    break_line(own_templates / "venues" / "posters.html", 2, "{% for %}")
    venues = tmp_path / "v.csv"
    venues.write_text("id,name,district,category,address\nHP-1,宁夏路社区,和平区,社区,和平区宁夏路12号\n",
                      encoding="utf-8")
    with (campaign_copy / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\ndemo_key = true\n')
    code, output = run("venues", str(venues), "--campaign", str(campaign_copy), "--out", str(tmp_path / "o"))
    assert code == 1 and "templates/venues/posters.html line 2" in output and "Traceback" not in output, output


def test_serve_on_a_port_in_use_is_one_line(campaign_copy: Path, tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, output = run("serve", "--campaign", str(campaign_copy), "--out", str(tmp_path / "o"),
                           "--port", str(port), "--no-watch")
    assert code == 1
    assert output.strip().splitlines()[-1] == (f"Error: port {port} on 127.0.0.1 is already in use (another "
                                               "`materials serve`?); stop it or choose another with --port "
                                               "(0 picks a free one)")
    assert not (tmp_path / "o" / "web").exists(), "the busy port is found before any build"


def test_a_template_error_while_watching_keeps_the_last_good_site(campaign_copy: Path, own_templates: Path,
                                                                  tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    from materials.web import preview

    out = tmp_path / "out"
    site = preview.first_build(campaign_copy, out)
    before = (site / "en" / "index.html").read_bytes()
    break_line(own_templates / "web" / "home.html", 3, "{% if %}")
    with caplog.at_level(logging.ERROR, logger="materials"):
        assert preview.rebuild(campaign_copy, out) is False
    assert "still serving the last good site" in caplog.text and "home.html line 3" in caplog.text
    assert (site / "en" / "index.html").read_bytes() == before


@pytest.mark.parametrize("path", ["/%00", "/en/%00/x", "/%ff%fe", "/..%2f..%2fetc%2fpasswd", "/en/faq/%c0%ae%c0%ae/",
                                  "/" + "a" * 5000, "/en/faq/../../../../etc/passwd", "//etc/passwd", "/en/\\..\\x"])
def test_odd_paths_get_404_and_the_server_stays_up(campaign_copy: Path, tmp_path: Path, path: str,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    from materials.web import preview

    site = preview.first_build(campaign_copy, tmp_path / "out")
    httpd = preview.Server(("127.0.0.1", 0), functools.partial(preview.Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        port = httpd.server_address[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 404, (response.status, body[:200])
        assert b"root:" not in body
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/en/")
        assert connection.getresponse().status == 200, "the server still answers"
        connection.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_serve_shows_no_directory_listing(campaign_copy: Path, tmp_path: Path) -> None:
    """A folder without index.html (assets/, a built folder with stray files) answers the 404 page, never a
    listing of what the output folder holds."""
    from materials.web import preview

    site = preview.first_build(campaign_copy, tmp_path / "out")
    (site / "private").mkdir()
    (site / "private" / "notes.txt").write_text("x", encoding="utf-8")
    httpd = preview.Server(("127.0.0.1", 0), functools.partial(preview.Handler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        for path in ("/assets/", "/private/", "/private"):
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status in (301, 404), (path, response.status)
            assert b"Directory listing" not in body and b"notes.txt" not in body
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_serve_never_follows_a_link_out_of_the_site(tmp_path: Path) -> None:
    """A symbolic link inside the site to a file or folder outside it (the signing key, /etc) answers 404 over a
    real HTTP request; a link that stays inside the site still serves."""
    from materials.web import preview

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (site / "404.html").write_text("<p>not here</p>", encoding="utf-8")
    secret = tmp_path / "venue-signing.key"
    secret.write_text("materials-venue-key 1 SECRET", encoding="utf-8")
    (site / "k.txt").symlink_to(secret)
    (site / "etcdir").symlink_to("/etc")
    (site / "home.html").symlink_to(site / "index.html")
    answers = get_all(functools.partial(preview.Handler, directory=str(site)),
                      ("/k.txt", "/etcdir/passwd", "/etcdir/", "/home.html"))
    for path in ("/k.txt", "/etcdir/passwd", "/etcdir/"):
        status, body = answers[path]
        assert status == 404, (path, status)
        assert b"SECRET" not in body and b"root:" not in body
    assert answers["/home.html"] == (200, b"<p>home</p>")


@pytest.mark.parametrize("live", [False, True])
def test_serve_never_follows_a_folders_index_link_out_of_the_site(tmp_path: Path, live: bool) -> None:
    """Red team 2, #2: a folder whose index.html is a link to the signing key answers 404 for the folder's
    address too (both the preview and the live handler), as the file's own address does."""
    from materials.web import live as live_module
    from materials.web import preview

    site = tmp_path / "site"
    (site / "zh-CN" / "x").mkdir(parents=True)
    (site / "zh-CN" / "ok").mkdir(parents=True)
    (site / "zh-CN" / "ok" / "index.html").write_text("<p>fine</p>", encoding="utf-8")
    (site / "404.html").write_text("<p>not here</p>", encoding="utf-8")
    secret = tmp_path / "venue-signing.key"
    secret.write_text("materials-venue-key 1 SECRET", encoding="utf-8")
    (site / "zh-CN" / "x" / "index.html").symlink_to(secret)
    if live:
        state = live_module.State(tmp_path, tmp_path / "preview")
        factory = live_module.handler(site, state)
    else:
        factory = functools.partial(preview.Handler, directory=str(site))
    answers = get_all(factory, ("/zh-CN/x/", "/zh-CN/x/index.html", "/zh-CN/ok/"))
    for path in ("/zh-CN/x/", "/zh-CN/x/index.html"):
        status, body = answers[path]
        assert status == 404 and b"SECRET" not in body, (path, status, body)
    assert answers["/zh-CN/ok/"][0] == 200 and b"fine" in answers["/zh-CN/ok/"][1]


def get_all(handler: object, paths: tuple[str, ...]) -> dict[str, tuple[int, bytes]]:
    """Serve with `handler` on 127.0.0.1 and GET each path: path -> (status, body)."""
    from materials.web import preview

    httpd = preview.Server(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        answers = {}
        for path in paths:
            connection = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            answers[path] = (response.status, response.read())
            connection.close()
        return answers
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_serve_answers_404_for_a_file_holding_the_key_in_any_form(mini_campaign: Path, key_form: bytes) -> None:
    """Red team 5: `serve` served a file of the site holding the key inside a bigger file, raw or in base64 (it
    looked for a key file's line at a line's start only). The server that built the site knows the key."""
    from materials.venues import links
    from materials.web import preview

    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nkey_file = "keys/venue.key"\n')
    key = bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))  # conftest.SIGNING_KEY, which `key_form` holds
    links.write_key_file(mini_campaign / "keys" / "venue.key", [links.Key(1, key)])
    site = preview.first_build(mini_campaign, None)
    (site / "extra.js").write_bytes(b"var x = 1;\n" + key_form + b"\n")
    (site / "fine.js").write_bytes(b"var x = 1;\n")
    answers = get_all(functools.partial(preview.Handler, directory=str(site)), ("/extra.js", "/fine.js"))
    assert answers["/extra.js"][0] == 404 and key_form not in answers["/extra.js"][1]
    assert answers["/fine.js"] == (200, b"var x = 1;\n")


@pytest.mark.parametrize("packing", ["gzip", "bzip2", "xz", "zip", "zip-of-gzip"])
def test_serve_answers_404_for_a_packed_copy_of_the_key(mini_campaign: Path, packing: str) -> None:
    """Red team 10: a key file packed by hand (`gzip -k venue.key`) inside the site was served; a browser or
    `curl --compressed` unpacks it into the key."""
    import bz2
    import gzip
    import io
    import lzma
    import zipfile

    from materials import keys
    from materials.venues import links
    from materials.web import preview

    key_file = mini_campaign / ".materials" / "venue-signing.key"
    links.write_key_file(key_file, [links.Key(1, bytes(range(32)))])
    site = preview.first_build(mini_campaign, None)
    plain = key_file.read_bytes()

    def zipped(name: str, data: bytes) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("notes.txt", b"nothing here\n")
            archive.writestr(name, data)
        return buffer.getvalue()

    packed = {"gzip": gzip.compress(plain), "bzip2": bz2.compress(plain), "xz": lzma.compress(plain),
              "zip": zipped("venue.key", plain), "zip-of-gzip": zipped("k.gz", gzip.compress(plain))}[packing]
    (site / "k.bin").write_bytes(packed)
    (site / "fine.gz").write_bytes(gzip.compress(b"var x = 1;\n"))
    answers = get_all(functools.partial(preview.Handler, directory=str(site)), ("/k.bin", "/fine.gz"))
    assert answers["/k.bin"][0] == 404 and answers["/k.bin"][1] != packed
    assert answers["/fine.gz"][0] == 200
    # The build's scan of what it publishes (`guarded.Stages`, `check --output`) is the same test.
    assert [path.name for path, _ in keys.published_key_material(site)] == ["k.bin"]


@pytest.mark.parametrize("live", [False, True])
def test_serve_answers_only_requests_addressed_to_itself(tmp_path: Path, live: bool) -> None:
    """Red team 6 D2 (DNS rebinding): a page on evil.example that points its name at 127.0.0.1 reached the
    preview and its gallery; only 127.0.0.1, localhost and [::1] with serve's own port are answered."""
    from materials.web import live as live_module
    from materials.web import preview

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>home</p></body>", encoding="utf-8")
    if live:
        factory = live_module.handler(site, live_module.State(tmp_path, tmp_path / "preview"))
    else:
        factory = functools.partial(preview.Handler, directory=str(site))
    httpd = preview.Server(("127.0.0.1", 0), factory)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    try:
        def status(host: str | None, path: str = "/") -> tuple[int, bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.putrequest("GET", path, skip_host=True)
            if host is not None:
                connection.putheader("Host", host)
            connection.endheaders()
            response = connection.getresponse()
            answer = response.status, response.read()
            connection.close()
            return answer

        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}", f"[::1]:{port}"):
            assert status(host)[0] == 200, host
        for host in ("evil.example", f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}",
                     f"localhost.evil.example:{port}", f"127.0.0.1:{port}@evil.example", "", None):
            code, body = status(host, "/__materials__/gallery/" if live else "/")
            assert code == 421 and b"home" not in body and b"gallery" not in body.lower(), (host, code, body[:200])
    finally:
        httpd.shutdown()
        httpd.server_close()
