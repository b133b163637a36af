"""Templates and interface strings, built-in ones overridden file by file by a campaign's own.

The built-in templates ship inside the package (`materials/templates/<kind>/`, found through
`importlib.resources`, so an installed wheel has them). A campaign's `templates/` folder overrides them
FILE BY FILE, as MkDocs' `custom_dir` does: `templates/web/base.html` replaces the built-in `base.html` and
every other file still comes from the package. Interface strings (`<kind>/strings.toml`, one table per
language) merge key by key instead, so a campaign adds a language with a `[fr]` table of its own.

Autoescaping is on and undefined names are errors (`StrictUndefined`): a typo in a template must fail
the build, not print a blank on 10,000 posters.

Context every template gets (documented here, built in one place):
- `campaign`: the `Campaign`; `settings`: its settings;
- `t(mapping, lang)`: a per-language text; `service_link(channel)`: the tagged declaration-service URL;
- `language_name(lang)`: a language's own name; `languages`: the campaign languages, primary first;
- `strings[lang]`: the interface texts of the output kind (`<kind>/strings.toml`, merged as above).
"""

from __future__ import annotations

import contextlib
import importlib.resources
import tomllib
import traceback
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from materials.errors import MaterialsError, Problem, TemplateProblem

if TYPE_CHECKING:
    from materials.campaign import Campaign

STRINGS = "strings.toml"


def _builtin() -> Path:
    root = importlib.resources.files("materials") / "templates"
    if not isinstance(root, Path):  # a zipped install: Jinja and WeasyPrint need real files
        raise MaterialsError("the materials package must be installed as files, not zipped (pip install does)")
    return root


#: Templates shipped with the tool.
BUILTIN = _builtin()


def template_roots(campaign: Campaign) -> list[Path]:
    """Where templates are looked up, first match wins: the campaign's own `templates/`, then the built-ins."""
    own = campaign.root / "templates"
    return [own, BUILTIN] if own.is_dir() else [BUILTIN]


def template_file(campaign: Campaign, relative: str) -> Path:
    """The file that serves `relative` (`web/assets/site.css`): the campaign's own, else the built-in one."""
    for root in template_roots(campaign):
        path = root / relative
        if path.is_file():
            return path
    return BUILTIN / relative


def environment(campaign: Campaign, *subdirs: str) -> jinja2.Environment:
    from materials import fingerprint

    search = [str(root / sub) for sub in subdirs for root in template_roots(campaign)] if subdirs else \
        [str(root) for root in template_roots(campaign)]
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
        language_name=lambda lang: language_name(campaign, lang),
        draft_mark=campaign.draft_mark,  # "" once every fact is confirmed and no address is a placeholder
        draft_note=campaign.draft_note,
        sources_fingerprint=fingerprint.sources(campaign),  # the proof's, in every output's metadata
    )
    if len(subdirs) == 1:  # one output kind's templates: its interface strings, per language
        env.globals["strings"] = strings(campaign, subdirs[0])
    return env


def strings(campaign: Campaign, kind: str) -> dict[str, dict[str, str]]:
    """Interface texts of one output kind per language: the built-in `<kind>/strings.toml`, then the
    campaign's own, merged language by language and key by key. A syntax error is a `MaterialsError`."""
    merged: dict[str, dict[str, str]] = {}
    for root in reversed(template_roots(campaign)):
        path = root / kind / STRINGS
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise MaterialsError(f"{_label(campaign, path)}: cannot read the interface strings ({e})") from None
        for lang, table in data.items():
            if isinstance(table, dict):
                merged.setdefault(lang, {}).update({k: str(v) for k, v in table.items()})
    return merged


def check_strings(table: Mapping[str, Mapping[str, str]], languages: list[str], kind: str) -> list[Problem]:
    """Every campaign language has every key any language has (a missing text is a problem, never blank)."""
    label = f"templates/{kind}/{STRINGS}"
    problems: list[Problem] = []
    every_key = sorted({k for texts in table.values() for k in texts})
    for lang in languages:
        texts = table.get(lang)
        if texts is None:
            problems.append(Problem(label, None, f"[{lang}]", "no interface texts for this campaign language; "
                                    "copy the [en] table of the built-in file into the campaign's own "
                                    f"templates/{kind}/{STRINGS} and translate it"))
            continue
        for key in every_key:
            if not texts.get(key, "").strip():
                problems.append(Problem(label, None, f"{lang}.{key}", "text is missing"))
    return problems


def format_date(day: date, texts: Mapping[str, str]) -> str:
    """A date as one language writes it: its strings' `date` pattern (`{day} {month} {year}`), where
    `{month}` is the name from its `months` list (twelve names separated by spaces)."""
    months = texts["months"].split()
    month = months[day.month - 1] if len(months) == 12 else str(day.month)
    return texts["date"].format(year=day.year, month=month, month_number=day.month, day=day.day)


def language_name(campaign: Campaign, lang: str) -> str:
    """A language's own name: `[language_names]` of campaign.toml, else the web strings' `language_name`."""
    named = campaign.settings.language_names.get(lang)
    if named:
        return str(named)
    return strings(campaign, "web").get(lang, {}).get("language_name", lang)


def _label(campaign: Campaign, path: Path) -> str:
    return campaign.relative(path) if path.is_relative_to(campaign.root) else f"built-in {path.relative_to(BUILTIN)}"


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
