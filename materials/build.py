"""The whole pipeline in one function.

load campaign -> validate everything -> render each target into a staged folder -> verify -> swap into
place. Every target is validated before anything is rendered and every staged folder is verified before
any is moved into `out/`, so a failed build leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from materials import facts, guarded, targets
from materials import log as warnings_log
from materials.campaign import Campaign, load
from materials.errors import CampaignError, MaterialsError, Problem, VerificationError
from materials.guarded import strict_failure, warn_placeholders
from materials.targets import Plan
from materials.templating import check_templates, template_errors

log = logging.getLogger(__name__)

#: Names the command in the ownership marker of its output folder (materials/output.py).
MADE_BY = guarded.BUILD


@dataclass
class BuildResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """The output kinds to build, in render order (dependencies first)."""
    known = list(targets.registry())
    if only is None:
        return known
    names = [n.strip() for n in (only.split(",") if isinstance(only, str) else only) if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise MaterialsError(f"--only {','.join(unknown) or '(empty)'}: choose from {', '.join(known)}")
    return [n for n in known if n in names]


def validate(campaign: Campaign, names: list[str], cleanup: contextlib.ExitStack) -> dict[str, Plan]:
    """Every output kind's plan, or one `CampaignError` with every kind's problems. `cleanup` closes
    the plans when the build is over, rendered or not."""
    plans: dict[str, Plan] = {}
    problems: list[Problem] = check_templates(campaign)
    for name in names:
        with template_errors():
            plan = plans[name] = targets.get(name).validate(campaign)
        cleanup.callback(plan.close)
        problems += plan.problems
    if problems:
        raise CampaignError(problems, f"campaign {campaign.root} has problems")
    return plans


def build(
    campaign_dir: Path | str = ".",
    out: Path | str | None = None,
    only: str | Iterable[str] | None = None,
    strict: bool = False,
    *,
    each_fact: bool = True,
) -> BuildResult:
    """Build the campaign's outputs into `out` (default `<campaign>/output`). `each_fact`: list every fact
    warning (else one summary line, as `materials serve` shows)."""
    names = parse_only(only)
    with warnings_log.counting() as counter:  # from the first line, so --strict counts every warning
        campaign = load(campaign_dir)
        facts.report(campaign, each=each_fact)
        out_dir = Path(out) if out is not None else campaign.root / "output"
        with guarded.Run(out_dir, MADE_BY, campaign.root, keys=guarded.campaign_keys(campaign),
                         protected=guarded.sources_read(campaign), default=out is None, strict=strict,
                         counter=counter) as run, contextlib.ExitStack() as plans_open:
            with run.checking():
                warn_placeholders(campaign)
                plans = validate(campaign, names, plans_open)
            with run.writing(), run.staging() as stages:
                result = BuildResult()
                built = {n: out_dir / n for n in targets.registry() if (out_dir / n).is_dir()}
                for name in names:  # render -> verify, each target into a staged folder
                    target, stage, started = targets.get(name), stages.make(name), time.perf_counter()
                    target.render(plans[name], stage, built)
                    problems = target.verify(campaign, stage)
                    if problems:
                        raise VerificationError(problems, f"{name} output failed verification; nothing was replaced")
                    result.seconds[name] = time.perf_counter() - started
                    log.info("%s: rendered and verified in %.1f s", name, result.seconds[name])
                    built[name] = stage
                strict_failure(strict, counter.messages)
                result.outputs = stages.swap_in()  # write: the staged folders replace out/print, out/venues...
        result.warnings = list(counter.messages)
        return result


def check(campaign_dir: Path | str = ".", output: Path | str | None = None, strict: bool = False) -> Campaign:
    """Validate a campaign (and, with `output`, verify an existing output folder) without writing."""
    counter = warnings_log.watch_warnings()
    try:
        campaign = load(campaign_dir)
        facts.report(campaign, each=True)
        warn_placeholders(campaign)
        kinds = targets.registry()
        with contextlib.ExitStack() as cleanup:
            validate(campaign, list(kinds), cleanup)
        if output is not None:
            out_dir = Path(output)
            if not out_dir.is_dir():
                raise MaterialsError(f"--output {out_dir} is not a folder")
            problems: list[Problem] = []
            found = [n for n in kinds if (out_dir / n).is_dir()]
            if not found:
                raise MaterialsError(f"--output {out_dir} holds no {', '.join(kinds)} folder to verify")
            for name in found:
                problems += kinds[name].verify(campaign, out_dir / name)
            if problems:
                raise VerificationError(problems, f"{out_dir} failed verification")
        strict_failure(strict, counter.messages)
        return campaign
    finally:
        warnings_log.unwatch(counter)
