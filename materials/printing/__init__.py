"""Print target: posters, tips signs, the FAQ booklet, screen and WeChat images.

Registers the output kind `print` (the shape of materials/targets.py). Its methods import the renderer
lazily, so the CLI and the settings schema load without WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from materials import targets
from materials.printing.settings import PrintSettings

if TYPE_CHECKING:
    from materials.campaign import Campaign
    from materials.errors import Problem
    from materials.printing.target import PrintPlan


class PrintTarget:
    name = "print"
    table = "print"
    settings = PrintSettings
    summary = "Print target: posters, tips signs, booklet, screen and WeChat images."
    depends_on: tuple[str, ...] = ()
    #: Publicity channels its links are tagged with, and the file of its output folder only this tool writes.
    channels: tuple[str, ...] = ("poster", "tip", "booklet", "billboard", "screen", "wechat")
    evidence = "manifest.json"
    #: Campaign folders it reads its sources from.
    sources: tuple[str, ...] = ("posters", "tips")
    #: Campaign folders of published Markdown, with the kind of text each holds (the content rules and the
    #: sources fingerprint read them).
    texts: tuple[tuple[str, str], ...] = (("posters", "poster"), ("tips", "tip"))
    lays_out = True  # validation lays every changed page out: validated after the cheap kinds

    def preload(self) -> None:
        """Import the rendering libraries now (a process that builds again and again pays for them once)."""
        from materials.printing.worker import preload

        preload()

    def validate(self, campaign: Campaign) -> PrintPlan:
        """Read posters/ and tips/ and lay out every page once, proving the words fit their boxes."""
        from materials.printing import target

        return target.validate(campaign)

    def render(self, plan: PrintPlan, dest: Path, built: Mapping[str, Path]) -> None:
        """Write every print material into `dest`."""
        from materials.printing import target

        target.render(plan, dest, built)

    def verify(self, campaign: Campaign, dest: Path) -> list[Problem]:
        """Check a rendered print folder: QR codes read back, page counts, boxes, fonts, safe area."""
        from materials.printing import target

        return target.verify(campaign, dest)


TARGET = targets.register(PrintTarget())


#: validate(campaign) -> problems, render(campaign, dest, built=None), verify(campaign, dest): for tests and
#: benchmarks; `materials build` calls the target itself and passes the plan from validate to render.
validate, render, verify = targets.shortcuts("print")
