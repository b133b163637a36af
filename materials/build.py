"""The whole pipeline in one function.

load campaign -> validate everything -> render each target into a staged folder -> verify -> swap into
place. Every target is validated before anything is rendered and every staged folder is verified before
any is moved into `out/`, so a failed build leaves the previous output untouched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from materials import content, facts, guarded, keys, safefile, targets
from materials import log as warnings_log
from materials.campaign import Campaign, load
from materials.errors import CampaignError, MaterialsError, Problem, VerificationError
from materials.guarded import strict_failure, warn_placeholders
from materials.i18n import _
from materials.output import links_inside
from materials.targets import Plan
from materials.templating import check_templates, template_errors

log = logging.getLogger(__name__)

#: Names the command in the ownership marker of its output folder (materials/output.py).
MADE_BY = guarded.BUILD


@dataclass
class BuildResult:
    outputs: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Per output kind: validation (print's layout) + rendering + verification, in seconds.
    seconds: dict[str, float] = field(default_factory=dict)
    #: The whole build, from loading the campaign to the last folder swapped in.
    total_seconds: float = 0.0

    def summary(self) -> list[str]:
        """One line per output folder (its files by kind, its time) and one for the whole build."""
        lines = []
        for name, folder in self.outputs.items():
            kinds: dict[str, int] = {}
            for path in folder.rglob("*"):
                if path.is_file():
                    parts = path.relative_to(folder).parts
                    kind = parts[0] if len(parts) > 1 else path.suffix.lstrip(".") or path.name
                    kinds[kind] = kinds.get(kind, 0) + 1
            listed = _(", ").join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
            lines.append(_("{name}: {count} files ({kinds}) in {seconds:.1f} s: {folder}").format(
                name=name, count=sum(kinds.values()), kinds=listed, seconds=self.seconds.get(name, 0), folder=folder))
        built, seconds, warnings = ", ".join(self.outputs), self.total_seconds, len(self.warnings)
        if not built:
            lines.append(_("built nothing in {seconds:.1f} s").format(seconds=seconds))
        elif warnings:
            lines.append(_("built {outputs} in {seconds:.1f} s, {count} warning(s)").format(
                outputs=built, seconds=seconds, count=warnings))
        else:
            lines.append(_("built {outputs} in {seconds:.1f} s, no warnings").format(outputs=built, seconds=seconds))
        return lines


def parse_only(only: str | Iterable[str] | None) -> list[str]:
    """The output kinds to build, in render order (dependencies first)."""
    known = list(targets.registered())
    if only is None:
        return known
    names = [n.strip() for n in (only.split(",") if isinstance(only, str) else only) if n.strip()]
    unknown = [n for n in names if n not in known]
    if not names:
        raise MaterialsError(_("--only (empty): choose from {known}").format(known=", ".join(known)))
    if unknown:
        raise MaterialsError(_("--only {value}: choose from {known}").format(value=",".join(unknown),
                                                                             known=", ".join(known)))
    return [n for n in known if n in names]


def validate(campaign: Campaign, names: list[str], cleanup: contextlib.ExitStack,
             seconds: dict[str, float] | None = None, found: Iterable[Problem] = ()) -> dict[str, Plan]:
    """Every output kind's plan, or one `CampaignError` with every kind's problems (after `found`, the content
    rules' problems). `cleanup` closes the plans when the build is over, rendered or not."""
    plans: dict[str, Plan] = {}
    problems: list[Problem] = [*found, *check_templates(campaign)]
    # Content and settings rules first: kinds whose validation lays pages out come last, and only when the
    # others found nothing (fail fast; the next run lays out what changed, see printing/incremental.py).
    costly = [n for n in names if getattr(targets.get(n), "lays_out", False)]
    for name in [n for n in names if n not in costly] + costly:
        if name in costly and problems:
            break
        started = time.perf_counter()
        with template_errors():
            plan = plans[name] = targets.get(name).validate(campaign)
        if seconds is not None:
            seconds[name] = time.perf_counter() - started
        cleanup.callback(plan.close)
        problems += plan.problems
    if problems:
        raise CampaignError(problems, _("campaign {root} has problems").format(root=campaign.root))
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
    begun = time.perf_counter()
    with warnings_log.counting() as counter:  # from the first line, so --strict counts every warning
        campaign = load(campaign_dir)
        # The content rules run here, not when the campaign loads; they note the facts reported next.
        found = content.check(campaign)
        facts.report(campaign, each=each_fact)
        out_dir = Path(out) if out is not None else campaign.root / "output"
        with guarded.Run(out_dir, MADE_BY, campaign.root, keys=guarded.campaign_keys(campaign),
                         protected=guarded.sources_read(campaign), default=out is None, strict=strict,
                         counter=counter) as run, contextlib.ExitStack() as plans_open:
            with run.checking():
                warn_placeholders(campaign)
                strict_failure(strict, counter.messages)  # warnings known at start-up: fail before any layout
                validated: dict[str, float] = {}
                plans = validate(campaign, names, plans_open, validated, found)
            with run.writing(), run.staging() as stages:
                result = BuildResult()
                built = {n: out_dir / n for n in targets.registered() if (out_dir / n).is_dir()}
                for name in names:  # render -> verify, each target into a staged folder
                    target, stage, started = targets.get(name), stages.make(name), time.perf_counter()
                    target.render(plans[name], stage, built)
                    problems = target.verify(campaign, stage)
                    if problems:
                        raise VerificationError(problems, _("{name} output failed verification; nothing was "
                                                            "replaced").format(name=name))
                    written = time.perf_counter() - started
                    result.seconds[name] = validated.get(name, 0.0) + written
                    log.info(_("%s: validated in %.1f s, written and verified in %.1f s: %.1f s in all"), name,
                             validated.get(name, 0.0), written, result.seconds[name])
                    built[name] = stage
                strict_failure(strict, counter.messages)
                result.outputs = stages.swap_in()  # write: the staged folders replace out/print, out/venues...
        result.warnings = list(counter.messages)
        result.total_seconds = time.perf_counter() - begun
        return result


def check(campaign_dir: Path | str = ".", output: Path | str | None = None, strict: bool = False) -> Campaign:
    """Validate a campaign (and, with `output`, verify an existing output folder) without writing."""
    counter = warnings_log.watch_warnings()
    try:
        campaign = load(campaign_dir)
        content_problems = content.check(campaign)
        facts.report(campaign, each=True)
        warn_placeholders(campaign)
        strict_failure(strict, counter.messages)
        kinds = targets.registered()
        with contextlib.ExitStack() as cleanup:
            validate(campaign, list(kinds), cleanup, found=content_problems)
        if output is not None:
            out_dir = Path(output)
            if not out_dir.is_dir():
                raise MaterialsError(_("--output {out_dir} is not a folder").format(out_dir=out_dir))
            problems: list[Problem] = []
            found = [n for n in kinds if (out_dir / n).is_dir()]
            if not found:
                raise MaterialsError(_("--output {out_dir} holds no {kinds} folder to verify").format(
                    out_dir=out_dir, kinds=', '.join(kinds)))
            # The scan a build runs before publishing (`guarded.Stages.swap_in`): a folder holding key material
            # fails verification, whatever else it holds.
            keys.remember(key for key, _option in guarded.campaign_keys(campaign))
            for name in found:
                problems += [Problem(str(out_dir / name / path.relative_to(out_dir / name)), None, None,
                                     _("holds {what}, which no output may publish (a build refuses it); remove the "
                                       "file, find the campaign file it came from and remove the key from it, "
                                       "then make a new key (`materials keys new`) and reprint the venue "
                                       "posters").format(what=what))
                             for path, what in keys.published_key_material(out_dir / name)]
                # A link in a published folder serves what it points to (the key file, any file of the machine);
                # a build never makes one and a run refuses one (`output.refuse_links_inside`).
                problems += [Problem(str(link), None, None, _(
                    "is a symbolic link (to {target}); an output folder holds no links: a web server or print "
                    "shop would get the file it points to, and a run refuses the folder. Remove the link (its "
                    "target stays as it is) and build again").format(target=os.readlink(link)))
                             for link in links_inside(out_dir / name)]
                # A FIFO, device or socket is never opened (a FIFO blocked this check); it is named.
                problems += [Problem(str(path), None, None, _(
                    "is not a regular file ({kind}), which is never opened: an output folder holds only files and "
                    "folders; remove it and build again").format(kind=kind))
                             for path, kind in safefile.irregular_inside(out_dir / name)]
                problems += kinds[name].verify(campaign, out_dir / name)
            if problems:
                raise VerificationError(problems, _("{out_dir} failed verification").format(out_dir=out_dir))
        strict_failure(strict, counter.messages)
        return campaign
    finally:
        warnings_log.unwatch(counter)
