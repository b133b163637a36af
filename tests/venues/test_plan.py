"""The build reads and checks the venue list once: `validate` returns a plan that carries the rows to `render`."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from materials.build import build
from materials.campaign import load
from materials.venues import TARGET
from materials.venues.target import VenuesPlan


def test_the_plan_carries_the_checked_rows(venue_campaign: Path) -> None:
    with TARGET.validate(load(venue_campaign)) as plan:
        assert isinstance(plan, VenuesPlan) and plan.problems == []
        assert plan.listing is not None
        assert [v.row for v in plan.listing.venues] == [2, 3, 4, 5]


def test_a_build_reads_the_list_once(venue_campaign: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # A column posters do not print is noted each time the list is read: once per build.
    listing = venue_campaign / "venues.csv"
    lines = listing.read_text(encoding="utf-8").splitlines()
    listing.write_text("\n".join([lines[0] + ",联系人", *(line + ",王先生" for line in lines[1:])]) + "\n",
                       encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="materials"):
        result = build(venue_campaign, tmp_path / "out", only="venues")
    assert (result.outputs["venues"] / "manifest.csv").is_file()
    notes = [r.getMessage() for r in caplog.records if "are not printed on posters" in r.getMessage()]
    assert len(notes) == 1, notes
