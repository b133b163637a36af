"""The signing key never reaches an output through a campaign's own words (red team 11, #2 to #4): a value of
campaign.toml or of a `templates/*/strings.toml`, or a Markdown source (FAQ, poster, tips, notice) holding the
key is refused when it is read, by every command, naming the file (and the key of a value), never quoting it.

Each case is a real process on a campaign `materials new` made, with its own signing key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-c", "from materials.cli import main; main()"]
LIST = "id,name,district,category,address\nS1-K-001,测试场所,shangcheng,community,测试路1号\n"


def run(campaign: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=campaign, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    """A new campaign (posters, tips, FAQ, a venue signing key) and a one-venue list, k.csv."""
    done = subprocess.run([*CLI, "new", "rtk", "--city", "杭州", "--district", "shangcheng=上城区", "--service-url",
                           "https://jkm.hangzhou.gov.cn/apply"], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    root = tmp_path / "rtk"
    (root / "k.csv").write_text(LIST, encoding="utf-8")
    return root


def key_hex(root: Path) -> str:
    for line in (root / ".materials" / "venue-signing.key").read_text(encoding="utf-8").splitlines():
        if line.startswith("materials-venue-key "):
            return line.split()[2]
    raise AssertionError("no key in the new campaign's key file")


def grouped(hexed: str) -> str:
    """The key as 4 space-separated groups of 16 digits (as the red team wrote it)."""
    return " ".join(hexed[i:i + 16] for i in range(0, 64, 16))


def assert_not_quoted(output: str, hexed: str) -> None:
    """No 16 digits of the key in a row, with or without separators, anywhere in `output`."""
    digits = re.sub(r"[^0-9a-f]", "", output.lower())
    for start in range(0, 64 - 15):
        assert hexed[start:start + 16] not in digits, "the output quotes the key"


@pytest.mark.parametrize(("kind", "command"), [("venues", ["venues", "k.csv"]), ("web", ["proof", "--out", "p.pdf"]),
                                             ("print", ["check"])])
def test_a_key_in_interface_strings_is_refused(campaign: Path, kind: str, command: list[str]) -> None:
    """Red team 11 #2: `code_label = "<key hex>"` printed the key on every venue poster; exit 0, check ok."""
    hexed = key_hex(campaign)
    (campaign / "templates" / kind).mkdir(parents=True)
    value = hexed if kind == "venues" else f"find {grouped(hexed)}"
    (campaign / "templates" / kind / "strings.toml").write_text(f'[zh-CN]\ncode_label = "{value}"\n',
                                                                 encoding="utf-8")
    for args in (["check"], command):
        done = run(campaign, *args)
        output = done.stdout + done.stderr
        assert done.returncode == 1, (args, output)
        assert f"templates/{kind}/strings.toml" in output and "zh-CN.code_label" in output, output
        assert "signing key" in output and "Traceback" not in output, output
        assert_not_quoted(output, hexed)
    assert not list(campaign.glob("output/**/*.pdf")) and not (campaign / "p.pdf").exists(), "nothing was printed"


@pytest.mark.parametrize("command", [["check"], ["venues", "k.csv"], ["proof", "--out", "p.pdf"],
                                     ["build", "--only", "web"]])
def test_a_key_in_campaign_toml_is_refused_by_every_command(campaign: Path, command: list[str]) -> None:
    """Red team 11 #2: `authority_short.en` set to the key in 4 groups of 16 digits was printed on the posters."""
    hexed = key_hex(campaign)
    settings = campaign / "campaign.toml"
    text = settings.read_text(encoding="utf-8")
    text, count = re.subn(r'(?m)^(\[authority_short\][^\[]*?^en = )"[^"\n]*"', rf'\1"{grouped(hexed)}"', text)
    assert count == 1, "the new campaign's authority_short.en"
    settings.write_text(text, encoding="utf-8")
    done = run(campaign, *command)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "campaign.toml" in output and "authority_short.en" in output and "signing key" in output, output
    assert "Traceback" not in output
    assert_not_quoted(output, hexed)
    assert not (campaign / "p.pdf").exists()
    assert not list(campaign.glob("output/**/*.pdf")) and not list(campaign.glob("output/**/*.html"))


@pytest.mark.parametrize("command", [["check"], ["proof", "--out", "kproof.pdf"], ["build", "--only", "print"]])
def test_a_key_in_a_poster_is_refused_naming_the_poster(campaign: Path, command: list[str]) -> None:
    """Red team 11 #3: the key in 4 groups of 16 digits on a line of posters/apply.md: check said ok and `proof`
    wrote a PDF whose text held the whole key (`build --only print` refused only because of manifest.json)."""
    hexed = key_hex(campaign)
    poster = campaign / "posters" / "apply.md"
    text = poster.read_text(encoding="utf-8")
    assert "Fill in true health information" in text
    poster.write_text(text.replace("Fill in true health information", f"{grouped(hexed)} Fill in true health "
                                   "information", 1), encoding="utf-8")
    done = run(campaign, *command)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "posters/apply.md" in output and "signing key" in output and "manifest.json" not in output, output
    assert "Traceback" not in output
    assert_not_quoted(output, hexed)
    assert not (campaign / "kproof.pdf").exists()
    assert not list(campaign.glob("output/**/*.pdf"))


