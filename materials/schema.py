"""Types every part of a campaign shares, defined once: slugs, language tags, per-language text, colours,
https links and the placeholder rule.

`config.py` builds the settings of campaign.toml from them, each output kind's settings table uses them,
and content readers check ids with `SLUG`. Nothing here imports another `materials` module, so any module
may import this one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

#: Keys in files, links and front matter: lower-case letters, digits and single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A language tag as BCP 47 writes the common ones (`en`, `zh-CN`, `pt-BR`, `sr-Latn`). Any tag is a
#: campaign language once campaign.toml lists it and its FAQ folder and interface strings exist.
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Reserved top-level domains (RFC 2606/6761) and example hosts: an address there cannot be real.
PLACEHOLDER_TLDS = (".example", ".invalid", ".test", ".localhost",
                    # names only a local network resolves (RFC 6762 .local, ICANN's .internal, common LAN names)
                    ".local", ".internal", ".lan", ".home", ".home.arpa", ".corp", ".intranet", ".private")
PLACEHOLDER_HOSTS = ("example", "example.com", "example.org", "example.net", "localhost")
#: A settings text containing this word is a starting value (`materials new` writes them): builds warn.
PLACEHOLDER_MARK = "PLACEHOLDER"


def is_placeholder_host(url: str) -> bool:
    """True for a URL on a reserved or example host: a shipped default that must be replaced before use."""
    return is_placeholder_name(urlsplit(url).hostname or "")


def is_placeholder_name(host: str) -> bool:
    """True for a reserved or example host name (`hc.tianjin.example`, `localhost`)."""
    host = host.lower().rstrip(".")
    return host.endswith(PLACEHOLDER_TLDS) or host in PLACEHOLDER_HOSTS


#: One label of a host name (letters, digits, inner hyphens; `xn--` labels are IDNA).
HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", re.IGNORECASE)


def check_host(host: str) -> str:
    """The one rule for every setting that holds a host (service.url, [venues] link_host, [site] base_url,
    fact sources): plain ASCII letters, digits, hyphens and dots, at least two labels. A host with any
    other character is refused, naming the character and showing the host's IDNA (`xn--`) form: a
    Cyrillic `а` looks like a Latin `a` on a poster but leads elsewhere. Returns the host in lower case."""
    if not host:
        raise ValueError("has no host name")
    odd = [c for c in dict.fromkeys(host) if not c.isascii() or not c.isprintable()]
    if odd:
        named = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in odd)
        try:
            ascii_form = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = ""
        shown = (f"; its IDNA form is {ascii_form}: if that really is the address, write {ascii_form}, else "
                 "type the host again in plain ASCII") if ascii_form and ascii_form != host else \
            "; type the host again in plain ASCII letters"
        raise ValueError(f"host {host!r} is not plain ASCII: it holds {named}, which may look like a Latin "
                         f"letter but leads to another address{shown}")
    if len(host.rstrip(".")) > 253:
        raise ValueError(f"host {host[:40]!r}… is longer than a host name can be (253 characters)")
    labels = host.rstrip(".").split(".")
    if re.fullmatch(r"(?:0x[0-9a-f]*|[0-9]+)", labels[-1], re.IGNORECASE):  # no top-level domain is a number
        raise ValueError(f"host {host!r} is an IP address (in any of its written forms); a printed address must "
                         "be the service's host name, such as hc.tj.gov.cn")
    if len(labels) < 2 and host.lower() != "localhost":
        raise ValueError(f"host {host!r} is not a full host name such as hc.tj.gov.cn")
    for label in labels:
        if not HOST_LABEL.match(label):
            raise ValueError(f"host {host!r} is not a host name such as hc.tj.gov.cn (label {label!r})")
        if label.lower().startswith("xn--"):
            try:
                label.lower().encode("ascii").decode("idna")
            except UnicodeError:
                raise ValueError(f"host {host!r}: {label!r} is not a valid IDNA (xn--) label") from None
    return host.lower()


def placeholder_keys(data: object, prefix: str = "") -> list[str]:
    """Keys of settings (a `model_dump()`) whose text still holds PLACEHOLDER_MARK, as `facts.city.en`."""
    if isinstance(data, dict):
        return [key for k, v in data.items() for key in placeholder_keys(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list | tuple):
        return [key for i, v in enumerate(data) for key in placeholder_keys(v, f"{prefix}[{i}]")]
    return [prefix] if isinstance(data, str) and PLACEHOLDER_MARK in data else []


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a key of lower-case letters, digits and single hyphens")
    return value


def _colour(value: str) -> str:
    if not COLOUR.match(value):
        raise ValueError(f"{value!r} is not a colour written as #rrggbb")
    return value.lower()


def _language(value: str) -> str:
    if not LANGUAGE.match(value):
        raise ValueError(f"{value!r} is not a language tag such as zh-CN, en or fr")
    return value


def check_https_url(value: str) -> str:
    """An https address with a checked host (`check_host`), no user name or password, no #fragment."""
    blank = next((c for c in value if c.isspace() or not c.isprintable()), None)
    if blank is not None:
        raise ValueError(f"{value!r} holds {unicodedata.name(blank, f'U+{ord(blank):04X}')} (U+{ord(blank):04X}); an "
                         "address has no spaces or invisible characters: write a space as %20, or remove it")
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(f"{value!r} must start with https:// (people type their health information there)")
    if "@" in parts.netloc:
        raise ValueError(f"{value!r} holds a user name or password before '@'; a printed address must not "
                         "(and 'https://real.host@other.host' leads to other.host): remove it")
    try:
        check_host(parts.hostname or "")
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as e:
        raise ValueError(f"{value!r}: {e}") from None
    if parts.fragment:
        raise ValueError(f"{value!r} must not have a #fragment: the build adds the channel tag")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Colour = Annotated[str, AfterValidator(_colour)]
