"""Fixtures of the venue tests: a small campaign with a signing key and lists made to measure."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from materials.venues import links

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini"

VENUES_TABLE = """
[venues]
list = "venues.csv"
key_file = "keys/venue.key"
size = "A4"

[venues.allotment]
community = { "poster A3" = 2, "tips sign A4" = 1 }
dock = { "poster A2" = 3 }
"""

HEADER = "id,name,district,category,address,name_en,address_en,reprint\n"
#: Realistic pieces of Tianjin venue names, combined at random for lists of any length.
STREETS = ["南京路", "卫津路", "黄河道", "友谊路", "解放北路", "大沽南路", "复康路", "红旗路", "中山路", "津塘公路",
           "海河东路", "西康路", "鞍山道", "成都道", "睦南道", "营口道", "滨江道", "鼓楼东街", "芥园道", "水上公园路"]
KINDS = [("社区", "community", "Community"), ("企业", "enterprise", "Company"), ("码头", "dock", "Terminal"),
         ("商务楼宇", "commercial-building", "Tower"), ("工业园区", "industrial-park", "Industrial Park")]


@pytest.fixture
def venue_campaign(mini_campaign: Path) -> Path:
    """The mini campaign with a [venues] table, a key in keys/venue.key and a four-venue list."""
    with (mini_campaign / "campaign.toml").open("a", encoding="utf-8") as handle:
        handle.write(VENUES_TABLE)
    links.write_key_file(mini_campaign / "keys" / "venue.key",
                         [links.Key(1, bytes(range(0, 32, 2)) + bytes(range(1, 32, 2)))])
    (mini_campaign / "venues.csv").write_text(make_list(4), encoding="utf-8")
    return mini_campaign


def make_list(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    rows = [HEADER]
    for number in range(1, count + 1):
        street = rng.choice(STREETS)
        zh, key, en = rng.choice(KINDS)
        district, prefix = rng.choice([("和平区", "HP"), ("滨海新区", "BH")])
        name = f"{street}{rng.randint(1, 300)}号{zh}"
        name_en = f"{number} {en}" if number % 3 else ""
        rows.append(f"{prefix}-{number:05d},{name},{district},{key},{district}{street}{rng.randint(1, 999)}号,"
                    f"{name_en},,0\n")
    return "".join(rows)


@pytest.fixture
def venue_rows() -> Callable[..., str]:
    """`venue_rows(count, seed=7)`: a CSV list of realistic venues in the mini campaign's two districts."""
    return make_list


@pytest.fixture
def write_list(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def fixture_file(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(FIXTURES / name, target)
        return target

    return copy
