"""A department's side under the real components: the health clerk uploads a refused file through
the upload page (its report in Chinese, nothing in the landing folder), uploads it fixed, delivers
it, and the figure changes within the one reload the delivery starts; the board's cell follows.
The education clerk may not upload a health extract, and no form is taken from another origin.
The nightly that refused the file e-mailed the health department its notice, in Chinese."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.live.conftest import BAD_FILE, DAG_ID, break_health_row, fix_health_row, read_text, set_cell
from tests.live.rest import ApiError
from tests.live.test_reload_live import RELOAD, figure, reload_run, runs

pytestmark = [pytest.mark.live, pytest.mark.gx]
REPLY = "reply-2024-147"
CELL = ("health", "prepregnancy_checks", "2023")
FIELDS = {"extract": "prepregnancy_checks", "period": "2023"}
UPLOAD = "/deptstats/upload?lang=zh_CN"
HEALTH_CONTACT = "health.stats@example.org"  # the sample contacts (deptstats.sample)
PROBLEM = "检查人数 (checked_people)不得超过目标人群数 (target_people)"


def extract_files(live: Any, tmp_path: Path) -> tuple[bytes, bytes]:
    """The health extract as the landing folder holds it now, made refused (row 4 checks more
    people than it targets, as the fixture broke it) and fixed (row 4 mended, row 2's checked
    people three fewer: a figure the warehouse cannot hold yet)."""
    folder = tmp_path / "landing"
    (folder / "health").mkdir(parents=True)
    shutil.copy(live.landing / BAD_FILE, folder / BAD_FILE)
    fix_health_row(folder)
    old = int(list(csv.reader(io.StringIO(read_text(folder / BAD_FILE)[0])))[1][2])
    set_cell(folder / BAD_FILE, 2, 2, str(old - 3))
    fixed = (folder / BAD_FILE).read_bytes()
    break_health_row(folder)
    return (folder / BAD_FILE).read_bytes(), fixed


def checked_people(data: bytes) -> int:
    """The citywide numerator of the indicator: the checked people (column 2) of the file."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            rows = list(csv.reader(io.StringIO(data.decode(encoding))))[1:]
            break
        except UnicodeDecodeError:
            continue
    return sum(int(row[2].replace(",", "")) for row in rows if row)


def landed(live: Any) -> dict[str, str]:
    """Every file under the landing folder (staging included) -> its sha256."""
    return {
        path.relative_to(live.landing).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in live.landing.rglob("*")
        if path.is_file()
    }


def scanned(files: dict[str, str]) -> dict[str, str]:
    """Those the scan reads: none under a dot-named folder (staging, moved aside) or dot-named."""
    return {k: v for k, v in files.items() if not any(part.startswith(".") for part in k.split("/"))}


def cell(live: Any) -> dict[str, Any]:
    cells = live.client("steward").get("/deptstats/api/board", reply=REPLY)["cells"]
    [found] = [c for c in cells if (c["department"], c["extract"], c["period"]) == CELL]
    return found


def upload(client: Any, name: str, data: bytes, origin: str, fields: dict[str, str] = FIELDS) -> str:
    return client.post_form(UPLOAD, fields, {"file": (name, data)}, origin=origin)


def test_a_clerk_uploads_its_own_departments_files_from_airflows_own_origin(live):
    health, education = live.client("clerk_health"), live.client("clerk_education")
    data = (live.landing / BAD_FILE).read_bytes()
    with pytest.raises(ApiError) as foreign:
        upload(education, "prepregnancy_checks_2023.csv", data, live.url)
    assert foreign.value.status == 403 and "您无权上传 prepregnancy_checks 的文件" in foreign.value.body
    port = int(live.url.rsplit(":", 1)[1])
    for origin in (f"http://127.0.0.1:{port + 1}", "null"):  # another port of the same host
        with pytest.raises(ApiError) as cross:
            upload(health, "prepregnancy_checks_2023.csv", data, origin)
        assert cross.value.status == 403 and "只能从 Airflow 界面本身的地址提交" in cross.value.body
    with pytest.raises(ApiError) as delivering:
        health.post_form(f"/deptstats/upload/{'0' * 32}/deliver", {}, origin=f"http://localhost:{port}")
    assert delivering.value.status == 403


