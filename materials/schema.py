"""Types every part of a campaign shares, defined once: slugs, language tags, per-language text, colours,
https links and the placeholder rule.

`config.py` builds the settings of campaign.toml from them, each output kind's settings table uses them,
and content readers check ids with `SLUG`. Nothing here imports another `materials` module, so any module
may import this one.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

#: Keys in files, links and front matter: lower-case letters, digits and single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A language tag as BCP 47 writes the common ones (`en`, `zh-CN`, `pt-BR`, `sr-Latn`). Any tag is a
#: campaign language once campaign.toml lists it and its FAQ folder and interface strings exist.
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Reserved top-level domains (RFC 2606/6761) and example hosts: an address there cannot be real.
PLACEHOLDER_TLDS = (".example", ".invalid", ".test", ".localhost")
PLACEHOLDER_HOSTS = ("example", "example.com", "example.org", "example.net")
#: A settings text containing this word is a starting value (`materials new` writes them): builds warn.
PLACEHOLDER_MARK = "PLACEHOLDER"


def is_placeholder_host(url: str) -> bool:
    """True for a URL on a reserved or example host: a shipped default that must be replaced before use."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host.endswith(PLACEHOLDER_TLDS) or host in PLACEHOLDER_HOSTS


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


def _https_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(f"{value!r} must start with https:// (people type their health information there)")
    if not parts.hostname or "." not in parts.hostname:
        raise ValueError(f"{value!r} has no host name")
    if parts.fragment:
        raise ValueError(f"{value!r} must not have a #fragment: the build adds the channel tag")
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Colour = Annotated[str, AfterValidator(_colour)]
Language = Annotated[str, AfterValidator(_language)]
HttpsUrl = Annotated[str, AfterValidator(_https_url)]
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
