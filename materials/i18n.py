"""Messages in the user's language, chosen the way Linux tools choose it.

Every message, help text, progress line and summary is written in English in the code and wrapped in `_()`
(or `ngettext()` where a number decides the form). The Simplified Chinese translations live in a gettext
catalog kept with Babel (`materials/locale/zh/LC_MESSAGES/materials.po`, compiled to `.mo` by
`make catalog`). The language comes from `LANGUAGE`, `LC_ALL`, `LC_MESSAGES` and `LANG`, in that order, as
GNU gettext reads them: `LANG=zh_CN.UTF-8` gives Chinese, `LANG=C.UTF-8` or no catalog gives English. File
names, settings keys and ids stay as they are in both languages.

Messages with values use named fields and `str.format` (`_("unknown column {name!r}").format(name=...)`), so
a translator can move the values; log calls keep their `%s` arguments (`log.info(_("... %d ..."), n)`).
"""

from __future__ import annotations

import gettext as _gettext
import os
from pathlib import Path

DOMAIN = "materials"
LOCALEDIR = Path(__file__).parent / "locale"
#: The catalog we ship: Simplified Chinese, filed as `zh` so that every Chinese locale (zh_CN, zh_SG, zh ...)
#: finds it, both through `requested_languages` and through gettext's own search (which click uses).
CHINESE = "zh"


def requested_languages(environ: os._Environ[str] | dict[str, str] | None = None) -> list[str]:
    """The languages the environment asks for, most wanted first, as gettext reads them."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            # LANGUAGE may list several (zh_CN:en); the others name one locale.
            wanted = value.split(":") if name == "LANGUAGE" else [value]
            break
    else:
        wanted = []
    languages: list[str] = []
    for item in wanted:
        code = item.split(".", 1)[0].split("@", 1)[0]
        if code in ("C", "POSIX"):
            break  # the C locale means untranslated messages, and stops the search as in gettext
        if code == "en" or code.startswith("en_"):
            break  # English is the language of the code itself
        if code == "zh" or code.startswith("zh_"):
            languages.append(CHINESE)
    return languages


def _load(environ: os._Environ[str] | dict[str, str] | None = None) -> _gettext.NullTranslations:
    languages = requested_languages(environ)
    if not languages:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALEDIR, languages=languages, fallback=True)


_current = _load()


def activate(environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """Choose the language again from `environ` (default: the process environment); return its code.

    Messages are translated when they are made, so this affects messages made afterwards; help texts are
    translated when the command line is imported.
    """
    global _current
    _current = _load(environ)
    return current_language()


def current_language() -> str:
    """`zh` when messages are translated into Chinese, `en` when they are shown as written."""
    return CHINESE if isinstance(_current, _gettext.GNUTranslations) else "en"


def _(message: str) -> str:
    """The message in the user's language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of the message for the number `n`, in the user's language."""
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for the catalog where it is defined; translate it with `_()` where it is shown."""
    return message


def install_for_click() -> None:
    """Let click's own words (Usage:, Options:, Error:, No such option ...) come from our catalog too.

    click asks the process's default gettext domain for them; the command line (not the library, which never
    changes process-wide settings) points that domain at our catalog, which carries click's messages.
    """
    _gettext.bindtextdomain(DOMAIN, str(LOCALEDIR))
    _gettext.textdomain(DOMAIN)
