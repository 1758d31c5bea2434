"""The steward's view of a run (deptstats.airflow.steward) and its pages (deptstats.airflow.steward_web), on
both backends, with a stand-in for Airflow's authentication; the live tests check the real one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import Header, HTTPException
from fastapi.testclient import TestClient

from deptstats import pipeline
from deptstats.airflow import steward
from deptstats.airflow.steward_web import create_app
from deptstats.publish.loading import ExtractRejected
from deptstats.warehouse.engine import open_engine
from tests.helpers import write_csv

pytestmark = pytest.mark.gx

RUN = "scheduled__2024-06-01T01:30:00+08:00"
HOSTILE = "<img src=x onerror=alert(1)>"


def _user(x_test_user: str | None = Header(default=None)) -> str:
    if x_test_user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return x_test_user


def _run_reader(x_test_user: str | None = Header(default=None)) -> None:
    if x_test_user == "outsider":
        raise HTTPException(status_code=403, detail="Forbidden")


def _refuse_kindergartens(landing: Path, engine, run_id: str, registry) -> None:
    bad = landing / "education" / "kindergartens_2023.csv"
    bad.write_bytes(bad.read_bytes().replace("民办".encode(), HOSTILE.encode(), 1))
    with pytest.raises(ExtractRejected):
        pipeline.load(engine, landing, "kindergartens", run_id, registry)


@pytest.fixture
def refused(warehouse_url, landing, tmp_path, registry):
    """A run that published the health extract and refused a kindergartens file."""
    engine = open_engine(warehouse_url)
    pipeline.load(engine, landing, "prepregnancy_checks", RUN, registry)
    _refuse_kindergartens(landing, engine, RUN, registry)
    write_csv(landing, "health/notes_2023.csv", ["a", "1"])
    pipeline.report_unrecognised_files(engine, landing, RUN, registry)
    return engine


def test_run_report_lists_refusals_first_with_each_problem(refused, registry):
    files = steward.run_report(refused, RUN, registry)
    assert [f["status"] for f in files[:2]] == ["rejected", "rejected"]
    kindergartens = next(f for f in files if f["file"] == "education/kindergartens_2023.csv")
    assert kindergartens["task_id"] == "education.kindergartens"
    [problem] = kindergartens["problems"]
    assert problem["value"] == HOSTILE and problem["severity"] == "error"
    assert problem["title"] == "办园性质" and problem["row"] > 1
    assert problem["row_key"].startswith("YE") and problem["other_column"] is None
    assert f"row {problem['row']} ({problem['row_key']}), column 办园性质" in problem["advice"]
    unrecognised = next(f for f in files if f["file"] == "health/notes_2023.csv")
    assert unrecognised["task_id"] is None and "not recognised" in unrecognised["problems"][0]["rule"]
    published = [f for f in files if f["status"] == "published"]
    # the health extract's two periods and the kindergartens file of the other year
    assert sorted(f["extract"] for f in published) == [
        "kindergartens",
        "prepregnancy_checks",
        "prepregnancy_checks",
    ]
    assert not any(f["problems"] for f in published)


def test_a_run_keeps_its_refusal_after_the_fix(refused, landing, registry):
    """The run that refused a file still lists it once a later run published the fix."""
    fixed = landing / "education" / "kindergartens_2023.csv"
    fixed.write_bytes(fixed.read_bytes().replace(HOSTILE.encode(), "民办".encode()))
    pipeline.load(refused, landing, "kindergartens", "manual__later", registry)
    first = {
        f["file"]: f["status"]
        for f in steward.run_report(refused, RUN, registry)
        if f["extract"] == "kindergartens"
    }
    later = {f["file"]: f["status"] for f in steward.run_report(refused, "manual__later", registry)}
    assert first["education/kindergartens_2023.csv"] == "rejected"
    assert later["education/kindergartens_2023.csv"] == "published"


def test_a_task_cleared_within_its_run_replaces_what_it_said(refused, landing, registry):
    fixed = landing / "education" / "kindergartens_2023.csv"
    fixed.write_bytes(fixed.read_bytes().replace(HOSTILE.encode(), "民办".encode()))
    pipeline.load(refused, landing, "kindergartens", RUN, registry)
    rows = [
        f
        for f in steward.run_report(refused, RUN, registry)
        if f["file"] == "education/kindergartens_2023.csv"
    ]
    # the refused content and the corrected content, each once
    assert sorted(f["status"] for f in rows) == ["published", "rejected"]
    assert rows[0]["sha256"] != rows[1]["sha256"]


def test_pages_escape_delivered_values_and_need_a_login(refused):
    client = TestClient(create_app(lambda: refused, _user, _run_reader))
    assert client.get("/api/deliveries").status_code == 401
    assert client.get("/deliveries").status_code == 401
    assert client.get(f"/runs/deptstats_nightly/{RUN}").status_code == 401
    headers = {"X-Test-User": "steward"}
    page = client.get(f"/runs/deptstats_nightly/{RUN}", headers=headers)
    assert page.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and HOSTILE not in page.text
    assert "education.kindergartens" in page.text
    assert (
        client.get(f"/runs/deptstats_nightly/{RUN}", headers={"X-Test-User": "outsider"}).status_code == 403
    )
    listing = client.get("/deliveries", headers=headers)
    assert "education/kindergartens_2023.csv" in listing.text and "<script" not in listing.text
    body = client.get("/api/deliveries", params={"run_id": RUN}, headers=headers).json()
    refused_file = next(f for f in body if f["file"] == "education/kindergartens_2023.csv")
    assert {"file", "extract", "period", "status", "message", "problems"} <= set(refused_file)
    assert set(refused_file["problems"][0]) >= {
        "row",
        "row_key",
        "column",
        "value",
        "other_column",
        "other_value",
        "rule",
        "severity",
    }
    assert client.get("/api/deliveries", params={"run_id": "no-such-run"}, headers=headers).json() == []
