"""Fixture campaigns for the print target: the mini campaign plus one poster, one sign and the staff guide,
with small sizes so a full render takes a few seconds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures"

#: Keeps the fixture build small: one size per kind, small screen images.
PRINT_TABLE = """
[print]
poster_sizes = ["A4", "billboard"]
tip_sizes = ["A5"]
booklet_sizes = ["A5"]
wechat_cover = [900, 383]
screens = { small = { width_px = 640, height_px = 360, diagonal_in = 20, viewing_distance_m = 1.5 } }
"""


def make_print_campaign(target: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", target)
    shutil.copytree(HERE / "sources" / "posters", target / "posters")
    shutil.copytree(HERE / "sources" / "tips", target / "tips")
    toml = target / "campaign.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + PRINT_TABLE, encoding="utf-8")
    return target


@pytest.fixture
def print_campaign(tmp_path: Path) -> Path:
    """A writable print fixture campaign (tests break it)."""
    return make_print_campaign(tmp_path / "campaign")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """(campaign, print folder) rendered once per test session (read-only: tests that spoil files copy it)."""
    import os

    from materials import printing
    from materials.campaign import load

    os.environ["SOURCE_DATE_EPOCH"] = "1583798400"
    root = make_print_campaign(tmp_path_factory.mktemp("print") / "campaign")
    campaign = load(root)
    problems = printing.validate(campaign)
    assert problems == []
    dest = root / "output" / "print"
    printing.render(campaign, dest, {})
    return campaign, dest


@pytest.fixture(scope="module")
def cold_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The print fixture campaign after one cold print build, made once per module (and test worker): (the
    campaign, with the print cache that build filled, and the build's folder). Most tests of
    test_incremental.py start from it."""
    from materials.build import build
    from materials.printing import incremental

    base = tmp_path_factory.mktemp("incremental")
    campaign = make_print_campaign(base / "campaign")
    with pytest.MonkeyPatch.context() as patch:  # as the autouse fixture sets it for each test
        patch.setenv("SOURCE_DATE_EPOCH", "1583798400")
        assert not (campaign / incremental.CACHE).exists()
        build(campaign, base / "first", only="print")
    return campaign, base / "first"


@pytest.fixture
def built(cold_build: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """This test's own copy of `cold_build`: (campaign with its print cache, the first build's print folder). A
    copied campaign's cache serves it as the original's (its records name files, not folders)."""
    campaign, first = cold_build
    shutil.copytree(campaign, tmp_path / "campaign", symlinks=True)
    shutil.copytree(first, tmp_path / "first", symlinks=True)
    return tmp_path / "campaign", tmp_path / "first" / "print"
