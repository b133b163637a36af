"""Properties that must hold for every input, not only the examples the other tests chose (Hypothesis):
venue links round-trip and refuse any tampering, venue lists decode the same in every encoding staff
save them in, spreadsheet cells are formula-safe, and the Markdown sanitiser lets no script through."""

from __future__ import annotations

import csv
import io
import secrets
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from materials import markdown, printorder
from materials.campaign import load
from materials.venues import links, outputs
from materials.venues.reading import read_list

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KEYS = [links.Key(1, secrets.token_bytes(32)), links.Key(7, secrets.token_bytes(32))]
RING = links.KeyRing(KEYS)
#: Every district of the campaigns these tests sign for (a city-wide key may sign any of them).
DISTRICTS = ["heping", "hedong", "hexi", "nankai", "hebei", "hongqiao", "dongli", "xiqing", "jinnan", "beichen",
             "wuqing", "baodi", "binhai", "ninghe", "jinghai", "jizhou"]
BASE = links.link_base("declare.health-code.example", "V")
venue_ids = st.from_regex(r"\A[A-Za-z0-9]{1,8}(?:-[A-Za-z0-9]{1,8}){0,2}\Z")


@given(venue=venue_ids, reprint=st.integers(0, 255), key=st.sampled_from(KEYS))
def test_a_signed_link_verifies_to_its_venue(venue: str, reprint: int, key: links.Key) -> None:
    link = links.sign_link(key, BASE, "heping", venue, reprint)
    assert link == link.upper() or venue != venue.upper()  # only the id may carry lower case
    found = links.verify_link(link, RING, base=BASE, districts=DISTRICTS)
    assert found == links.Venue(venue, key.key_id, reprint, "heping")


@given(venue=venue_ids, reprint=st.integers(0, 255), position=st.integers(0, 200), data=st.data())
def test_any_changed_character_of_the_token_is_refused(venue: str, reprint: int, position: int,
                                                       data: st.DataObject) -> None:
    link = links.sign_link(KEYS[0], BASE, "heping", venue, reprint)
    index = len(BASE) + position % (len(link) - len(BASE))
    other = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").filter(lambda c: c != link[index]))
    forged = link[:index] + other + link[index + 1:]
    with pytest.raises(links.LinkError):
        links.verify_link(forged, RING, base=BASE, districts=DISTRICTS)


# Names as district staff type them: Chinese and Latin letters, digits, inner spaces and punctuation that
# Excel and GBK both carry. Text that is mostly GBK punctuation ("A··") is refused in GB18030 with a clear
# message (the encoding cannot be told apart from a mis-saved file), so the middle dot is left out here.
name_text = st.text(alphabet="健康码社区企业机场码头火车站公路客运工业园区商务楼宇和平路号街道ABCabcxyz0123456789 -()",
                    min_size=1, max_size=16).map(lambda s: " ".join(s.split())).filter(
                        lambda s: any(c.isalpha() for c in s))


@pytest.fixture(scope="module")
def mini_settings() -> object:
    return load(FIXTURES / "mini").settings


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(name_text, min_size=1, max_size=5), encoding=st.sampled_from(["utf-8", "utf-8-sig",
                                                                                    "gb18030"]))
def test_a_venue_list_decodes_the_same_in_every_encoding(names: list[str], encoding: str, mini_settings: object,
                                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "name", "district", "category", "address"])
    for number, name in enumerate(names):
        writer.writerow([f"V-{number}", name, "heping", "community", f"{name} 1号"])
    path = tmp_path_factory.mktemp("lists") / "venues.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    listing = read_list(path, mini_settings)
    assert listing.problems == []
    assert [v.name for v in listing.venues] == names
    assert [v.address for v in listing.venues] == [f"{name} 1号" for name in names]


@given(st.text(max_size=40))
def test_every_cell_written_is_formula_safe(text: str) -> None:
    cell = outputs.safe_cell(text)
    assert not cell.startswith(outputs.FORMULA_START)
    assert cell == text or cell == "'" + text  # only ever a leading quote, the value itself unchanged
    # Two values are never one cell (red team 5: `=1+1` and `'=1+1` were both written `'=1+1`).
    assert printorder.unsafe_cell(cell) == text
    (row,) = list(csv.reader(io.StringIO(outputs.csv_bytes(["a"], [[text]]).decode("utf-8-sig"))))[1:]
    assert not row[0].startswith(outputs.FORMULA_START)


HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>', "<iframe src=//evil.example></iframe>", '<svg onload="alert(1)">',
    '<a href="JaVaScRiPt:alert(1)">x</a>', "<style>body{}</style>", '<div style="background:url(x)">',
    "<object data=x>", "[x](data:text/html,<script>alert(1)</script>)", "<form action=x><input></form>",
]
pieces = st.one_of(st.sampled_from(HOSTILE), st.text(alphabet="ab <>=\"'/:()[]*_`#\n", max_size=12))


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@given(st.lists(pieces, max_size=8))
def test_the_sanitiser_lets_no_script_through(parts: list[str]) -> None:
    source = " ".join(parts)
    assume(source.strip())
    html = markdown.render(source, facts={}, service_href="https://declare.health-code.example/apply",
                           faq_href=lambda ident: f"#{ident}")
    parser = Elements()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag in markdown.ALLOWED_TAGS, (tag, source)
        for name, value in attrs:
            assert not name.startswith("on") and name != "style", (tag, name, source)
            if name in ("href", "src"):
                scheme = urlsplit(value or "").scheme.lower()
                assert scheme in ("", "http", "https", "mailto", "tel"), (value, source)
