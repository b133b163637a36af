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
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from materials.i18n import N_, _, current_language

#: Keys in files, links and front matter: lower-case letters, digits and single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: A language tag as BCP 47 writes the common ones (`en`, `zh-CN`, `pt-BR`, `sr-Latn`). Any tag is a
#: campaign language once campaign.toml lists it and its FAQ folder and interface strings exist.
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Reserved top-level domains (RFC 2606/6761) and example hosts: an address there cannot be real.
PLACEHOLDER_TLDS = (".example", ".invalid", ".test", ".localhost",
                    # special-use names no public browser reaches: Tor (RFC 7686), .alt (RFC 9476), .arpa (RFC 3172)
                    ".onion", ".alt", ".arpa",
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
        raise ValueError(_("has no host name"))
    odd = [c for c in dict.fromkeys(host) if not c.isascii() or not c.isprintable()]
    if odd:
        unnamed = _("unnamed")
        named = ", ".join(f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, '') or unnamed})" for c in odd)
        try:
            ascii_form = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_form = ""
        if ascii_form and ascii_form != host:
            raise ValueError(_("host {host!r} is not plain ASCII: it holds {named}, which may look like a Latin "
                               "letter but leads to another address; its IDNA form is {ascii_form}: if that really "
                               "is the address, write {ascii_form}, else type the host again in plain ASCII").format(
                                   host=host, named=named, ascii_form=ascii_form))
        raise ValueError(_("host {host!r} is not plain ASCII: it holds {named}, which may look like a Latin "
                           "letter but leads to another address; type the host again in plain ASCII letters").format(
                               host=host, named=named))
    if len(host.rstrip(".")) > 253:
        raise ValueError(_("host {host!r}… is longer than a host name can be (253 characters)").format(host=host[:40]))
    labels = host.rstrip(".").split(".")
    if re.fullmatch(r"(?:0x[0-9a-f]*|[0-9]+)", labels[-1], re.IGNORECASE):  # no top-level domain is a number
        raise ValueError(_("host {host!r} is an IP address (in any of its written forms); a printed address must "
                           "be the service's host name, such as hc.tj.gov.cn").format(host=host))
    if len(labels) < 2 and host.lower() != "localhost":
        raise ValueError(_("host {host!r} is not a full host name such as hc.tj.gov.cn").format(host=host))
    for label in labels:
        if not HOST_LABEL.match(label):
            raise ValueError(_("host {host!r} is not a host name such as hc.tj.gov.cn (label {label!r})").format(
                host=host, label=label))
        if label.lower().startswith("xn--"):
            try:
                label.lower().encode("ascii").decode("idna")
            except UnicodeError:
                raise ValueError(_("host {host!r}: {label!r} is not a valid IDNA (xn--) label").format(
                    host=host, label=label)) from None
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
        raise ValueError(_("{value!r} is not a key of lower-case letters, digits and single hyphens").format(
            value=value))
    return value


#: A name of the campaign's own that becomes part of a file or folder name (a paper size, a screen kind, a
#: sheet): letters, digits, `_`, `-` and single dots, never a path (`../x` wrote outside the campaign).
FILE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,63}$")


def check_file_names(names: Iterable[str], table: str) -> None:
    """Refuse a name of `table` that would not stay one file name inside an output folder."""
    for name in names:
        if not FILE_NAME.match(name):
            raise ValueError(_("{name!r} cannot name a size or kind of [{table}]: its name becomes part of the "
                               "output's file names, so use letters, digits, '-', '_' and single dots (at most "
                               "64), never '/', '\\' or '..'").format(name=name, table=table))


def _colour(value: str) -> str:
    if not COLOUR.match(value):
        raise ValueError(_("{value!r} is not a colour written as #rrggbb").format(value=value))
    return value.lower()


def _language(value: str) -> str:
    if not LANGUAGE.match(value):
        raise ValueError(_("{value!r} is not a language tag such as zh-CN, en or fr").format(value=value))
    return value


#: Printable ASCII an address never holds as it is (RFC 3986): it must be percent-encoded.
URL_UNSAFE = frozenset('"<>`{}|\\^')


#: The longest address a setting may hold, in bytes of UTF-8: a QR code at level H (the highest error correction a
#: campaign can choose) holds 1,273 bytes, and the build adds the channel tag (`?ch=wechat`) to the address.
MAX_URL_BYTES = 1000