@pytest.mark.parametrize("source", ["faq front matter", "faq answer", "tips", "glossary", "notice"])
def test_a_key_in_any_markdown_source_or_the_glossary_is_refused_by_check(campaign: Path, source: str) -> None:
    """Every source whose words reach an output passes the key test when it is read, naming the file."""
    hexed = key_hex(campaign)
    if source == "notice":
        (campaign / "notice").mkdir()
        for lang, words in (("zh-CN", "通告"), ("en", f"Notice {hexed.upper()}")):
            (campaign / "notice" / f"{lang}.md").write_text(f"# {words}\n\n{words}\n", encoding="utf-8")
        label = "notice/en.md"
    else:
        label = {"faq front matter": "faq/en/01-what-is-the-health-code.md",
                 "faq answer": "faq/en/01-what-is-the-health-code.md",
                 "tips": "tips/show-code.md", "glossary": "glossary.toml"}[source]
        path = campaign / label
        text = path.read_text(encoding="utf-8")
        if source == "faq front matter":
            text = text.replace('question: "What is', f'question: "{grouped(hexed)} What is', 1)
        elif source == "glossary":
            text = text.replace('concept = "health QR code"', f'concept = "health QR code {hexed[:32]}" # '
                                f'{hexed[32:]}', 1)
        else:
            text += f"\n{':'.join(hexed[i:i + 2] for i in range(0, 64, 2))}\n"
        path.write_text(text, encoding="utf-8")
    done = run(campaign, "check")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert label in output and "signing key" in output and "Traceback" not in output, output
    assert_not_quoted(output, hexed)


#: A key no test campaign uses, for the tests of `redact` (learnt through a key file, as a campaign's are).
REDACT_KEY = bytes(range(200, 232))


@pytest.fixture
def known_key(tmp_path: Path) -> str:
    from materials import keys

    path = tmp_path / "k.key"
    path.write_text(f"materials-venue-key 1 {REDACT_KEY.hex()}\n", encoding="ascii")
    keys.remember([path])
    yield REDACT_KEY.hex()
    keys._KNOWN.discard(REDACT_KEY)


def test_redact_hides_a_truncated_quote_of_a_known_key(known_key: str) -> None:
    """Red team 11 #4: an overflow message quoted the poster's first 60 characters, 60 of the key's 64 digits
    (the last 16 bits can be brute-forced against any poster); `redact` hid only a whole key."""
    from materials import keys
    from materials.errors import CampaignError, Problem

    shapes = [f"the words ({known_key[:60]!r}, 104 mm out) overflow the box",  # value[:60] of the overflow check
              f"the words ('{known_key[:30]}…{known_key[34:]}', 104 mm out) overflow",  # an ellipsis in the quote
              f"the words ('{grouped(known_key)[:50]}…', 104 mm out)",  # groups of 16, cut
              f"x{known_key[3:23].upper()}y and {':'.join(known_key[i:i + 2] for i in range(10, 44, 2))}",
              f"0x{known_key[8:26]}, 0x{known_key[40:58]}"]
    for shape in shapes:
        shown = keys.redact(shape)
        assert keys.HIDDEN in shown, shown
        assert_not_quoted(shown, known_key)
        assert_not_quoted(str(CampaignError([Problem("posters/apply.md", 19, None, shape)])), known_key)
    # Words around it are kept; 15 digits of the key, and hex of no key shorter than 32 digits, are not hidden.
    assert keys.redact(f"the words ({known_key[:60]!r}, 104 mm out)") == f"the words ('{keys.HIDDEN}', 104 mm out)"
    for kept in (f"line {known_key[:15]} ok", "colour #a1b2c3 id deadbeefcafe0123456789abcdef0"):
        assert keys.redact(kept) == kept


def test_redact_hides_any_long_hex_run_without_a_known_key() -> None:
    """A run of 32 or more hex digits is hidden whatever surrounds it, with no key known: part of some key (a
    checksum is hidden too, which no message needs)."""
    from materials import keys

    other = bytes(range(60, 92)).hex()
    for shape, kept in ((f"('{other[:60]}', 104 mm out)", "('[…]', 104 mm out)"),
                        (f"k={other[:40]}Q", "k=[…]Q")):
        assert keys.redact(shape) == kept


@pytest.mark.parametrize("where", ["campaign.toml", "glossary.toml"])
def test_a_syntax_error_quoting_part_of_the_key_hides_it(campaign: Path, where: str) -> None:
    """Red team 11 #4, through the CLI: a message quoting a line with most of the key (a TOML syntax error shows
    the line as written) hides it: 60 digits in a row before the campaign's keys are known (campaign.toml), and
    the key's first 50 characters in groups of 16 once they are (the glossary is read after)."""
    hexed = key_hex(campaign)
    path = campaign / where
    quoted = hexed[:60] if where == "campaign.toml" else grouped(hexed)[:50]
    path.write_text(path.read_text(encoding="utf-8") + f'\nbroken = "{quoted}\n', encoding="utf-8")
    done = run(campaign, "check")
    output = done.stdout + done.stderr
    assert done.returncode == 1 and where in output and "Traceback" not in output, output
    assert "[…]" in output, output
    assert_not_quoted(output, hexed)
