"""The campaign's settings: a typed schema for `campaign.toml`, a docstring per field.

`load_settings` reports every bad value with its key, all at once (`CampaignError`), the way MkDocs'
`load_config` does. The docstrings are the settings reference: `materials settings` prints them
and the README carries its output.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from materials import registry, safefile
from materials.errors import CampaignError, Problem
from materials.i18n import N_, _
from materials.keys import remember, source_message, value_key_material
from materials.schema import (
    COLOUR,
    SLUG,
    Colour,
    HttpsUrl,
    KindSettings,
    Language,
    NamedKey,
    PerLanguage,
    Slug,
    Strict,
    check_https_url,
    is_placeholder_host,
    validation_message,
)
from materials.scripts import wide
from materials.textfiles import load_toml, toml_problem

__all__ = ["SLUG", "Colour", "HttpsUrl", "Language", "NamedKey", "PerLanguage", "Settings", "Slug", "Strict",
           "load_settings", "reference_markdown", "settings_model"]

#: Place categories in the notice's words (Article 2: 工业园区, industrial parks): the starter's defaults;
#: a campaign sets its own, with their source, in [place_categories].
DEFAULT_PLACE_CATEGORIES = {
    "community": {"zh-CN": "小区", "en": "Residential compound"},
    "enterprise": {"zh-CN": "企业", "en": "Enterprise"},
    "airport": {"zh-CN": "机场", "en": "Airport"},
    "dock": {"zh-CN": "码头", "en": "Dock"},
    "railway-station": {"zh-CN": "火车站", "en": "Railway station"},
    "highway-station": {"zh-CN": "公路客运站", "en": "Highway passenger station"},
    "industrial-park": {"zh-CN": "工业园区", "en": "Industrial park"},
    "commercial-building": {"zh-CN": "商务楼宇", "en": "Commercial building"},
}


#: `date` under another name: FactSource has a field called `date`.
Date = date

FACT = re.compile(r"^[a-z][a-z0-9_]*$")


def _fact_name(value: str) -> str:
    if not FACT.match(value):
        raise ValueError(_("{value!r} is not a fact name (lower-case letters, digits and _, as in "
                           "{{{{ hotline }}}})").format(value=value))
    return value


def _ink(value: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if any(not 0 <= v <= 100 for v in value):
        raise ValueError(_("{value} is not C, M, Y, K in percent (each 0 to 100)").format(value=list(value)))
    if sum(value) > 300:
        raise ValueError(_("{value} is {total} ink in all; print shops accept at most 300%").format(
            value=list(value), total=f"{sum(value):g}%"))
    return value


def _ink_name(name: str) -> str:
    if name not in BRAND_COLOURS and not COLOUR.match(name):
        raise ValueError(_("{name!r} is neither a brand colour ({colours}) nor a colour written as "
                           "#rrggbb").format(name=name, colours=", ".join(BRAND_COLOURS)))
    return name


#: C, M, Y, K in percent.
Ink = Annotated[tuple[float, float, float, float], AfterValidator(_ink)]
BRAND_COLOURS = ("primary", "accent", "text", "background")
InkName = Annotated[str, AfterValidator(_ink_name)]
#: The shipped brand colours in print, converted once with the output profile (text: black ink alone).
DEFAULT_CMYK: dict[str, tuple[float, float, float, float]] = {
    "primary": (88, 33, 97, 24), "accent": (21, 97, 100, 12), "text": (0, 0, 0, 100), "background": (0, 0, 0, 0),
}
FactName = Annotated[str, AfterValidator(_fact_name)]
#: The longest title, in half-width units: 40 Chinese characters or 80 Latin letters fit the footer of the
#: smallest sign (an A6 card) and the booklet's cover (measured with the shipped templates).
TITLE_WIDTH = 80


class ServiceSettings(Strict):
    """The online declaration service where people apply for their health code."""

    url: HttpsUrl
    """Address of the declaration service (https only, no user name or password, no spaces, none of `"` `<` `>` `{`
    `}` `\\` `^`, a vertical bar or a backquote as they are (percent-encode them); the host a name
    in plain ASCII, never an IP address, an internationalised name in its `xn--` form; at most 1,000 bytes, so that
    a QR code at any error-correction level holds it with its channel tag). A host on a reserved
    or local-network name (`.example`, `.test`, `.invalid`, `.localhost`, `localhost`, `.local`, `.internal`,
    `.lan`, `.home.arpa`, `.onion`, `.alt`, ...) is a placeholder: every build warns and `--strict` fails."""
    channel_parameter: Slug = "ch"
    """Query parameter that tags each link with its publicity channel (`?ch=poster`)."""


class Brand(Strict):
    """Colours of every material; checked for contrast by the web and print targets."""

    primary: Colour = "#0b6b3a"
    """Main colour (headers, the apply button): the health code's green, dark enough for white text."""
    accent: Colour = "#b3261e"
    """Accent for warnings and the authority's seal colour."""
    text: Colour = "#1b1b1b"
    """Body text colour."""
    background: Colour = "#ffffff"
    """Page background."""
    cmyk: dict[InkName, Ink] = DEFAULT_CMYK
    """Print colours: C, M, Y, K in percent for a brand colour (`primary`, `accent`, `text`, `background`) or any
    other `#rrggbb` of the print templates; the screen colours above stay sRGB. Colours not listed are
    converted once with the output profile (materials/icc), greys to black ink alone; `text` prints in black
    ink alone (K 100), never rich black."""

    @field_validator("cmyk", mode="before")
    @classmethod
    def _merge_cmyk(cls, value: Any) -> Any:
        # A campaign names only the colours it changes; the others keep their print values.
        return {**DEFAULT_CMYK, **value} if isinstance(value, dict) else value

    def print_colours(self) -> dict[str, tuple[float, float, float, float]]:
        """'#rrggbb' -> CMYK percentages, for materials.pdfx.Inks."""
        return {(getattr(self, name) if name in BRAND_COLOURS else name.lower()): ink
                for name, ink in self.cmyk.items()}


