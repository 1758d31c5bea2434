"""The submission board of a reply (deptstats.audit.board) on both backends: its cells before and
after one delivery, as of a day before and after the due date; `deptstats board --format json`;
the Board page through the steward app in both languages; the nightly's closing lines."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from fastapi import Header, HTTPException
from fastapi.testclient import TestClient

from deptstats import pipeline

# imported when collected: importing Airflow sets up its logging, which would drop the handler
# that pytest's caplog installs for a test
from deptstats.airflow import steward_board, tasks
from deptstats.airflow.steward_web import create_app
from deptstats.audit import board
from deptstats.cli.entry import main
from deptstats.publish.loading import ExtractRejected
from deptstats.warehouse.engine import open_engine

pytestmark = pytest.mark.gx

REPLY = "reply-2024-203"  # civil affairs only: three extracts of 2024-03, due 2024-05-31
DUE = dt.date(2024, 5, 31)
BEFORE, AFTER = DUE, DUE + dt.timedelta(days=1)
VILLAGES = "civil_affairs/village_coverage_2024-03.json"
CENTERS = "civil_affairs/home_care_centers_2024-03.csv"
RUN = "scheduled__2024-06-01T01:30:00+08:00"


def _by_extract(cells: list[dict]) -> dict[str, dict]:
    return {cell["extract"]: cell for cell in cells}


def _load(engine, landing, code: str, registry, run_id: str = RUN) -> bool:
    """Load one extract; False when it was refused."""
    try:
        pipeline.load(engine, landing, code, run_id, registry, settle=0)
    except ExtractRejected:
        return False
    return True


@pytest.fixture
def delivered(warehouse_url, landing, registry):
    """Civil affairs delivered for reply 2024-203: the institutions published, the villages
    refused (a coverage of 也许), the home care centres of 2024-03 never delivered."""
    engine = open_engine(warehouse_url)
    (landing / CENTERS).unlink()
    villages = landing / VILLAGES
    villages.write_text(
        villages.read_text(encoding="utf-8").replace('"是否覆盖": "是"', '"是否覆盖": "也许"', 1),
        encoding="utf-8",
    )
    assert _load(engine, landing, "elderly_care_institutions", registry)
    assert _load(engine, landing, "home_care_centers", registry)  # the 2023-12 file only
    assert not _load(engine, landing, "village_coverage", registry)
    return engine


def test_an_empty_warehouse_owes_everything_and_is_late_after_the_due_date(warehouse_url, registry):
    engine = open_engine(warehouse_url)
    before = board(engine, REPLY, registry, BEFORE)
    assert [(c["extract"], c["period"], c["status"]) for c in before] == [
        ("elderly_care_institutions", "2024-03", "missing"),
        ("home_care_centers", "2024-03", "missing"),
        ("village_coverage", "2024-03", "missing"),
    ]
    assert all(c["due"] == "2024-05-31" and not c["late"] for c in before)
    after = board(engine, REPLY, registry, AFTER)
    assert {(c["status"], c["outcome"], c["late"]) for c in after} == {("late", "missing", True)}


def test_cells_before_and_after_the_due_date_and_after_one_delivery(delivered, landing, registry):
    before = _by_extract(board(delivered, REPLY, registry, BEFORE, "en"))
    published = before["elderly_care_institutions"]
    assert published["status"] == "published" and published["refused"] is None
    assert published["published"]["file"] == "civil_affairs/elderly_care_institutions_2024-03.xlsx"
    assert published["published"]["rows"] > 0 and len(published["published"]["sha256"]) == 64
    assert published["published"]["at"] and published["published"]["batch_id"] > 0
    assert before["home_care_centers"]["status"] == "missing"
    assert before["home_care_centers"]["published"] is None
    refused = before["village_coverage"]
    assert (refused["status"], refused["late"]) == ("refused", False)
    assert refused["refused"]["file"] == VILLAGES and refused["refused"]["batch_id"] is not None
    assert "也许" not in refused["refused"]["problem"]  # the rule, not the value
    assert "must be one of" in refused["refused"]["problem"]
    # the same problem in Chinese
    chinese = _by_extract(board(delivered, REPLY, registry, BEFORE, "zh_CN"))["village_coverage"]
    assert "必须是" in chinese["refused"]["problem"] and chinese["extract_name"] != "village_coverage"

    after = _by_extract(board(delivered, REPLY, registry, AFTER, "en"))
    assert after["elderly_care_institutions"]["status"] == "published"  # published is never late
    assert (after["home_care_centers"]["status"], after["home_care_centers"]["outcome"]) == (
        "late",
        "missing",
    )
    assert (after["village_coverage"]["status"], after["village_coverage"]["outcome"]) == ("late", "refused")
    assert after["village_coverage"]["refused"] == refused["refused"]

    # one delivery: the villages corrected and loaded again
    villages = landing / VILLAGES
    villages.write_text(villages.read_text(encoding="utf-8").replace("也许", "是"), encoding="utf-8")
    assert _load(delivered, landing, "village_coverage", registry, "manual__fixed")
    fixed = _by_extract(board(delivered, REPLY, registry, AFTER, "en"))["village_coverage"]
    assert (fixed["status"], fixed["late"], fixed["refused"]) == ("published", False, None)
    assert fixed["published"]["file"] == VILLAGES
    assert fixed["published"]["batch_id"] > refused["refused"]["batch_id"]


def test_the_nightly_ends_with_the_late_and_refused_cells(delivered, registry, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    lines = pipeline.late_and_refused(delivered, registry, REPLY, BEFORE)
    assert lines[0] == "Submission board of reply-2024-203 as of 2024-05-31: 0 late, 1 refused"
    assert lines[1].startswith("refused: Civil Affairs Bureau, village_coverage 2024-03, " + VILLAGES)
    lines = pipeline.late_and_refused(delivered, registry, REPLY, AFTER)
    assert lines[0].endswith(": 2 late, 0 refused")
    assert lines[1].startswith(
        "late since 2024-05-31: Civil Affairs Bureau, home_care_centers 2024-03 (missing)"
    )
    assert lines[2].startswith(
        "late since 2024-05-31: Civil Affairs Bureau, village_coverage 2024-03 (refused: "
    )
    # a board that cannot be drawn never changes what the last task decides
    assert pipeline.late_and_refused(delivered, registry, "no-such-reply", AFTER) == []


def test_the_last_task_logs_the_board_as_of_the_logical_date_where_the_office_is(
    delivered, warehouse_url, monkeypatch, caplog
):
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    monkeypatch.setattr(tasks, "warehouse_url", lambda: warehouse_url)
    # 17:30 UTC on the due date is 01:30 of the next day in Shanghai: the run is past it
    logical = dt.datetime(2024, 5, 31, 17, 30, tzinfo=dt.UTC)
    with caplog.at_level(logging.INFO, logger=tasks.log.name):
        tasks._log_board(REPLY, logical)
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == tasks.log.name]
    assert said[0] == (logging.INFO, "Submission board of reply-2024-203 as of 2024-06-01: 2 late, 0 refused")
    assert [level for level, _line in said[1:]] == [logging.WARNING, logging.WARNING]
    monkeypatch.setenv("DEPTSTATS_TIMEZONE", "UTC")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=tasks.log.name):
        tasks._log_board(REPLY, logical)
    assert "as of 2024-05-31: 0 late, 1 refused" in caplog.records[0].getMessage()


def test_the_command_prints_the_board_as_json(delivered, warehouse_url, capsys):
    code = main(
        ["board", "--reply", REPLY, "--warehouse", warehouse_url, "--format", "json", "--as-of", "2024-06-01"]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["reply"], printed["as_of"]) == (REPLY, "2024-06-01")
    statuses = {c["extract"]: (c["status"], c["outcome"]) for c in printed["cells"]}
    assert statuses == {
        "elderly_care_institutions": ("published", "published"),
        "home_care_centers": ("late", "missing"),
        "village_coverage": ("late", "refused"),
    }
    with pytest.raises(SystemExit, match="--as-of"):
        main(["board", "--reply", REPLY, "--warehouse", warehouse_url, "--as-of", "June"])


def _user(x_test_user: str | None = Header(default=None)) -> str:
    if x_test_user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return x_test_user


def _nightly_reader(x_test_user: str | None = Header(default=None)) -> None:
    if x_test_user == "outsider":
        raise HTTPException(status_code=403, detail="Forbidden")


def _never(x_test_user: str | None = Header(default=None)) -> None:
    raise HTTPException(status_code=403, detail="only the nightly's readers guard the board")


def test_the_board_page_in_both_languages(delivered, registry, monkeypatch):
    monkeypatch.setattr(steward_board, "today", lambda: AFTER)
    app = create_app(lambda: delivered, _user, _never, may_read_loads=_nightly_reader)
    client = TestClient(app)
    assert client.get("/board", params={"reply": REPLY}).status_code == 401
    assert client.get("/board", headers={"X-Test-User": "outsider"}).status_code == 403
    steward = {"X-Test-User": "steward"}
    assert client.get("/board", params={"reply": "no-such-reply"}, headers=steward).status_code == 404
    english = client.get("/board", params={"reply": REPLY, "lang": "en"}, headers=steward)
    assert english.status_code == 200
    assert "Submission board of reply-2024-203" in english.text
    assert "1 published, 0 refused, 0 missing, 2 late." in english.text
    batch = _by_extract(board(delivered, REPLY, registry, AFTER))["village_coverage"]["refused"]
    assert f'href="problems/{batch["batch_id"]}?lang=en"' in english.text
    assert 'data-extract="village_coverage" data-period="2024-03" data-status="late"' in english.text
    assert "must be one of" in english.text and "(Asia/Shanghai)" in english.text
    assert 'href="board?reply=reply-2024-147&amp;lang=en"' in english.text
    chinese = client.get("/board", params={"reply": REPLY, "lang": "zh-CN"}, headers=steward)
    assert "reply-2024-203报送看板" in chinese.text
    assert "已发布1项，已拒收0项，未报送0项，已逾期2项。" in chinese.text
    assert "已逾期（未报送）" in chinese.text and "必须是" in chinese.text
    assert f'href="problems/{batch["batch_id"]}?lang=zh_CN"' in chinese.text
    body = client.get("/api/board", params={"reply": REPLY, "as_of": "2024-05-31"}, headers=steward).json()
    assert body["as_of"] == "2024-05-31" and [c["status"] for c in body["cells"]] == [
        "published",
        "missing",
        "refused",
    ]
    assert client.get("/api/board", headers={"X-Test-User": "outsider"}).status_code == 403
    monkeypatch.setattr(steward_board, "today", lambda: BEFORE)
    on_time = client.get("/board", params={"reply": REPLY, "lang": "en"}, headers=steward)
    assert "1 published, 1 refused, 1 missing, 0 late." in on_time.text


def test_the_table_tells_a_refused_file_beside_the_publication_it_leaves_standing(
    delivered, landing, warehouse_url, registry, capsys
):
    villages = landing / VILLAGES
    text = villages.read_text(encoding="utf-8")
    villages.write_text(text.replace("也许", "是"), encoding="utf-8")
    assert _load(delivered, landing, "village_coverage", registry, "manual__fixed")
    villages.write_text(text.replace("也许", "不详"), encoding="utf-8")  # refused: the publication stands
    assert not _load(delivered, landing, "village_coverage", registry, "manual__broken")
    cell = _by_extract(board(delivered, REPLY, registry, AFTER, "en"))["village_coverage"]
    assert cell["status"] == "published" and cell["refused"]["batch_id"] > cell["published"]["batch_id"]
    args = ["board", "--reply", REPLY, "--warehouse", warehouse_url, "--as-of", "2024-06-01"]
    assert main([*args, "--format", "table", "--lang", "en"]) == 0
    [line] = [row for row in capsys.readouterr().out.splitlines() if "later delivery" in row]
    assert "published; a later delivery was refused" in line
    assert f"{VILLAGES}: " in line and "must be one of" in line
    assert str(cell["refused"]["batch_id"]) in line.split()
    assert main([*args, "--format", "table", "--lang", "zh_CN"]) == 0
    assert "已发布；之后的一次报送被拒收" in capsys.readouterr().out
