"""`verify` trusts only the campaign's own scheme, host and path, and checks typed venue codes too.

A genuine token behind another host is the sticker-over-poster attack; a typed code is what a person who
cannot scan reads off the poster.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from materials.cli import cli
from materials.venues import links
from materials.venues.links import LinkError, verify_link

KEY = links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2)))
NEW = links.Key(2, bytes(range(100, 132, 2)) + bytes(range(101, 132, 2)))
RING = links.KeyRing([KEY])
#: Every district of the campaigns these tests sign for (a city-wide key may sign any of them).
DISTRICTS = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan", "beichen",
             "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"]
BASE = links.link_base("hc.tj.gov.cn", "V")
TYPED = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@pytest.fixture
def settings(venue_campaign: Path):  # type: ignore[no-untyped-def]
    from materials.campaign import load

    return load(venue_campaign).settings


def run(*args: str, cwd: Path | None = None) -> tuple[int, str]:
    import os

    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


def test_a_genuine_token_on_another_host_or_path_is_refused() -> None:
    link = links.sign_link(KEY, BASE, "heping", "BD-000001")
    token = link.rsplit("/", 1)[1]
    assert verify_link(link, RING, base=BASE, districts=DISTRICTS).venue_id == "BD-000001"
    for forged, reason in [
        (f"HTTPS://EVIL.EXAMPLE/ANY/PATH/{token}", "leads to EVIL.EXAMPLE"),
        (f"HTTPS://EVIL.EXAMPLE/V/{token}", "leads to EVIL.EXAMPLE"),
        (f"HTTPS://HC.TJ.GOV.CN.EVIL.EXAMPLE/V/{token}", "leads to HC.TJ.GOV.CN.EVIL.EXAMPLE"),
        (f"HTTPS://HC.TJ.GOV.CN@EVIL.EXAMPLE/V/{token}", "leads to HC.TJ.GOV.CN@EVIL.EXAMPLE"),
        (f"HTTPS://HC.TJ.GOV.CN/X/{token}", "path"),
        (f"HTTPS://HC.TJ.GOV.CN/{token}", "path"),
        (f"HTTPS://HC.TJ.GOV.CN/V/../../X/V/{token}", "extra path segments"),
        (f"HTTPS://HC.TJ.GOV.CN/V//{token}", "extra path segments"),
        (f"HTTP://HC.TJ.GOV.CN/V/{token}", "HTTPS://"),
    ]:
        with pytest.raises(LinkError, match=reason):
            verify_link(forged, RING, base=BASE, districts=DISTRICTS)


def test_verify_link_requires_the_base() -> None:
    link = links.sign_link(KEY, BASE, "heping", "BD-000001")
    with pytest.raises(TypeError):
        verify_link(link, RING)  # type: ignore[call-arg]
    # Any spelling of the same base is the same rule.
    assert verify_link(link, RING, base="https://hc.tj.gov.cn/v", districts=DISTRICTS).venue_id == "BD-000001"


def test_cli_without_a_campaign_refuses_and_says_how(tmp_path: Path, venue_campaign: Path) -> None:
    key = tmp_path / "venue.key"
    links.write_key_file(key, [KEY])
    token = links.sign_link(KEY, BASE, "heping", "BD-000001").rsplit("/", 1)[1]
    code, output = run("verify", f"HTTPS://EVIL.EXAMPLE/ANY/PATH/{token}", "--key-file", str(key), cwd=tmp_path)
    assert code == 1 and not output.startswith("genuine")
    assert "no campaign found" in output and "--campaign" in output and "districts" in output
    code, output = run("verify", f"HTTPS://EVIL.EXAMPLE/ANY/PATH/{token}", "--key-file", str(key),
                       "--base", BASE, "--campaign", str(venue_campaign))
    assert code == 1 and "refused: the link leads to EVIL.EXAMPLE" in output
    code, output = run("verify", f"{BASE}{token}", "--key-file", str(key), "--base", BASE, "--campaign",
                       str(venue_campaign))
    assert code == 0 and "genuine link: venue BD-000001, district 和平区 (heping)" in output, output


def test_cli_takes_host_and_path_from_the_campaign(venue_campaign: Path) -> None:
    ring = links.read_key_file(venue_campaign / "keys" / "venue.key")
    base = links.link_base("declare.health-code.example", "V")
    link = links.sign_link(ring.keys[1], base, "heping", "HP-1")
    assert run("verify", link, "--campaign", str(venue_campaign))[0] == 0
    assert run("verify", link, cwd=venue_campaign)[0] == 0, "the current folder's campaign counts"
    elsewhere = link.replace("DECLARE.HEALTH-CODE.EXAMPLE", "EVIL.EXAMPLE")
    code, output = run("verify", elsewhere, "--campaign", str(venue_campaign))
    assert code == 1 and "not to the campaign's DECLARE.HEALTH-CODE.EXAMPLE" in output


def test_typed_code_round_trip_in_any_case_with_or_without_hyphens_and_spaces() -> None:
    code = links.venue_code(KEY, "heping", "BD-000001")
    assert code.startswith("BD-000001-") and len(code) == len("BD-000001-") + 8
    check = code.rsplit("-", 1)[1]
    for typed in (code, code.lower(), code.replace("-", ""), f" bd 000001 {check.lower()} ",
                  f"BD000001-{check}", f"bd-0000-01-{check[:4]} {check[4:]}"):
        venue = links.verify_code(typed, RING, districts=DISTRICTS)
        assert (venue.venue_id, venue.key_id, venue.reprint) == ("BD000001", 1, 0), typed
    venue = links.verify_code(code.lower(), RING, districts=DISTRICTS, reprints={("heping", "BD-000001"): 0})
    assert venue.venue_id == "BD-000001", "with the list, the id comes back as the list spells it"


def single_changes(text: str) -> set[str]:
    """Every string one substitution, deletion or insertion of a letter or digit away from `text`."""
    found = set()
    for i, c in itertools.product(range(len(text) + 1), TYPED):
        found.add(text[:i] + c + text[i:])
        if i < len(text):
            found.add(text[:i] + c + text[i + 1:])
            found.add(text[:i] + text[i + 1:])
    return found


@pytest.mark.parametrize(("venue_id", "reprint"), [("BD-000001", 0), ("HP-12", 3), ("AR2", 0)])
def test_every_single_character_change_of_a_code_is_refused(venue_id: str, reprint: int) -> None:
    code = links.venue_code(KEY, "heping", venue_id, reprint)
    normal = code.replace("-", "")
    changes = single_changes(normal) - {normal}
    assert len(changes) > 500
    accepted = []
    for changed in changes:
        try:
            links.verify_code(changed, RING, districts=DISTRICTS)
        except LinkError:
            continue
        accepted.append(changed)
    assert accepted == [], f"{code}: accepted {accepted[:5]}"


def test_codes_follow_rotation_and_reprint_rules() -> None:
    ring = links.KeyRing([KEY, NEW])
    old_code = links.venue_code(KEY, "heping", "HP-1")
    assert links.verify_code(old_code, ring, districts=DISTRICTS).key_id == 1, "a poster from before a rotation"
    assert links.verify_code(links.venue_code(NEW, "heping", "HP-1"), ring, districts=DISTRICTS).key_id == 2
    with pytest.raises(LinkError, match="does not match"):
        links.verify_code(links.venue_code(NEW, "heping", "HP-1"), RING, districts=DISTRICTS)  # a key it does not hold
    reprinted = links.venue_code(KEY, "heping", "HP-1", 2)
    assert reprinted.startswith("HP-1-R2-")
    assert links.verify_code(reprinted, RING, districts=DISTRICTS, reprints={("heping", "HP-1"): 2}).reprint == 2
    with pytest.raises(LinkError, match="replaced by reprint 2"):
        links.verify_code(old_code, RING, districts=DISTRICTS, reprints={("heping", "HP-1"): 2})
    with pytest.raises(LinkError, match="not in the current venue list"):
        links.verify_code(old_code, RING, districts=DISTRICTS, reprints={("heping", "HP-2"): 0})
    link_tag = links.sign_link(KEY, BASE, "heping", "HP-1").rsplit("/", 1)[1]
    for junk in ("", "HP-1", "HP-1-", link_tag, "HP-1-P5GMCLX!", "健康码-12345678"):
        with pytest.raises(LinkError):
            links.verify_code(junk, RING, districts=DISTRICTS)


def test_ids_that_type_alike_are_refused_in_a_list(write_list, settings) -> None:  # type: ignore[no-untyped-def]
    from materials.venues.reading import read_list

    path = write_list("v.csv", "id,name,district,category,address\nBD-1,某社区,和平区,社区,某路1号\n"
                      "BD1,某社区,和平区,社区,某路2号\n")
    problems = [str(p) for p in read_list(path, settings).problems]
    assert any("row 2, id: BD-1 is also the id on row 3" in p and "hyphens" in p for p in problems), problems


def test_cli_verifies_a_typed_code(venue_campaign: Path) -> None:
    ring = links.read_key_file(venue_campaign / "keys" / "venue.key")
    first = (venue_campaign / "venues.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    venue_id, name, district = first[0], first[1], {"和平区": "heping", "滨海新区": "binhai"}[first[2]]
    code = links.venue_code(ring.keys[1], district, venue_id)
    (venue_campaign / "campaign.toml").write_text((venue_campaign / "campaign.toml").read_text(encoding="utf-8")
                                                  .replace('list = "venues.csv"', ""), encoding="utf-8")
    result, output = run("verify", code.lower().replace("-", " "), "--campaign", str(venue_campaign))
    assert result == 0 and f"genuine code: venue {venue_id.replace('-', '')}, district {first[2]}" in output, output
    result, output = run("verify", code, "--campaign", str(venue_campaign), "--list",
                         str(venue_campaign / "venues.csv"))
    assert result == 0 and f"genuine code: {name}\n  district: {first[2]} ({district})" in output, output
    assert f"venue id: {venue_id}, reprint 0" in output and "signed with key 1, the campaign's city-wide key" in output
    changed = code[:-1] + ("A" if code[-1] != "A" else "B")
    result, output = run("verify", changed, "--campaign", str(venue_campaign))
    assert result == 1 and "refused: the code does not match" in output


def test_verify_prints_no_terminal_controls_from_a_file(venue_campaign: Path) -> None:
    """Red team 6 (D7): a name in the register or a run's manifest reached the terminal as it was: an ESC colour
    sequence, an OSC window-title sequence and a right-to-left override rewrote what the office reads. Every
    value verify prints from a file is shown with its controls escaped."""
    ring = links.read_key_file(venue_campaign / "keys" / "venue.key")
    code = links.venue_code(ring.keys[1], "heping", "HP-7")
    (venue_campaign / "campaign.toml").write_text((venue_campaign / "campaign.toml").read_text(encoding="utf-8")
                                                  .replace('list = "venues.csv"', ""), encoding="utf-8")
    name = "\x1b[31mFAKE\x1b]0;pwn\x07\u202eRTL\u2066"
    register = venue_campaign / ".materials" / "signed-venues.csv"
    register.parent.mkdir(exist_ok=True)
    register.write_text("district,typed,id,name,category,address,reprint,list\n"
                        f"heping,HP7,HP-7,{name},\x1b[2Jcommunity,x,0,\x9bvenues.csv\n", encoding="utf-8")
    result, output = run("verify", code, "--campaign", str(venue_campaign))
    assert result == 0, output
    assert not any(char in output for char in "\x1b\x07\x9b\u202e\u2066"), repr(output)
    assert "genuine code: \\x1b[31mFAKE\\x1b]0;pwn\\x07\\u202eRTL\\u2066" in output, output


def test_printable_escapes_controls_and_keeps_text() -> None:
    from materials.errors import printable, safe_message

    assert printable("宁夏路社区 Café") == "宁夏路社区 Café"
    assert printable("a\x1bb\u200bc\u2028d\x85e\tf\n") == "a\\x1bb\\u200bc\\u2028d\\x85e\\x09f\\x0a"
    assert safe_message("line 1\n\tline 2 \x1b[0m") == "line 1\n\tline 2 \\x1b[0m"
