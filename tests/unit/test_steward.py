"""The steward's pages without a warehouse: long values cut before they are shown, download
cells made inert, times in the deployment's zone, the page's language, what fixes a refusal."""

from __future__ import annotations

from datetime import datetime

import pytest

from deptstats.airflow import steward
from deptstats.airflow.steward_problems import header, inert
from deptstats.airflow.steward_text import fix_of, local_time, page_language, timezone_name
from deptstats.airflow.steward_web import link, page_policy


def test_long_values_are_cut_before_they_are_shown():
    value = "x" * 100_000
    assert len(steward.shown(value)) < 300 and steward.shown(value).endswith("(100000 characters)")
    assert steward.shown("公办") == "公办"


@pytest.mark.parametrize("value", ["=1+2", "+1", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_could_start_a_formula_is_made_text(value):
    assert inert(value) == "'" + value


def test_other_cells_stay_as_they_are():
    assert inert("公办") == "公办" and inert(12) == 12 and inert(None) is None and inert("a=b") == "a=b"


def test_times_are_shown_in_the_deployments_zone_with_its_name(monkeypatch):
    monkeypatch.delenv("DEPTSTATS_TIMEZONE", raising=False)
    assert local_time("2026-12-06T15:45:10.123456") == "2026-12-06 23:45 (Asia/Shanghai)"
    assert local_time(datetime(2026, 12, 6, 15, 45)) == "2026-12-06 23:45 (Asia/Shanghai)"
    assert local_time(None) == "" and local_time("") == ""
    monkeypatch.setenv("DEPTSTATS_TIMEZONE", "UTC")
    assert local_time("2026-12-06T15:45:10") == "2026-12-06 15:45 (UTC)"
    monkeypatch.setenv("DEPTSTATS_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="DEPTSTATS_TIMEZONE"):
        timezone_name()


def test_the_page_language_is_the_one_asked_for_else_the_deployments(monkeypatch):
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    assert page_language("en-US") == "en" and page_language("zh-CN") == "zh_CN"
    assert page_language(None) == "zh_CN" and page_language("fr") == "zh_CN"
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    assert page_language(None) == "en"
    assert header("zh_CN")[:2] == ["行号", "行标识"] and header("en")[:2] == ["Row", "Row key"]


def test_links_between_the_pages_carry_the_language():
    assert link("problems/7", "en", page=2) == "problems/7?page=2&lang=en"
    assert link("../deliveries", "zh_CN") == "../deliveries?lang=zh_CN"


def test_the_pages_allow_their_own_script_and_nothing_from_elsewhere():
    policy = page_policy()
    assert "default-src 'self'" in policy and "script-src 'sha256-" in policy and "http" not in policy


def test_what_to_fix_depends_on_the_kind_of_problem():
    assert fix_of("error", 3) != fix_of("error", None) != fix_of("warning", 3)


def test_a_refusal_is_fixed_by_the_first_publication_after_it():
    publications = [
        {"batch_id": 2, "finished_at": "2026-01-01T00:00:00"},
        {"batch_id": 5, "finished_at": "2026-01-03T00:00:00"},
        {"batch_id": 9, "finished_at": "2026-01-05T00:00:00"},
    ]
    assert steward.fixed_by({"batch_id": 4, "recorded_at": "x"}, publications)["batch_id"] == 5
    assert steward.fixed_by({"batch_id": 9, "recorded_at": "x"}, publications) is None
    unread = {"batch_id": None, "recorded_at": "2026-01-02T00:00:00"}
    assert steward.fixed_by(unread, publications)["batch_id"] == 5
    assert steward.fixed_by({"batch_id": None, "recorded_at": "2026-02-01T00:00:00"}, publications) is None
