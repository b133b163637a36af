"""Signed check-in links: the service side must refuse every forgery, alteration and odd spelling."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from materials.cli import cli
from materials.errors import MaterialsError
from materials.venues import links
from materials.venues.links import LinkError, verify_link

KEY = links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2)))
OTHER = links.Key(1, bytes(range(1, 33, 2)) + bytes(range(2, 33, 2)))
BASE = links.link_base("hc.tj.gov.cn", "V")
RING = links.KeyRing([KEY])
#: Every district of the campaigns these tests sign for (a city-wide key may sign any of them).
DISTRICTS = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan", "beichen",
             "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"]
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcz019=/:.-_ "


def test_round_trip_and_deterministic() -> None:
    link = links.sign_link(KEY, BASE, "heping", "HP-00012", 0)
    assert link == links.sign_link(KEY, BASE, "heping", "HP-00012", 0), "the same venue gets the same link every run"
    assert link.startswith("HTTPS://HC.TJ.GOV.CN/V/") and link == link.upper()
    venue = verify_link(link, RING, base=BASE, districts=DISTRICTS)
    assert (venue.venue_id, venue.key_id, venue.reprint) == ("HP-00012", 1, 0)


def test_link_is_qr_alphanumeric_and_small() -> None:
    from materials import qr

    link = links.sign_link(KEY, links.link_base("declare.health-code.example", "V"), "heping", "HP-C-001")
    code = qr.make(link, "m")
    assert code.mode == "alphanumeric"
    assert code.version <= 4, f"{len(link)} characters gave version {code.version}"


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_every_single_character_change_is_refused(data: st.DataObject) -> None:
    venue_id = data.draw(st.from_regex(r"[A-Z0-9]{1,6}(-[A-Z0-9]{1,6}){0,2}", fullmatch=True))
    reprint = data.draw(st.integers(0, 255))
    link = links.sign_link(KEY, BASE, "heping", venue_id, reprint)
    position = data.draw(st.integers(0, len(link) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != link[position]))
    changed = link[:position] + replacement + link[position + 1:]
    with pytest.raises(LinkError):
        verify_link(changed, RING, base=BASE, districts=DISTRICTS)


def test_non_canonical_base32_is_refused() -> None:
    link = links.sign_link(KEY, BASE, "heping", "HP-1")
    token = link.rsplit("/", 1)[1]
    raw = base64.b32decode(token + "=" * (-len(token) % 8))
    # The last character carries unused low bits: a different character that decodes to the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet.index(token[-1])
    twins = [c for c in alphabet if c != token[-1] and (alphabet.index(c) ^ last) < 16]
    unused_bits = (len(raw) * 8) % 5
    twins = [c for c in twins if (alphabet.index(c) ^ last) < (1 << (5 - unused_bits))] if unused_bits else []
    assert twins, "a 21-byte token leaves unused bits in its last character"
    twin = token[:-1] + twins[0]
    assert base64.b32decode(twin + "=" * (-len(twin) % 8)) == raw
    with pytest.raises(LinkError, match="canonical"):
        verify_link(link[: -len(token)] + twin, RING, base=BASE, districts=DISTRICTS)
    for variant in (link[: -len(token)] + token.lower(), link + "=" * (-len(token) % 8) or link + "=",
                    link.replace("HTTPS://", "https://"), link + "/", link + "?ch=venue"):
        with pytest.raises(LinkError):
            verify_link(variant, RING, base=BASE, districts=DISTRICTS)


def test_wrong_key_unknown_key_and_rotation() -> None:
    link = links.sign_link(KEY, BASE, "heping", "HP-1")
    with pytest.raises(LinkError, match="signature"):
        verify_link(link, links.KeyRing([OTHER]), base=BASE, districts=DISTRICTS)
    with pytest.raises(LinkError, match="unknown key id 1"):
        verify_link(link, links.KeyRing([links.Key(2, bytes(32))]), base=BASE, districts=DISTRICTS)
    new = links.Key(2, bytes(range(100, 132, 2)) + bytes(range(101, 132, 2)))
    ring = links.KeyRing([KEY, new])
    assert ring.signing_key().key_id == 2, "the newest key signs after a rotation"
    assert verify_link(link, ring, base=BASE, districts=DISTRICTS).key_id == 1, "old posters verify during a rotation"
    assert verify_link(links.sign_link(new, BASE, "heping", "HP-1"), ring, base=BASE, districts=DISTRICTS).key_id == 2


def test_higher_reprint_retires_the_old_poster() -> None:
    old = links.sign_link(KEY, BASE, "heping", "HP-1", 0)
    new = links.sign_link(KEY, BASE, "heping", "HP-1", 1)
    assert old != new
    assert verify_link(new, RING, base=BASE, reprints={("heping", "HP-1"): 1}, districts=DISTRICTS).reprint == 1
    with pytest.raises(LinkError, match="replaced by reprint 1"):
        verify_link(old, RING, base=BASE, reprints={("heping", "HP-1"): 1}, districts=DISTRICTS)
    with pytest.raises(LinkError, match="not in the current venue list"):
        verify_link(old, RING, base=BASE, reprints={}, districts=DISTRICTS)


def test_venue_code_is_short_and_keyed() -> None:
    code = links.venue_code(KEY, "heping", "HP-1")
    assert code.startswith("HP-1-") and len(code) == len("HP-1-") + 8
    assert links.venue_code(OTHER, "heping", "HP-1") != code
    assert links.venue_code(KEY, "heping", "HP-1", 2).startswith("HP-1-R2-")


def test_key_file_is_private_and_never_replaced(tmp_path: Path) -> None:
    path = tmp_path / "k" / "venue.key"
    path.parent.mkdir()  # outside a campaign, a key's folder is never made (#17)
    links.write_key_file(path, [KEY])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert links.read_key_file(path).keys[1].secret == KEY.secret
    with pytest.raises(MaterialsError, match="refusing to replace"):
        links.write_key_file(path, [OTHER])
    assert KEY.secret.hex() not in repr(links.read_key_file(path)) + repr(KEY)
    path.chmod(0o644)
    with pytest.raises(MaterialsError, match="chmod 600"):
        links.read_key_file(path)


def test_key_file_errors_do_not_echo_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.key"
    path.write_text(f"materials-venue-key 1 {KEY.secret.hex()}zz\n", encoding="ascii")
    path.chmod(0o600)
    with pytest.raises(MaterialsError) as info:
        links.read_key_file(path)
    assert KEY.secret.hex() not in info.value.message


def test_cli_keys_new_and_verify(tmp_path: Path, venue_campaign: Path) -> None:
    runner = CliRunner()
    key = tmp_path / "venue.key"
    result = runner.invoke(cli, ["keys", "new", "--out", str(key)])
    assert result.exit_code == 0, result.output
    secret = links.read_key_file(key).keys[1].secret.hex()
    assert secret not in result.output
    result = runner.invoke(cli, ["keys", "new", "--out", str(key)])
    assert result.exit_code == 1 and "refusing to replace" in result.output
    result = runner.invoke(cli, ["keys", "new", "--out", str(key), "--add"])
    assert result.exit_code == 0 and sorted(links.read_key_file(key).keys) == [1, 2]

    ring = links.read_key_file(key)
    link = links.sign_link(ring.keys[1], BASE, "heping", "BH-7", 0)
    result = runner.invoke(cli, ["verify", link, "--key-file", str(key), "--base", BASE, "--campaign",
                                 str(venue_campaign)])
    assert result.exit_code == 0 and "BH-7" in result.output
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    result = runner.invoke(cli, ["verify", forged, "--key-file", str(key), "--base", BASE, "--campaign",
                                 str(venue_campaign)])
    assert result.exit_code == 1 and "refused" in result.output
    assert secret not in result.output