def test_refused_then_fixed_delivered_and_reloaded(live, tmp_path):
    admin, clerk = live.client("admin"), live.client("clerk_health")
    admin.wait_dag(RELOAD)  # its department assets exist: a delivery can announce itself
    refused, fixed = extract_files(live, tmp_path)
    before_cell, before_files = cell(live), landed(live)
    assert before_cell["outcome"] in ("refused", "published")  # alone: the fixture's nightly refused it
    if before_cell["outcome"] == "refused":
        assert before_cell["refused"]["file"] == BAD_FILE
    assert (before_cell["published"] or {}).get("sha256") != hashlib.sha256(fixed).hexdigest()

    report = upload(clerk, "体检.csv", refused, live.url)
    assert 'data-outcome="refused"' in report and 'id="deliver"' not in report
    assert "未通过：1 个错误" in report and PROBLEM in report, report
    after_refusal = landed(live)
    assert hashlib.sha256(refused).hexdigest() not in after_refusal.values()
    assert scanned(after_refusal) == scanned(before_files)
    assert cell(live)["published"] == before_cell["published"]  # a screening publishes nothing

    report = upload(clerk, "体检.csv", fixed, live.url)
    assert 'data-outcome="clean"' in report and "检查未发现问题，可以上报。" in report, report
    upload_id = re.search(r"/upload/([0-9a-f]{32})/deliver", report)[1]
    reloads, figure_before = runs(admin), figure(live)
    assert figure_before != checked_people(fixed)
    done = clerk.post_form(f"/deptstats/upload/{upload_id}/deliver?lang=zh_CN", {}, origin=live.url)
    assert f"已作为 {BAD_FILE} 上报至接收目录" in done
    assert (live.landing / BAD_FILE).read_bytes() == fixed  # under its canonical name

    run_id = reload_run(admin, reloads)
    assert admin.run_state(RELOAD, run_id) == "success", admin.task_states(RELOAD, run_id)
    assert figure(live) == checked_people(fixed)  # within that one reload
    events = admin.get(f"/api/v2/dags/{RELOAD}/dagRuns/{quote(run_id, safe='')}/upstreamAssetEvents")[
        "asset_events"
    ]
    assert [e["extra"].get("uploaded_by") for e in events] == ["clerk_health"]
    after = cell(live)
    assert after["status"] == "published" and after["refused"] is None, after
    assert after["published"]["sha256"] == hashlib.sha256(fixed).hexdigest()
    assert after["published"]["file"] == BAD_FILE
    audit = admin.get("/api/v2/eventLogs", event="deptstats.upload", owner="clerk_health")["event_logs"]
    assert {'"outcome": "screened_refused"', '"outcome": "delivered"'} <= {
        m for e in audit for m in re.findall(r'"outcome": "\w+"', e["extra"] or "")
    }


def test_the_refusing_nightly_notified_the_health_department_in_chinese(live):
    if live.inbox is None:
        pytest.skip("aiosmtpd is not installed: the deployment sends no notices")
    [notice] = [
        m
        for m in live.inbox.to(HEALTH_CONTACT)
        if "prepregnancy_checks_2023.csv" in m.get_body().get_content()
    ]
    assert notice["Subject"] == f"【{REPLY}】市卫生健康局有 1 项报送事项需要处理", notice["Subject"]
    body = notice.get_body(("html", "plain")).get_content()
    assert "王芳：您好！" in body
    assert f"文件 {BAD_FILE}" in body and PROBLEM in body, body
    assert "处理办法：请修改文件后重新报送" in body
    assert f"该文件的全部问题：{live.url}/deptstats/problems/" in body
    # sent by the nightly that refused it, once
    states = live.client("admin").task_states(DAG_ID, live.scheduled_run)
    assert states["send_notices"] == "success"