def check_https_url(value: str) -> str:
    """An https address with a checked host (`check_host`), no user name or password, no #fragment, short enough
    for a QR code (`MAX_URL_BYTES`)."""
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_URL_BYTES:
        raise ValueError(_("{start!r}… is {size:,} bytes long; an address may be printed as a QR code, and one at "
                           "error-correction level H holds at most 1,273 bytes with the channel tag the build "
                           "adds: shorten it to at most {limit:,} bytes (a shorter address also scans more "
                           "easily)").format(start=value[:60], size=size, limit=MAX_URL_BYTES))
    blank = next((c for c in value if c.isspace() or not c.isprintable()), None)
    if blank is not None:
        raise ValueError(_("{value!r} holds {name} (U+{ord:04X}); an "
                           "address has no spaces or invisible characters: write a space as %20, or remove it").format(
                               value=value, name=unicodedata.name(blank, f'U+{ord(blank):04X}'), ord=ord(blank)))
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ValueError(_("{value!r} must start with https:// (people type their health information there)").format(
            value=value))
    if "@" in parts.netloc:
        raise ValueError(_("{value!r} holds a user name or password before '@'; a printed address must not "
                           "(and 'https://real.host@other.host' leads to other.host): remove it").format(value=value))
    unsafe = next((c for c in value if c in URL_UNSAFE), None)
    if unsafe is not None:  # escaped on a web page, but printed as it is into every QR code and link
        raise ValueError(_("{value!r} holds {char!r}; an address holds none of \" < > ` {{ }} | \\ ^ as they are: "
                           "write it percent-encoded (\" is %22, < is %3C, > is %3E), or remove it").format(
                               value=value, char=unsafe))
    try:
        check_host(parts.hostname or "")
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as e:
        raise ValueError(f"{value!r}: {e}") from None
    if parts.fragment:
        raise ValueError(_("{value!r} must not have a #fragment: the build adds the channel tag").format(value=value))
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Colour = Annotated[str, AfterValidator(_colour)]
Language = Annotated[str, AfterValidator(_language)]
HttpsUrl = Annotated[str, AfterValidator(check_https_url)]
def _visible(value: str) -> str:
    """A name or title printed on every poster: a control, bidi or zero-width character (Trojan Source) could
    print another text than the one read in campaign.toml, and no font draws it: refused, naming it."""
    from materials.fonts import describe
    from materials.textfiles import _forbidden_char

    bad = next((c for c in value if _forbidden_char(c) or c == "\t"), None)
    if bad is not None:
        raise ValueError(_("invisible control character {char}; delete it (often pasted from another "
                           "document)").format(char=describe(bad)))
    return value


#: A text per language, `{ zh-CN = "…", en = "…" }`; every campaign language must be present.
PerLanguage = dict[Language, Annotated[str, Field(min_length=1), AfterValidator(_visible)]]