Language = Annotated[str, AfterValidator(_language)]
HttpsUrl = Annotated[str, AfterValidator(check_https_url)]
#: A text per language, `{ zh-CN = "…", en = "…" }`; every campaign language must be present.
PerLanguage = dict[Language, Annotated[str, Field(min_length=1)]]


class Strict(BaseModel):
    """A settings table: unknown keys are errors, every field documented by its docstring."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class NamedKey(Strict):
    key: Slug
    """Stable key used in files, links and front matter."""
    names: PerLanguage
    """Display name per language."""


class KindSettings(BaseModel):
    """An output kind's own table of campaign.toml (`[print]`, `[venues]`, `[site]`, `[search]`).

    A kind reaches its table typed with `PrintSettings.of(campaign.settings)`, never by an attribute the
    type checker cannot see. The foundation asks every table the same questions without naming the kind
    (`Settings.kind_tables()`): what still is a placeholder, why the outputs are a draft, which files the
    kind reads that no output folder may hold. Each answers for itself; the defaults say nothing."""

    @classmethod
    def of(cls, settings: BaseModel) -> Self:
        """This table of a campaign's settings (the composed model holds one field of this type)."""
        name = _table_field(type(settings), cls)
        value = getattr(settings, name) if name else None
        if not isinstance(value, cls):
            raise TypeError(f"the campaign settings have no {cls.__name__} table: its output kind is not registered")
        return value

    def placeholder_warnings(self) -> list[str]:
        """Warnings a build prints for a value that is still a placeholder (`--strict` fails on them)."""
        return []

    def draft_reasons(self) -> list[str]:
        """Why outputs carry the draft mark while this table holds a placeholder."""
        return []

    def keys(self, root: Path) -> list[tuple[Path, str]]:
        """Secret files of the campaign (path, the setting that names it): never inside an output folder."""
        return []

    def sources_read(self, root: Path) -> tuple[Path, ...]:
        """Files a build reads through this table that no output folder may hold."""
        return ()

    def texts(self) -> list[tuple[str, str, str, bool]]:
        """Campaign texts this table holds, for the content rules: (setting, language, text, is Markdown)."""
        return []


@functools.cache
def _table_field(settings: type[BaseModel], table: type[KindSettings]) -> str | None:
    return next((name for name, info in settings.model_fields.items() if info.annotation is table), None)
