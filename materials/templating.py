"""The Jinja environment every target renders with.

Autoescaping is on and undefined names are errors (`StrictUndefined`): a typo in a template must fail
the build, not print a blank on 10,000 posters. Templates live in the campaign's `templates/` folder when
it has one, else in the repository's.

Context every template gets (documented here, built in one place):
- `campaign`: the `Campaign`; `settings`: its settings;
- `t(mapping, lang)`: a per-language text; `service_link(channel)`: the tagged declaration-service URL;
- `language_name(lang)`: a language's own name; `languages`: the campaign languages, primary first.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from materials.campaign import Campaign
from materials.config import SUPPORTED_LANGUAGES

#: Templates shipped with the tool, used when a campaign folder has none of its own.
BUILTIN = Path(__file__).resolve().parent / "templates"


def template_root(campaign: Campaign) -> Path:
    own = campaign.root / "templates"
    return own if own.is_dir() else BUILTIN


def environment(campaign: Campaign, *subdirs: str) -> jinja2.Environment:
    root = template_root(campaign)
    search = [str(root / sub) for sub in subdirs] or [str(root)]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        campaign=campaign,
        settings=campaign.settings,
        languages=campaign.languages,
        t=campaign.text,
        service_link=campaign.service_link,
        language_name=lambda lang: SUPPORTED_LANGUAGES.get(lang, lang),
    )
    return env
