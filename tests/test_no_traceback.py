"""`materials` run as a new user would, over a matrix of bad inputs: never a traceback, always exit 1 or 2.

Each case is a real process (`python -c "from materials.cli import main; main()"`) so nothing of the test
harness catches what a user would see. Exit 1: a problem with the input, named; exit 2: a usage error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from materials.venues import links

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VENUE_FIXTURES = Path(__file__).resolve().parent / "venues" / "fixtures"
CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
HEADER = "id,name,district,category,address\n"
ROW = "HP-1,宁夏路社区,和平区,社区,和平区宁夏路12号\n"


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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A campaign with venues and a key, and a folder of bad files beside it."""
    root = tmp_path_factory.mktemp("world")
    campaign = root / "campaign"
    shutil.copytree(FIXTURES / "mini", campaign)
    with (campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[venues]\nkey_file = "keys/venue.key"\n')
    links.write_key_file(campaign / "keys" / "venue.key", [links.Key(1, bytes(range(32)))])
    bad = root / "bad"
    bad.mkdir()
    (bad / "good.csv").write_text(HEADER + ROW, encoding="utf-8")
    (bad / "empty.csv").write_bytes(b"")
    (bad / "latin1.csv").write_bytes((HEADER + "HP-1,Café Zoë,heping,community,x\n").encode("latin-1"))
    (bad / "binary.csv").write_bytes(bytes(range(256)) * 40)
    (bad / "nul.csv").write_bytes((HEADER + ROW).encode() + b"HP-2,\x00\x00,heping,community,x\n")
    (bad / "fake.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (bad / "old.xls.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (bad / "list.pdf").write_bytes(b"%PDF-1.7")
    (bad / "dates.csv").write_text(HEADER + "1-Mar,宁夏路社区,和平区,社区,x\n", encoding="utf-8")
    (bad / "huge-cell.csv").write_text(HEADER + "HP-1," + "长" * 5000 + ",和平区,社区,x\n", encoding="utf-8")
    (bad / "quotes.csv").write_text(HEADER + 'HP-1,"unclosed,和平区,社区,x\n', encoding="utf-8")
    (bad / "wrong-header.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    (bad / "parks.csv").write_text(HEADER + "".join(f"HP-{n},第{n}公园,和平区,公园,某路{n}号\n" for n in range(2, 30)),
                                   encoding="utf-8")
    workbook(bad / "all-hidden.xlsx", {"S": [HEADER.strip().split(","), ROW.strip().split(",")]}, hidden_rows=(2,))
    links.write_key_file(bad / "stray.key", [links.Key(1, bytes(range(5, 37)))])
    for name in ("bidi.csv", "zero-width.csv", "path-id.csv", "formula.xlsx", "oversized.xlsx", "duplicate-id.csv",
                 "header-only.csv", "excel-id.csv"):
        shutil.copy(VENUE_FIXTURES / name, bad / name)
    workbook(bad / "two-sheets.xlsx", {"A": [HEADER.strip().split(",")], "B": [["x"]]})
    workbook(bad / "hidden.xlsx", {"Shown": [], "Secret": [HEADER.strip().split(",")]}, hidden=("Secret",))
    workbook(bad / "bools.xlsx", {"S": [HEADER.strip().split(","), [True, False, None, 1.5, 2]]})
    (bad / "readable.key").write_text(f"materials-venue-key 1 {'00' * 32}\n", encoding="ascii")
    (bad / "readable.key").chmod(0o644)
    (bad / "garbage.key").write_text("hello\n", encoding="ascii")
    (bad / "garbage.key").chmod(0o600)
    (bad / "a-file").write_text("x", encoding="utf-8")
    for name, text in {
        "toml": "languages = [\n",
        "url": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8").replace(
            'url = "https://declare.health-code.example/apply"', 'url = "javascript:alert(1)"'),
        "encoding": None,
        "misplaced": (FIXTURES / "mini" / "campaign.toml").read_text(encoding="utf-8") + '\nchannels = ["poster"]\n',
    }.items():
        folder = root / f"broken-{name}"
        shutil.copytree(FIXTURES / "mini", folder)
        if text is None:
            (folder / "campaign.toml").write_bytes(b"\xff\xfe\x00garbage")
        else:
            (folder / "campaign.toml").write_text(text, encoding="utf-8")
    front = root / "broken-faq"
    shutil.copytree(FIXTURES / "mini", front)
    (front / "faq" / "en" / "green.md").write_text("---\nid: [unclosed\n---\nbody\n", encoding="utf-8")
    return root


Case = Callable[[Path], list[str]]


def c(text: str) -> Case:
    """A case written as a command line; {c} is the campaign, {b} the bad files, {r} the root."""
    return lambda root: [part.format(c=root / "campaign", b=root / "bad", r=root) for part in text.split("  ")]


CODE = "BD-000001-P5GMCLXY"
TOKEN = links.sign_link(links.Key(1, bytes(range(32))), "HTTPS://X/V/", "heping", "HP-1").rsplit("/", 1)[1]
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
    ("build  --campaign  {r}/broken-toml", 1, "campaign.toml"),
    ("build  --campaign  {r}/broken-url  --only  web", 1, "service.url"),
    ("build  --campaign  {r}/broken-encoding", 1, "campaign.toml"),
    ("check  --campaign  {r}/broken-misplaced", 1, "this key is inside [[districts]]"),
    ("build  --campaign  {r}/broken-faq  --only  web", 1, "green.md"),
    ("check  --campaign  {c}  --output  {r}/nowhere", 1, "is not a folder"),
    ("check  --campaign  {c}  --output  {b}", 1, "holds no"),
    ("venues  {b}/missing.csv  --campaign  {c}  --out  {r}/o1", 1, "file not found"),
    ("venues  {b}/empty.csv  --campaign  {c}  --out  {r}/o1", 1, "the file is empty"),
    ("venues  {b}/latin1.csv  --campaign  {c}  --out  {r}/o1", 1, "UTF-8"),
    ("venues  {b}/binary.csv  --campaign  {c}  --out  {r}/o1", 1, "binary.csv"),
    ("venues  {b}/nul.csv  --campaign  {c}  --out  {r}/o1", 1, "nul.csv"),
    ("venues  {b}/fake.xlsx  --campaign  {c}  --out  {r}/o1", 1, "not an XLSX workbook"),
    ("venues  {b}/old.xls.xlsx  --campaign  {c}  --out  {r}/o1", 1, "old .xls"),
    ("venues  {b}/list.pdf  --campaign  {c}  --out  {r}/o1", 1, "unknown kind of list"),
    ("venues  {b}/dates.csv  --campaign  {c}  --out  {r}/o1", 1, "looks like a date"),
    ("venues  {b}/huge-cell.csv  --campaign  {c}  --out  {r}/o1", 1, "at most 2000"),
    ("venues  {b}/quotes.csv  --campaign  {c}  --out  {r}/o1", 1, "quotes.csv"),
    ("venues  {b}/wrong-header.csv  --campaign  {c}  --out  {r}/o1", 1, "missing column 'id'"),
    ("venues  {b}/parks.csv  --campaign  {c}  --out  {r}/o1", 1, "rows 2–29, category: unknown place category '公园'"),
    ("venues  {b}/all-hidden.xlsx  --campaign  {c}  --out  {r}/o1", 1, "every venue row is hidden"),
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
    ("venues  {b}/bools.xlsx  --campaign  {c}  --out  {r}/o1", 1, "TRUE/FALSE"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --size  A3", 2, "A3"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --jobs  0", 2, "--jobs"),
    ("venues  {b}  --campaign  {c}", 2, "is a directory"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/missing.key", 1, "not found"),
    ("venues  {b}/good.csv  --campaign  {c}  --out  {r}/o1  --key-file  {b}/readable.key", 1, "chmod 600"),
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
    (f"verify  HTTPS://X/V/{V1_TOKEN}  --campaign  {{c}}  --base  HTTPS://X/V/", 1, "version-1 link"),
    ("verify  健康码-一二三四五六七八  --campaign  {c}", 1, "not a venue code"),
    (f"verify  {CODE}  --campaign  {{c}}  --key-file  {{b}}/missing.key", 1, "not found"),
    (f"verify  {CODE}  --campaign  {{c}}  --list  {{b}}/latin1.csv", 1, "UTF-8"),
    (f"verify  {CODE}  --campaign  {{c}}", 1, "does not match"),
    ("keys  new  --out  {c}/keys/venue.key", 1, "refusing to replace"),
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
    ("new  /proc/materials-campaign", 1, "cannot write /proc"),
    ("new  {c}", 1, "is not empty"),
    ("new  {r}/n1  --district  上城 区=x", 1, "must be lower-case letters"),
    ("new  {r}/n2  --district  a=b=c=d", 1, "write KEY=名称"),
    ("new  {r}/n3  --service-url  http://declare.hz.gov.cn/", 1, "service.url"),
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
