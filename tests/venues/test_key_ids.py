"""Which id `keys new` gives a key (red team 11 #8): with key 255 in the file, `keys new --district` said
"--key-id 256: choose a number from 0 to 255"; it now takes the lowest free id. And `--add` ("it signs from now
on") wrote a key 0 that never signed while key 255 did: the key added with --add is the one that signs (the
highest city-wide id signs), and an id that would not sign is refused."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from materials.cli import cli
from materials.venues import links


def _keys(campaign: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["keys", "new", "--campaign", str(campaign), *args])
    return result.exit_code, result.output


def _ring(campaign: Path) -> links.KeyRing:
    return links.read_key_file(campaign / "keys" / "venue.key")


def test_with_key_255_in_use_a_district_key_takes_the_lowest_free_id(venue_campaign: Path) -> None:
    assert _keys(venue_campaign, "--add", "--key-id", "255")[0] == 0
    code, output = _keys(venue_campaign, "--district", "heping")
    assert code == 0, output
    assert "wrote key 0 for" in output
    ring = _ring(venue_campaign)
    assert sorted(ring.keys) == [0, 1, 255] and ring.keys[0].district == "heping"
    assert ring.signing_key().key_id == 255, "a district key never takes over the city's signing"


def test_a_key_added_with_add_signs(venue_campaign: Path) -> None:
    key_file = venue_campaign / "keys" / "venue.key"
    code, output = _keys(venue_campaign, "--add", "--key-id", "255")
    assert code == 0 and _ring(venue_campaign).signing_key().key_id == 255
    before = key_file.read_bytes()
    code, output = _keys(venue_campaign, "--add", "--key-id", "0")
    assert code == 1, output
    assert "--key-id 0 is lower than key 255, which signs now" in output
    code, output = _keys(venue_campaign, "--add")
    assert code == 1, output
    # never "--key-id 256" (the id past the last one); the path may hold 256 (pytest-of-root/pytest-256)
    assert "no key added now could sign" in output and "key-id 256" not in output and "key 256" not in output
    assert key_file.read_bytes() == before, "a refused --add leaves the key file as it was"


def test_add_skips_ids_district_keys_hold_and_signs(venue_campaign: Path) -> None:
    """Key 255 is a district's: --add takes the lowest free id above the city's signing key, and it signs."""
    assert _keys(venue_campaign, "--district", "binhai", "--key-id", "255")[0] == 0
    code, output = _keys(venue_campaign, "--add")
    assert code == 0, output
    ring = _ring(venue_campaign)
    assert "wrote key 2 to" in output and ring.signing_key().key_id == 2


def test_when_all_256_ids_are_used_the_message_says_so(venue_campaign: Path) -> None:
    key_file = venue_campaign / "keys" / "venue.key"
    ring = _ring(venue_campaign)
    key_file.unlink()
    links.write_key_file(key_file, [ring.keys[1], *(links.new_key(i) for i in range(256) if i != 1)])
    code, output = _keys(venue_campaign, "--district", "heping")
    assert code == 1, output
    assert "all 256 key ids (0 to 255) are used" in output


def test_add_says_when_venues_key_id_keeps_another_key_signing(venue_campaign: Path) -> None:
    text = (venue_campaign / "campaign.toml").read_text(encoding="utf-8")
    (venue_campaign / "campaign.toml").write_text(text.replace("[venues]\n", "[venues]\nkey_id = 1\n", 1),
                                                  encoding="utf-8")
    code, output = _keys(venue_campaign, "--add")
    assert code == 0, output
    assert "venues.key_id = 1, so key 1 keeps signing; set it to 2" in output