class Fonts(Strict):
    """Font families, by fontconfig name; every character of the content must be covered by them."""

    sans: list[str] = ["Noto Sans CJK SC"]
    """Body and heading families, first preferred. Use the SC face for Simplified Chinese glyph forms."""


class FactSource(Strict):
    """Where a fact comes from: the document that states it, its date and where to read it."""

    document: str = Field(min_length=1)
    """The document that states the fact (title and issuer), or what would confirm it."""
    date: Date | None = None
    """Date of that document."""
    link: str = ""
    """Where to read it (https), empty when the document is not online."""
    note: str = ""
    """Anything the approver should know (what is still to be checked, where the words come from)."""
    contrary: str = ""
    """Evidence that says otherwise (document and date): the proof lists the fact among its blockers."""
    decide_with: list[str] = []
    """Other facts the authority must decide together with this one, because they may contradict each other
    (for example what a gatekeeper does with a code that is not green and who goes the original way): the
    proof lists each group on its cover."""

    @model_validator(mode="after")
    def _no_hidden_characters(self) -> FactSource:
        """The source is shown to the approver on the proof: a control, bidi or zero-width character could show
        another document name than the one stored (`doc\u202egpj.exe`), so it is refused as in a fact's words."""
        from materials.fonts import describe
        from materials.textfiles import _forbidden_char

        fields = {"document": self.document, "link": self.link, "note": self.note, "contrary": self.contrary,
                  **{f"decide_with[{i}]": name for i, name in enumerate(self.decide_with)}}
        for key, value in fields.items():
            bad = next((c for c in value if _forbidden_char(c) or c == "\t"), None)
            if bad is not None:
                raise ValueError(_("source.{key}: invisible control character {char}; delete it (often pasted "
                                   "from another document)").format(key=key, char=describe(bad)))
        return self

    @model_validator(mode="after")
    def _link_is_https(self) -> FactSource:
        if self.link and not self.link.startswith("https://"):
            raise ValueError(_("source.link {link!r} must start with https://").format(link=self.link))
        if self.link:
            check_https_url(self.link)
        return self


