"""The landing folder before anything is loaded: the sample is settled when written, a landing
folder that is not there is refused by the command line and by the DAG's tasks, and a time
setting that is no number of seconds is named."""

from __future__ import annotations

import time

import pytest

from deptstats.cli import main
from deptstats.core.settings import DEFAULT_SETTLE_SECONDS
from deptstats.ingest.landing import scan


def test_the_sample_deliveries_are_settled_when_written(sample_dir, registry):
    settled_before = time.time() - DEFAULT_SETTLE_SECONDS
    assert not [d.relative for d in scan(sample_dir, registry) if d.modified_after(settled_before)]


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_load_refuses_a_landing_folder_that_is_not_there(tmp_path, kind):
    landing = tmp_path / "landing"
    if kind == "a file":
        landing.write_text("not a folder")
    warehouse, out = tmp_path / "warehouse.db", tmp_path / "out"
    with pytest.raises(SystemExit) as failed:
        main(["load", "--landing", str(landing), "--warehouse", str(warehouse), "--out", str(out)])
    said = "does not exist" if kind == "missing" else "is not a folder"
    assert str(failed.value.code) == (
        f"deptstats load: the landing folder {landing} {said}: check --landing, the DAG param "
        "landing or DEPTSTATS_LANDING"
    )
    assert not warehouse.exists() and not out.exists()


@pytest.mark.parametrize("task", ["report_unrecognised_files", "load_extract"])
def test_the_dag_tasks_fail_without_retry_on_a_missing_landing_folder(tmp_path, monkeypatch, task):
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import tasks as airflow_tasks

    def no_warehouse():
        raise AssertionError("the warehouse was opened")

    monkeypatch.setattr(airflow_tasks, "warehouse_url", no_warehouse)
    monkeypatch.setenv("DEPTSTATS_LANDING", str(tmp_path / "nowhere"))
    call = (
        (lambda: airflow_tasks.report_unrecognised_files("r1"))
        if task == "report_unrecognised_files"
        else (lambda: airflow_tasks.load_extract("kindergartens", "r1"))
    )
    with pytest.raises(AirflowFailException, match=r"landing folder .*nowhere does not exist"):
        call()


def test_the_draft_folder_is_the_deployments_never_a_param_of_the_run(tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import tasks as airflow_tasks

    def no_warehouse():
        raise AssertionError("the warehouse was opened")

    monkeypatch.setattr(airflow_tasks, "warehouse_url", no_warehouse)
    monkeypatch.delenv("DEPTSTATS_OUT", raising=False)
    # a conf passed with a trigger still reaches params: the tasks must not take a folder from it
    params = {"out": str(tmp_path / "elsewhere"), "landing": str(tmp_path)}
    with pytest.raises(AirflowFailException, match=r"^no out folder: set DEPTSTATS_OUT for the workers$"):
        airflow_tasks.draft_reply(params, "r1")
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon"])
@pytest.mark.parametrize(
    "env", ["DEPTSTATS_SETTLE_SECONDS", "DEPTSTATS_LOCK_TIMEOUT_SECONDS", "DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS"]
)
def test_a_time_setting_that_is_no_number_of_seconds_is_named(env, value, monkeypatch):
    from deptstats.core.settings import settle_seconds
    from deptstats.warehouse.engine import lock_timeout_seconds, sqlite_busy_timeout_ms

    read = {
        "DEPTSTATS_SETTLE_SECONDS": settle_seconds,
        "DEPTSTATS_LOCK_TIMEOUT_SECONDS": lock_timeout_seconds,
        "DEPTSTATS_SQLITE_BUSY_TIMEOUT_MS": sqlite_busy_timeout_ms,
    }[env]
    monkeypatch.setenv(env, value)
    with pytest.raises(ValueError, match=f"{env}='{value}': give a number, 0 or more"):
        read()
