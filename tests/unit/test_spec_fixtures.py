"""The fixture data the tests check against (tests/fixtures/*.json) is the shared specification's
content: compared with spec/ whenever that folder is beside the checkout (or named by
$DEPTSTATS_SHARED); a clone alone runs everything else on the fixture data."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.shared_spec import (
    DATA_DICTIONARY,
    REPLY_CODE,
    REPLY_FIGURES,
    data_dictionary,
    parse_data_dictionary,
    parse_reply_figures,
    reply_figures,
    spec_folder,
)


def spec_text(name: str) -> str:
    path = spec_folder() / name
    if not path.is_file():
        pytest.skip(
            f"{path} not found: the shared specification is not beside this checkout (set "
            "DEPTSTATS_SHARED to the shared/ folder to compare); the tests use tests/fixtures"
        )
    return path.read_text(encoding="utf-8")


def test_the_data_dictionary_fixture_is_the_specification():
    written = json.loads(DATA_DICTIONARY.read_text(encoding="utf-8"))
    assert parse_data_dictionary(spec_text("extracts.md")) == written, (
        "spec/extracts.md changed: run `python -m tests.fixtures.shared_spec` and commit the JSON"
    )


def test_the_reply_figures_fixture_is_the_specification():
    written = json.loads(REPLY_FIGURES.read_text(encoding="utf-8"))
    assert parse_reply_figures(spec_text(f"{REPLY_CODE}.md")) == written, (
        f"spec/{REPLY_CODE}.md changed: run `python -m tests.fixtures.shared_spec` and commit the JSON"
    )


def test_the_fixture_data_is_whole():
    """What the tests rely on is all there: a truncated file would let them pass on less."""
    dictionary = data_dictionary()
    assert len(dictionary["areas"]) == 17 and dictionary["citywide"] == "全市"
    assert len(dictionary["extracts"]) == 12 and len(dictionary["indicators"]) == 29
    assert all(extract["columns"] for extract in dictionary["extracts"])
    figures = reply_figures()
    assert len(figures) == 26
    assert figures["health.prepregnancy_check_rate"] == ("2023", "84.18%")
    assert figures["civil_affairs.villages_covered"] == ("2024-03", "328个")
    assert set(figures) <= {indicator["code"] for indicator in dictionary["indicators"]}