#: Keys of a fact table that are not language texts.
FACT_KEYS = ("source", "confirmed")


class Fact(Strict):
    """A local fact: its text per language, its source and whether the authority confirmed it.

    Written in campaign.toml as `[facts.NAME]` with one key per language plus `source` and `confirmed`."""

    text: PerLanguage
    """The fact's words per language, as they appear in the content."""
    source: FactSource | None = None
    """The document that states it."""
    confirmed: bool = False
    """True only when the source itself states the fact; unconfirmed facts are build warnings."""

    @model_validator(mode="before")
    @classmethod
    def _languages_at_top(cls, data: Any) -> Any:
        if isinstance(data, dict) and "text" not in data:
            data = {**{k: data[k] for k in FACT_KEYS if k in data},
                    "text": {k: v for k, v in data.items() if k not in FACT_KEYS}}
        return data

    @model_validator(mode="after")
    def _no_hidden_characters(self) -> Fact:
        """A fact's words are printed on every poster that uses it: no control or bidi character (Trojan Source),
        as in every content file."""
        from materials.fonts import describe
        from materials.textfiles import _forbidden_char

        for lang, words in self.text.items():
            bad = next((c for c in str(words) if _forbidden_char(c) or c == "\t"), None)
            if bad is not None:
                raise ValueError(_("{lang}: invisible control character {char}; delete it (often pasted from "
                                   "another document)").format(lang=lang, char=describe(bad)))
        return self

    @model_validator(mode="after")
    def _confirmed_needs_source(self) -> Fact:
        if self.confirmed and (self.source is None or self.source.date is None):
            raise ValueError(_("confirmed = true needs its source: source = { document = \"…\", date = YYYY-MM-DD, "
                               "link = \"https://…\" }"))
        return self


class District(NamedKey):
    """A district: its key, its names and the document those names come from."""

    source: str = ""
    """The document (and date) that names the district, shown on the proof for the authority to confirm."""


