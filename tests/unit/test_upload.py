"""The upload page's parts that need no process, warehouse or validation: the Origin rule, the
canonical name, the report's JSON, the staging folder's ids, the settings."""

from __future__ import annotations

import pytest

from deptstats.airflow import steward_screening as screening
from deptstats.core import Message, load_registry, parse_period
from deptstats.publish import ScreenReport, canonical_name
from deptstats.validation import Problem


@pytest.mark.parametrize(
    ("origin", "base_url", "same"),
    [
        ("http://airflow.test:8080", "http://airflow.test:8080/", True),
        ("http://AIRFLOW.test", "http://airflow.test:80/airflow", True),
        ("https://airflow.test", "https://airflow.test:443", True),
        ("http://airflow.test:9090", "http://airflow.test:8080", False),  # another port, same host
        ("https://airflow.test:8080", "http://airflow.test:8080", False),
        ("http://evil.test:8080", "http://airflow.test:8080", False),
        (None, "http://airflow.test:8080", False),
        ("null", "http://airflow.test:8080", False),
        ("http://airflow.test:8080", "", False),  # no [api] base_url: no POST is taken
    ],
)
def test_a_post_is_taken_from_airflows_own_origin_only(origin, base_url, same):
    assert screening.same_origin(origin, base_url) is same


def test_the_canonical_name_is_the_one_the_scan_recognises():
    registry = load_registry()
    extract = registry.extract("prepregnancy_checks")
    assert canonical_name(extract, parse_period("2023"), "xlsx") == "prepregnancy_checks_2023.xlsx"
    with pytest.raises(ValueError):
        canonical_name(extract, parse_period("2023"), "txt")


def test_the_report_reads_back_from_its_json():
    problem = Problem(
        "error",
        Message("one_of", {"column": "办园性质 (ownership)", "allowed": ["公办", "民办"]}),
        12,
        "ownership",
        "公私合办",
        row_key="YE012",
    )
    report = ScreenReport("kg.csv", "kindergartens", "2023", "ab" * 32, 100, 20, "row", 1, 0, [problem])
    data = report.to_json("en")
    assert data["outcome"] == "refused" and data["problems"][0]["text"].endswith("must be one of 公办、民办")
    again = ScreenReport.from_json(data)
    assert again == report and again.refused


def test_staging_takes_ids_it_made_and_nothing_else(tmp_path):
    for asked in ("../etc", "a" * 31, "A" * 32, "0" * 32 + "/..", ""):
        assert screening.staged(tmp_path, asked) is None


def test_the_limits_come_from_the_environment(monkeypatch):
    assert screening.upload_max_bytes() == 200 * 1024 * 1024
    assert screening.screen_timeout() == 60
    monkeypatch.setenv("DEPTSTATS_UPLOAD_MAX_BYTES", "1000")
    monkeypatch.setenv("DEPTSTATS_SCREEN_TIMEOUT_SECONDS", "2.5")
    assert (screening.upload_max_bytes(), screening.screen_timeout()) == (1000, 2.5)
    monkeypatch.setenv("DEPTSTATS_SCREEN_TIMEOUT_SECONDS", "-1")
    with pytest.raises(ValueError, match="DEPTSTATS_SCREEN_TIMEOUT_SECONDS"):
        screening.screen_timeout()
