"""One address rule for every setting that holds a host: service.url, [venues] link_host, [site] base_url
and fact sources. Plain ASCII (a non-ASCII host is refused with its xn-- form shown), no user name or
password, and a reserved name (.example, .test, .invalid, .localhost, localhost) is a placeholder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from materials import schema
from materials.build import check
from materials.errors import MaterialsError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVICE = 'url = "https://declare.health-code.example/apply"'


@pytest.mark.parametrize(("host", "fragment"), [
    ("dеclare.gov.cn", "xn--dclare-3of.gov.cn"),  # Cyrillic е
    ("һc.tj.gov.cn", "U+04BB CYRILLIC SMALL LETTER SHHA"),
    ("hc.tj.gov.cn\u202e", "RIGHT-TO-LEFT OVERRIDE"),
    ("hc\u200b.tj.gov.cn", "ZERO WIDTH SPACE"),
    ("hc.tj.gov.cn\x00", "U+0000"),
    ("hc_tj.gov.cn", "label 'hc_tj'"),
    ("-hc.gov.cn", "label '-hc'"),
    ("hc..gov.cn", "label ''"),
    ("hc", "not a full host name"),
    ("xn--zz.gov.cn", "not a valid IDNA"),
    ("a" * 64 + ".gov.cn", "label 'aaaa"),
    ("a." * 130 + "cn", "253 characters"),
    ("127.0.0.1", "is an IP address"),
    ("10.0.0.1", "is an IP address"),
    ("0x7f.1", "is an IP address"),
    ("2130706433", "is an IP address"),
    ("hc.0X7F", "is an IP address"),
])
def test_bad_hosts_are_refused_with_a_reason(host: str, fragment: str) -> None:
    with pytest.raises(ValueError) as refused:
        schema.check_host(host)
    assert fragment in str(refused.value)


@pytest.mark.parametrize("host", ["hc.tj.gov.cn", "HC.TJ.GOV.CN", "xn--dclare-3of.gov.cn", "a-b--c.example"])
def test_good_hosts_pass(host: str) -> None:
    assert schema.check_host(host) == host.lower()


@pytest.mark.parametrize("host", ["hc.tianjin.example", "a.test", "x.invalid", "my.localhost", "localhost",
                                  "LOCALHOST.", "example.com", "svc.local", "hc.internal", "router.lan",
                                  "nas.home.arpa", "hc.corp", "hcdeclare2x7q.onion", "HC.ONION.", "hc.alt",
                                  "1.0.0.10.in-addr.arpa"])
def test_reserved_names_are_placeholders(host: str) -> None:
    assert schema.is_placeholder_name(host)
    assert not schema.is_placeholder_name("hc.tj.gov.cn")


def _campaign(tmp_path: Path, service: str, extra: str = "") -> Path:
    root = tmp_path / "campaign"
    shutil.copytree(FIXTURES / "mini", root)
    settings = root / "campaign.toml"
    text = settings.read_text(encoding="utf-8").replace(SERVICE, f'url = "{service}"') + extra
    settings.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(("service", "extra", "fragment"), [
    ("https://dеclare.gov.cn/apply", "", "service.url"),
    ("https://u:p@declare.gov.cn/apply", "", "service.url"),
    ("https://declare.gov.cn:99999/apply", "", "service.url"),
    ("https://declare.gov.cn/apply", '\n[venues]\nlink_host = "hc.tj.gоv.cn"\n', "venues.link_host"),
    ("https://declare.gov.cn/apply", '\n[site]\nbase_url = "https://x:y@tj.gov.cn/"\n', "site.base_url"),
    ("https://declare.gov.cn/apply", '\n[site]\nbase_url = "https://tj.gоv.cn/"\n', "site.base_url"),
])
def test_every_host_setting_is_checked_when_loaded(tmp_path: Path, service: str, extra: str,
                                                   fragment: str) -> None:
    with pytest.raises(MaterialsError) as refused:
        check(_campaign(tmp_path, service, extra))
    assert "campaign.toml" in str(refused.value.message) and fragment in str(refused.value.message)


def test_fact_source_link_is_checked(tmp_path: Path) -> None:
    root = _campaign(tmp_path, "https://declare.gov.cn/apply")
    settings = root / "campaign.toml"
    text = settings.read_text(encoding="utf-8")
    assert 'link = "https://notice.example/1"' in text
    settings.write_text(text.replace('link = "https://notice.example/1"', 'link = "https://notice.gоv.cn/1"'),
                        encoding="utf-8")
    with pytest.raises(MaterialsError, match="CYRILLIC"):
        check(root)


@pytest.mark.parametrize("extra", ['\n[venues]\nlink_host = "hc.tianjin.example"\n',
                                   '\n[venues]\nlink_host = "venues.test"\n'])
def test_placeholder_link_host_fails_strict(tmp_path: Path, extra: str) -> None:
    root = _campaign(tmp_path, "https://declare.gov.cn/apply",
                     extra + '\n[site]\nbase_url = "https://hc.tj.gov.cn/"\n')
    check(root)  # a warning only
    with pytest.raises(MaterialsError, match="--strict"):
        check(root, strict=True)


@pytest.mark.parametrize("url", ["https://hz.gov.cn/a b", "https://hz.gov.cn/apply\u00a0", "https://hz.gov.cn/\tx",
                                 "https://hz.gov.cn/a\u200bb"])
def test_spaces_and_invisible_characters_in_an_address_are_refused(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        schema.check_https_url(url)
    assert "no spaces or invisible characters" in str(refused.value)
    assert schema.check_https_url("https://hz.gov.cn/a%20b") == "https://hz.gov.cn/a%20b"


def test_the_longest_address_fits_a_qr_code_at_level_h_with_its_channel_tag() -> None:
    """Red team 11, #6: a 5,000-character service.url passed and `check` died in segno (DataOverflowError). The
    longest address the rule lets through, tagged with a channel, is a QR code at the highest level; one byte
    more is refused by the rule, and a link no code holds is a MaterialsError where codes are made."""
    from materials import qr

    longest = "https://hz.gov.cn/" + "a" * (schema.MAX_URL_BYTES - len("https://hz.gov.cn/"))
    assert schema.check_https_url(longest) == longest
    assert qr.make(longest + "?channel=billboard-screen", "H").version <= 40
    with pytest.raises(ValueError, match="is 1,001 bytes long; an address may be printed as a QR code"):
        schema.check_https_url(longest + "a")
    with pytest.raises(ValueError, match="is 1,002 bytes long"):
        schema.check_https_url(longest[:-1] + "中")  # bytes of UTF-8, as the code holds them
    with pytest.raises(MaterialsError, match="does not fit a QR code at error-correction level H"):
        qr.make(longest * 2, "H")