class Settings(Strict):
    """Everything in campaign.toml that is not an output kind's own table."""

    languages: list[Language] = Field(min_length=1)
    """Languages of the campaign; the first is primary (shown first in bilingual editions)."""
    issued: date
    """Date of the notice the campaign serves; default date printed on materials."""
    title: PerLanguage
    """Campaign title per language, printed in the footer of every poster and sign, on the booklet's cover and the
    order sheet: at most 80 half-width units (a Chinese character counts 2), the longest that fits them all."""

    @field_validator("title")
    @classmethod
    def _title_fits(cls, value: dict[str, str]) -> dict[str, str]:
        """A title longer than TITLE_WIDTH passed `check` and failed the build's trim check (red team 11, #12)."""
        for lang, text in value.items():
            width = sum(2 if wide(c) else 1 for c in text)
            if width > TITLE_WIDTH:
                raise ValueError(_("{lang}: the title {start!r}… is {width:,} half-width units long (a Chinese "
                                   "character counts 2); it prints in the footer of every poster and sign, where "
                                   "at most {limit} fit: shorten it").format(lang=lang, start=text[:30], width=width,
                                                                             limit=TITLE_WIDTH))
        return value
    authority: PerLanguage
    """Issuing authority's full name per language, printed on every material."""
    authority_short: PerLanguage = {}
    """The authority's short name per language (such as 天津市防控指挥部), printed where space is tight and a
    reader expects it: the venue posters' and stickers' issuer line, the screens', signs' and covers' authority
    bar. A language without one prints the full name."""
    service: ServiceSettings
    """The declaration service every code and link leads to."""
    facts: dict[FactName, Fact] = {}
    """Local facts (hotline, app name, colour rules…), used in content as `{{ name }}`: a table
    `[facts.NAME]` with the text per language, `source = { document, date, link }` and `confirmed`.
    Builds warn on every unconfirmed fact and `--strict` fails."""
    glossary: str = ""
    """Glossary file (TOML, relative to the campaign): preferred terms and the variants `materials check`
    flags, per language. Empty: no glossary check."""
    faq_categories: list[NamedKey] = Field(min_length=1)
    """FAQ categories in display order; each FAQ's front matter names one by key."""
    place_categories: dict[Slug, PerLanguage] = DEFAULT_PLACE_CATEGORIES
    """Kinds of places that check codes (venue lists use the key or any of its names)."""
    districts: list[District] = Field(min_length=1)
    """Districts of the city, in official order; venue lists use the key or any of its names. The fact
    `districts` (its names joined by 、 or “, ”) gives their source and status: `materials check` holds the two
    equal and `materials proof` lists them for the authority to confirm."""
    channels: list[Slug] = []
    """More publicity channels a link can be tagged with (links carry one so the declaration service can count
    where people came from), beside the ones each output kind tags its own links with (docs/architecture.md)."""
    brand: Brand = Brand()
    """Colours."""
    fonts: Fonts = Fonts()
    """Fonts."""
    language_names: dict[Language, str] = {}
    """A language's own name where the interface strings do not give one (`{ fr = "Français" }`)."""

    # Each output kind adds its own table (`[print]`, `[venues]`, `[site]`) through the registry in
    # materials/registry.py; `settings_model()` composes them, so this module imports no output kind. A kind
    # reaches its table typed (`PrintSettings.of(settings)`, materials.schema.KindSettings); this module asks
    # every table the same questions through `kind_tables()`.

    def kind_tables(self) -> list[KindSettings]:
        """The output kinds' tables of these settings, in the registry's order."""
        return [value for value in (getattr(self, name) for name in type(self).model_fields)
                if isinstance(value, KindSettings)]

    @model_validator(mode="after")
    def _every_language_present(self) -> Settings:
        problems: list[str] = []
        wanted = set(self.languages)
        if len(wanted) != len(self.languages):
            # i18n: keep "KEY: " with an ASCII colon and space: problems_from_validation finds the key by it
            problems.append(_("languages: a language is listed twice"))

        def need(key: str, mapping: dict[str, str]) -> None:
            missing = [lang for lang in self.languages if lang not in mapping]
            extra = sorted(set(mapping) - wanted)
            if missing:  # i18n: keep "{key}: " with an ASCII colon and space (the key is found by it)
                problems.append(_("{key}: no text for {languages}").format(key=key, languages=", ".join(missing)))
            if extra:
                problems.append(_("{key}: {languages} is not a campaign language").format(key=key,
                                                                                          languages=", ".join(extra)))

        need("title", self.title)
        need("authority", self.authority)
        extra = sorted(set(self.authority_short) - wanted)
        if extra:
            problems.append(f"authority_short: {', '.join(extra)} is not a campaign language")
        for name, fact in self.facts.items():
            need(f"facts.{name}", fact.text)
        for i, cat in enumerate(self.faq_categories):
            need(f"faq_categories[{i}].names", cat.names)
        for i, district in enumerate(self.districts):
            need(f"districts[{i}].names", district.names)
        for name, texts in self.place_categories.items():
            need(f"place_categories.{name}", texts)
        for what, keys in (
            ("faq_categories", [c.key for c in self.faq_categories]),
            ("districts", [d.key for d in self.districts]),
            ("channels", list(self.channels)),
        ):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                problems.append(f"{what}: {', '.join(dupes)} listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def short_authority(self) -> dict[str, str]:
        """The authority's short name per language: `authority_short`, else the full name."""
        return {lang: self.authority_short.get(lang) or name for lang, name in self.authority.items()}

    @property
    def service_is_placeholder(self) -> bool:
        return is_placeholder_host(self.service.url)


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def problems_from_validation(error: ValidationError, file: str) -> list[Problem]:
    problems = []
    for item in error.errors():
        key = _loc(item["loc"]) or None
        message = validation_message(item)
        if item["type"] == "extra_forbidden":
            message = _("unknown setting (check its spelling against the settings reference in README.md)")
        elif item["type"] == "missing":
            message = _("required setting is missing")
        for sub in message.split("; ") if item["type"] == "value_error" and not key else [message]:
            if ": " in sub and not key:
                k, m = sub.split(": ", 1)
                problems.append(Problem(file, None, k, m))
            else:
                problems.append(Problem(file, None, key, sub))
    return problems


def parse_toml(path: Path, label: str) -> dict[str, Any]:
    """Read a TOML file, turning a syntax error into a Problem that shows the line."""
    try:
        raw = safefile.read_bytes(path, safefile.TOML)
    except FileNotFoundError:
        raise CampaignError([Problem(label, None, None, _("file not found (is this a campaign folder?)"))]) from None
    except safefile.Refused as e:
        raise CampaignError([Problem(label, None, None, e.reason)]) from None
    except OSError as e:
        raise CampaignError([Problem(label, None, None, _("cannot read: {strerror}").format(
            strerror=e.strerror))]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CampaignError([Problem(label, None, None, _("not UTF-8 ({reason} at byte {start}); "
                                       "save the file as UTF-8").format(reason=e.reason, start=e.start))]) from None
    try:
        return load_toml(text)
    except tomllib.TOMLDecodeError as e:
        raise CampaignError([toml_problem(label, text, e)]) from None


def settings_model() -> type[Settings]:
    """`Settings` plus every output kind's table, each with its summary as the docstring."""
    tables = registry.settings_tables()
    key = tuple((name, model) for name, (model, _) in tables.items())
    cached = _composed.get(key)
    if cached is None:
        fields: dict[str, Any] = {
            name: (model, Field(default_factory=model, description=summary))
            for name, (model, summary) in tables.items()
        }
        cached = _composed[key] = create_model("CampaignSettings", __base__=Settings, __module__=__name__,
                                               **fields)
    return cached


def __getattr__(name: str) -> Any:
    # The composed model is made on first use; pickle (process pools, Dask workers) finds it by this name.
    if name == "CampaignSettings":
        return settings_model()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")  # i18n: not shown


_composed: dict[tuple[tuple[str, type[BaseModel]], ...], type[Settings]] = {}


def load_settings(path: Path, label: str = "campaign.toml") -> Settings:
    """Load and validate `campaign.toml`; raise `CampaignError` listing every problem."""
    data = parse_toml(path, label)
    model = settings_model()
    try:
        settings = model.model_validate(data)
    except ValidationError as e:
        problems = problems_from_validation(e, label)
        text = safefile.read_bytes(path, safefile.TOML).decode("utf-8-sig", errors="replace")
        for item in e.errors():
            found = misplaced(text, item["loc"], set(model.model_fields)) if item["type"] == "extra_forbidden" else None
            if found is not None:
                key = _loc(item["loc"])
                problems = [p for p in problems if p.key != key]
                problems.append(Problem(label, found[0], str(item["loc"][-1]), found[1]))
        raise CampaignError(problems, _("{label} has problems").format(label=label)) from None
    # Every later test of key material (this file's values, interface strings, Markdown sources, templates, the
    # output) looks for the campaign's own keys in their every form: learnt here, where the settings name them.
    remember(key for table in settings.kind_tables() for key, _option in table.keys(path.parent))
    holding = [Problem(label, None, key, source_message(what)) for key, what in value_key_material(data)]
    if holding:
        raise CampaignError(holding, _("{label} has problems").format(label=label))
    return settings


def misplaced(text: str, loc: tuple[Any, ...], top: set[str]) -> tuple[int | None, str] | None:
    """A top-level setting written below a table header lands inside that table (TOML has no way back out):
    `place_categories` uncommented after the last `[[districts]]`. Name the table, its line and the fix."""
    if len(loc) < 2 or not isinstance(loc[-1], str) or loc[-1] not in top:
        return None
    table, index = str(loc[0]), loc[1] if len(loc) > 2 and isinstance(loc[1], int) else None
    lines = text.splitlines()
    if index is not None:
        header = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]")
        shown = f"[[{table}]]"
    else:
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
        shown = f"[{table}]"
    starts = [number for number, line in enumerate(lines, 1) if header.match(line)]
    start = starts[index or 0] if len(starts) > (index or 0) else None
    if start is None:
        return None
    key_line = next((number for number, line in enumerate(lines[start:], start + 1)
                     if re.match(rf"^\s*{re.escape(loc[-1])}\s*=", line)), None)
    return key_line, _("this key is inside {table} (line {line}); move it above the first [table] of the file, "
                       "with the other top-level settings").format(table=shown, line=start)


#: Type names of the settings reference.
_TYPE_NAMES = {str: N_("text"), int: N_("integer"), float: N_("number"), bool: N_("true/false"), date: N_("date")}


def _type_name(annotation: Any) -> str:
    import typing

    if annotation == Language:
        return _("language")
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is list:
        return _("list of {type}").format(type=_type_name(args[0])) if args else _("list")
    if origin is dict:
        return _("table per language") if args and args[0] == Language else _("table")
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        # i18n: joins the kinds a setting may be ("text or integer")
        return _(" or ").join(_type_name(a) for a in args if a is not type(None))
    if origin is typing.Literal:
        return " / ".join(repr(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _("table") if not issubclass(annotation, NamedKey) else "{" + ", ".join(annotation.model_fields) + "}"
    if annotation in _TYPE_NAMES:
        return _(_TYPE_NAMES[annotation])
    return getattr(annotation, "__name__", str(annotation))


def reference(model: type[BaseModel] | None = None, prefix: str = "", *,
              translate: Callable[[str], str] = _) -> list[tuple[str, str, str]]:
    """(key, type, docstring) for every setting, recursively: the README's settings reference.

    Each docstring is shown through `translate` (the catalog carries them: scripts/catalog.py collects them
    by passing its own `translate`); README.md carries the English one (scripts/update-readme)."""
    model = model or settings_model()
    rows: list[tuple[str, str, str]] = []
    tables: list[tuple[str, str, str]] = []  # after the plain keys, as in a TOML file, where keys follow tables
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        annotation = field.annotation
        doc = " ".join((field.description or "").split())
        doc = translate(doc) if doc else doc
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and not issubclass(annotation, NamedKey):
            tables.append((f"[{key}]", _("table"), doc))
            tables += reference(annotation, f"{key}.", translate=translate)
            continue
        if field.is_required():
            rows.append((key, _type_name(annotation), _("{doc} (required)").format(doc=doc)))
            continue
        value = field.get_default(call_default_factory=True)
        if isinstance(value, BaseModel):
            value = value.model_dump()
        shown = repr(value)
        if len(shown) < 50:
            rows.append((key, _type_name(annotation), _("{doc} (default `{value}`)").format(doc=doc, value=shown)))
        else:
            rows.append((key, _type_name(annotation), _("{doc} (default: see campaign.toml)").format(doc=doc)))
    return rows + tables


def reference_markdown() -> str:
    """The settings reference as a Markdown table (README.md carries it between markers)."""
    lines = [_("| key | type | meaning |"), "| --- | --- | --- |"]
    for key, type_name, doc in reference():
        lines.append(f"| `{key}` | {type_name.replace('|', 'or')} | {doc.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
