"""The upload page's core: screening a file as the loader would (publish.screen, `deptstats
screen`), in a child of the warm screening server with a timeout, one at a time per user;
delivering it into the landing folder atomically, another format of the same period moved
aside; the size limit while the body streams in, the Origin check, the explanation of warnings.
Through the app with Starlette's TestClient and a stand-in for Airflow's authentication, as
tests/test_steward.py."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from fastapi import Header, HTTPException
from fastapi.testclient import TestClient
from sqlalchemy import text

from deptstats.airflow import steward_screening as screening
from deptstats.airflow.steward_upload import UploadWiring
from deptstats.airflow.steward_web import create_app
from deptstats.airflow.warm_screening import Screener, ScreenFailed, ScreenTimeout
from deptstats.core import parse_period
from deptstats.ingest import deliveries_of
from deptstats.publish import screen
from deptstats.publish.loading import load_extract
from deptstats.warehouse import upload_explanations
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema
from tests.conftest import REPO
from tests.helpers import table_counts

pytestmark = pytest.mark.gx

BASE_URL = "http://airflow.test:8080"
ORIGIN = {"Origin": BASE_URL}
CLERK = {"X-Test-User": "clerk", **ORIGIN}
HOSTILE = "<img src=x onerror=alert(1)>"


def _user(x_test_user: str | None = Header(default=None)) -> str:
    if x_test_user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return x_test_user


def _loads_reader(x_test_user: str | None = Header(default=None)) -> None:
    if x_test_user == "outsider":
        raise HTTPException(status_code=403, detail="Forbidden")


def _refused_kindergartens(sample_dir: Path) -> bytes:
    data = (sample_dir / "education" / "kindergartens_2023.csv").read_bytes()
    return data.replace("民办".encode(), HOSTILE.encode(), 1)


# ---- screening, without the page -------------------------------------------------------------


def test_screening_says_what_the_load_would_and_writes_nothing(sample_dir, tmp_path, registry):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine = open_engine(url)
    ensure_schema(engine, registry)
    before = table_counts(engine, registry)
    clean = screen(
        sample_dir / "health" / "prepregnancy_checks_2023.csv",
        registry.extract("prepregnancy_checks"),
        parse_period("2023"),
        registry,
        engine,
    )
    assert (clean.outcome, clean.errors, clean.warnings, clean.problems) == ("clean", 0, 0, [])
    assert clean.rows and clean.rows > 0
    subsidies = sample_dir / "health" / "childcare_subsidies_2023.json"
    args = (registry.extract("childcare_subsidies"), parse_period("2023"), registry)
    warned = screen(subsidies, *args, engine)
    # the institutions it references are not published: a warning, as the loader gives
    assert (warned.outcome, warned.errors, warned.warnings) == ("warnings", 0, 1)
    assert warned.problems[0].message.code == "reference_unchecked" and warned.row_label == "record"
    bad = tmp_path / "upload.csv"
    bad.write_bytes(_refused_kindergartens(sample_dir))
    refused = screen(bad, registry.extract("kindergartens"), parse_period("2023"), registry, engine)
    assert refused.refused and refused.errors == 1
    [problem] = refused.problems
    assert (problem.column, problem.value, problem.message.code) == ("ownership", HOSTILE, "one_of")
    assert problem.row and problem.row > 1
    assert table_counts(engine, registry) == before
    # once the institutions are published, their ids are read from the warehouse and checked
    load_extract(engine, sample_dir, "childcare_institutions", "test", registry)
    assert screen(subsidies, *args, engine).outcome == "clean"


def test_an_unreadable_upload_is_refused_with_the_readers_reason(tmp_path, registry):
    bad = tmp_path / "upload.xlsx"
    bad.write_bytes(b"not a workbook at all")
    report = screen(bad, registry.extract("kindergartens"), parse_period("2023"), registry)
    assert report.refused and report.rows is None
    assert report.problems[0].message.code == "workbook_unreadable"


def test_the_command_prints_the_report_as_json(sample_dir, tmp_path):
    bad = tmp_path / "anything.csv"
    bad.write_bytes(_refused_kindergartens(sample_dir))
    env = dict(os.environ, PYTHONPATH=f"{REPO / 'src'}{os.pathsep}{REPO}")
    env.pop("DEPTSTATS_WAREHOUSE", None)
    command = [sys.executable, "-m", "deptstats.cli", "screen", "--extract", "kindergartens"]
    done = subprocess.run(
        [*command, "--period", "2023", "--file", str(bad), "--format", "json", "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr  # refused
    report = json.loads(done.stdout)
    assert (report["outcome"], report["errors"], report["warnings"]) == ("refused", 1, 0)
    [problem] = report["problems"]
    assert problem["code"] == "one_of" and problem["value"] == HOSTILE and problem["column"] == "ownership"
    assert "must be one of" in problem["text"] and problem["params"]["allowed"]
    assert not (tmp_path / "warehouse.db").exists()  # no warehouse given: none opened or made
    wrong = subprocess.run(
        [*command, "--period", "2023-05", "--file", str(bad), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert wrong.returncode != 0 and "YYYY" in wrong.stderr


def _server(job_body: str) -> list[str]:
    """A screening server whose job is `job_body` (the body of `def job(request):`)."""
    script = (
        "import os, subprocess, sys, time\n"
        "from deptstats.airflow.screening_server import serve\n"
        "def job(request):\n"
        + "".join(f"    {line}\n" for line in job_body.splitlines())
        + "serve(sys.argv[1], job=job, preload=())\n"
    )
    return [sys.executable, "-c", script]


def test_the_warm_screener_answers_as_publish_screen_does(sample_dir, tmp_path, registry):
    bad = tmp_path / "upload.csv"
    bad.write_bytes(_refused_kindergartens(sample_dir))
    args = (registry.extract("kindergartens"), parse_period("2023"))
    screener = Screener()
    try:
        report = screener.screen(bad, *args, "en", None, 120)
        again = screener.screen(bad, *args, "en", None, 120)
    finally:
        screener.stop()
    expected = screen(bad, *args, registry).to_json("en")
    assert report.to_json("en") == again.to_json("en") == expected
    assert report.refused and report.problems[0].value == HOSTILE


def test_a_screening_past_its_timeout_is_stopped_with_what_it_started(tmp_path):
    marker = tmp_path / "child.pid"
    # the screening and a process it started: both stopped
    slow = _server(
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(marker)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)"
    )
    screener = Screener(slow)
    try:
        screener.warm()
        started = time.monotonic()
        with pytest.raises(ScreenTimeout):
            screener.ask({}, 3)
        assert time.monotonic() - started < 30
        pid = int(marker.read_text())
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid)
        # the server itself serves on
        assert screener.running()
    finally:
        screener.stop()


def test_a_failed_screening_is_told_and_a_dead_server_started_again(tmp_path):
    screener = Screener(_server("if request.get('fail'): raise ValueError('no such sheet')\nreturn request"))
    try:
        with pytest.raises(ScreenFailed, match="no such sheet"):
            screener.ask({"fail": True}, 60)
        assert screener.ask({"n": 1}, 60) == {"n": 1}
        first = screener.server_pid()
        os.kill(first, 9)
        assert screener.ask({"n": 2}, 60) == {"n": 2}
        assert screener.server_pid() != first
    finally:
        screener.stop()


def test_the_server_ends_with_the_process_that_started_it(tmp_path):
    # a parent that starts a server, tells its pid and dies without a word
    script = (
        "from deptstats.airflow.warm_screening import Screener\n"
        "s = Screener(); s.warm(); print(s.server_pid(), flush=True)\n"
        "import os; os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    server = int(done.stdout.split()[-1])
    deadline = time.monotonic() + 60
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


# ---- the page ----------------------------------------------------------------------------------


class Page:
    """The app with the upload page, an empty landing folder, and what it audited and announced."""

    def __init__(self, engine, landing: Path, staging: Path, may_upload=None):
        self.engine, self.landing, self.staging = engine, landing, staging
        self.audited: list[tuple[str, dict]] = []
        self.announced: list[tuple[str, ...]] = []
        wiring = UploadWiring(
            user=_user,
            may_read_loads=_loads_reader,
            writer=lambda: engine,
            landing=lambda: landing,
            base_url=lambda: BASE_URL + "/",
            audit=lambda user, details: self.audited.append((user, details)),
            announce=lambda *told: self.announced.append(told),
            staging=lambda: staging,
            **({"may_upload": may_upload} if may_upload else {}),
        )
        self.client = TestClient(create_app(lambda: engine, _user, _loads_reader, uploads=wiring))

    def upload(self, extract: str, period: str, name: str, data: bytes, headers=CLERK, lang="en"):
        return self.client.post(
            "/upload",
            params={"lang": lang},
            data={"extract": extract, "period": period},
            files={"file": (name, data, "application/octet-stream")},
            headers=headers,
        )

    def deliver(self, upload_id: str, explanation: str | None = None, headers=CLERK):
        data = {} if explanation is None else {"explanation": explanation}
        return self.client.post(
            f"/upload/{upload_id}/deliver", params={"lang": "en"}, data=data, headers=headers
        )

    def uploads(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text("select * from upload order by uploaded_at"))]

    def landed(self) -> list[str]:
        return sorted(p.relative_to(self.landing).as_posix() for p in self.landing.rglob("*") if p.is_file())


def upload_id_of(html: str) -> str:
    return re.search(r'action="/upload/([0-9a-f]{32})/deliver', html).group(1)


@pytest.fixture
def page(tmp_path, registry) -> Page:
    engine = open_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    ensure_schema(engine, registry)
    landing = tmp_path / "landing"
    landing.mkdir()
    return Page(engine, landing, tmp_path / "staging")


def test_a_clean_file_is_delivered_under_its_name_and_another_format_moved_aside(
    warehouse_url, tmp_path, sample_dir, registry
):
    engine = open_engine(warehouse_url)
    landing = tmp_path / "landing"
    (landing / "health").mkdir(parents=True)
    delivered_csv = (sample_dir / "health" / "prepregnancy_checks_2023.csv").read_bytes()
    (landing / "health" / "prepregnancy_checks_2023.csv").write_bytes(delivered_csv)
    page = Page(engine, landing, tmp_path / "staging")
    # the same rows as a workbook, sent under a name that says nothing (nor any path)
    answer = page.upload(
        "prepregnancy_checks", "2023", "../../etc/passwd.xlsx", _workbook_of(delivered_csv, tmp_path)
    )
    assert answer.status_code == 200, answer.text
    assert 'data-outcome="clean"' in answer.text and page.landed() == ["health/prepregnancy_checks_2023.csv"]
    delivered = page.deliver(upload_id_of(answer.text))
    assert delivered.status_code == 200, delivered.text
    assert "Delivered into the landing folder as health/prepregnancy_checks_2023.xlsx" in delivered.text
    found = deliveries_of(landing, registry, "prepregnancy_checks")
    assert [d.relative for d in found] == ["health/prepregnancy_checks_2023.xlsx"]  # one for the period
    aside = list((landing / "health" / ".replaced").iterdir())
    assert len(aside) == 1 and aside[0].read_bytes() == delivered_csv
    assert not [p for p in (landing / "health").iterdir() if p.name.startswith(".prepregnancy")]
    [outcome] = load_extract(engine, landing, "prepregnancy_checks", "test", registry, settle=0)
    assert outcome.status == "published"
    [row] = page.uploads()
    assert (row["uploaded_by"], row["outcome"], row["file"]) == ("clerk", "delivered", outcome.file)
    assert row["sha256"] == outcome.sha256 and row["explanation"] is None
    assert page.announced == [("health", "prepregnancy_checks", "2023", "clerk")]
    assert [(user, details["outcome"]) for user, details in page.audited] == [("clerk", "delivered")]
    assert not list((tmp_path / "staging").glob("[0-9a-f]*"))  # let go from staging


def _workbook_of(data: bytes, folder: Path) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:  # the sample writes some CSV files in GB18030, as offices do
        lines = data.decode("gb18030").splitlines()
    for cells in csv.reader(lines):
        sheet.append(cells)
    path = folder / "book.xlsx"
    book.save(path)
    return path.read_bytes()


def test_a_refused_file_never_reaches_the_landing_folder(page, sample_dir):
    answer = page.upload("kindergartens", "2023", "kg.csv", _refused_kindergartens(sample_dir))
    assert answer.status_code == 200 and 'data-outcome="refused"' in answer.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in answer.text and HOSTILE not in answer.text
    assert 'id="deliver"' not in answer.text and page.landed() == []
    [row] = page.uploads()
    assert (row["outcome"], row["errors"], row["uploaded_by"]) == ("screened_refused", 1, "clerk")
    assert page.audited[0][1]["outcome"] == "screened_refused" and page.announced == []
    staged = [p for p in page.staging.rglob("*") if p.is_file() and p.suffix == ".csv"]
    assert staged == []
    # its id does not deliver it either
    upload_id = row["upload_id"]
    assert page.deliver(upload_id).status_code == 409 and page.landed() == []


def test_warnings_are_delivered_only_with_an_explanation(page, sample_dir, registry):
    data = (sample_dir / "health" / "childcare_subsidies_2023.json").read_bytes()
    answer = page.upload("childcare_subsidies", "2023", "subsidies.JSON", data, lang="zh-CN")
    assert answer.status_code == 200 and 'data-outcome="warnings"' in answer.text
    assert 'name="explanation"' in answer.text
    upload_id = upload_id_of(answer.text)
    assert page.deliver(upload_id, "other", headers={"X-Test-User": "other", **ORIGIN}).status_code == 404
    for missing in (None, "   "):
        refused = page.deliver(upload_id, missing)
        assert refused.status_code == 400 and "write an explanation" in refused.text
        assert page.landed() == [] and page.uploads() == []
    why = "托育机构名录本期尚未报送，机构编码已与卫健委核对。"
    assert page.deliver(upload_id, why).status_code == 200
    assert page.landed() == ["health/childcare_subsidies_2023.json"]
    [explained] = upload_explanations(page.engine, extract="childcare_subsidies", period="2023")
    assert (explained["explanation"], explained["warnings"], explained["uploaded_by"]) == (why, 1, "clerk")
    assert upload_explanations(page.engine, department="education") == []
    # delivered once: the id is let go
    assert page.deliver(upload_id, why).status_code == 404


def test_every_post_must_come_from_airflows_own_origin(page, sample_dir):
    data = (sample_dir / "health" / "prepregnancy_checks_2023.csv").read_bytes()
    for origin in ({}, {"Origin": "http://airflow.test:9090"}, {"Origin": "null"}):
        answer = page.upload(
            "prepregnancy_checks", "2023", "a.csv", data, headers={"X-Test-User": "clerk", **origin}
        )
        assert answer.status_code == 403 and "own address" in answer.text
    assert page.landed() == [] and page.uploads() == [] and not page.staging.exists()
    # the default port written or not, the same origin
    assert screening.same_origin("http://airflow.test:8080", "http://AIRFLOW.test:8080/airflow")
    assert not screening.same_origin("https://airflow.test:8080", BASE_URL)


def test_the_body_is_cut_off_past_the_limit_while_it_streams_in(page, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_UPLOAD_MAX_BYTES", "1000")
    boundary = "deptstatsboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="extract"\r\n\r\nprepregnancy_checks\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    ).encode()
    headers = {**CLERK, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    # a body without Content-Length that would never end: the server stops taking it
    status, taken = asyncio.run(_post_endless(page.client.app, "/upload", headers, head))
    assert status == 413 and taken < 5
    declared = page.upload("prepregnancy_checks", "2023", "a.csv", b"x" * 200_000)
    assert declared.status_code == 413 and "larger than the limit" in declared.text
    small = page.upload("prepregnancy_checks", "2023", "a.csv", b"x" * 2_000)  # within the form's room
    assert small.status_code == 413
    assert page.landed() == [] and page.uploads() == []


async def _post_endless(app, path: str, headers: dict[str, str], head: bytes) -> tuple[int, int]:
    """POST `head` then 64 KiB chunks for ever, straight to the ASGI app: its status and how
    many chunks it took."""
    taken = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal taken
        taken += 1
        if taken > 10_000:
            raise AssertionError("the app read on and on")
        return {"type": "http.request", "body": head if taken == 1 else b"x" * 65536, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"lang=en",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("airflow.test", 8080),
    }
    await app(scope, receive, send)
    return sent[0]["status"], taken


def test_one_screening_at_a_time_per_user(page, sample_dir):
    data = (sample_dir / "health" / "prepregnancy_checks_2023.csv").read_bytes()
    with screening.screening_slot(page.staging, "clerk"):
        busy = page.upload("prepregnancy_checks", "2023", "a.csv", data)
        assert busy.status_code == 429 and "being checked already" in busy.text
        # another user is not held up
        other = page.upload(
            "prepregnancy_checks", "2023", "a.csv", data, headers={"X-Test-User": "other", **ORIGIN}
        )
        assert other.status_code == 200 and 'data-outcome="clean"' in other.text
    answer = page.upload("prepregnancy_checks", "2023", "a.csv", data)
    assert answer.status_code == 200
    with screening.screening_slot(page.staging, "clerk"):  # nor a delivery meanwhile
        assert page.deliver(upload_id_of(answer.text)).status_code == 429
    assert page.landed() == [] and page.deliver(upload_id_of(answer.text)).status_code == 200


def test_who_may_upload_what(tmp_path, registry, sample_dir):
    engine = open_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    ensure_schema(engine, registry)
    landing = tmp_path / "landing"
    landing.mkdir()
    page = Page(engine, landing, tmp_path / "staging", may_upload=lambda user, dept: dept == "education")
    form = page.client.get("/upload", params={"lang": "en"}, headers=CLERK)
    assert form.status_code == 200 and 'value="kindergartens"' in form.text
    assert 'value="prepregnancy_checks"' not in form.text
    assert page.client.get("/upload", headers={"X-Test-User": "outsider"}).status_code == 403
    assert page.client.get("/upload").status_code == 401
    data = (sample_dir / "health" / "prepregnancy_checks_2023.csv").read_bytes()
    answer = page.upload("prepregnancy_checks", "2023", "a.csv", data)
    assert answer.status_code == 403 and page.uploads() == []
    wrong = page.upload("kindergartens", "2023-05", "a.csv", data)
    assert wrong.status_code == 400 and "YYYY" in wrong.text
    assert page.upload("kindergartens", "2023", "a.txt", data).status_code == 400
    nobody = Page(engine, landing, tmp_path / "staging", may_upload=lambda user, dept: False)
    assert nobody.client.get("/upload", headers=CLERK).status_code == 403


def test_a_screening_that_overruns_is_told_and_nothing_kept(tmp_path, registry, monkeypatch, sample_dir):
    engine = open_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    ensure_schema(engine, registry)
    landing = tmp_path / "landing"
    landing.mkdir()
    page = Page(engine, landing, tmp_path / "staging")
    monkeypatch.setenv("DEPTSTATS_SCREEN_TIMEOUT_SECONDS", "1")
    slow = UploadWiring(
        user=_user,
        may_read_loads=_loads_reader,
        writer=lambda: engine,
        landing=lambda: landing,
        base_url=lambda: BASE_URL,
        staging=lambda: page.staging,
        screener=Screener(_server("time.sleep(60)")),
    )
    client = TestClient(create_app(lambda: engine, _user, _loads_reader, uploads=slow))
    data = (sample_dir / "health" / "prepregnancy_checks_2023.csv").read_bytes()
    answer = client.post(
        "/upload",
        params={"lang": "en"},
        data={"extract": "prepregnancy_checks", "period": "2023"},
        files={"file": ("a.csv", data)},
        headers=CLERK,
    )
    assert answer.status_code == 504 and "longer than 1 s" in answer.text
    assert page.landed() == [] and not list(page.staging.glob("[0-9a-f]*"))
