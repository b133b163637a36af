"""Print target: posters, tips signs, the FAQ booklet, screen and WeChat images.

`validate`, `render` and `verify` are the target interface of docs/INTERFACES.md (implemented in
target.py). They import lazily: `materials.config` imports this package's settings while the campaign
module is still loading, and the CLI must start without loading the renderer.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.errors import Problem


def validate(campaign: Campaign) -> list[Problem]:
    """Problems of the poster and tip sources, including words that do not fit their box."""
    from materials.printing import target

    return target.validate(campaign)


def render(campaign: Campaign, dest: Path, built: dict[str, Path]) -> None:
    """Write every print material into `dest`."""
    from materials.printing import target

    target.render(campaign, dest, built)


def verify(campaign: Campaign, dest: Path) -> list[Problem]:
    """Check a rendered print folder: QR codes read back, page counts, boxes, fonts, safe area."""
    from materials.printing import target

    return target.verify(campaign, dest)
