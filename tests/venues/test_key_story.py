"""One key story: the campaign's key signs by default, each district office gets its own key, and a venue's
signed identity names its district, so two districts' `C-001` never share a link or a code (issue 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from materials.cli import cli
from materials.errors import MaterialsError
from materials.venues import links

CITY = links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2)))
BASE = links.link_base("hc.tj.gov.cn", "V")
DISTRICTS = ["heping", "binhai"]


def test_the_same_id_in_two_districts_gets_two_links_and_two_codes() -> None:
    """On main both districts' C-001 printed the same link and code, and verify called both genuine."""
    ring = links.KeyRing([CITY])
    heping, binhai = (links.sign_link(CITY, BASE, d, "C-001") for d in DISTRICTS)
    assert heping != binhai
    assert links.verify_link(heping, ring, base=BASE, districts=DISTRICTS).district == "heping"
    assert links.verify_link(binhai, ring, base=BASE, districts=DISTRICTS).district == "binhai"
    codes = [links.venue_code(CITY, d, "C-001") for d in DISTRICTS]
    assert codes[0] != codes[1]
    assert [links.verify_code(c, ring, districts=DISTRICTS).district for c in codes] == DISTRICTS
    # A link verifies only as the district it was signed for: the service never reports the other one.
    with pytest.raises(links.LinkError, match="does not match"):
        links.verify_link(heping, ring, base=BASE, districts=["binhai"])


def test_a_district_key_signs_and_verifies_its_own_district_only() -> None:
    heping_key = links.Key(2, bytes(range(1, 33, 2)) + bytes(range(2, 33, 2)), "heping")
    ring = links.KeyRing([CITY, heping_key])
    with pytest.raises(MaterialsError, match="signs only venues of district 'heping'"):
        links.sign_link(heping_key, BASE, "binhai", "C-001")
    # A leaked heping key forging a binhai venue: the tag is made, but the service checks it as heping's.
    payload = links._payload(2, "C-001", 0)
    import hashlib
    import hmac

    tag = hmac.new(heping_key.secret, links._signed(links.LINK_DOMAIN, "binhai", payload),
                   hashlib.sha256).digest()[:links.TAG_BYTES]
    forged = BASE + links._b32(payload + tag)
    with pytest.raises(links.LinkError, match="does not match"):
        links.verify_link(forged, ring, base=BASE, districts=DISTRICTS)
    own = links.verify_link(links.sign_link(heping_key, BASE, "heping", "C-001"), ring, base=BASE, districts=DISTRICTS)
    assert (own.district, own.key_id) == ("heping", 2)
    assert ring.signing_key().key_id == 1, "the campaign's city-wide key signs by default, not a district's"
    assert links.KeyRing([heping_key]).signing_key(None, "heping") is heping_key
    with pytest.raises(MaterialsError, match="cannot sign venues of 'binhai'"):
        links.KeyRing([heping_key]).signing_key(None, "binhai")


def test_version_1_links_are_refused_with_a_reason() -> None:
    raw = bytes([1, 1, 0, 5]) + b"C-001" + bytes(16)
    with pytest.raises(links.LinkError, match="version-1 link"):
        links.verify_link(BASE + links._b32(raw), links.KeyRing([CITY]), base=BASE, districts=DISTRICTS)


def test_keys_new_district_hands_over_a_key_the_city_verifies(venue_campaign: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["keys", "new", "--district", "滨海新区", "--campaign", str(venue_campaign)])
    assert result.exit_code == 0, result.output
    handed = venue_campaign / ".materials" / "district-keys" / "binhai.key"
    assert "Hand binhai.key to the district office" in result.output
    office = links.read_key_file(handed)
    assert [(k.key_id, k.district) for k in office.keys.values()] == [(2, "binhai")]
    city = links.read_key_file(venue_campaign / "keys" / "venue.key")
    assert city.holds(office.keys[2]) and city.holds(CITY), "the city's key file now knows the district key"
    again = runner.invoke(cli, ["keys", "new", "--district", "binhai", "--campaign", str(venue_campaign)])
    assert again.exit_code == 1 and "refusing to replace" in again.output
    wrong = runner.invoke(cli, ["keys", "new", "--district", "公园区", "--campaign", str(venue_campaign)])
    assert wrong.exit_code == 1 and "和平区 (heping), 滨海新区 (binhai)" in wrong.output

    # The district office signs its own list with its key; the city's verify says which district signed.
    office_list = tmp_path / "binhai.csv"
    office_list.write_text("id,name,district,category,address\nC-001,东疆社区,滨海新区,社区,东疆港区1号\n",
                           encoding="utf-8")
    out = tmp_path / "run"
    result = runner.invoke(cli, ["venues", str(office_list), "--campaign", str(venue_campaign), "--key-file",
                                 str(handed), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    code = (out / "manifest.csv").read_text(encoding="utf-8-sig").splitlines()[1].split(",")[4]
    result = runner.invoke(cli, ["verify", code, "--campaign", str(venue_campaign), "--list", str(office_list)])
    assert result.exit_code == 0, result.output
    assert "genuine code: 东疆社区" in result.output and "signed with key 2, 滨海新区's district key" in result.output

    # The office key cannot sign another district's venues: refused before anything is written.
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("id,name,district,category,address\nC-001,东疆社区,滨海新区,社区,东疆港区1号\n"
                     "C-002,宁夏路社区,和平区,社区,宁夏路1号\n", encoding="utf-8")
    result = runner.invoke(cli, ["venues", str(mixed), "--campaign", str(venue_campaign), "--key-file",
                                 str(handed), "--out", str(tmp_path / "mixed-run")])
    assert result.exit_code == 1 and "cannot sign venues of 'heping'" in result.output, result.output
    assert not (tmp_path / "mixed-run" / "manifest.csv").exists()


def test_venues_refuses_a_key_the_campaign_cannot_verify(venue_campaign: Path, tmp_path: Path) -> None:
    """The issue's first step: a key made with `keys new --out secrets/…` signed posters `verify` called forged."""
    runner = CliRunner()
    stray = tmp_path / "secrets" / "venue.key"
    stray.parent.mkdir()  # outside a campaign, `keys new --out` makes no folder (#17)
    assert runner.invoke(cli, ["keys", "new", "--out", str(stray)]).exit_code == 0
    result = runner.invoke(cli, ["venues", str(venue_campaign / "venues.csv"), "--campaign", str(venue_campaign),
                                 "--key-file", str(stray), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "is not in the campaign's key file keys/venue.key" in result.output
    assert "would call these posters forged" in result.output
    assert not (tmp_path / "out" / "manifest.csv").exists()
