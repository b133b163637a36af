"""`materials` run as a new user would, over a matrix of bad inputs: never a traceback, always exit 1 or 2.

Each case is a real process (`python -c "from materials.cli import main; main()"`) so nothing of the test
harness catches what a user would see. Exit 1: a problem with the input, named; exit 2: a usage error.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from materials.venues import links

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VENUE_FIXTURES = Path(__file__).resolve().parent / "venues" / "fixtures"
CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"
ROW = "HP-1,宁夏路社区,和平区,社区,和平区宁夏路12号\n"
#: The campaign's test key: 32 distinct bytes, evens then odds (counting bytes are a weak key).
TEST_KEY = bytes(range(0, 32, 2)) + bytes(range(1, 32, 2))
#: The test key (and a key no campaign knows) as a venue list's cell, in the forms it is copied in.
KEY_CELLS = {"base64": base64.b64encode(TEST_KEY).decode(), "base64url": base64.urlsafe_b64encode(TEST_KEY).decode(),
             "base64-bare": base64.b64encode(TEST_KEY).decode().rstrip("="),
             "base32": base64.b32encode(TEST_KEY).decode(), "base32-lower": base64.b32encode(TEST_KEY).decode().lower(),
             "base32-inside": "key " + base64.b32encode(TEST_KEY).decode().rstrip("=") + " here",
             "hex": TEST_KEY.hex(),
             "stray-base64": base64.b64encode(bytes(range(100, 132))).decode(),
             "stray-base32": base64.b32encode(bytes(range(100, 132))).decode()}


def _png(width: int, height: int) -> bytes:
    """The header of a greyscale PNG of `width` × `height` (and no pixels): what a picture bomb claims."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


PNG_BOMB = _png(30_000, 30_000)


def workbook(path: Path, sheets: dict[str, list[list[object]]], hidden: tuple[str, ...] = (),
             hidden_rows: tuple[int, ...] = ()) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = "hidden" if title in hidden else "visible"
        for number in hidden_rows:
            sheet.row_dimensions[number].hidden = True
    book.save(path)


