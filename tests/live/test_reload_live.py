"""Reloads on arrival under the real scheduler and triggerer: a department's `.ready` flag,
deleted by the watcher, reloads its extracts and changes the figure within one run; a delivery
announced from inside the api-server (announce_delivery, as the upload page calls it) reloads the
extract it names, for a user who may not post asset events."""

from __future__ import annotations

import csv
import io
import urllib.parse
from typing import Any

import pytest
from sqlalchemy import text

from deptstats.warehouse import open_engine
from tests.live.conftest import BAD_FILE, fix_health_row, read_text, set_cell
from tests.live.rest import ApiError, wait_for

pytestmark = [pytest.mark.live, pytest.mark.gx]
RELOAD = "deptstats_reload"
HEALTH_ASSET = "x-deptstats://landing/health"
INDICATOR = "health.prepregnancy_check_rate"  # citywide numerator: the checked people of BAD_FILE
RUN_TIMEOUT = 900.0


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def checked_people(live: Any) -> int:
    """The checked people of the health extract as delivered (column 2, header excluded)."""
    rows = list(csv.reader(io.StringIO(read_text(live.landing / BAD_FILE)[0])))[1:]
    return sum(int(row[2].replace(",", "")) for row in rows if row)


def figure(live: Any) -> float | None:
    with open_engine(live.warehouse, write=False).connect() as conn:
        value = conn.execute(
            text(
                "select numerator from indicator_value "
                "where indicator = :indicator and period = '2023' and area is null"
            ),
            {"indicator": INDICATOR},
        ).scalar()
    return None if value is None else float(value)


def redeliver(live: Any) -> int:
    """The health file with the fixture's bad row fixed (whatever became of it) and row 2's
    checked people one fewer: the figure the reload must show."""
    fix_health_row(live.landing)
    path = live.landing / BAD_FILE
    old = int(list(csv.reader(io.StringIO(read_text(path)[0])))[1][2])
    set_cell(path, 2, 2, str(old - 1))
    return checked_people(live)


def reload_run(admin: Any, before: set[str]) -> str:
    """The first reload run not in `before`, once it has ended."""

    def new() -> str | None:
        runs = admin.get(f"/api/v2/dags/{RELOAD}/dagRuns", limit=100)["dag_runs"]
        return next((r["dag_run_id"] for r in runs if r["dag_run_id"] not in before), None)

    run_id = wait_for(f"a new run of {RELOAD}", new, RUN_TIMEOUT, seen=lambda: sorted(before))
    admin.wait_run(RELOAD, run_id, RUN_TIMEOUT)
    return run_id


def runs(admin: Any) -> set[str]:
    return {r["dag_run_id"] for r in admin.get(f"/api/v2/dags/{RELOAD}/dagRuns", limit=100)["dag_runs"]}


def reloaded(admin: Any, run_id: str) -> dict:
    task = f"/api/v2/dags/{RELOAD}/dagRuns/{_q(run_id)}/taskInstances/reload_extracts"
    return admin.get(f"{task}/xcomEntries/return_value", deserialize="true")["value"]


def test_a_ready_flag_reloads_the_department(live, registry):
    admin = live.client("admin")
    dag = admin.wait_dag(RELOAD)
    assert dag["is_paused"] is False  # a delivery reloads without anyone unpausing it
    before, expected = runs(admin), redeliver(live)
    assert figure(live) != expected
    flag = live.landing / "health" / ".ready"
    flag.touch()
    run_id = reload_run(admin, before)
    assert admin.run_state(RELOAD, run_id) == "success", admin.task_states(RELOAD, run_id)
    wait_for("the watcher to delete the flag", lambda: not flag.exists(), 60)
    assert figure(live) == expected  # within one reload, not at the next nightly
    events = admin.get(f"/api/v2/dags/{RELOAD}/dagRuns/{_q(run_id)}/upstreamAssetEvents")["asset_events"]
    assert {e["uri"] for e in events} == {HEALTH_ASSET}
    assert all(e["extra"].get("from_trigger") for e in events)
    assert reloaded(admin, run_id)["extracts"] == [e.code for e in registry.extracts_of("health")]


def test_an_announced_delivery_reloads_its_extract(live):
    admin, analyst = live.client("admin"), live.client("analyst")
    admin.wait_dag(RELOAD)
    asset = admin.get("/api/v2/assets", uri_pattern=HEALTH_ASSET)["assets"][0]
    # the user may not post the event: the api-server posts it with the plugin's privilege
    with pytest.raises(ApiError) as refused:
        analyst.call("POST", "/api/v2/assets/events", {"asset_id": asset["id"], "extra": {}})
    assert refused.value.status == 403
    before, expected = runs(admin), redeliver(live)
    delivery = {"department": "health", "extract": "prepregnancy_checks", "period": "2023"}
    event = analyst.call("POST", "/deptstats-test/announce", delivery)
    assert event["asset"] == HEALTH_ASSET and event["extra"]["uploaded_by"] == "analyst"
    run_id = reload_run(admin, before)
    assert admin.run_state(RELOAD, run_id) == "success", admin.task_states(RELOAD, run_id)
    assert figure(live) == expected
    events = admin.get(f"/api/v2/dags/{RELOAD}/dagRuns/{_q(run_id)}/upstreamAssetEvents")["asset_events"]
    assert event["asset_event_id"] in {e["id"] for e in events}
    assert reloaded(admin, run_id)["extracts"] == ["prepregnancy_checks"]  # the extract it names
    audit = admin.get("/api/v2/eventLogs", event="deptstats_delivery_announced")["event_logs"]
    assert any(entry["owner"] == "analyst" for entry in audit)
