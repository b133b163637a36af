"""The content rules across every published text: facts (`{{ name }}` and the local facts a text may state,
materials/facts.py), the notice the campaign serves (materials/notice.py) and the glossary
(materials/glossary.py), over the texts of materials/texts.py.

They run in the pipeline's validation (`materials build` and `materials check`, materials/build.py) and
before the commands that publish words without the pipeline (`materials serve`'s rebuild, `materials venues`,
`materials proof`); never in `campaign.load()`, which reads the campaign's own files and checks them against
each other only, so loading stays below every rule that reads the texts.
"""

from __future__ import annotations

from materials import facts, glossary, notice, texts
from materials.campaign import Campaign
from materials.errors import CampaignError, Problem
from materials.i18n import _


def check(campaign: Campaign) -> list[Problem]:
    """Facts and glossary across every published text (materials/facts.py, materials/glossary.py)."""
    problems: list[Problem] = []
    every = texts.collect(campaign, problems)
    problems += facts.check(campaign, every)
    problems += notice.check(notice.load(campaign, problems), every, campaign.settings.issued)
    problems += notice.check_settings(campaign)
    if campaign.settings.glossary:
        found, glossary_problems = glossary.load(campaign.root / campaign.settings.glossary,
                                                 campaign.settings.glossary, campaign.languages)
        problems += glossary_problems
        if found is not None:
            problems += glossary.check(found, every)
    return problems


def require(campaign: Campaign) -> None:
    """Raise one `CampaignError` listing every content problem (for the commands outside the pipeline)."""
    problems = check(campaign)
    if problems:
        raise CampaignError(problems, _("campaign {root} has problems").format(root=campaign.root))
