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

import contextlib
import traceback
from collections.abc import Iterator
from pathlib import Path

import jinja2

from materials.campaign import Campaign
from materials.config import SUPPORTED_LANGUAGES
from materials.errors import TemplateProblem

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


def describe_template_error(error: jinja2.TemplateError) -> str:
    """`templates/web/home.html line 12: unexpected '}'`: the file and line of a template's mistake."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = error.filename or error.name or "a template"
        return f"template {where} line {error.lineno}: {error.message}; fix the template"
    if isinstance(error, jinja2.TemplateNotFound):
        names = getattr(error, "templates", None) or [error.name]
        return f"template {', '.join(str(n) for n in names)} not found; add it or fix the name that includes it"
    # A runtime error (an undefined name): Jinja maps the template's frames to its source lines.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.endswith(".py")]
    where = f"template {frames[-1].filename} line {frames[-1].lineno}" if frames else "a template"
    return f"{where}: {error.message or type(error).__name__}; fix the template"


@contextlib.contextmanager
def template_errors() -> Iterator[None]:
    """A mistake in a template is the user's, not a crash: exit 1 naming the file and line."""
    try:
        yield
    except jinja2.TemplateError as e:
        raise TemplateProblem(describe_template_error(e)) from None


def check_syntax(name: str, source: str, filename: str) -> None:
    """Parse a template now, so a syntax error names its file and line before any work starts."""
    try:
        jinja2.Environment(autoescape=True).parse(source, name, filename)
    except jinja2.TemplateSyntaxError as e:
        raise TemplateProblem(describe_template_error(e)) from None
