"""Words a steward or a department reads, in their language: gettext catalogs in
`deptstats/locale/<language>/LC_MESSAGES/deptstats.po` (compiled to .mo beside them, `make
catalogs`), message ids in English. The deployment's language is $DEPTSTATS_LANG (zh_CN unless
set; the command line's `--lang` sets it); a page may ask for the reader's own."""

from __future__ import annotations

import gettext as _gettext
import os
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "deptstats"
LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def language_of(tag: str | None) -> str | None:
    """The catalog for a language tag as people and browsers write it (zh, zh-CN, zh_CN,
    zh-Hans, en, en-US …), or None when there is none for it."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return {"zh": "zh_CN", "en": "en"}.get(primary)


def deployment_language() -> str:
    """The deployment's language: $DEPTSTATS_LANG, else zh_CN. ValueError names the variable
    when it asks for a language without a catalog."""
    configured = os.environ.get("DEPTSTATS_LANG", "").strip()
    if not configured:
        return DEFAULT_LANGUAGE
    language = language_of(configured)
    if language is None:
        raise ValueError(f"DEPTSTATS_LANG={configured!r}: give one of {', '.join(LANGUAGES)}")
    return language


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalog for {language!r}: one of {', '.join(LANGUAGES)}")
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "translated later"
    """Marks a message id for extraction; it is translated where it is shown."""
    return message


def gettext(message: str, language: str | None = None) -> str:
    """The message in `language` (the deployment's when None)."""
    return translations(language or deployment_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int, language: str | None = None) -> str:
    return translations(language or deployment_language()).ngettext(singular, plural, count)


def render(message: str, language: str | None = None, /, **params: Any) -> str:
    """The message in `language` with its {placeholders} filled."""
    return gettext(message, language).format(**params)


class Speaker:
    """gettext bound to one language: what a page or a report renders with."""

    def __init__(self, language: str | None = None) -> None:
        self.language = language or deployment_language()

    def __call__(self, message: str, /, **params: Any) -> str:
        return render(message, self.language, **params)

    def gettext(self, message: str) -> str:
        return gettext(message, self.language)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return ngettext(singular, plural, count, self.language)
