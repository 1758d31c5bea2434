"""The steward's view of a run (deptstats.airflow.steward) and its pages (deptstats.airflow.steward_web), on
both backends, with a stand-in for Airflow's authentication; the live tests check the real one."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi import Header, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import text

from deptstats import pipeline
from deptstats.airflow import steward
from deptstats.airflow.steward_web import create_app
from deptstats.publish.loading import ExtractRejected
from deptstats.warehouse.engine import open_engine
from tests.helpers import write_csv

pytestmark = pytest.mark.gx


@pytest.fixture(autouse=True)
def deployment_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """This office's deployment speaks Chinese (the default); tests/conftest.py sets English for
    the others. A test quoting the English wording sets it itself."""
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")


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
    assert problem["advice"] == "修改文件中的这个值，然后重新报送该文件。"
    assert kindergartens["fixed_by"] is None
    unrecognised = next(f for f in files if f["file"] == "health/notes_2023.csv")
    assert unrecognised["task_id"] is None and "无法识别文件名" in unrecognised["problems"][0]["rule"]
    assert unrecognised["problems"][0]["advice"] == "修改整个文件，然后重新报送。"
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
    # the page's own script alone
    assert "education/kindergartens_2023.csv" in listing.text and listing.text.count("<script") == 1
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


# --- the problems page of a refused batch with more problems than one page holds -------------

FORMULA = "=SUM(A1:A9)"
BAD_ROWS = 230


def _many_bad_kindergartens(landing: Path, registry) -> Path:
    """A kindergartens file of 2023 whose every row has an ownership outside the dictionary, the
    first one a formula."""
    areas = registry.areas
    lines = ["幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数"]
    for n in range(1, BAD_ROWS + 1):
        ownership = FORMULA if n == 1 else "公私合办"
        lines.append(f"YE{n:03d},幼儿园{n},{areas[n % len(areas)]},{ownership},{100 + n}")
    return write_csv(landing, "education/kindergartens_2023.csv", lines)


@pytest.fixture
def many(warehouse_url, landing, registry):
    """A run that refused a kindergartens file with more than 200 problems; two of them are
    coded (rule_code one_of), one has no code at all, the rest as the loader stored them."""
    engine = open_engine(warehouse_url)
    _many_bad_kindergartens(landing, registry)
    with pytest.raises(ExtractRejected):
        pipeline.load(engine, landing, "kindergartens", RUN, registry)
    with engine.begin() as conn:
        batch_id = conn.execute(
            text("select batch_id from load_batch where outcome = 'rejected' and run_id = :run"), {"run": RUN}
        ).scalar_one()
        first, second, third = conn.execute(
            text("select problem_id from problem where batch_id = :b order by problem_id limit 3"),
            {"b": batch_id},
        ).scalars()
        coded = {"column": "办园性质 (ownership)", "allowed": ["公办", "民办"]}
        params = json.dumps(coded, ensure_ascii=False)
        conn.execute(
            text("update problem set rule_code = 'one_of', params = :params where problem_id in (:a, :b)"),
            {"params": params, "a": first, "b": second},
        )
        conn.execute(
            text("update problem set rule_code = null, rule = 'stored words' where problem_id = :c"),
            {"c": third},
        )
    return engine, batch_id


def _client(engine) -> TestClient:
    return TestClient(create_app(lambda: engine, _user, _run_reader))


STEWARD = {"X-Test-User": "steward"}


def _numbers(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td class="muted">(\d+)</td>', html)]


def test_the_problems_page_pages_through_every_problem_in_both_languages(many):
    engine, batch_id = many
    client = _client(engine)
    assert client.get(f"/problems/{batch_id}").status_code == 401
    assert client.get(f"/problems/{batch_id}", headers={"X-Test-User": "outsider"}).status_code == 403
    assert client.get("/problems/999999", headers=STEWARD).status_code == 404
    first = client.get(f"/problems/{batch_id}", params={"lang": "en"}, headers=STEWARD)
    assert first.status_code == 200 and "default-src 'self'" in first.headers["content-security-policy"]
    assert f"{BAD_ROWS} problems: {BAD_ROWS} errors, 0 warnings." in first.text
    assert _numbers(first.text) == list(range(1, 201)) and "Page 1 of 2" in first.text
    assert f'href="{batch_id}?page=2&amp;lang=en"' in first.text and "Previous page" not in first.text
    # the coded rule in the reader's language, a row without a code and the loader's rows as stored
    assert "办园性质 (ownership) must be one of 公办、民办" in first.text
    assert "stored words" in first.text and "must be one of" in first.text
    assert "Correct this value in the file, then deliver the file again." in first.text
    assert "education/kindergartens_2023.csv" in first.text and RUN in first.text
    second = client.get(f"/problems/{batch_id}", params={"page": 2, "lang": "en"}, headers=STEWARD)
    assert _numbers(second.text) == list(range(201, BAD_ROWS + 1)) and "Next page" not in second.text
    assert f'href="{batch_id}?page=1&amp;lang=en"' in second.text
    chinese = client.get(f"/problems/{batch_id}", params={"lang": "zh-CN"}, headers=STEWARD)
    assert "办园性质 (ownership)必须是以下之一：公办、民办" in chinese.text
    assert "第 1 页，共 2 页" in chinese.text
    assert "stored words" in chinese.text and 'data-language="zh_CN"' in chinese.text
    assert "Page 1 of 2" not in chinese.text and "修改文件中的这个值" in chinese.text
    # the extract by its name in the page's language; English has only the code
    assert "<td>幼儿园及在园幼儿 (kindergartens)</td>" in chinese.text
    assert "<td>kindergartens</td>" in first.text
    # the default: the deployment's language (zh_CN)
    assert "第 1 页，共 2 页" in client.get(f"/problems/{batch_id}", headers=STEWARD).text


def test_the_problems_page_tells_the_load_in_the_deployments_time(many, monkeypatch):
    engine, batch_id = many
    with engine.connect() as conn:
        finished = conn.execute(
            text("select finished_at from load_batch where batch_id = :b"), {"b": batch_id}
        ).scalar_one()
    utc = datetime.fromisoformat(finished).replace(tzinfo=UTC)
    page = _client(engine).get(f"/problems/{batch_id}", headers=STEWARD).text
    assert f"{utc.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M} (Asia/Shanghai)" in page
    monkeypatch.setenv("DEPTSTATS_TIMEZONE", "Europe/Paris")
    page = _client(engine).get(f"/problems/{batch_id}", headers=STEWARD).text
    assert f"{utc.astimezone(ZoneInfo('Europe/Paris')):%Y-%m-%d %H:%M} (Europe/Paris)" in page


def test_the_downloads_hold_every_problem_inert_in_the_readers_language(many):
    engine, batch_id = many
    client = _client(engine)
    assert client.get(f"/problems/{batch_id}.csv").status_code == 401
    got = client.get(f"/problems/{batch_id}.csv", headers=STEWARD)
    assert got.status_code == 200 and got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["行号", "行标识", "列", "数值"] and len(rows) == BAD_ROWS + 1
    formula = next(r for r in rows if "SUM(" in r[3])
    assert formula[3].startswith("'=")
    book_bytes = client.get(f"/problems/{batch_id}.xlsx", params={"lang": "en"}, headers=STEWARD).content
    sheet = openpyxl.load_workbook(io.BytesIO(book_bytes)).active
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][:4] == ("Row", "Row key", "Column", "Value") and len(cells) == BAD_ROWS + 1
    [cell] = [c for row in sheet.iter_rows() for c in row if "SUM(" in str(c.value)]
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_a_refusal_fixed_by_a_later_publication_is_marked_fixed(refused, landing, registry):
    client = _client(refused)
    before = client.get(f"/runs/deptstats_nightly/{RUN}", headers=STEWARD).text
    assert "已修正" not in before and "education.kindergartens" in before
    fixed = landing / "education" / "kindergartens_2023.csv"
    fixed.write_bytes(fixed.read_bytes().replace(HOSTILE.encode(), "民办".encode()))
    pipeline.load(refused, landing, "kindergartens", "manual__later", registry)
    report = steward.run_report(refused, RUN, registry)
    [entry] = [f for f in report if f["file"] == "education/kindergartens_2023.csv"]
    assert entry["fixed_by"]["run_id"] == "manual__later"
    after = client.get(f"/runs/deptstats_nightly/{RUN}", headers=STEWARD).text
    block = after.split("education/kindergartens_2023.csv</h2>")[1].split("<h2")[0]
    assert "已修正" in block and "manual__later" in block and "(Asia/Shanghai)" in block
    assert "education.kindergartens" not in block  # no clearing advice for a fixed file
    assert 'href="manual__later?lang=zh_CN"' in block
    english = client.get(f"/runs/deptstats_nightly/{RUN}", params={"lang": "en"}, headers=STEWARD).text
    assert "fixed</b>" in english and "已修正" not in english
    # the unrecognised file has no extract: nothing can fix it but a good name
    assert "report_unrecognised_files" in after


def test_deliveries_tell_published_superseded_refused_and_unchanged(refused, landing, registry):
    fixed = landing / "education" / "kindergartens_2023.csv"
    fixed.write_bytes(fixed.read_bytes().replace(HOSTILE.encode(), "民办".encode()))
    pipeline.load(refused, landing, "kindergartens", "manual__later", registry)
    pipeline.load(refused, landing, "prepregnancy_checks", "manual__again", registry)
    rows = steward.deliveries(refused)
    kindergartens = [r for r in rows if r["file"] == "education/kindergartens_2023.csv"]
    assert sorted(r["standing"] for r in kindergartens) == ["current", "rejected"]
    health = [r for r in rows if r["extract"] == "prepregnancy_checks"]
    assert {r["standing"] for r in health} == {"current"} and all(r["unchanged"] for r in health)
    # a later content of a published file supersedes it
    fixed.write_bytes(fixed.read_bytes().replace("公办".encode(), "民办".encode(), 1))
    pipeline.load(refused, landing, "kindergartens", "manual__third", registry)
    standings = sorted(r["standing"] for r in steward.deliveries(refused) if r["file"] == fixed_name(fixed))
    assert standings == ["current", "rejected", "superseded"]
    page = _client(refused).get("/deliveries", params={"lang": "en"}, headers=STEWARD).text
    assert "published now" in page and "superseded" in page and "refused" in page
    assert "unchanged this run" in page
    chinese = _client(refused).get("/deliveries", headers=STEWARD).text
    assert "当前发布" in chinese and "已被替换" in chinese and "本次运行未变更" in chinese
    assert "(Asia/Shanghai)" in chinese


def fixed_name(path: Path) -> str:
    return path.relative_to(path.parents[1]).as_posix()


def test_the_pages_load_nothing_from_elsewhere_and_follow_the_uis_language(refused):
    client = _client(refused)
    for url in ("/deliveries", f"/runs/deptstats_nightly/{RUN}"):
        page = client.get(url, headers=STEWARD)
        assert not re.search(r'(src|href)="(https?:)?//', page.text)
        policy = page.headers["content-security-policy"]
        script = page.text.split("<script>")[1].split("</script>")[0]
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy and "i18nextLng" in script