def hostile_workbooks(bad: Path) -> None:
    """Red team 5 (D3): workbooks whose sheet declares entities: billion laughs, and an external entity."""
    import zipfile

    workbook(bad / "plain.xlsx", {"S": [HEADER.strip().split(","), ROW.strip().split(",")]})
    laughs = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    doctypes = {"laughs.xlsx": f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{laughs}]>', "xxe.xlsx":
                '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'}
    for name, doctype in doctypes.items():
        with zipfile.ZipFile(bad / "plain.xlsx") as source, zipfile.ZipFile(bad / name, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    text = data.decode("utf-8")
                    start = text.index("?>") + 2 if text.startswith("<?xml") else 0
                    text = text[:start] + doctype + text[start:]
                    entity = "&lol9;" if name == "laughs.xlsx" else "&xxe;"
                    data = re.sub(r'<c r="B2".*?</c>', f'<c r="B2" t="inlineStr"><is><t>{entity}</t></is></c>',
                                  text).encode("utf-8")
                target.writestr(info, data)
    # Red team 9: one value at XFD1048576 and a dimension of the whole sheet hung the run (rows padded to it).
    with zipfile.ZipFile(bad / "plain.xlsx") as source, zipfile.ZipFile(bad / "far.xlsx", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', data.decode("utf-8"))
                data = text.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t>'
                                    '</is></c></row></sheetData>').encode("utf-8")
            target.writestr(info, data)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign with venues and a key, and a folder of bad files beside it."""
    root = tmp_path_factory.mktemp("world")
    campaign = root / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    with (campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nkey_file = "keys/venue.key"\n')
    links.write_key_file(campaign / "keys" / "venue.key", [links.Key(1, TEST_KEY)])
    bad = root / "bad"
    bad.mkdir()
    (bad / "good.csv").write_text(HEADER + ROW, encoding="utf-8")
    (bad / "empty.csv").write_bytes(b"")
    (bad / "latin1.csv").write_bytes((HEADER + "HP-1,Café Zoë,heping,community,x\n").encode("latin-1"))
    (bad / "utf16le.csv").write_bytes((HEADER + ROW).encode("utf-16-le"))  # "Unicode text" without its BOM
    (bad / "utf16be.csv").write_bytes((HEADER + ROW).encode("utf-16-be"))
    (bad / "big5.csv").write_bytes((HEADER + "HP-1,寧夏路社區服務站,和平區,社區,和平區寧夏路12號\n").encode("big5"))
    (bad / "binary.csv").write_bytes(bytes(range(256)) * 40)
    (bad / "nul.csv").write_bytes((HEADER + ROW).encode() + b"HP-2,\x00\x00,heping,community,x\n")
    (bad / "fake.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (bad / "old.xls.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (bad / "list.pdf").write_bytes(b"%PDF-1.7")
    (bad / "dates.csv").write_text(HEADER + "1-Mar,宁夏路社区,和平区,社区,x\n", encoding="utf-8")
    (bad / "huge-cell.csv").write_text(HEADER + "HP-1," + "长" * 5000 + ",和平区,社区,x\n", encoding="utf-8")
    (bad / "field-limit.csv").write_text(HEADER + "HP-1," + "长" * 200_000 + ",和平区,社区,x\n", encoding="utf-8")
    (bad / "quotes.csv").write_text(HEADER + 'HP-1,"unclosed,和平区,社区,x\n', encoding="utf-8")
    unclosed = 'HP-2,"unclosed,和平区,社区,x\n'
    (bad / "quote-mid.csv").write_text(HEADER + ROW + unclosed + ROW.replace("HP-1", "HP-3") * 5, encoding="utf-8")
    (bad / "wrong-header.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    wide = ",".join(f"c{n}" for n in range(100_000))
    (bad / "wide-missing.csv").write_text(f"id,name,district,category,{wide}\n" + ROW, encoding="utf-8")
    (bad / "parks.csv").write_text(HEADER + "".join(f"HP-{n},第{n}公园,和平区,公园,某路{n}号\n" for n in range(2, 30)),
                                   encoding="utf-8")
    workbook(bad / "all-hidden.xlsx", {"S": [HEADER.strip().split(","), ROW.strip().split(",")]}, hidden_rows=(2,))
    hostile_workbooks(bad)
    links.write_key_file(bad / "stray.key", [links.Key(1, bytes(range(5, 37, 2)) + bytes(range(6, 37, 2)))])
    for name in ("bidi.csv", "zero-width.csv", "path-id.csv", "formula.xlsx", "oversized.xlsx", "duplicate-id.csv",
                 "header-only.csv", "excel-id.csv"):
        shutil.copy(VENUE_FIXTURES / name, bad / name)
    workbook(bad / "two-sheets.xlsx", {"A": [HEADER.strip().split(",")], "B": [["x"]]})
    workbook(bad / "hidden.xlsx", {"Shown": [], "Secret": [HEADER.strip().split(",")]}, hidden=("Secret",))
    workbook(bad / "bools.xlsx", {"S": [HEADER.strip().split(","), [True, False, None, 1.5, 2]]})
    (bad / "readable.key").write_text(f"materials-venue-key 1 {TEST_KEY.hex()}\n", encoding="ascii")
    (bad / "readable.key").chmod(0o644)
    for name, secret in {"zero": "00" * 32, "same": "ab" * 32, "pattern": "0102" * 16, "short": "00" * 16,
                         "long65": TEST_KEY.hex() + "a",
                         "block": "0123456789abcdef" * 4, "block16": bytes(range(16)).hex() * 2,
                         "counting": bytes(range(32)).hex(), "down": bytes(range(200, 136, -2)).hex()}.items():
        (bad / f"{name}.key").write_text(f"materials-venue-key 1 {secret}\n", encoding="ascii")
        (bad / f"{name}.key").chmod(0o600)
    (bad / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="ascii")
    (bad / "passwd").chmod(0o644)
    (bad / "garbage.key").write_text("hello\n", encoding="ascii")
    (bad / "chinese-district.key").write_text(f"materials-venue-key 1 {TEST_KEY.hex()} 不存在区\n", encoding="utf-8")
    (bad / "chinese-district.key").chmod(0o600)
    (bad / "garbage.key").chmod(0o600)
    (bad / "a-file").write_text("x", encoding="utf-8")
    # Red team 8, D6: the campaign's signing key in a cell, in every encoding it is copied in (and a key the
    # campaign does not know, alone in a cell), is refused naming file, row and column.
    for name, cell in KEY_CELLS.items():
        (bad / f"key-{name}.csv").write_text(HEADER + ROW.replace("宁夏路社区", cell), encoding="utf-8")
    # Red team 8: a carriage return alone inside a cell hides the text before it in a terminal
    (bad / "lone-cr.csv").write_bytes((HEADER + 'HP-1,"假名\r宁夏路社区",和平区,社区,x\n').encode("utf-8"))
    for name, text in {
        "toml": "languages = [\n",
        "url": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'url = "https://declare.health-code.example/apply"', 'url = "javascript:alert(1)"'),
        "encoding": None,
        **{f"host-{name}": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'url = "https://declare.health-code.example/apply"', f'url = "{url}"') + extra
           for name, url, extra in (
               ("cyrillic", "https://d\u0435clare.health-code.gov.cn/apply", '\n[venues]\nkey_file = "k.key"\n'),
               ("userinfo", "https://user:secret@declare.health-code.gov.cn/apply", ""),
               ("at-sign", "https://declare.gov.cn\\\\@evil.com/apply", ""),
               ("localhost", "https://localhost/apply", ""),
               ("markup", 'https://declare.tianjin.gov.cn/apply\\"><script>alert(1)</script>', ""),
               ("onion", "https://declarehealthcode7x.onion/apply", ""),
               ("link-host", "https://declare.health-code.gov.cn/apply",
                '\n[venues]\nlink_host = "hc.tianjin.example"\n'),
               ("link-host-cyrillic", "https://declare.health-code.gov.cn/apply",
                '\n[venues]\nlink_host = "hc.tianjin.gov.\u0441n"\n'),
               ("site-cyrillic", "https://declare.health-code.gov.cn/apply",
                '\n[site]\nbase_url = "https://h\u0435alth.tj.gov.cn/"\n'),
           )},
        "misplaced": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8") + '\nchannels = ["poster"]\n',
        # Red team 3, #11: settings that name a file outside the campaign (absolute, `..`, a link out of it)
        "glossary-outside": 'glossary = "/etc/passwd"\n' + (FIXTURES / "mini" / "campaign.toml").read_text(
            encoding="utf-8"),
        "list-outside": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nlist = "../bad/good.csv"\nkey_file = "k.key"\n',
        "key-outside": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nkey_file = "keys/link.key"\n',
        # Red team 6, D1: a setting naming the key file (its TOML error quoted the whole key)
        "glossary-key": 'glossary = "k.key"\n' + (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nkey_file = "k.key"\n',
        # A venue size of the campaign's own whose stickers do not fit the sheet they are imposed on
        "sticker-sheet": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues.sizes.A6-A5]\nwidth_mm = 105\nheight_mm = 148\nqr_mm = 50\n'
        'sheet = { name = "A5", width_mm = 148, height_mm = 210, across = 2, down = 2 }\n',
        # Red team 5 (D9): a bidi override in the authority's name was blamed on the fonts
        "bidi-authority": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'zh-CN = "测试市疫情防控指挥部"', 'zh-CN = "\u202e测试市疫情防控指挥部"'),
        # Red team 7 (D1): a size or screen kind's name becomes part of output file names; "../" in one wrote
        # a venue run, screen PNGs (overwriting a file) and posters outside the campaign and its output
        "screen-path": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[print.screens."../../victim/scr"]\nwidth_px = 640\nheight_px = 360\ndiagonal_in = 20\n'
        'viewing_distance_m = 2\nseconds = 5\n',
        "size-path": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[print]\nposter_sizes = ["../victim/psz"]\n[print.sizes."../victim/psz"]\nwidth_mm = 210\n'
        'height_mm = 297\n',
        "venue-size-path": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nsize = "../../victim/sz"\n[venues.sizes."../../victim/sz"]\nwidth_mm = 210\n'
        'height_mm = 297\nqr_mm = 80\n',
        # Red team 11, #6: an address no QR code holds (segno's DataOverflowError), WeChat image sizes no image
        # has (ValueError) or no worker's memory holds (MemoryError), a 5000-deep array (RecursionError)
        "long-url": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'url = "https://declare.health-code.example/apply"',
            'url = "https://declare.health-code.gov.cn/' + "a" * 5000 + '"'),
        "wechat-negative": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + "\n[print]\nwechat_cover = [0, -1]\n",
        "wechat-huge": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + "\n[print]\nwechat_square = [100000, 100000]\n",
        # Red team 11, #12: a folder named as the key file was "has 3 hard links"
        "key-folder": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nkey_file = "faq"\n',
        "key-empty": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + '\n[venues]\nkey_file = ""\n',
        # Red team 11, #12: a 3000-character title passed check and failed the build's trim check
        "long-title": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'en = "Health code test campaign"', 'en = "' + "Health code " * 250 + '"'),
        "deep": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8")
        + "\nx = " + "[" * 5000 + "]" * 5000 + "\n",
    }.items():
        folder = root / f"broken-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        if text is None:
            (folder / "campaign.toml").write_bytes(b"\xff\xfe\x00garbage")
        else:
            (folder / "campaign.toml").write_text(text, encoding="utf-8")
    (root / "broken-key-outside" / "keys").mkdir()
    (root / "broken-key-outside" / "keys" / "link.key").symlink_to(bad / "stray.key")
    links.write_key_file(root / "broken-glossary-key" / "k.key", [links.Key(1, TEST_KEY)])
    for name, template in {
        "escape": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "loop": '{% include "404.html" %}',
        # Red team 5 (D15): a missing include was named without the template and line that asked for it
        "include-missing": '<p>x</p>\n{% include "/etc/passwd" %}',
        "escape-built": "{{ (cycler|attr('__in' ~ 'it__')|attr('__glo' ~ 'bals__'))['os'].popen('id').read() }}",
        # Red team 2: strings doubled in a loop, and a large value written 100,000 times (each a gigabytes' worth)
        "doubling": "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "doubling-macro": "{% macro d(x) %}{{ x }}{{ x }}{% endmacro %}{% set ns = namespace(s='x') %}"
                          "{% for i in range(60) %}{% set ns.s = d(ns.s) %}{% endfor %}",
        "huge-page": "{% set big = 'x' * 1000000 %}{% for i in range(100000) %}{{ big }}{% endfor %}",
        # Red team 2: the settings whole printed the key's path
        "settings": '{% extends "base.html" %}{% block main %}<p>{{ settings }}</p><p>{{ settings.venues }}</p>'
                    "<h1>{{ t(settings.title, 'en') }}</h1>{% endblock %}",
        "settings-key": "{{ campaign.settings.venues.key_file }}",
        "settings-dump": "{{ campaign.settings.model_dump() }}",
        # Red team 3, #4: work without end, no memory needed (each ran for hours): a number squared in a loop,
        # nested loops, a macro calling itself twice per call; #13: a macro calling itself without end.
        "squaring": "{% set ns = namespace(n=3) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}"
                    "{{ ns.n > 5 }}",
        "nested-loops": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
        "macro-tree": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n{{ f(60) }}",
        "macro-recursion": "{% macro f(n) %}{{ f(n) }}{% endmacro %}\n\n{{ f(1) }}",
        # Red team 6, D6: a global or filter told to make a huge amount (minutes of work, or a MemoryError)
        "lipsum": '{% extends "base.html" %}{% block main %}{{ lipsum(n=10**7)|length }}{% endblock %}',
        "slice": '{% extends "base.html" %}{% block main %}{{ ([1]|slice(10**8, 0))|list|length }}{% endblock %}',
        "batch": '{% extends "base.html" %}{% block main %}{{ ([1]|batch(10**9, 0)|first)|length }}{% endblock %}',
        "tojson": '{% extends "base.html" %}{% block main %}{{ ([0]*1000)|tojson(indent=10**7)|length }}'
                  "{% endblock %}",
        "tojson-wide": '{% extends "base.html" %}{% block main %}{{ ([0]*1000)|tojson(indent=30000)|length }}'
                       "{% endblock %}",
        # Red team 3, #3: a hard link to the signing key, included by a page
        "hard-link": '{% extends "base.html" %}{% block main %}<pre>{% include "k.html" %}</pre>{% endblock %}',
    }.items():
        folder = root / f"template-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        (folder / "templates" / "web").mkdir(parents=True)
        (folder / "templates" / "web" / "404.html").write_text(template, encoding="utf-8")
    linked = root / "template-hard-link"
    links.write_key_file(linked / "keys" / "venue.key", [links.Key(1, TEST_KEY)])
    os.link(linked / "keys" / "venue.key", linked / "templates" / "web" / "k.html")
    for name in ("faq", "strings"):  # any hard-linked source: what the other name is cannot be known
        folder = root / f"hard-link-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        if name == "faq":
            os.link(folder / "faq" / "en" / "green.md", root / f"{name}-other-name.md")
        else:
            (folder / "templates" / "web").mkdir(parents=True)
            (folder / "templates" / "web" / "strings.toml").write_text('[en]\nsearch = "Search"\n', encoding="utf-8")
            os.link(folder / "templates" / "web" / "strings.toml", root / f"{name}-other-name.toml")
    # Red team 11, #11: a poster's picture that is not a PNG, or a PNG bomb, was left out of the poster with only
    # WeasyPrint's log line ("ok", exit 0); a picture on the network in an answer or a poster was dropped unsaid
    for name, picture, line in (("one-byte", b"x", ""),
                                ("bomb", PNG_BOMB, ""),
                                ("remote", None, "![map](https://maps.tj.gov.cn/x.png)"),
                                ("remote-html", None, '<img src="https://maps.tj.gov.cn/y.png" alt="map">'),
                                ("remote-poster", None, "![map](https://maps.tj.gov.cn/x.png)")):
        folder = root / f"picture-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        shutil.copytree(FIXTURES.parent / "print" / "sources" / "posters", folder / "posters")
        if picture is not None:
            (folder / "posters" / "pic.png").write_bytes(picture)
            poster = folder / "posters" / "apply.md"
            poster.write_text(poster.read_text(encoding="utf-8").replace("icon: scan\n", "icon: scan\nimage: pic.png\n",
                                                                         1), encoding="utf-8")
        elif name == "remote-poster":
            poster = folder / "posters" / "apply.md"
            poster.write_text(poster.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
        else:
            with (folder / "faq" / "en" / "green.md").open("a", encoding="utf-8") as handle:
                handle.write(f"\n{line}\n")
    deep = root / "deep-strings"  # Red team 11, #6: the same nesting in a template folder's strings.toml
    shutil.copytree(FIXTURES / "mini", deep)
    (deep / "templates" / "web").mkdir(parents=True)
    (deep / "templates" / "web" / "strings.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", "utf-8")
    run = root / "venue-run"  # a district office's venue run: its print files are not the proof's to replace
    run.mkdir()
    (run / ".materials-output").write_text('{"made_by": "materials venues", "source": "list.csv"}\n', "utf-8")
    (run / "heping.pdf").write_bytes(b"%PDF-1.7 district print file")
    (root / "proof-link.pdf").symlink_to(bad / "list.pdf")
    for name, line in {"http": "See [the old site](http://old.tj.gov.cn/x).",
                       "tab": "See [this](java\tscript:alert(1)).",
                       "entity": 'See <a href="jav&#x09;ascript:alert(1)">this</a>.'}.items():
        folder = root / f"link-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        with (folder / "faq" / "en" / "green.md").open("a", encoding="utf-8") as handle:
            handle.write(f"\n{line}\n")
    proof = root / "template-proof-file"
    shutil.copytree(FIXTURES / "mini", proof)
    (proof / "templates" / "proof").mkdir(parents=True)
    (proof / "templates" / "proof" / "proof.html.j2").write_text(
        '<html><body><img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/shadow">x</a></body></html>',
        encoding="utf-8")
    line = root / "front-line"
    shutil.copytree(FIXTURES / "mini", line)
    green = line / "faq" / "en" / "green.md"
    green.write_text(green.read_text(encoding="utf-8").replace("order: 2", "order: two"), encoding="utf-8")
    # Red team 12 (D11): an impossible date or hour was a ValueError in `check`; a time of day passed `check` and
    # was a ValueError in `build`
    for name, value in (("updated-month", "2020-13-01"), ("updated-hour", "2020-03-10T25:00:00"),
                        ("updated-zone", "2020-03-10T10:00:00+14:00"), ("updated-fraction", "2020-03-10 10:00:00.5")):
        shutil.copytree(FIXTURES / "mini", root / name)
        green = root / name / "faq" / "en" / "green.md"
        green.write_text(green.read_text(encoding="utf-8").replace("order: 2", f"order: 2\nupdated: {value}"),
                         encoding="utf-8")
    # Red team 12 (D13): an allotment naming no file of the campaign went into print-order.csv; an unknown
    # category was refused by `check` only
    for name, table in (("allot-item", 'community = { "no-such-poster-A3" = 5 }'),
                        ("allot-readme", 'community = { "poster-A3" = 2 }'),
                        ("allot-category", 'nope = { "poster A3" = 1 }')):
        shutil.copytree(FIXTURES / "mini", root / name)
        with (root / name / "campaign.toml").open("a", encoding="utf-8") as handle:
            handle.write(f"\n[venues.allotment]\n{table}\n")
    # Red team 12 (D14): a venues.list of two sheets told `check` and `build` to pass --sheet, which they lack
    shutil.copytree(FIXTURES / "mini", root / "list-sheets")
    workbook(root / "list-sheets" / "two.xlsx", {"A": [HEADER.strip().split(",")], "B": [["x"]]})
    with (root / "list-sheets" / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nlist = "two.xlsx"\nkey_file = "k.key"\n')
    # Red team 12 (D14): a U+2028 in the question (line 5) was reported at line 2
    shutil.copytree(FIXTURES / "mini", root / "question-separator")
    green = root / "question-separator" / "faq" / "en" / "green.md"
    green.write_text(green.read_text(encoding="utf-8").replace("question: What does a green code mean?",
                                                               'question: "What does a\u2028green code mean?"'),
                     encoding="utf-8")
    front = root / "broken-faq"
    shutil.copytree(FIXTURES / "mini", front)
    (front / "faq" / "en" / "green.md").write_text("---\nid: [unclosed\n---\nbody\n", encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def fresh_register(world: Path) -> None:
    """Each test signs its venues afresh: the shared campaign's register of signed venues (which refuses one id
    for two venues, test_one_id_for_two_venues_is_refused_and_verify_says_ambiguous) is emptied before it."""
    for name in ("signed-venues.csv", "signed-venues.lock"):
        (world / "campaign" / ".materials" / name).unlink(missing_ok=True)


Case = Callable[[Path], list[str]]


def c(text: str) -> Case:
    """A case written as a command line; {c} is the campaign, {b} the bad files, {r} the root."""
    return lambda root: [part.format(c=root / "campaign", b=root / "bad", r=root) for part in text.split("  ")]


CODE = "BD-000001-P5GMCLXY"
TOKEN = links.sign_link(links.Key(1, TEST_KEY), "HTTPS://X/V/", "heping", "HP-1").rsplit("/", 1)[1]
#: A token of the first version, which signed the venue id without its district (two districts' C-001 clashed).
V1_TOKEN = links._b32(bytes([1, 1, 0, 4]) + b"HP-1" + bytes(16))
#: (case, expected exit status, a fragment the message must hold)
MATRIX: list[tuple[str, int, str]] = [
    ("build  --only  webb  --campaign  {c}", 2, "choose from print, venues, web"),
    ("build  --only  ,  --campaign  {c}", 2, "choose from"),
    ("build  --campaign  {r}/nowhere", 1, "does not exist"),
    ("build  --campaign  {b}", 1, "campaign.toml"),
    ("build  --campaign  {c}  --out  {c}", 1, "contains the campaign folder"),
    ("build  --campaign  {c}  --out  {c}/faq/en", 1, "sources"),
    ("build  --campaign  {c}  --out  {b}", 1, "not empty"),
    ("build  --campaign  {c}  --out  {b}/a-file", 2, "is a file"),
    # Red team 6, D10: a folder below a file was "Not a directory … the previous output … is intact. Free space"
    ("build  --campaign  {c}  --only  web  --out  {b}/a-file/x", 1, "a-file is a file, so no folder can be made"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {b}/a-file/x/y", 1, "a-file is a file, so no folder can be"),
    ("build  --campaign  {r}/broken-toml", 1, "campaign.toml"),
    ("build  --campaign  {r}/broken-url  --only  web", 1, "service.url"),
    ("build  --campaign  {r}/broken-encoding", 1, "campaign.toml"),
    ("check  --campaign  {r}/broken-misplaced", 1, "this key is inside [[districts]]"),
    ("check  --campaign  {r}/broken-sticker-sheet", 1, "do not fit a A5 sheet of 148 × 210 mm"),
    ("check  --campaign  {r}/broken-glossary-outside", 1, "glossary: /etc/passwd is an absolute path"),
    ("check  --campaign  {r}/broken-glossary-key", 1, "glossary: k.key holds a line of a venue signing key file"),
    ("build  --campaign  {r}/broken-glossary-outside  --only  web", 1, "glossary: /etc/passwd is an absolute"),
    ("venues  {b}/good.csv  --campaign  {r}/broken-list-outside  --out  {r}/o4", 1,
     "venues.list: ../bad/good.csv leads outside the campaign folder"),
    ("verify  HP-1-AAAAAAAA  --campaign  {r}/broken-key-outside", 1,
     "venues.key_file: keys/link.key leads outside the campaign folder"),
    # Red team 3, #13: a cell over the csv module's limit names its row and column and what to do
    # Red team 6, D9: Dask raised "ValueError: unknown address scheme 'http'" as a traceback
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  http://x", 2,
     "http:// is not a scheduler address --dask connects with; write tcp://HOST:8786, tls://HOST:8786"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  ucx://x:8786", 2,
     "ucx:// is not a scheduler address --dask connects with"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  tcp://x:port", 2,
     "write the scheduler's host and port"),
    # Red team 12 (D11): no port was Dask's "missing port number" traceback; port 99999 waited 10 s
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  127.0.0.1", 2,
     "127.0.0.1: write the scheduler's host and port (1 to 65535)"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  tcp://127.0.0.1:99999", 2,
     "tcp://127.0.0.1:99999: write the scheduler's host and port (1 to 65535)"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o9  --dask  tcp://127.0.0.1:0", 2,
     "write the scheduler's host and port (1 to 65535)"),
    ("venues  {b}/field-limit.csv  --campaign  {c}  --out  {r}/o1", 1,
     "row 2 (line 2), column name: a cell holds more than 131072 characters"),
    ("build  --campaign  {r}/broken-faq  --only  web", 1, "green.md"),
    ("build  --campaign  {r}/template-escape  --only  web", 1, "404.html line 1: .__init__ reaches Python internals"),
    ("check  --campaign  {r}/template-escape", 1, "404.html line 1: .__globals__ reaches Python internals"),
    ("build  --campaign  {r}/template-escape-built  --only  web", 1, "refused by the template sandbox"),
    ("build  --campaign  {r}/template-loop  --only  web", 1, "404.html -> 404.html"),
    ("build  --campaign  {r}/template-settings-key  --only  web", 1, "attribute 'settings' of 'Campaign' object"),
    ("build  --campaign  {r}/template-settings-dump  --only  web", 1, "attribute 'settings' of 'Campaign' object"),
    ("check  --campaign  {r}/template-loop", 1, "404.html -> 404.html"),
    ("build  --campaign  {r}/template-include-missing  --only  web", 1,
     "404.html line 2: template /etc/passwd not found; add it or fix the name"),
    ("build  --campaign  {r}/template-squaring  --only  web", 1,
     "404.html line 1: refused by the template sandbox (a number of about"),
    ("build  --campaign  {r}/template-nested-loops  --only  web", 1,
     "404.html line 1: refused by the template sandbox (more than 5,000,000 loop turns"),
    ("build  --campaign  {r}/template-macro-tree  --only  web", 1,
     "404.html line 1: refused by the template sandbox (more than 5,000,000 loop turns"),
    ("build  --campaign  {r}/template-macro-recursion  --only  web", 1,
     "404.html line 1: templates include, import or extend each other in a loop (or a macro calls itself"),
    ("build  --campaign  {r}/template-hard-link  --only  web", 1, "templates/web/k.html: has 2 hard links"),
    ("check  --campaign  {r}/template-hard-link", 1, "templates/web/k.html: has 2 hard links"),
    ("check  --campaign  {r}/hard-link-faq", 1, "faq/en/green.md: has 2 hard links"),
    ("build  --campaign  {r}/hard-link-faq  --only  web", 1, "faq/en/green.md: has 2 hard links"),
    ("build  --campaign  {r}/hard-link-strings  --only  web", 1, "templates/web/strings.toml has 2 hard links"),
    ("check  --campaign  {r}/broken-host-cyrillic", 1, "service.url: 'https://dеclare.health-code.gov.cn/apply': host"),
    ("check  --campaign  {r}/broken-host-cyrillic", 1, "xn--dclare-3of.health-code.gov.cn"),
    ("venues  {b}/good.csv  --campaign  {r}/broken-host-cyrillic  --out  {r}/o3", 1, "U+0435 CYRILLIC"),
    ("check  --campaign  {r}/broken-host-userinfo", 1, "service.url: 'https://user:secret@"),
    ("check  --campaign  {r}/broken-host-at-sign", 1, "user name or password"),
    # Red team 5 (D11): markup in service.url passed check and build, and went into every QR code
    ("check  --campaign  {r}/broken-host-markup", 1, "holds '\"'; an address holds none of"),
    ("build  --campaign  {r}/broken-host-markup  --only  web", 1, "holds '\"'; an address holds none of"),
    ("check  --campaign  {r}/broken-host-localhost  --strict", 1, "localhost/apply is a PLACEHOLDER"),
    ("check  --campaign  {r}/broken-host-onion  --strict", 1, "declarehealthcode7x.onion/apply is a PLACEHOLDER"),
    ("check  --campaign  {r}/broken-host-link-host  --strict", 1, "link_host hc.tianjin.example is a PLACEHOLDER"),
    ("check  --campaign  {r}/broken-host-link-host-cyrillic", 1, "venues.link_host"),
    ("check  --campaign  {r}/broken-host-link-host-cyrillic", 1, "xn--"),
    ("check  --campaign  {r}/broken-host-site-cyrillic", 1, "site.base_url"),
    ("check  --campaign  {r}/broken-host-site-cyrillic", 1, "xn--halth-zwe.tj.gov.cn"),
    ("check  --campaign  {r}/link-http", 1, "faq/en/green.md line 13: insecure link 'http://old.tj.gov.cn/x'"),
    ("check  --campaign  {r}/link-tab", 1, "faq/en/green.md line 13: link 'java"),
    ("check  --campaign  {r}/link-tab", 1, "script:alert(1)' is a javascript: link"),
    ("check  --campaign  {r}/link-entity", 1, "faq/en/green.md line 13: link 'jav\\tascript:alert(1)' is a javas"),
    ("build  --campaign  {r}/link-tab  --only  web", 1, "faq/en/green.md line 13"),
    ("check  --campaign  {r}/front-line", 1, "faq/en/green.md line 3: order: 'two'"),
    ("check  --campaign  {r}/updated-month", 1, "faq/en/green.md line 4: updated: '2020-13-01' must be a real day "
     "written YYYY-MM-DD"),
    ("check  --campaign  {r}/updated-hour", 1, "faq/en/green.md line 4: updated: '2020-03-10T25:00:00' must be"),
    ("check  --campaign  {r}/updated-zone", 1, "line 4: updated: '2020-03-10T10:00:00+14:00' must be a real day"),
    ("build  --campaign  {r}/updated-zone  --only  web", 1, "line 4: updated: '2020-03-10T10:00:00+14:00' must"),
    ("build  --campaign  {r}/updated-fraction  --only  web", 1, "line 4: updated: '2020-03-10 10:00:00.5' must be"),
    ("check  --campaign  {r}/allot-item", 1, "venues.allotment.community: 'no-such-poster-A3' is no file this "
     "campaign prints; write one of booklet A4, booklet A5, poster A2, poster A3"),
    ("venues  {b}/good.csv  --campaign  {r}/allot-item  --out  {r}/o-allot", 1,
     "venues.allotment.community: 'no-such-poster-A3' is no file this campaign prints"),
    ("check  --campaign  {r}/allot-readme", 1, "'poster-A3' is no file this campaign prints"),
    ("venues  {b}/good.csv  --campaign  {r}/allot-category  --out  {r}/o-allot", 1,
     "venues.allotment.nope: not a place category of campaign.toml"),
    ("build  --campaign  {r}/list-sheets  --only  venues", 1, "`check` and `build` read campaign.toml venues.list "
     "and take no --sheet: save the list with the venues on its only sheet, or run `materials venues two.xlsx"),
    ("check  --campaign  {r}/question-separator", 1, "faq/en/green.md line 5: no font covers '\\u2028'"),
    ("check  --campaign  {c}  --output  {r}/nowhere", 1, "is not a folder"),
    ("check  --campaign  {c}  --output  {b}", 1, "holds no"),
    ("venues  {b}/missing.csv  --campaign  {c}  --out  {r}/o1", 1, "file not found"),
    ("venues  {b}/empty.csv  --campaign  {c}  --out  {r}/o1", 1, "the file is empty"),
    ("venues  {b}/latin1.csv  --campaign  {c}  --out  {r}/o1", 1, "UTF-8"),
    ("venues  {b}/utf16le.csv  --campaign  {c}  --out  {r}/o1", 1,
     "utf16le.csv: the file is in UTF-16 (little-endian) without a byte-order mark, not UTF-8; open it in Excel"),
    ("venues  {b}/utf16be.csv  --campaign  {c}  --out  {r}/o1", 1, "UTF-16 (big-endian)"),
    ("venues  {b}/big5.csv  --campaign  {c}  --out  {r}/o1", 1, "big5.csv: not UTF-8, and read as GBK/GB18030"),
    ("venues  {b}/big5.csv  --campaign  {c}  --out  {r}/o1", 1, "probably Big5 (Traditional Chinese)"),
    ("venues  {b}/latin1.csv  --campaign  {c}  --out  {r}/o1", 1, 'save it as "CSV UTF-8 (Comma delimited)", or as'),
    ("venues  {b}/binary.csv  --campaign  {c}  --out  {r}/o1", 1, "binary.csv"),
    ("venues  {b}/nul.csv  --campaign  {c}  --out  {r}/o1", 1, "nul.csv"),
    ("venues  {b}/fake.xlsx  --campaign  {c}  --out  {r}/o1", 1, "not an XLSX workbook"),
    ("venues  {b}/old.xls.xlsx  --campaign  {c}  --out  {r}/o1", 1, "old .xls"),
    ("venues  {b}/list.pdf  --campaign  {c}  --out  {r}/o1", 1, "unknown kind of list"),
    ("venues  {b}/dates.csv  --campaign  {c}  --out  {r}/o1", 1, "looks like a date"),
    ("venues  {b}/huge-cell.csv  --campaign  {c}  --out  {r}/o1", 1, "at most 2000"),
    ("venues  {b}/quotes.csv  --campaign  {c}  --out  {r}/o1", 1, "quotes.csv"),
    ("venues  {b}/quote-mid.csv  --campaign  {c}  --out  {r}/o1", 1, "quote-mid.csv: row 3 (line 3): not valid CSV"),
    ("venues  {b}/quote-mid.csv  --campaign  {c}  --out  {r}/o1", 1, "never closed"),
    ("venues  {b}/wrong-header.csv  --campaign  {c}  --out  {r}/o1", 1, "missing column 'id'"),
    ("venues  {b}/parks.csv  --campaign  {c}  --out  {r}/o1", 1, "rows 2–29, category: unknown place category '公园'"),
    ("venues  {b}/all-hidden.xlsx  --campaign  {c}  --out  {r}/o1", 1, "every venue row is hidden"),
    # Red team 5: entity declarations in a sheet (billion laughs, XXE) were a ParseError traceback
    ("venues  {b}/laughs.xlsx  --campaign  {c}  --out  {r}/o1", 1, "xl/worksheets/sheet1.xml holds a DOCTYPE"),
    ("venues  {b}/xxe.xlsx  --campaign  {c}  --out  {r}/o1", 1, "not a valid spreadsheet"),
    ("venues  {b}/far.xlsx  --campaign  {c}  --out  {r}/o1", 1, "cell XFD1048576 holds 'x', beyond column 256"),
    ("venues  /dev/zero  --campaign  {c}  --out  {r}/o1", 1, "/dev/zero is not a regular file"),
    # Red team 5: a 100,000-column header was printed whole in one message
    ("venues  {b}/wide-missing.csv  --campaign  {c}  --out  {r}/o1", 1, "'c11' and 99,988 more"),
    ("proof  --campaign  {c}  --out  /proc/self/foo.pdf", 1, "Its folder does not exist or takes no files"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/stray.key", 1,
     "would call these posters forged"),
    ("venues  {b}/bidi.csv  --campaign  {c}  --out  {r}/o1", 1, "bidirectional"),
    ("venues  {b}/zero-width.csv  --campaign  {c}  --out  {r}/o1", 1, "zero-width"),
    ("venues  {b}/path-id.csv  --campaign  {c}  --out  {r}/o1", 1, "letters, digits"),
    ("venues  {b}/formula.xlsx  --campaign  {c}  --out  {r}/o1", 1, "is a formula"),
    ("venues  {b}/oversized.xlsx  --campaign  {c}  --out  {r}/o1", 1, "inflates"),
    ("venues  {b}/duplicate-id.csv  --campaign  {c}  --out  {r}/o1", 1, "ids must be unique"),
    ("venues  {b}/header-only.csv  --campaign  {c}  --out  {r}/o1", 1, "only a header row"),
    ("venues  {b}/excel-id.csv  --campaign  {c}  --out  {r}/o1", 1, "4.40104E+17"),
    ("venues  {b}/two-sheets.xlsx  --campaign  {c}  --out  {r}/o1", 1, "2 sheets hold data"),
    ("venues  {b}/two-sheets.xlsx  --campaign  {c}  --out  {r}/o1  --sheet  C", 1, "no sheet named 'C'"),
    ("venues  {b}/hidden.xlsx  --campaign  {c}  --out  {r}/o1", 1, "is hidden"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --sheet  Sheet2", 1,
     "good.csv: --sheet 'Sheet2' names a sheet of a workbook, but this list is a CSV file"),
    (f"verify  {CODE}  --campaign  {{c}}  --list  {{b}}/good.csv  --sheet  S", 1, "drop --sheet"),
    ("venues  {b}/bools.xlsx  --campaign  {c}  --out  {r}/o1", 1, "TRUE/FALSE"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --size  A3", 2, "A3"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --jobs  0", 2, "--jobs"),
    ("venues  {b}  --campaign  {c}", 2, "is a directory"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/missing.key", 1, "not found"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/readable.key", 1, "chmod 600"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/zero.key", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/same.key", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/pattern.key", 1, "is not random"),
    # Red team 3, #10: a repeated 8-byte block (0123456789abcdef four times), and 16 distinct bytes twice.
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/block.key", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/block16.key", 1, "is not random"),
    # Red team 4, D8: counting bytes (00 01 02 … 1f), and a step of -2.
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/counting.key", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/down.key", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/short.key", 1, "64 hex digits"),
    # Red team 6, D10: one digit too many was "the key is not hex"
    (f"verify  {CODE}  --campaign  {{c}}  --key-file  {{b}}/long65.key", 1, "the key has 65 hex digits; a key is 64"),
    (f"verify  {CODE}  --campaign  {{c}}  --key-file  {{b}}/zero.key", 1, "is not random"),
    # Red team 5 (D12): a district named in Chinese made the whole file "not a materials key file"
    (f"verify  {CODE}  --campaign  {{c}}  --key-file  {{b}}/chinese-district.key", 1,
     "chinese-district.key line 1: '不存在区' is not a district key"),
    ("keys  new  --out  {b}/zero.key  --add", 1, "is not random"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/passwd", 1, "not `materials-venue-key"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/garbage.key", 1, "line 1"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {c}/faq", 1, "sources"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {b}", 1, "which this run reads"),
    ("venues  {c}/faq/en/green.md  --campaign  {c}  --out  {r}/o2", 1, "unknown kind of list"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {b}/a-file", 2, "is a file"),
    ("verify  nonsense  --campaign  {c}", 1, "not a venue code"),
    ("verify", 2, "Missing argument"),
    ("verify  HP-1-ABCDEFGH", 1, "no campaign found"),
    (f"verify  HTTPS://EVIL.EXAMPLE/ANY/PATH/{TOKEN}  --key-file  {{c}}/keys/venue.key", 1, "no campaign found"),
    (f"verify  https://x/v/{TOKEN}  --campaign  {{c}}", 1, "upper case"),
    (f"verify  HTTPS://X/V/{TOKEN}  --campaign  {{c}}  --base  ftp://x", 1, "--base"),
    (f"verify  HTTPS://HC.TJ.GOV.CN/V/{V1_TOKEN}  --campaign  {{c}}  --base  HTTPS://HC.TJ.GOV.CN/V/", 1,
     "version-1 link"),
    (f"verify  HTTPS://X/V/{TOKEN}  --campaign  {{c}}  --base  HTTPS://X/V/", 1,
     "--base 'HTTPS://X/V/': host 'x' is not a full host name"),
    (f"verify  HTTPS://10.0.0.1/V/{TOKEN}  --campaign  {{c}}  --base  HTTPS://10.0.0.1/V/", 1, "is an IP address"),
    (f"verify  HTTPS://-HC.GOV.CN/V/{TOKEN}  --campaign  {{c}}  --base  HTTPS://-HC.GOV.CN/V/", 1,
     "is not a host name such as hc.tj.gov.cn (label '-hc')"),
    ("verify  健康码-一二三四五六七八  --campaign  {c}", 1, "not a venue code"),
    (f"verify  {CODE}  --campaign  {{c}}  --key-file  {{b}}/missing.key", 1, "not found"),
    (f"verify  {CODE}  --campaign  {{c}}  --list  {{b}}/latin1.csv", 1, "UTF-8"),
    (f"verify  {CODE}  --campaign  {{c}}", 1, "does not match"),
    # Red team 5 (D13): a bad --base was ignored for a typed code, which was then called genuine
    (f"verify  {CODE}  --campaign  {{c}}  --base  javascript:alert(1)", 1,
     "--base 'javascript:alert(1)' must start with https://"),
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://1.2.3.4/V/", 1, "is an IP address"),
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://u:p@hc.tj.gov.cn/V/", 1, "--base 'https://u:p@hc"),
    # Red team 5 (D10): a look-alike letter in a link's host is named, with the host's IDNA form
    (f"verify  HTTPS://HC.TJ.GOV.СN/V/{TOKEN}  --campaign  {{c}}  --base  HTTPS://HC.TJ.GOV.CN/V/", 1,
     "its letter 'С' (U+0421 CYRILLIC CAPITAL LETTER ES) is not ASCII (the host is hc.tj.gov.xn--n-"),
    ("keys  new  --out  {c}/keys/venue.key", 1, "refusing to replace"),
    ("keys  new  --out  {c}/keys/venue.key", 1, "refusing to replace a signing key"),
    ("keys  new  --out  {c}/campaign.toml", 1, "campaign.toml exists and is not a key file"),
    ("keys  new  --out  {c}/output/new.key", 1, "inside the output folder"),
    ("keys  new  --out  {r}/k.key  --key-id  300", 2, "--key-id"),
    ("keys  new  --out  {r}/none.key  --add", 1, "not found"),
    ("keys  new  --out  {b}", 2, "is a directory"),
    ("keys  new  --out  /proc/materials.key", 1, "cannot write /proc"),
    ("keys  new  --out  {b}/a-file/x.key", 1, "cannot write"),
    ("keys  new  --district  公园区  --campaign  {c}", 1, "is not a district of campaign.toml; the districts"),
    ("keys  new  --district  heping", 1, "--district needs the campaign"),
    ("keys  new", 1, "give --out FILE, or --campaign DIR"),
    ("serve  --campaign  {c}  --port  99999", 2, "--port"),
    ("serve  --campaign  {r}/nowhere", 1, "does not exist"),
    ("proof  --campaign  {c}  --out  {r}/proof.txt", 1, "ending in .pdf"),
    ("proof  --campaign  {r}/broken-toml", 1, "campaign.toml"),
    ("proof  --campaign  {r}/template-proof-file", 1, "refused to load 'file:///etc/"),
    ("proof  --campaign  {c}  --out  {r}/venue-run/heping.pdf", 1, "the output of `materials venues`"),
    ("proof  --campaign  {c}  --out  {r}/venue-run/new.pdf", 1, "the output of `materials venues`"),
    ("proof  --campaign  {c}  --out  {c}/faq/en/proof.pdf", 1, "inside the campaign's sources"),
    ("proof  --campaign  {c}  --out  {c}/templates/proof.pdf", 1, "inside the campaign's sources"),
    # Red team (#17): notice/, images/ and the kinds' folders are sources too, for proof, build and venues alike
    ("proof  --campaign  {c}  --out  {c}/notice/proof.pdf", 1, "inside the campaign's sources"),
    ("proof  --campaign  {c}  --out  {c}/images/proof.pdf", 1, "inside the campaign's sources"),
    ("proof  --campaign  {c}  --out  {c}/tips/proof.pdf", 1, "inside the campaign's sources"),
    ("build  --campaign  {c}  --only  web  --out  {c}/notice/site", 1, "inside the campaign's sources"),
    ("build  --campaign  {c}  --only  web  --out  {c}/images/site", 1, "inside the campaign's sources"),
    ("proof  --campaign  {c}  --out  {b}/list.pdf", 1, "is not a proof made by materials"),
    ("proof  --campaign  {c}  --out  {r}/proof-link.pdf", 1, "is a symbolic link"),
    ("proof  --campaign  {c}  --out  /proc/materials/proof.pdf", 1, "cannot write /proc"),
    ("proof  --campaign  {c}  --out  /sys/proof.pdf", 1, "cannot write /sys"),
    # Red team 11 #6: a name longer than the system allows was an OSError ENAMETOOLONG traceback
    ("proof  --campaign  {c}  --out  {r}/" + "a" * 300 + ".pdf", 1, "is longer than this system allows"),
    ("proof  --campaign  {c}  --out  {b}/a-file/proof.pdf", 1, "cannot write"),
    ("new  /proc/materials-campaign", 1, "cannot write /proc"),
    ("new  {c}", 1, "is not empty"),
    # Red team 11 #5: a campaign made inside another's output/ was deleted, key included, by its next build
    ("new  {c}/output/web/newcamp", 1, "/output, which its next build or run replaces whole"),
    # Red team 11 #9 and #6: a file on the way said "File exists (EEXIST) … Free space"; a 300-byte name was a
    # traceback (ENAMETOOLONG)
    ("new  {b}/a-file/sub", 1, "a-file is a file, not a folder, so no folder can be made below it"),
    ("new  {r}/" + "a" * 300 + "/sub", 1, "is 300 bytes long, and the file system allows at most 255 bytes"),
    ("new  {r}/n1  --district  上城 区=x", 1, "must be lower-case letters"),
    ("new  {r}/n2  --district  a=b=c=d", 1, "write KEY=名称"),
    ("new  {r}/n3  --service-url  http://declare.hz.gov.cn/", 1, "service.url"),
    # Red team 5 (D8, D9): a line break or a bidi override in an answer is refused naming the option
    ("new  {r}/n4  --city  津\"\n[venues]\nkey_file = \"/etc/passwd\"\n#", 1,
     "--city '津\"\\n[venues]\\nkey_file = \"/etc/passwd\"\\n#': holds the invisible control character '\\n'"),
    ("new  {r}/n5  --district  a=b\"\nx=1", 1, "--district 'a=b\"\\nx=1': holds the invisible control character"),
    ("new  {r}/n6  --city  X  --authority  \u202eevil", 1,
     "--authority '\\u202eevil': holds the invisible control character '\\u202e' (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ("check  --campaign  {r}/broken-bidi-authority", 1,
     "authority.zh-CN: invisible control character '\\u202e' (U+202E RIGHT-TO-LEFT OVERRIDE); delete it"),
    ("check  --campaign  {r}/broken-screen-path", 1,
     "'../../victim/scr' cannot name a size or kind of [print.screens]"),
    ("check  --campaign  {r}/broken-size-path", 1, "'../victim/psz' cannot name a size or kind of [print.sizes]"),
    ("check  --campaign  {r}/broken-venue-size-path", 1,
     "'../../victim/sz' cannot name a size or kind of [venues.sizes]"),
    ("build  --campaign  {r}/broken-screen-path  --only  print  --out  {r}/o-screen-path", 1,
     "cannot name a size or kind of [print.screens]"),
    # Red team 8, D6: the signing key in a cell, in any encoding, is refused naming the file, row and column
    *[(f"venues  {{b}}/key-{name}.csv  --campaign  {{c}}  --out  {{r}}/o-key-{name}", 1,
       f"key-{name}.csv: row 2, column B (name): this cell holds") for name in KEY_CELLS],
    # Red team 8, D11: --base goes through the address rule of every host setting
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://hc.tj.gov.cn:99999/V/", 1,
     "the port is not a number from 1 to 65535"),
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://hc.tj.gov.cn:0/V/", 1,
     "the port is not a number from 1 to 65535"),
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://user@hc.tj.gov.cn/V/", 1, "user name or password"),
    (f"verify  {CODE}  --campaign  {{c}}  --base  https://hc.tj.gov.cn:8x/V/", 1, "the port is not a number"),
    # Red team 8: a carriage return alone in a cell is refused naming the row and column
    ("venues  {b}/lone-cr.csv  --campaign  {c}  --out  {r}/o-lone-cr", 1,
     "row 2, name: contains a carriage return (U+000D)"),
    # Red team 8: a tls:// Dask scheduler is accepted as distributed accepts it; without Dask's TLS settings the
    # run says which ones to set (it was refused as "not a Dask scheduler address")
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o-tls  --dask  tls://127.0.0.1:1", 1,
     "a TLS scheduler needs this client's certificates in Dask's configuration"),
    # Red team 11, #6: each a traceback before
    ("check  --campaign  {r}/broken-long-url", 1,
     "service.url: 'https://declare.health-code.gov.cn/aaaaaaaaaaaaaaaaaaaaaaaaa'… is 5,035 bytes long; an "
     "address may be printed as a QR code, and one at error-correction level H holds at most 1,273 bytes"),
    ("build  --campaign  {r}/broken-long-url  --only  print  --out  {r}/o-long-url", 1,
     "service.url: 'https://declare.health-code.gov.cn/aaaaaaaaaaaaaaaaaaaaaaaaa'… is 5,035 bytes long"),
    ("check  --campaign  {r}/broken-wechat-negative", 1,
     "print.wechat_cover[1]: Input should be greater than or equal to 100, not -1"),
    ("check  --campaign  {r}/broken-wechat-huge", 1,
     "print.wechat_square[0]: Input should be less than or equal to 4000, not 100000"),
    ("check  --campaign  {r}/broken-deep", 1,
     "campaign.toml: TOML syntax error: arrays or tables are nested too deeply to read"),
    ("build  --campaign  {r}/deep-strings  --only  web", 1,
     "templates/web/strings.toml: cannot read the interface strings (arrays or tables are nested too deeply"),
    ("verify  HP-1-AAAAAAAA  --campaign  {r}/broken-key-folder", 1,
     "broken-key-folder/faq is a folder, not a key file: name the key file itself"),
    ("venues  {b}/good.csv  --campaign  {r}/broken-key-empty  --out  {r}/o-key-empty", 1,
     "broken-key-empty is a folder, not a key file: name the key file itself"),
    ("check  --campaign  {r}/broken-long-title", 1,
     "campaign.toml: title: en: the title 'Health code Health code Health'… is 3,000 half-width units long (a "
     "Chinese character counts 2); it prints in the footer of every poster and sign, where at most 80 fit"),
    # Red team 11, #11: each was "ok" (exit 0) with the picture missing from the output
    ("check  --campaign  {r}/picture-one-byte", 1,
     "posters/apply.md line 2: image: 'pic.png' is not a PNG or JPEG picture that can be read"),
    ("build  --campaign  {r}/picture-one-byte  --only  print", 1,
     "posters/apply.md line 2: image: 'pic.png' is not a PNG or JPEG picture that can be read"),
    ("check  --campaign  {r}/picture-bomb", 1,
     "posters/apply.md line 2: image: 'pic.png' has more than 80,000,000 pixels"),
    ("check  --campaign  {r}/picture-remote", 1,
     "faq/en/green.md line 13: picture 'https://maps.tj.gov.cn/x.png' is on the network: pictures must be files "
     "of the campaign"),
    ("check  --campaign  {r}/picture-remote-poster", 1,
     "posters/apply.md line 24: picture 'https://maps.tj.gov.cn/x.png' is on the network"),
    ("build  --campaign  {r}/picture-remote  --only  web", 1,
     "faq/en/green.md line 13: picture 'https://maps.tj.gov.cn/x.png' is on the network"),
    ("check  --campaign  {r}/picture-remote-html", 1,
     "faq/en/green.md line 13: picture 'https://maps.tj.gov.cn/y.png' is on the network"),
    ("nonsense", 2, "No such command"),
    ("settings  extra", 2, "unexpected extra argument"),
]


@pytest.mark.parametrize(("case", "status", "fragment"), MATRIX, ids=[m[0].split("  ")[0] + ":" + m[2]
                                                                     for m in MATRIX])
def test_no_traceback_for_bad_input(world: Path, case: str, status: int, fragment: str) -> None:
    args = c(case)(world)
    done = subprocess.run([*CLI, *[a for a in args if a]], capture_output=True, text=True, cwd=world, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == status, output
    assert fragment in output, output


@pytest.mark.parametrize("value", ["253402300800", "99999999999999999999", "-1", "abc", "\uff11\uff12"])
def test_a_source_date_epoch_no_date_holds_is_one_error(world: Path, value: str) -> None:
    """Red team 11, #6: SOURCE_DATE_EPOCH past 9999 ("year 10000 is out of range") or past what a C time holds
    (OverflowError) was a traceback of a venue run; a malformed value was ignored. Each is one error naming the
    variable and its range, before any work."""
    done = subprocess.run([*CLI, "venues", str(world / "bad" / "good.csv"), "--campaign", str(world / "campaign"),
                           "--out", str(world / "o-epoch")], capture_output=True, text=True, cwd=world, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": value})
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert f"SOURCE_DATE_EPOCH={value!r} is not a time materials can stamp on its outputs: set it to a whole " \
           "number of seconds since 1970-01-01 00:00 UTC, from 0 to 253402300799 (9999-12-31 23:59:59 UTC)" in output
    assert not (world / "o-epoch").exists()


def test_the_last_second_source_date_epoch_holds_signs_venues(world: Path, tmp_path: Path) -> None:
    """9999-12-31 23:59:59 UTC, the last time the variable may hold, is a date a venue run prints."""
    done = subprocess.run([*CLI, "venues", str(world / "bad" / "good.csv"), "--campaign", str(world / "campaign"),
                           "--out", str(tmp_path / "run")], capture_output=True, text=True, cwd=world, timeout=300,
                          env={**os.environ, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "253402300799"})
    assert done.returncode == 0, done.stdout + done.stderr
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(tmp_path / "run" / "heping" / "HP-1.pdf"))
    text = " ".join(document[0].get_textpage().get_text_range().split())
    document.close()
    assert "9999年12月31日" in text and "31 December 9999" in text, text


def test_a_print_build_dated_before_1980_packs_its_zip(tmp_path: Path) -> None:
    """SOURCE_DATE_EPOCH=0 (1970, which a ZIP cannot date) stopped the print shop's pack with "ZIP does not
    support timestamps before 1980": its entries are dated 1980-01-01, the first day a ZIP holds."""
    import zipfile

    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "print"], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "NO_COLOR": "1", "SOURCE_DATE_EPOCH": "0"})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stdout + done.stderr
    with zipfile.ZipFile(campaign / "output" / "print" / "print-shop.zip") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_out_folder_renamed_during_a_run_fails_naming_it(world: Path, tmp_path: Path) -> None:
    """A venue run whose --out folder is renamed under it exits 1 naming the folder, never 0 with files
    missing (a real process; the folder is renamed once its first poster is written)."""
    import time

    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + "".join(f"HP-{i},宁夏路社区{i},和平区,社区,宁夏路{i}号\n" for i in range(800)),
                       encoding="utf-8")
    out = tmp_path / "run"
    process = subprocess.Popen([*CLI, "venues", str(listing), "--campaign", str(world / "campaign"), "--out",
                                str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=world,
                               env={**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + 120
    while not list(out.glob("*/*.pdf")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    out.rename(tmp_path / "renamed")
    output, _ = process.communicate(timeout=300)
    assert "Traceback" not in output, output
    assert process.returncode == 1, output
    assert f"the output folder {out} was renamed, moved or replaced" in output
    # Red team 5: the run went on writing, re-making the folder at its old path with a manifest and a district
    # file of every venue but a third of the posters: a half-written folder that looked finished.
    assert not out.exists(), sorted(p.name for p in out.rglob("*"))
    assert not (tmp_path / "renamed" / "manifest.csv").exists()


def test_symlinked_output_folder_is_refused_never_moved(world: Path, tmp_path: Path) -> None:
    """`output/web` linked to a deploy folder: the build refuses it with a message; the link and the deploy
    folder stay as they were, and a link an older version moved aside is removed, not followed."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    deploy = tmp_path / "deploy"
    deploy.mkdir()
    (deploy / "index.html").write_text("live site", encoding="utf-8")
    (campaign / "output").mkdir()
    (campaign / "output" / ".materials-output").write_text('{"made_by": "materials build"}', encoding="utf-8")
    (campaign / "output" / "web").symlink_to(deploy)
    (campaign / "output" / ".web.old").symlink_to(deploy)  # what the old swap left behind
    args = [*CLI, "build", "--campaign", str(campaign), "--only", "web"]
    for _ in range(2):
        done = subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
        output = done.stdout + done.stderr
        assert "Traceback" not in output and done.returncode == 1, output
        assert "is a symbolic link to" in output and "rsync" in output, output
        assert (campaign / "output" / "web").is_symlink()
        assert (deploy / "index.html").read_text(encoding="utf-8") == "live site"
    (campaign / "output" / "web").unlink()
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (campaign / "output" / ".web.old").is_symlink() and (deploy / "index.html").is_file()


def test_keys_new_add_through_a_link_writes_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "secrets" / "venue.key"
    real.parent.mkdir()
    links.write_key_file(real, [links.Key(1, TEST_KEY)])
    link = tmp_path / "venue.key"
    link.symlink_to(real)
    done = subprocess.run([*CLI, "keys", "new", "--out", str(link), "--add"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert link.is_symlink() and link.resolve() == real
    assert sorted(links.read_key_file(real).keys) == [1, 2]


@pytest.mark.parametrize(("no_color", "tty", "coloured"), [("1", True, False), ("", True, True), ("", False, False)])
def test_colour_only_on_a_terminal_without_no_color(world: Path, no_color: str, tty: bool, coloured: bool) -> None:
    """Warnings are yellow on a terminal; NO_COLOR=1 (no-color.org) or a pipe gets plain text."""
    import pty

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | ({"NO_COLOR": no_color} if no_color else {})
    args = [*CLI, "check", "--campaign", str(world / "campaign")]
    if tty:
        leader, follower = pty.openpty()
        with subprocess.Popen(args, stdout=follower, stderr=follower, env=env, cwd=world) as process:
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:  # the terminal closed: the process ended
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            process.wait(timeout=120)
        os.close(leader)
        output = b"".join(chunks).decode("utf-8", "replace")
    else:
        done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=world, timeout=120)
        output = done.stdout + done.stderr
    assert "warning: campaign.toml service.url" in output, output
    assert bool(re.search(r"\x1b\[[0-9;]*m", output)) == coloured, output  # colour (SGR), not the bars' cursor


def test_no_chmod_suggested_for_a_file_that_is_not_a_key(world: Path) -> None:
    """`--key-file /etc/passwd` (world-readable, not a key): never "run chmod 600 /etc/passwd"."""
    for path in (Path("/etc/passwd"), world / "bad" / "passwd"):
        done = subprocess.run([*CLI, "verify", CODE, "--key-file", str(path)], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "NO_COLOR": "1"})
        output = done.stdout + done.stderr
        assert done.returncode == 1 and "Traceback" not in output, output
        assert "chmod" not in output and "not `materials-venue-key ID HEX" in output, output


@pytest.mark.parametrize("linked", ["heping", ".cache"])
def test_venue_run_refuses_a_link_inside_its_folder(world: Path, tmp_path: Path, linked: str) -> None:
    """A district folder (or `.cache`) of a venue run replaced by a symbolic link to a folder outside the
    campaign: the next run exits 1 naming the link, and writes, overwrites and deletes nothing out there."""
    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + ROW, encoding="utf-8")
    out = tmp_path / "run"
    args = [*CLI, "venues", str(listing), "--campaign", str(world / "campaign"), "--out", str(out)]
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / linked).is_dir()
    victim = tmp_path / "victim"
    (victim / "sub").mkdir(parents=True)
    before = {"report.pdf": b"%PDF-1.4 mine", "photo.png": b"\x89PNG mine", "HP-1.pdf": b"%PDF-1.4 not a poster",
              "sub/x.pdf": b"%PDF-1.4 x", "thesis.docx": b"PK mine"}
    for name, data in before.items():
        (victim / name).write_bytes(data)
    shutil.rmtree(out / linked)
    (out / linked).symlink_to(victim)
    listing.write_text(HEADER + ROW.replace("宁夏路社区", "宁夏路社区服务站"), encoding="utf-8")
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert f"{out / linked} is a symbolic link" in output, output
    after = {p.relative_to(victim).as_posix(): p.read_bytes() for p in victim.rglob("*") if p.is_file()}
    assert after == before


def test_a_linked_print_file_is_never_published(world: Path, tmp_path: Path) -> None:
    """A print file replaced by a symbolic link to the signing key: the web build exits 1 naming it, and the
    key is nowhere in the site."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "print"], capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = sorted((campaign / "output" / "print").rglob("*.pdf"))[0]
    pdf.unlink()
    pdf.symlink_to(campaign / "keys" / "venue.key")
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "web"], capture_output=True,
                          text=True, timeout=600, env=env)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert f"{pdf} is a symbolic link" in output, output
    key = (campaign / "keys" / "venue.key").read_bytes()
    web = campaign / "output" / "web"
    published = [p for p in web.rglob("*") if p.is_symlink() or (p.is_file() and key in p.read_bytes())]
    assert published == []


def test_kill_9_of_a_venue_run_frees_its_lock(world: Path, tmp_path: Path) -> None:
    """`kill -9` of the `materials venues` process while its pool renders: its workers end with it and the
    lock ends with it (the README's promise), so the next run is not refused naming the dead process."""
    import fcntl
    import signal
    import time

    out = tmp_path / "run"
    process = start_big_venue_run(world, tmp_path, out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(out.glob("*/*.pdf")) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        fd = os.open(out / ".materials-lock", os.O_RDWR)
        try:
            free = False
            deadline = time.monotonic() + 20
            while not free and time.monotonic() < deadline:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    free = True
                except BlockingIOError:
                    time.sleep(0.2)
        finally:
            os.close(fd)
        assert free, "the lock is still held after the run was killed"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the run's own process group: any worker left behind


def test_an_id_respelled_from_a_signed_one_is_refused(world: Path, tmp_path: Path) -> None:
    """HP-1-A signed by one list's run, HP1A (same typed code) in another list of the same district: the second
    run exits 1 naming both ids and the earlier run, and signs nothing that `verify` would read as the other."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(HEADER + ROW.replace("HP-1,", "HP-1-A,"), encoding="utf-8")
    second.write_text(HEADER + "HP1A,宁夏路便民点,和平区,社区,和平区宁夏路14号\n", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "venues", str(first), "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "second-run"
    done = subprocess.run([*CLI, "venues", str(second), "--campaign", str(campaign), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert "HP1A differs from HP-1-A, already signed in district heping" in output, output
    assert not list(out.rglob("*.pdf"))
    done = subprocess.run([*CLI, "venues", str(first), "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr  # the same list again resumes its own run


def test_a_list_edited_in_place_cannot_give_a_signed_id_to_another_venue(world: Path, tmp_path: Path) -> None:
    """Red team 9: the list edited in place (another venue under HP-1) and its default output folder reused: the
    run exits 1 naming the row, the signed venue and its list, and signs nothing (it was accepted: one code for
    two venues, and the register's record of the first was replaced)."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    listing = tmp_path / "ledger.csv"
    listing.write_text(HEADER + ROW, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign)], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    before = (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    listing.write_text(HEADER + "HP-1,完全不同的企业,和平区,企业,别的地址\n", encoding="utf-8")
    done = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign)], capture_output=True,
                          text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert "ledger.csv: row 2, id: HP-1 is already signed in district heping for another venue" in output, output
    assert "raise its reprint above 0" in output, output
    assert (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("name", "fragment"), [
    ("doubling", "404.html line 1: refused by the template sandbox (a text joined with ~ of 33,554,432 characters"),
    ("doubling-macro", "404.html line 1: refused by the template sandbox (an output of 33,554,432 characters"),
    ("huge-page", "a page of more than 20,000,000 characters is too large for a template; the page was written by "
                  "template"),
    ("lipsum", "404.html line 1: refused by the template sandbox (lipsum would make up to 1,000,000,000 words"),
    ("slice", "404.html line 1: refused by the template sandbox (a value of 100,000,000 items is too large"),
    ("batch", "404.html line 1: refused by the template sandbox (a value of 1,000,000,000 items is too large"),
    ("tojson", "404.html line 1: refused by the template sandbox (a width or precision of 10,000,000 is too large"),
    ("tojson-wide", "404.html line 1: refused by the template sandbox (a value of 30,003,002 characters is too "
                    "large"),
])
def test_a_template_building_a_huge_text_fails_naming_it(world: Path, name: str, fragment: str) -> None:
    """Red team 2: `~` in a loop (and a macro doubling its argument, a page printing a large value 100,000 times)
    built gigabytes until the machine ran out of memory. Now a clear error naming the template, exit 1. The build
    runs under a 6 GB address-space limit, so a regression fails with MemoryError, not the shared machine."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))

    done = subprocess.run([*CLI, "build", "--campaign", str(world / f"template-{name}"), "--only", "web"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"},
                          preexec_fn=limit)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert fragment in output and "404.html" in output, output


def test_print_and_web_files_get_the_umask_mode_and_the_key_stays_private(world: Path, tmp_path: Path) -> None:
    """Red team 2: print PDFs (and the web downloads linked to them) were written 0600 under umask 022, so a web
    server could not read them. Every output file is now 0644 under umask 022, twice (the second build reuses
    the print cache); the signing key stays 0600."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    for _ in range(2):
        done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "print,web"], capture_output=True,
                              text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"},
                              preexec_fn=lambda: os.umask(0o022))
        assert done.returncode == 0, done.stdout + done.stderr
        files = [path for path in (campaign / "output").rglob("*") if path.is_file() and not path.is_symlink()]
        assert any(path.suffix == ".pdf" for path in files) and any("downloads" in path.parts for path in files)
        wrong = {str(path.relative_to(campaign)): oct(path.stat().st_mode & 0o777) for path in files
                 if path.stat().st_mode & 0o777 != 0o644 and path.name != ".materials-output.lock"}
        assert not wrong, wrong
    assert (campaign / "keys" / "venue.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_serve_stopped_by_a_signal_removes_its_preview_folder(world: Path, tmp_path: Path, name: str) -> None:
    """Red team 2: `kill` (SIGTERM) or a closed terminal (SIGHUP) left /tmp/materials-preview-* behind; they stop
    serve as Ctrl+C does, the folder removed, no traceback, exit 128 + the signal's number."""
    import signal

    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen([*CLI, "serve", "--campaign", str(world / "campaign"), "--out", str(tmp_path / "out"),
                                "--port", "0", "--no-watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "NO_COLOR": "1", "TMPDIR": str(temp)},
                               start_new_session=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving" in line, line + process.communicate(timeout=60)[1]
        assert list(temp.glob("materials-preview-*")), "the preview folder was not made where TMPDIR says"
        process.send_signal(getattr(signal, name))
        _, errors = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert "Traceback" not in errors, errors
    assert process.returncode == 128 + getattr(signal, name), errors
    assert not list(temp.glob("materials-preview-*"))


def test_a_template_printing_the_settings_shows_no_file_path(world: Path, tmp_path: Path) -> None:
    """Red team 2: `{{ settings }}` in a template published every setting, the signing key's path among them.
    Templates get the settings without the ones that name files; the rest still prints."""
    out = tmp_path / "out"
    done = subprocess.run([*CLI, "build", "--campaign", str(world / "template-settings"), "--only", "web", "--out",
                           str(out)], capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    page = (out / "web" / "404.html").read_text(encoding="utf-8")
    assert "Health code test campaign" in page and "link_path" in page, page
    assert "key_file" not in page and "venue-signing.key" not in page and "keys/venue.key" not in page, page


def test_a_clash_with_a_run_outside_the_output_folder_is_refused(world: Path, tmp_path: Path) -> None:
    """Red team 2: the clash check read only manifests under output/. A run with --out elsewhere signs HP-1-A;
    hp1a and ＨＰ１Ａ (full width) from other lists (the same typed code) are refused, naming the first."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    first = tmp_path / "first.csv"
    first.write_text(HEADER + ROW.replace("HP-1,", "HP-1-A,"), encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "venues", str(first), "--campaign", str(campaign), "--out", str(tmp_path / "away")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "HP-1-A" in (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    for spelled, shown in (("hp1a", "hp1a"), ("ＨＰ１Ａ", "HP1A")):
        listed = tmp_path / f"{shown}.csv"
        listed.write_text(HEADER + f"{spelled},宁夏路便民点,和平区,社区,和平区宁夏路14号\n", encoding="utf-8")
        done = subprocess.run([*CLI, "venues", str(listed), "--campaign", str(campaign)], capture_output=True,
                              text=True, timeout=300, env=env)
        output = done.stdout + done.stderr
        assert "Traceback" not in output and done.returncode == 1, output
        assert f"{shown} differs from HP-1-A, already signed in district heping" in output, output
        assert not list((campaign / "output").rglob("*.pdf"))


def test_verify_reports_an_ambiguous_code_instead_of_calling_it_genuine(world: Path, tmp_path: Path) -> None:
    """Two runs signed before the register (their manifests under output/) hold HP-1-A and HP1A in one district:
    their typed codes are the same, so `verify` says the code is ambiguous and names both, exit 1."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    for run, (venue_id, name) in {"a": ("HP-1-A", "宁夏路社区"), "b": ("HP1A", "宁夏路便民点")}.items():
        folder = campaign / "output" / "venue-lists" / run
        folder.mkdir(parents=True)
        (folder / "manifest.csv").write_text(
            f"id,name,district,category,reprint\n{venue_id},{name},heping,community,0\n", encoding="utf-8")
    code = links.venue_code(links.Key(1, TEST_KEY), "heping", "HP-1-A")
    done = subprocess.run([*CLI, "verify", code, "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert "ambiguous" in output and "HP-1-A" in output and "HP1A" in output and "genuine code:" not in output, output


@pytest.mark.parametrize("link", ["output", "output/venue-lists", "dangling"])
def test_a_default_venue_folder_that_is_a_link_is_refused(world: Path, tmp_path: Path, link: str) -> None:
    """Red team 2, #4, #7, #8: a default `output`, `output/venue-lists` or run folder that is a symbolic link
    (to another campaign's output, or to nothing) is refused naming the link; nothing is written through it."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if link == "dangling":
        runs = campaign / "output" / "venue-lists"
        runs.mkdir(parents=True)
        (runs / "heping-A4").symlink_to(tmp_path / "nowhere")
    else:
        (campaign / link).parent.mkdir(parents=True, exist_ok=True)
        (campaign / link).symlink_to(elsewhere)
    done = subprocess.run([*CLI, "venues", str(world / "bad" / "good.csv"), "--campaign", str(campaign)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "symbolic link" in output and "--out" in output, output
    assert list(elsewhere.iterdir()) == [] and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "in-sources"])
def test_a_key_file_that_is_another_file_too_is_refused(world: Path, tmp_path: Path, kind: str) -> None:
    """Red team 2, #1: a campaign's key file that is a link into its sources (templates/web/assets/site.css), a
    file with a second hard link, or a file inside the sources is refused by every command that reads or writes
    it, naming the file; the file it leads to is left as it was."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    css = campaign / "templates" / "web" / "assets" / "site.css"
    css.parent.mkdir(parents=True)
    key = campaign / "keys" / "venue.key"
    fragments = {"symlink": ("symbolic link", "sources"), "hardlink": ("hard links",), "in-sources": ("sources",)}[kind]
    if kind == "symlink":
        css.write_text(key.read_text(encoding="ascii"), encoding="ascii")
        os.chmod(css, 0o600)
        key.unlink()
        key.symlink_to(Path("..") / "templates" / "web" / "assets" / "site.css")
    elif kind == "hardlink":
        os.link(key, css)
    else:
        key.rename(css)
        toml = campaign / "campaign.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('key_file = "keys/venue.key"',
                                                                 'key_file = "templates/web/assets/site.css"'),
                        encoding="utf-8")
        key = css
    before = css.read_bytes()
    commands = [["venues", str(world / "bad" / "good.csv"), "--campaign", str(campaign)],
                ["keys", "new", "--out", str(key), "--add"]]
    for args in commands:
        done = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                              env={**os.environ, "NO_COLOR": "1"})
        output = done.stdout + done.stderr
        assert done.returncode == 1 and "Traceback" not in output, (args, output)
        assert any(f in output for f in fragments) and ("venue.key" in output or "site.css" in output), (args, output)
        assert css.read_bytes() == before
    assert not (campaign / "output" / "venue-lists").exists() or not list((campaign / "output").rglob("*.pdf"))


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_killed_render_worker_is_one_clear_error(world: Path, tmp_path: Path) -> None:
    """Red team 2, #6: the kernel killing one render worker (the OOM killer, kill -9) ends a venue run with
    exit 1 and one line saying so and how to go on, never a BrokenProcessPool traceback."""
    import signal
    import time

    out = tmp_path / "run"
    process = start_big_venue_run(world, tmp_path, out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    killed = False
    while not killed and process.poll() is None and time.monotonic() < deadline:
        workers = _children(process.pid)
        if len(workers) >= 2:
            time.sleep(0.3)  # let it start a chunk
            os.kill(workers[-1], signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    output, _ = process.communicate(timeout=300)
    assert killed, output
    assert "Traceback" not in output and process.returncode == 1, output
    assert "a render worker ended unexpectedly (killed or out of memory); run again to resume" in output, output


def test_a_killed_print_worker_is_one_clear_error(world: Path, tmp_path: Path) -> None:
    """Red team 2, #6: the same for the print pools of `materials build` (layout and verification)."""
    import contextlib
    import signal
    import time

    campaign = tmp_path / "campaign"  # without the print cache of earlier tests: the run lays pages out
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "cache"))
    process = subprocess.Popen([*CLI, "build", "--campaign", str(campaign), "--only", "print"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                               env={**os.environ, "NO_COLOR": "1"})
    deadline = time.monotonic() + 120
    killed = False
    before: set[int] = set()
    while process.poll() is None and time.monotonic() < deadline:  # every worker, until the run ends
        try:  # a forked pool worker runs the parent's command line (fc-list and gs do not)
            own = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            found = {c for c in _children(process.pid) if Path(f"/proc/{c}/cmdline").read_bytes() == own}
        except OSError:
            found = set()
        # A subprocess (fc-match) has the parent's command line too, for the instant before it execs: only a
        # process seen in two polls in a row is a pool worker (killing fc-match fails the run another way).
        workers, before = found & before, found
        for worker in workers:
            with contextlib.suppress(OSError):
                os.kill(worker, signal.SIGKILL)
                killed = True
        time.sleep(0.01)
    output, _ = process.communicate(timeout=300)
    assert killed, output
    assert "Traceback" not in output and process.returncode == 1, output
    assert "a render worker ended unexpectedly (killed or out of memory); run again to resume" in output, output


@pytest.mark.parametrize("where", ["faq/zh-CN/venue.key", "templates/web/assets/site.key", "venues/new.key",
                                   "district"])
def test_keys_new_refuses_an_out_inside_the_sources(world: Path, tmp_path: Path, where: str) -> None:
    """Red team 2, #13: `keys new --out` inside the campaign's sources (built into the site and print files) is
    refused, as `proof --out` and `build --out` are; nothing is written there."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    target = campaign / ("posters/heping.key" if where == "district" else where)
    extra = ["--district", "heping", "--campaign", str(campaign)] if where == "district" else []
    before = (campaign / "keys" / "venue.key").read_bytes()
    done = subprocess.run([*CLI, "keys", "new", "--out", str(target), *extra], capture_output=True, text=True,
                          cwd=campaign, timeout=60, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "sources" in output and str(target) in output, output
    assert not target.exists() and (campaign / "keys" / "venue.key").read_bytes() == before


def start_big_venue_run(world: Path, tmp_path: Path, out: Path, **popen: Any) -> subprocess.Popen[Any]:
    """`materials venues` of 400 venues into `out` with two workers, started as a process (long enough to
    kill while its pool renders)."""
    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + "".join(f"HP-{i},宁夏路社区{i},和平区,社区,宁夏路{i}号\n" for i in range(400)),
                       encoding="utf-8")
    return subprocess.Popen([*CLI, "venues", str(listing), "--campaign", str(world / "campaign"), "--out", str(out),
                             "--jobs", "2"], cwd=world, env={**os.environ, "NO_COLOR": "1"}, **popen)


def test_a_utf32_list_with_its_byte_order_mark_is_read() -> None:
    """UTF-32 with a BOM starts like UTF-16's (FF FE): it was read as UTF-16 and every column was 'missing'."""
    from materials.venues.reading import decode_csv

    assert decode_csv((HEADER + ROW).encode("utf-32"), "list.csv") == HEADER + ROW
    assert decode_csv((HEADER + ROW).encode("utf-16"), "list.csv") == HEADER + ROW


def _confirm(campaign: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "facts", "--campaign", str(campaign), "confirm", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})


@pytest.mark.parametrize(("args", "fragment"), [
    (("--date", "2999-01-01"), "--date 2999-01-01 is in the future"),
    (("--date", "2020-03-10", "--text", "en=abc\u202edef"), "--text en=…: invisible control character '\\u202e' "
                                                           "(U+202E RIGHT-TO-LEFT OVERRIDE)"),
    (("--date", "2020-03-10", "--text", "zh-CN=12345\u200b"), "U+200B"),
    # Red team 4, D3: the source shown to the approver, with a bidi override, an isolate or a line break.
    (("--date", "2020-03-10", "--source", "doc\u202egpj.exe"), "--source: invisible control character '\\u202e'"),
    (("--date", "2020-03-10", "--source", "doc\u2066x"), "U+2066"),
    (("--date", "2020-03-10", "--source", "doc\n[venues]\nkey_file = \"x\""), "--source: invisible control"),
    (("--date", "2020-03-10", "--link", "https://example.org/\u200bx"), "--link: invisible control"),
    (("--date", "2020-03-10", "--text", "en=Health QR Code hotline"),
     "--text en: “Health QR Code”: write “health code”"),
])
def test_facts_confirm_refuses_what_check_refuses(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    """Red team 3, #6: `facts confirm` wrote a bidi override, a word the glossary refuses and a date in the
    future into campaign.toml. Each is refused, naming it; the file is left as it was."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    (campaign / "glossary.toml").write_text(
        '[[terms]]\nconcept = "health code"\nrule = "One name."\nen = { preferred = "health code", variants = '
        '["Health QR Code"] }\n', encoding="utf-8")
    toml = campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("issued = ", 'glossary = "glossary.toml"\nissued = ', 1),
                    encoding="utf-8")
    before = toml.read_bytes()
    done = _confirm(campaign, "hotline", "--source", "doc", *args)
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert fragment in output, output
    assert toml.read_bytes() == before


def test_a_bidi_character_in_a_fact_is_refused_by_check(tmp_path: Path) -> None:
    """The same rule for a fact typed into campaign.toml by hand: `check` names the fact and the character (it
    said only that no font covers U+202E)."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    toml = campaign / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('en = "12345"', 'en = "123\u202e45"', 1),
                    encoding="utf-8")
    done = subprocess.run([*CLI, "check", "--campaign", str(campaign)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert "facts.hotline" in output and "invisible control character" in output and "U+202E" in output, output


def test_a_bidi_character_in_a_facts_source_is_refused_by_check(tmp_path: Path) -> None:
    """Red team 4, D3: `check` accepted a RIGHT-TO-LEFT OVERRIDE in a fact's source document, which the proof
    shows the approver; it names the fact, the field and the character."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    toml = campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[facts.hotline]")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    table = text[start:end].rstrip("\n")
    table = "\n".join(line for line in table.split("\n") if not line.startswith(("source", "confirmed")))
    toml.write_text(text[:start] + table + '\nsource = { document = "doc\u202egpj.exe" }\n' + text[end:],
                    encoding="utf-8")
    done = subprocess.run([*CLI, "check", "--campaign", str(campaign)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode == 1, output
    assert "facts.hotline" in output and "source.document" in output and "U+202E" in output, output


def test_facts_confirm_keeps_contrary_evidence_and_says_so(tmp_path: Path) -> None:
    """Red team 3, #6: confirming a fact silently dropped its `contrary` evidence (and the approver's note)."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    toml = campaign / "campaign.toml"
    text = toml.read_text(encoding="utf-8")
    old = 'source = { document = "Test hotline list", date = 2020-03-10 }'
    assert old in text
    toml.write_text(text.replace(old, 'source = { document = "Test hotline list", date = 2020-03-10, note = "ask '
                                      'again", contrary = "Street poster of 2020-03-01 says 54321" }'),
                    encoding="utf-8")
    done = _confirm(campaign, "hotline", "--source", "Hotline list", "--date", "2020-03-12")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "keeps its contrary evidence (Street poster of 2020-03-01 says 54321)" in output, output
    after = toml.read_text(encoding="utf-8")
    assert ('source = { document = "Hotline list", date = 2020-03-12, note = "ask again", contrary = "Street poster '
            'of 2020-03-01 says 54321" }') in after, after


def test_facts_confirm_writes_through_a_linked_campaign_toml(tmp_path: Path) -> None:
    """Red team 3, #7: a campaign.toml that is a symbolic link was replaced by a plain file and the real file
    kept the old value. The real file is written; the link stays a link (as `keys new --add` does)."""
    campaign = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    real = tmp_path / "shared" / "real.toml"
    real.parent.mkdir()
    (campaign / "campaign.toml").rename(real)
    (campaign / "campaign.toml").symlink_to(real)
    done = _confirm(campaign, "hotline", "--source", "Hotline list", "--date", "2020-03-12", "--text", "en=12346")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (campaign / "campaign.toml").is_symlink() and (campaign / "campaign.toml").resolve() == real
    assert 'en = "12346"' in real.read_text(encoding="utf-8")
    assert not list(real.parent.glob(".*facts-confirm")) and not list(campaign.glob(".*facts-confirm"))


def test_build_refuses_an_out_folder_of_another_campaign(world: Path, tmp_path: Path) -> None:
    """Red team 3, #1: a build of one campaign with --out at another campaign's output replaced that campaign's
    site (the marker said only "materials build"). The marker records the campaign; another one is refused,
    naming both, and nothing is replaced. The same campaign builds there again."""
    env = {**os.environ, "NO_COLOR": "1"}
    first, second = tmp_path / "c1", tmp_path / "k1"
    for campaign in (first, second):
        shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*"))
    out = tmp_path / "c1-site"
    done = subprocess.run([*CLI, "build", "--campaign", str(first), "--only", "web", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(first.resolve()) in (out / ".materials-output").read_text(encoding="utf-8")
    before = (out / "web" / "index.html").stat().st_mtime_ns
    done = subprocess.run([*CLI, "build", "--campaign", str(second), "--only", "web", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "holds the output of the campaign" in output and str(first.resolve()) in output, output
    assert str(second.resolve()) in output, output
    assert (out / "web" / "index.html").stat().st_mtime_ns == before
    # A folder marked by an older version (no campaign recorded) outside the campaign: refused with advice.
    marker = out / ".materials-output"
    marker.write_text('{"made_by": "materials build"}\n', encoding="utf-8")
    done = subprocess.run([*CLI, "build", "--campaign", str(first), "--only", "web", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "older version" in output and "delete" in output, output


def _venue_run(campaign: Path, listed: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "venues", str(listed), "--campaign", str(campaign), "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})


def test_one_id_for_two_venues_is_refused_and_verify_says_ambiguous(world: Path, tmp_path: Path) -> None:
    """Red team 3, #2 and #8: two lists of one district signed HP-1 for two different venues (both posters the
    same code) and `verify` called it genuine. The second is refused naming the first list; a declared reprint
    of the same id is accepted; a register holding two venues for one code makes verify say ambiguous (exit 1).
    The register's names are formula-safe as manifest.csv's."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*"))
    first = tmp_path / "first.csv"
    first.write_text(HEADER + 'HP-1,"=HYPERLINK(""http://evil.example"",""x"")",和平区,社区,和平区宁夏路12号\n',
                     encoding="utf-8")
    done = _venue_run(campaign, first, tmp_path / "a")
    assert done.returncode == 0, done.stdout + done.stderr
    register = (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in register and ",=HYPERLINK" not in register and '"=HYPERLINK' not in register, register
    other = tmp_path / "other.csv"
    other.write_text(HEADER + "HP-1,完全不同的场所,和平区,企业,和平区大沽路1号\n", encoding="utf-8")
    done = _venue_run(campaign, other, tmp_path / "b")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "HP-1 is already signed in district heping for another venue" in output and "first.csv" in output, output
    assert "reprint" in output and not (tmp_path / "b" / "manifest.csv").exists(), output
    corrected = tmp_path / "corrected.csv"
    corrected.write_text("id,name,district,category,address,reprint\n"
                         "HP-1,宁夏路社区服务站,和平区,社区,和平区宁夏路12号,1\n", encoding="utf-8")
    done = _venue_run(campaign, corrected, tmp_path / "c")
    assert done.returncode == 0, done.stdout + done.stderr
    # A register written before this check (two venues for HP-1 at reprint 0): verify names both, exit 1.
    (campaign / ".materials" / "signed-venues.csv").write_text(
        "district,typed,id,name,list\nheping,HP1,HP-1,宁夏路社区,one.csv\nheping,HP1,HP-1,完全不同的场所,two.csv\n",
        encoding="utf-8")
    code = links.venue_code(links.Key(1, TEST_KEY), "heping", "HP-1")
    done = subprocess.run([*CLI, "verify", code, "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "ambiguous" in output and "完全不同的场所" in output, output
    assert "genuine code:" not in output, output


def test_problems_name_the_campaign_folder_and_verify_the_id_as_listed(world: Path, tmp_path: Path) -> None:
    """Red team 3, #13: `check` in the campaign folder said "campaign . has problems"; it names the folder. `verify`
    of a typed code from a run whose --out was outside output/ printed the typed form (HP1A); it prints the id as
    the list spells it, and the venue's name, from the campaign's register."""
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "check"], capture_output=True, text=True, cwd=world / "broken-glossary-outside",
                          timeout=120, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and f"campaign {(world / 'broken-glossary-outside').resolve()} has problems" in output
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*"))
    listed = tmp_path / "list.csv"
    listed.write_text(HEADER + ROW.replace("HP-1,", "HP-1-A,"), encoding="utf-8")
    done = _venue_run(campaign, listed, tmp_path / "away")
    assert done.returncode == 0, done.stdout + done.stderr
    code = links.venue_code(links.Key(1, TEST_KEY), "heping", "HP-1-A").replace("-", "").lower()
    done = subprocess.run([*CLI, "verify", code, "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=120, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0 and "venue id: HP-1-A" in output and "宁夏路社区" in output, output


def _all_children(pid: int) -> list[int]:
    """Children started by any thread of `pid` (serve starts its gallery builder from a thread)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _all_children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b"?"


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_serve_stopped_during_the_gallery_build_leaves_no_process(world: Path, tmp_path: Path) -> None:
    """Red team 3, #12: SIGTERM to `serve --no-watch` during the gallery's first print build left a child running
    (148 MB, 70 s and more) and a /tmp/materials-print-* folder. Every process serve started (the gallery's
    builder and its print pool workers) ends with it, and no temporary folder stays."""
    import signal
    import time

    campaign = tmp_path / "campaign"  # without the print cache of earlier tests: the gallery lays out every page
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*", "cache"))
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen([*CLI, "serve", "--campaign", str(campaign), "--out", str(tmp_path / "out"),
                                "--port", "0", "--no-watch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "NO_COLOR": "1", "TMPDIR": str(temp)},
                               start_new_session=True)
    seen: set[int] = set()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "serving" in line, line + process.communicate(timeout=60)[1]
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while not workers and time.monotonic() < deadline:  # until the builder lays out pages in its pool
            seen.update(_descendants(process.pid))
            # a forked pool worker runs its parent's command line (the builder's); fc-list and gs do not
            workers = [pid for child in _all_children(process.pid) for pid in _all_children(child)
                       if list(temp.glob("materials-print-*")) and _cmdline(pid) == _cmdline(child)]
            time.sleep(0.02)
        assert workers, "the gallery's build never started a print worker"
        seen.update(_descendants(process.pid))
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
        deadline = time.monotonic() + 5
        while any(_running(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [pid for pid in seen if _running(pid)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert not left, f"processes of serve still running after it ended: {left}"
    assert "Traceback" not in errors and process.returncode == 128 + signal.SIGTERM, errors
    assert not list(temp.glob("materials-*")), list(temp.iterdir())


@pytest.mark.parametrize("kind", ["line", "mixed", "upper", "xlsx"])
def test_a_venue_list_holding_a_key_is_refused_without_echoing_it(world: Path, tmp_path: Path, kind: str) -> None:
    """Red team 4, D1: a key file's line given as a venue list (or pasted into a row) echoed the key in five
    messages, and with --skip-invalid copied it into rejects.csv. It is refused at reading, naming the row only."""
    secret = TEST_KEY.hex()
    line = f"materials-venue-key 1 {secret} heping\n"
    listing = tmp_path / ("list.xlsx" if kind == "xlsx" else "list.csv")
    if kind == "line":
        listing.write_text(line, encoding="ascii")
    elif kind == "mixed":
        listing.write_text(HEADER + ROW + line.replace(" ", ","), encoding="utf-8")
    elif kind == "upper":
        listing.write_text(HEADER + ROW + f"HP-2,{secret.upper()},和平区,社区,x\n", encoding="utf-8")
    else:
        workbook(listing, {"S": [HEADER.strip().split(","), ROW.strip().split(","), ["HP-2", "x", "和平区", "社区",
                                                                                        secret]]})
    out = tmp_path / "out"
    done = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(world / "campaign"), "--out", str(out),
                           "--skip-invalid"], capture_output=True, text=True, cwd=world, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 1, output
    assert re.search(r"row \d+, column [A-E]\b.*: this cell holds a (line of a venue )?signing key", output), output
    assert f"row {1 if kind == 'line' else 3}" in output, output
    assert secret not in output.lower(), output
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not any(secret in p.read_bytes().decode("latin-1").lower() for p in written), written


def test_two_venues_told_apart_only_by_a_formula_guard_are_not_one_venue(world: Path, tmp_path: Path) -> None:
    """Red team 5: a venue named `=1+1` is registered formula-safe as `'=1+1`, and a venue named `'=1+1` in
    another list was left as it was: both read back as the same venue, so the second list's venue got the first
    one's code. Every cell a formula guard could have written is escaped, so the two stay distinct and the
    second is refused, naming the first list."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*"))
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "HP-1,=1+1,和平区,社区,和平区宁夏路12号\n", encoding="utf-8")
    done = _venue_run(campaign, first, tmp_path / "a")
    assert done.returncode == 0, done.stdout + done.stderr
    second = tmp_path / "second.csv"
    second.write_text(HEADER + "HP-1,'=1+1,和平区,社区,和平区宁夏路12号\n", encoding="utf-8")
    done = _venue_run(campaign, second, tmp_path / "b")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "HP-1 is already signed in district heping for another venue" in output, output
    assert "first.csv" in output and "second.csv" in output and "row 2" in output, output
    assert not (tmp_path / "b" / "manifest.csv").exists()
    # The same list again is the same venue.
    done = _venue_run(campaign, first, tmp_path / "c")
    assert done.returncode == 0, done.stdout + done.stderr


def test_messages_say_what_the_user_did(world: Path, tmp_path: Path) -> None:
    """Red team 5: (a) a key_file under output/ that is missing suggested `keys new --out` that path, which is
    refused; (b) `build` without --out named the refused default folder as "--out …"; (c) a TOML error quoted
    another line than the one it counted when a comment held a line separator that TOML does not count."""
    env = {**os.environ, "NO_COLOR": "1"}
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    settings = (campaign / "campaign.toml").read_text(encoding="utf-8")
    (campaign / "campaign.toml").write_text(settings.replace('key_file = "keys/venue.key"',
                                                             'key_file = "output/k.key"'), encoding="utf-8")
    done = subprocess.run([*CLI, "verify", "HP1ABCDEFGH", "--campaign", str(campaign)], capture_output=True,
                          text=True, timeout=120, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "keys new --out .materials/venue-signing.key" in output and "keys new --out " + str(
        campaign / "output" / "k.key") not in output, output
    (campaign / "campaign.toml").write_text(settings, encoding="utf-8")
    (campaign / "output").mkdir()
    (campaign / "output" / "mine.txt").write_text("x", encoding="utf-8")
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "web"], capture_output=True,
                          text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "the default output folder" in output and "--out " + str(
        campaign / "output") not in output, output
    lines = settings.split("\n")
    lines[0] += " note\u2028more\x85end"
    lines.insert(3, "broken = ")
    (campaign / "campaign.toml").write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run([*CLI, "check", "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=120, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "campaign.toml line 4: TOML syntax error" in output, output
    assert "'broken ='" in output, output


def test_one_hard_link_count_for_campaign_and_key_files() -> None:
    """The key files' hard-link refusal was a twin of `textfiles.hard_linked`'s: both count links through
    `textfiles.hard_links`, the only reader of st_nlink in the package."""
    package = Path(__file__).resolve().parent.parent / "materials"
    readers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if ".st_nlink" in p.read_text(encoding="utf-8"))
    assert readers == ["textfiles.py"], readers
def test_a_refused_venue_run_leaves_nothing_and_build_accepts_the_venue_runs_folder(world: Path,
                                                                                   tmp_path: Path) -> None:
    """Red team 5 (D7): a venue run refused for its list (a bidi control character in a name) said nothing was
    written but left an empty output/venue-lists/, and `build` then refused output/ as not its own."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "HP-3,示例\u202e社区,和平区,社区,地址\n", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "venues", str(bad), "--campaign", str(campaign)], capture_output=True, text=True,
                          timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output and "nothing was written" in output, output
    assert not (campaign / "output").exists(), sorted(str(p) for p in (campaign / "output").rglob("*"))
    (campaign / "output" / "venue-lists").mkdir(parents=True)  # as a refused run of an older version left it
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--only", "web"], capture_output=True,
                          text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (campaign / "output" / "web" / "index.html").is_file()


def test_a_refused_file_in_a_venue_or_proof_template_is_one_error_naming_it(world: Path, tmp_path: Path) -> None:
    """Red team 5 (D2): `<link rel="attachment" href="file:///etc/passwd">` in templates/venues/posters.html
    crashed the venue run with a RefusedResource traceback; in the proof template it was silently dropped.
    Both now fail naming the template, and the venue run leaves nothing behind."""
    from materials.templating import BUILTIN

    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    attach = '<link rel="attachment" href="file:///etc/passwd">'
    for relative in ("venues/posters.html", "proof/proof.html.j2"):
        target = campaign / "templates" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (BUILTIN / relative).read_text(encoding="utf-8")
        target.write_text(text.replace("<body", attach + "<body", 1), encoding="utf-8")
    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + ROW, encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run([*CLI, "venues", str(listing), "--campaign", str(campaign)], capture_output=True,
                          text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "venue template posters.html: refused to load 'file:///etc/passwd'" in output, output
    assert not (campaign / "output").exists()
    done = subprocess.run([*CLI, "proof", "--campaign", str(campaign), "--out", str(tmp_path / "proof.pdf")],
                          capture_output=True, text=True, timeout=300, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "proof template (templates/proof/): refused to load 'file:///etc/passwd'" in output, output
    assert not (tmp_path / "proof.pdf").exists()


# --- red team (#17, safe by default): keys are written only where the campaign keeps them ------------------------

def keys_new(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    done = subprocess.run([*CLI, "keys", "new", *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"})
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("where", ["dotdot", "absolute", "link-out", "new-folders"])
def test_keys_new_writes_the_key_file_setting_only_inside_the_campaign(world: Path, tmp_path: Path,
                                                                       where: str) -> None:
    """#17 D4: `keys new` wrote the new key wherever campaign.toml's venues.key_file pointed (`../x.key`,
    `/tmp/x.key`, a link inside the campaign to a file outside), making missing folders anywhere on the disk. A
    campaign folder travels between offices: its setting is refused as every command refuses it, naming the key,
    and nothing is written or made outside."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    outside = tmp_path / "outside"
    outside.mkdir()
    value = {"dotdot": "../outside/x.key", "absolute": str(outside / "x.key"), "link-out": "keys/linked.key",
             "new-folders": "../made/by/keys/x.key"}[where]
    if where == "link-out":
        (campaign / "keys" / "linked.key").symlink_to(outside / "x.key")
    settings = campaign / "campaign.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('key_file = "keys/venue.key"',
                                                                     f'key_file = "{value}"'), encoding="utf-8")
    code, output = keys_new("--campaign", str(campaign))
    assert code == 1 and "Traceback" not in output, output
    assert "venues.key_file" in output and "--out FILE" in output, output
    assert list(outside.iterdir()) == [] and not (tmp_path / "made").exists()
    code, output = keys_new("--district", "heping", "--campaign", str(campaign))  # adds to the same file
    assert code == 1 and "venues.key_file" in output, output
    assert list(outside.iterdir()) == [] and not (campaign / ".materials" / "district-keys").exists()


def test_keys_new_makes_no_folders_outside_a_campaign(tmp_path: Path) -> None:
    """#17 D4: `keys new --out /somewhere/new/dir/x.key` made every missing folder on the way. Folders are made
    only inside a campaign (its .materials/); elsewhere the message says to make the folder first."""
    target = tmp_path / "new" / "dir" / "x.key"
    code, output = keys_new("--out", str(target), cwd=tmp_path)
    assert code == 1 and "Traceback" not in output, output
    assert "does not exist" in output and "mkdir -p" in output, output
    assert not (tmp_path / "new").exists()
    (tmp_path / "new" / "dir").mkdir(parents=True)
    code, output = keys_new("--out", str(target), cwd=tmp_path)
    assert code == 0, output
    assert target.stat().st_mode & 0o777 == 0o600 and target.stat().st_nlink == 1
    assert [p.name for p in target.parent.iterdir()] == ["x.key"]  # the staged file is gone


def test_keys_new_district_refuses_a_district_keys_folder_linked_out(world: Path, tmp_path: Path) -> None:
    """#17 D5: `keys new --district` wrote the office's key through `.materials/district-keys`, a link to a folder
    outside the campaign. Refused naming the link; nothing written there, the campaign's key file unchanged. A
    link to a folder inside the campaign is followed: the key is written in that real folder."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    outside = tmp_path / "outside"
    outside.mkdir()
    (campaign / ".materials").mkdir(exist_ok=True)
    link = campaign / ".materials" / "district-keys"
    link.symlink_to(outside, target_is_directory=True)
    before = (campaign / "keys" / "venue.key").read_bytes()
    code, output = keys_new("--district", "heping", "--campaign", str(campaign))
    assert code == 1 and "Traceback" not in output, output
    assert str(link) in output and "symbolic link" in output and "--out FILE" in output, output
    assert list(outside.iterdir()) == [] and (campaign / "keys" / "venue.key").read_bytes() == before
    link.unlink()
    (campaign / "handover").mkdir()
    link.symlink_to(campaign / "handover", target_is_directory=True)
    code, output = keys_new("--district", "heping", "--campaign", str(campaign))
    assert code == 0, output
    assert (campaign / "handover" / "heping.key").stat().st_mode & 0o777 == 0o600 and link.is_symlink()
    assert f"to {(campaign / 'handover' / 'heping.key').resolve()} (mode 0600)" in output, output  # where it went


def test_a_lock_file_that_is_a_link_is_refused(world: Path, tmp_path: Path) -> None:
    """#17: the output's `.materials-lock` and the register's `signed-venues.lock` were opened through a link
    placed under their name, creating the file where it pointed. Refused naming the link; the target not made."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output", "signed-venues.*"))
    (campaign / ".materials").mkdir(exist_ok=True)
    register_lock = campaign / ".materials" / "signed-venues.lock"
    register_lock.symlink_to(tmp_path / "made-by-register-lock")
    listing = tmp_path / "list.csv"
    listing.write_text(HEADER + ROW, encoding="utf-8")
    args = [*CLI, "venues", str(listing), "--campaign", str(campaign), "--out", str(tmp_path / "run")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert "signed-venues.lock is a symbolic link" in output, output
    assert not (tmp_path / "made-by-register-lock").exists()
    register_lock.unlink()
    out = tmp_path / "out"
    out.mkdir()
    (out / ".materials-lock").symlink_to(tmp_path / "made-by-output-lock")
    done = subprocess.run([*CLI, "build", "--campaign", str(campaign), "--out", str(out), "--only", "web"],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "Traceback" not in output, output
    assert ".materials-lock is a symbolic link" in output, output
    assert not (tmp_path / "made-by-output-lock").exists()


def test_facts_confirm_takes_campaign_after_the_subcommand(world: Path, tmp_path: Path) -> None:
    """#17: `materials facts confirm NAME ... --campaign DIR` was a usage error, though every other command takes
    --campaign after its name; it records the confirmation in that campaign."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign)
    done = subprocess.run([*CLI, "facts", "confirm", "hotline", "--source", "Notice No. 1", "--date", "2020-02-01",
                           "--campaign", str(campaign)], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Notice No. 1" in (campaign / "campaign.toml").read_text(encoding="utf-8")

def _materials(*args: str | Path, cwd: Path | None = None) -> tuple[int, str]:
    done = subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    return done.returncode, output


@pytest.mark.parametrize("name", ["base64", "base64url", "base32-lower", "base32-inside", "stray-base64"])
def test_a_key_in_a_cell_is_never_shown(world: Path, tmp_path: Path, name: str) -> None:
    """Red team 8, D6: a list whose cell holds the signing key in base64, base64url or base32 was rendered (the
    key printed on the poster, in manifest.csv and the register); it is refused naming the cell, never quoting
    it, and nothing is written."""
    status, output = _materials("venues", world / "bad" / f"key-{name}.csv", "--campaign", world / "campaign",
                                "--out", tmp_path / "out")
    assert status == 1 and "row 2, column B (name): this cell holds" in output, output
    assert KEY_CELLS[name].strip("= ").removeprefix("key ").removesuffix(" here")[:20] not in output, output
    assert not (tmp_path / "out").exists()
    assert not (world / "campaign" / ".materials" / "signed-venues.csv").exists()


def test_verify_names_the_venue_as_signed_and_warns_when_the_list_differs(world: Path, tmp_path: Path) -> None:
    """Red team 8, D8: verify named a genuine code's venue from the current list, so a list edited after signing
    (the code's venue renamed, moved to another address) vouched for the code under the new name. It names what
    was signed (the register) and warns naming the list and the difference."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    signed = tmp_path / "signed.csv"
    signed.write_text(HEADER + ROW, encoding="utf-8")
    status, output = _materials("venues", signed, "--campaign", campaign, "--out", tmp_path / "run")
    assert status == 0, output
    code = links.venue_code(links.Key(1, TEST_KEY), "heping", "HP-1")
    edited = tmp_path / "edited.csv"
    edited.write_text(HEADER + "HP-1,假冒药店,和平区,社区,南开区某路1号\n", encoding="utf-8")
    status, output = _materials("verify", code, "--campaign", campaign, "--list", edited)
    assert status == 0, output
    assert "genuine code: 宁夏路社区" in output and "address: 和平区宁夏路12号" in output, output
    assert "genuine code: 假冒药店" not in output, output
    assert "gives this venue's name as '假冒药店', but it was signed as '宁夏路社区'" in output, output
    assert "gives this venue's address as '南开区某路1号'" in output and str(edited) in output, output
    # The campaign's own list moved the id to another district: still the signed venue, with a warning.
    moved = campaign / "venues.csv"
    moved.write_text(HEADER + "HP-1,宁夏路社区,滨海新区,社区,和平区宁夏路12号\n", encoding="utf-8")
    with (campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('list = "venues.csv"\n')
    status, output = _materials("verify", code, "--campaign", campaign)
    assert status == 0 and "genuine code: 宁夏路社区" in output, output
    assert "gives this venue's district as 'binhai', but it was signed as 'heping'" in output, output
    # A venue with no record of signing is still named from the list, saying so.
    (campaign / ".materials" / "signed-venues.csv").unlink()
    status, output = _materials("verify", code, "--campaign", campaign, "--list", edited)
    assert status == 0 and "genuine code: 假冒药店" in output and "no record of signing" in output, output


def test_a_list_named_with_terminal_controls_is_shown_and_registered_escaped(world: Path, tmp_path: Path) -> None:
    """Red team 8, D10: a list file named with ESC (a terminal's escape sequences) was printed raw in the
    "<list> has problems" header and stored raw in the register."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    evil = tmp_path / "list\x1b]0;pwned\x07\x1b[2J.csv"
    evil.write_text(HEADER + ROW + "HP-2,,和平区,社区,x\n", encoding="utf-8")
    status, output = _materials("venues", evil, "--campaign", campaign, "--out", tmp_path / "bad-run")
    assert status == 1 and "\x1b" not in output and "\x07" not in output, repr(output)
    assert "list\\x1b]0;pwned\\x07\\x1b[2J.csv has problems" in output, output
    evil.write_text(HEADER + ROW, encoding="utf-8")
    status, output = _materials("venues", evil, "--campaign", campaign, "--out", tmp_path / "run")
    assert status == 0 and "\x1b" not in output, repr(output)
    register = (campaign / ".materials" / "signed-venues.csv").read_text(encoding="utf-8-sig")
    assert "\x1b" not in register and "\x07" not in register and "list\\x1b]0;pwned" in register, register


def test_an_empty_size_is_refused_naming_the_sizes(world: Path, tmp_path: Path) -> None:
    """Red team 8: `--size ''` was taken for the default size."""
    status, output = _materials("venues", world / "bad" / "good.csv", "--campaign", world / "campaign", "--size", "",
                                "--out", tmp_path / "out")
    assert status == 2 and "unknown venue poster size ''; sizes are A4, A5, A6" in output, output
    assert not (tmp_path / "out").exists()


def test_a_line_break_written_cr_lf_inside_a_cell_is_reported(world: Path, tmp_path: Path) -> None:
    """Red team 8: a carriage return inside a cell silently became a space; as part of a line break (CR LF) it
    is printed as a space with a warning naming the row and column."""
    listed = tmp_path / "crlf.csv"
    listed.write_bytes((HEADER + 'HP-1,"宁夏路\r\n社区",和平区,社区,x\n').encode("utf-8"))
    status, output = _materials("venues", listed, "--campaign", world / "campaign", "--out", tmp_path / "out")
    assert status == 0, output
    assert "crlf.csv: row 2, column name: a line break written as CR LF" in output, output


def test_a_second_list_into_the_default_folder_says_what_to_do(world: Path, tmp_path: Path) -> None:
    """Red team 8: a list whose default folder (districts and size) holds another list's run was told to "give
    this list its own --out" as if it had given one: it now names the default folder and the option to add."""
    campaign = tmp_path / "campaign"
    shutil.copytree(world / "campaign", campaign, ignore=shutil.ignore_patterns("output"))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(HEADER + ROW, encoding="utf-8")
    second.write_text(HEADER + ROW.replace("HP-1,宁夏路社区", "HP-2,宁夏路便民点"), encoding="utf-8")
    assert _materials("venues", first, "--campaign", campaign)[0] == 0
    status, output = _materials("venues", second, "--campaign", campaign)
    assert status == 1, output
    assert "the default output folder" in output and "run again with --out FOLDER" in output, output
    assert "--out " + str(campaign) not in output, output


def _special_files(root: Path) -> dict[str, Path]:
    """Campaigns and key files that are not regular files, or far too big (issue 17, D3 and D9)."""
    made = {}
    for name in ("faq-fifo", "toml-fifo", "big-glossary"):
        shutil.copytree(FIXTURES / "mini", root / name)
        made[name] = root / name
    os.mkfifo(root / "faq-fifo" / "faq" / "en" / "waiting.md")
    (root / "toml-fifo" / "campaign.toml").unlink()
    os.mkfifo(root / "toml-fifo" / "campaign.toml")
    settings = root / "big-glossary" / "campaign.toml"
    settings.write_text('glossary = "glossary.toml"\n' + settings.read_text(encoding="utf-8"), encoding="utf-8")
    glossary = root / "big-glossary" / "glossary.toml"
    glossary.touch()
    os.truncate(glossary, 3 * 1024 ** 3)  # sparse: 3 GB that cost nothing on disk
    made["huge.csv"] = root / "huge.csv"
    made["huge.csv"].write_text(HEADER + ROW, encoding="utf-8")
    os.truncate(made["huge.csv"], 300 * 1024 ** 2)  # sparse, above the venue list's 256 MB
    made["fifo.key"] = root / "fifo.key"
    os.mkfifo(made["fifo.key"])
    # Red team 12 (D12): a FIFO in an output folder hung `check --output` (the link check opened it)
    (root / "fifo-out" / "web").mkdir(parents=True)
    (root / "fifo-out" / "web" / "index.html").write_text("<html lang=en></html>", encoding="utf-8")
    os.mkfifo(root / "fifo-out" / "web" / "p.html")
    made["fifo-out"] = root / "fifo-out"
    return made


@pytest.mark.parametrize(("args", "fragments"), [
    (["verify", CODE, "--campaign", "{c}", "--key-file", "/dev/zero"], ["/dev/zero", "not a regular file (a device)"]),
    (["verify", CODE, "--campaign", "{c}", "--key-file", "{fifo.key}"], ["fifo.key", "not a regular file (a FIFO)"]),
    (["venues", "{b}/good.csv", "--campaign", "{c}", "--out", "{r}/o-zero", "--key-file", "/dev/zero"],
     ["/dev/zero", "not a regular file (a device)"]),
    (["check", "--campaign", "{faq-fifo}"], ["waiting.md", "not a regular file (a FIFO)"]),
    (["build", "--campaign", "{faq-fifo}", "--only", "web", "--out", "{r}/o-fifo"], ["waiting.md", "a FIFO"]),
    (["check", "--campaign", "{toml-fifo}"], ["campaign.toml", "not a regular file (a FIFO)"]),
    (["check", "--campaign", "{big-glossary}"], ["glossary.toml", "3,221,225,472 bytes", "the limit is"]),
    (["venues", "{huge.csv}", "--campaign", "{c}", "--out", "{r}/o-huge"],
     ["huge.csv", "314,572,800 bytes; the limit for a venue list is 268,435,456"]),
    (["check", "--campaign", "{c}", "--output", "{fifo-out}"], ["p.html", "is not a regular file (a FIFO)"]),
], ids=["verify-dev-zero", "verify-fifo-key", "venues-dev-zero", "check-fifo-faq", "build-fifo-faq",
        "check-fifo-campaign-toml", "check-huge-glossary", "venues-huge-list", "check-output-fifo"])
def test_special_and_huge_files_are_refused_naming_them(world: Path, tmp_path: Path, args: list[str],
                                                        fragments: list[str]) -> None:
    """Issue 17 (D3, D9): a FIFO or a device read as a key file or a campaign file hung or ate memory; now it is
    refused, naming it, within the timeout (a hang fails the test)."""
    made = _special_files(tmp_path)
    names = {"c": str(world / "campaign"), "b": str(world / "bad"), "r": str(tmp_path),
             **{name: str(path) for name, path in made.items()}}
    argv = [re.sub(r"\{([\w.-]+)\}", lambda m: names[m.group(1)], arg) for arg in args]
    done = subprocess.run([*CLI, *argv], capture_output=True, text=True, cwd=world, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == 1, output
    for fragment in fragments:
        assert fragment in output, output


def test_a_library_warning_is_never_printed_raw(world: Path, tmp_path: Path) -> None:
    """Red team 12 (D14): a workbook whose styles name no cell style (as some tools write it) printed openpyxl's
    raw two-line `UserWarning` with its path into site-packages. It is handled (openpyxl applies its default
    style), so it is silenced; the list is read."""
    import zipfile

    plain = tmp_path / "plain.xlsx"
    workbook(plain, {"Venues": [HEADER.strip().split(","), ROW.strip().split(",")]})
    bare = tmp_path / "no-cell-styles.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bare, "w") as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/styles.xml":
                data = re.sub(rb"<cellStyles\b.*?</cellStyles>", b"", data, flags=re.S)
            target.writestr(member, data)
    status, output = _materials("venues", bare, "--campaign", world / "campaign", "--out", tmp_path / "out")
    assert status == 0, output
    assert "UserWarning" not in output and "site-packages" not in output, output
