"""The print run as batches of pages: read the sources, plan every item, add the booklet and the
channels' pages (screens, WeChat covers, billboards).

Both sides of the print target use it: `target.py` lays the batches out, `checks.py` re-plans them to
check a written folder against that intent. Nothing here renders.
"""

from __future__ import annotations

from materials.campaign import Campaign
from materials.errors import Problem
from materials.printing import booklet, channels, sources
from materials.printing.planner import Batch, Planner

#: Stands for the @font-face rules until the fonts are subset (they depend on every page's characters).
FONT_CSS_TOKEN = "/*@@FONT-CSS@@*/"  # noqa: S105 - a placeholder, not a secret


def plan_batches(campaign: Campaign, font_css: str = "") -> tuple[Planner, list[Batch], list[Problem]]:
    """Every batch of the print run; problems if the sources are bad (nothing is laid out here)."""
    materials, problems = sources.load(campaign)
    planner = Planner(campaign, materials, font_css)
    if problems:
        return planner, [], problems
    batches = planner.plan() + booklet.batches(planner)
    more, problems = channels.batches(planner)
    return planner, batches + more, problems