class Strict(BaseModel):
    """A settings table: unknown keys are errors, every field documented by its docstring."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class NamedKey(Strict):
    key: Slug
    """Stable key used in files, links and front matter."""
    names: PerLanguage
    """Display name per language."""


#: pydantic's own messages for the errors a settings file meets, in our catalog: the English is pydantic's
#: wording (so the English output does not change), the fields come from the error's `ctx`.
_PYDANTIC = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "finite_number": N_("Input should be a finite number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "set_type": N_("Input should be a valid set"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "model_attributes_type": N_("Input should be a valid dictionary or object to extract fields from"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "date_type": N_("Input should be a valid date"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime, {error}"),
    "date_from_datetime_inexact": N_("Datetimes provided to dates should have zero time - e.g. be exact dates"),
    "datetime_type": N_("Input should be a valid datetime"),
    "datetime_parsing": N_("Input should be a valid datetime, {error}"),
    "url_type": N_("URL input should be a string or URL"),
    "url_parsing": N_("Input should be a valid URL, {error}"),
    "url_syntax_violation": N_("Input violated strict URL syntax rules, {error}"),
    "url_scheme": N_("URL scheme should be {expected_schemes}"),
    "none_required": N_("Input should be None"),
    "invalid_key": N_("Keys should be strings"),
}
#: Messages whose English says "character" or "characters" (pydantic's `{expected_plural}`): one per form.
_PYDANTIC_PLURAL = {
    "string_too_short": (N_("String should have at least {min_length} character"),
                         N_("String should have at least {min_length} characters"), "min_length"),
    "string_too_long": (N_("String should have at most {max_length} character"),
                        N_("String should have at most {max_length} characters"), "max_length"),
    "url_too_long": (N_("URL should have at most {max_length} character"),
                     N_("URL should have at most {max_length} characters"), "max_length"),
    "too_short": (N_("{field_type} should have at least {min_length} item after validation, not {actual_length}"),
                  N_("{field_type} should have at least {min_length} items after validation, not {actual_length}"),
                  "min_length"),
    "too_long": (N_("{field_type} should have at most {max_length} item after validation, not {actual_length}"),
                 N_("{field_type} should have at most {max_length} items after validation, not {actual_length}"),
                 "max_length"),
}
#: pydantic's names of collection kinds in `too_short`/`too_long` messages.
_FIELD_TYPES = {"List": N_("List"), "Tuple": N_("Tuple"), "Set": N_("Set"), "Dictionary": N_("Dictionary"),
                "Value": N_("Value"), "Data": N_("Data")}
#: Values listed as pydantic lists them (`'a', 'b' or 'c'`), to be listed again in the user's language.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s,']+")


def _given(message: str, error: Mapping[str, Any]) -> str:
    """The message and the value the file holds, when that value is short enough to show."""
    value = error.get("input")
    if error.get("type") in ("missing", "extra_forbidden") or isinstance(value, dict | list | tuple | set):
        return message
    shown = repr(value)
    if len(shown) > 60:
        return message
    return _("{message}, not {value}").format(message=message, value=shown)


def _number(value: object) -> object:
    """A bound as pydantic writes it: `0`, not `0.0`."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def validation_message(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a message in the user's language.

    A `ValueError` raised by our own validators carries a message already translated where it was raised;
    pydantic's own errors are looked up in our catalog by their type and name the value the file holds
    (`Input should be a valid string, not 5`); a type we do not know keeps pydantic's English words, quoted
    inside a translated sentence."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    message = str(error.get("msg", ""))
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind in _PYDANTIC:
        fields = {k: _number(ctx.get(k, "")) for k in ("class_name", "gt", "ge", "lt", "le", "multiple_of",
                                                          "pattern", "error", "expected_schemes")}
        return _given(_(_PYDANTIC[kind]).format(**fields), error)
    if kind in _PYDANTIC_PLURAL:
        one, many, counted = _PYDANTIC_PLURAL[kind]
        field_type = str(ctx.get("field_type", ""))
        fields = {"min_length": ctx.get("min_length", ""), "max_length": ctx.get("max_length", ""),
                  "actual_length": ctx.get("actual_length", ""),
                  "field_type": _(_FIELD_TYPES[field_type]) if field_type in _FIELD_TYPES else field_type}
        # Both forms are in the catalog as messages of their own (pydantic chose the form by its number).
        return _given(_(one if int(ctx.get(counted, 0) or 0) == 1 else many).format(**fields), error)
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", ""))
        if current_language() != "en":  # pydantic joins the values with English words ("'a', 'b' or 'c'")
            expected = ", ".join(v for v in _QUOTED.findall(expected) if v != "or")
        return _given(_("Input should be {expected}").format(expected=expected), error)
    if current_language() == "en":
        return message
    return _("the value is not valid (pydantic says: “{detail}”)").format(detail=message)
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
            raise TypeError(f"no {cls.__name__} table: its output kind is not registered")  # i18n: not shown
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

    def file_settings(self) -> list[tuple[str, str]]:
        """Settings of this table that name a file of the campaign, as (key in campaign.toml, value): each must
        stay inside the campaign folder (materials/campaign.py checks them)."""
        return []

    def texts(self) -> list[tuple[str, str, str, bool]]:
        """Campaign texts this table holds, for the content rules: (setting, language, text, is Markdown)."""
        return []

    def searched_words(self) -> list[tuple[str, str]]:
        """Words the site's search reads and shows from this table (setting, word): no typed local fact."""
        return []

    def trim_mm(self, size: str) -> tuple[float, float] | None:
        """The trim (width, height) in mm of a named size this table prints, or None: a printed size that a
        sourced fact states (the billboard's) is held equal to it without the foundation importing the kind."""
        return None


@functools.cache
def _table_field(settings: type[BaseModel], table: type[KindSettings]) -> str | None:
    return next((name for name, info in settings.model_fields.items() if info.annotation is table), None)
