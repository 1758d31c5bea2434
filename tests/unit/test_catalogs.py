"""The message catalogs: every message id in the code and the steward's templates has its Chinese
translation, each translation fills the same placeholders, and the compiled .mo that ship are the
.po of the repository (make messages, make catalogs)."""

from __future__ import annotations

import gettext
import io
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from deptstats.core import LANGUAGES, TEXTS, Message
from deptstats.core.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "render": None}


def _extracted() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(language: str):
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "deptstats.po", "rb") as po:
        return read_po(po, locale=language)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_of_the_code_has_a_chinese_translation() -> None:
    extracted = _extracted()
    assert set(TEXTS.values()) <= extracted  # the extraction sees the problem texts
    catalog = _catalog("zh_CN")
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - set(translated))
    assert not missing, "run `make messages`, translate in zh_CN/LC_MESSAGES/deptstats.po:\n" + "\n".join(
        missing
    )
    english = {m.id for m in _catalog("en") if m.id}
    assert extracted <= english


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_translation_fills_the_placeholders_of_its_message(language: str) -> None:
    for message in _catalog(language):
        if message.id and message.string and isinstance(message.id, str):
            assert _fields(message.string) == _fields(message.id), message.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shipped_mo_is_the_compiled_po(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(language))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog
    with open(LOCALE_DIR / language / "LC_MESSAGES" / "deptstats.mo", "rb") as shipped:
        assert gettext.GNUTranslations(shipped)._catalog == expected, "run `make catalogs`"


def test_a_stored_problem_reads_in_either_language() -> None:
    message = Message("one_of", {"column": "办园性质 (ownership)", "allowed": ["公办", "民办"]})
    assert message.text("en") == "办园性质 (ownership) must be one of 公办、民办"
    assert message.text("zh_CN") == "办园性质 (ownership)必须是以下之一：公办、民办"
    stored = Message.from_stored(message.code, message.params_json(), "ignored")
    assert stored.text("zh_CN") == message.text("zh_CN")
    legacy = Message.from_stored(None, None, "an old problem's text")
    assert (legacy.code, legacy.text("zh_CN"), legacy.text("en")) == ("legacy",) + (
        "an old problem's text",
    ) * 2


def test_the_deployment_language_comes_from_deptstats_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    from deptstats.core import deployment_language, language_of

    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    assert deployment_language() == "zh_CN"
    monkeypatch.setenv("DEPTSTATS_LANG", "en-US")
    assert deployment_language() == "en"
    monkeypatch.setenv("DEPTSTATS_LANG", "fr")
    with pytest.raises(ValueError, match="DEPTSTATS_LANG='fr'"):
        deployment_language()
    assert [language_of(t) for t in ("zh-CN", "zh", "en", "en-GB", "fr", None)] == [
        "zh_CN",
        "zh_CN",
        "en",
        "en",
        None,
        None,
    ]
