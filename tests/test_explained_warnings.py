"""Warnings explained at upload (填写说明后上报): the explanation kept with a delivered upload is
told when its file loads (the outcome says "explained", not a bare warning), shown on the
submission board (`deptstats board --format json`) and, instead of the source file's warnings,
in the reply's review notes and the approver's brief. The sample's childcare subsidies of 2023
load with one warning; reply 2024-147 quotes a figure of them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from deptstats import pipeline
from deptstats.audit import board
from deptstats.cli.entry import main
from deptstats.core import render
from deptstats.reply import Note
from deptstats.reply.drafting import build_letter
from deptstats.reply.review import findings
from deptstats.signoff.brief import in_plain_words
from deptstats.warehouse import UploadRecord, record_upload
from deptstats.warehouse.engine import open_engine
from deptstats.warehouse.schema import ensure_schema

pytestmark = pytest.mark.gx

REPLY = "reply-2024-147"
FILE = "health/childcare_subsidies_2023.json"
WHY = "托育机构名录本期尚未报送，机构编码已与卫健委核对。"
FIGURE = ("health.first_round_subsidy", "2023")


def _explain(engine, sha256: str, explanation: str | None = WHY, outcome: str = "delivered") -> None:
    record = UploadRecord(
        upload_id=hashlib.md5(f"{sha256}{outcome}".encode()).hexdigest(),
        department="health",
        extract="childcare_subsidies",
        period="2023",
        file=FILE,
        sha256=sha256,
        size=1,
        uploaded_by="clerk",
        uploaded_at=dt.datetime(2024, 5, 20, 8, 0),
        outcome=outcome,
        errors=0,
        warnings=1,
        explanation=explanation,
    )
    with engine.begin() as conn:
        record_upload(conn, record)


def _load(engine, landing, registry):
    outcomes = pipeline.load(engine, landing, "childcare_subsidies", "test", registry, settle=0)
    [outcome] = [o for o in outcomes if o.file == FILE]
    assert outcome.status == "published" and outcome.warnings == 1
    pipeline.compute_indicators(engine, registry)
    return outcome


def _notes_of_figure(engine, registry) -> list[Note]:
    letter = build_letter(engine, REPLY, registry)
    return [n for n in findings(letter) if n.figure and (n.figure.indicator, n.figure.period) == FIGURE]


@pytest.fixture
def engine(tmp_path, registry):
    engine = open_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    ensure_schema(engine, registry)
    return engine


def test_an_unexplained_warning_is_raised(engine, landing, registry):
    sha256 = hashlib.sha256((landing / FILE).read_bytes()).hexdigest()
    # an explanation of other bytes, or of an upload never delivered, explains nothing here
    _explain(engine, "0" * 64)
    _explain(engine, sha256, outcome="screened_refused")
    outcome = _load(engine, landing, registry)
    assert outcome.explained_by is None and "explained" not in outcome.message
    [note] = _notes_of_figure(engine, registry)
    assert note.kind == Note.FLAGGED and note.params == {"warnings": 1}
    [cell] = [
        c
        for c in board(engine, REPLY, registry, dt.date(2024, 5, 1))
        if c["extract"] == "childcare_subsidies"
    ]
    assert cell["published"]["warnings"] == 1 and cell["published"]["explanation"] is None


def test_an_explained_warning_is_told_as_explained_everywhere(engine, landing, registry, capsys):
    sha256 = hashlib.sha256((landing / FILE).read_bytes()).hexdigest()
    _explain(engine, sha256)
    outcome = _load(engine, landing, registry)
    assert outcome.explained_by == "clerk"
    told = "published {rows} rows with {warnings} warning(s), explained by {uploaded_by}"
    assert outcome.message == render(told, rows=outcome.rows, warnings=1, uploaded_by="clerk")

    # the review: a note of its own with the explanation, no unexplained warning
    [note] = _notes_of_figure(engine, registry)
    assert note.kind == Note.EXPLAINED
    assert note.params == {"warnings": 1, "explanation": WHY, "uploaded_by": "clerk"}
    assert WHY in note.text("zh_CN") and "填写说明" in note.text("zh_CN")
    assert f"explained by clerk when it was delivered: {WHY}" in note.text("en")
    assert Note.from_json(json.loads(json.dumps(note.to_json()))) == note
    assert WHY in in_plain_words(note, registry, "zh_CN") and "clerk" in in_plain_words(note, registry, "en")

    # the board: the cell of that extract and period, with who explained it
    [cell] = [
        c
        for c in board(engine, REPLY, registry, dt.date(2024, 5, 1))
        if c["extract"] == "childcare_subsidies"
    ]
    assert cell["status"] == "published" and cell["published"]["sha256"] == sha256
    explanation = cell["published"]["explanation"]
    assert (explanation["text"], explanation["by"]) == (WHY, "clerk")
    url = str(engine.url)
    main(["board", "--reply", REPLY, "--warehouse", url, "--as-of", "2024-05-01", "--format", "json"])
    cells = json.loads(capsys.readouterr().out)["cells"]
    [shown] = [c for c in cells if c["extract"] == "childcare_subsidies"]
    assert (
        shown["published"]["explanation"]["text"] == WHY
        and shown["published"]["explanation"]["by"] == "clerk"
    )


def test_the_board_page_shows_the_explanation_escaped(engine, landing, registry):
    from fastapi.testclient import TestClient

    from deptstats.airflow.steward_web import create_app

    sha256 = hashlib.sha256((landing / FILE).read_bytes()).hexdigest()
    hostile = "<script>alert(1)</script>"
    _explain(engine, sha256, explanation=f"{WHY}{hostile}")
    _load(engine, landing, registry)
    client = TestClient(create_app(lambda: engine, lambda: "steward", lambda: None))
    page = client.get("/board", params={"reply": REPLY, "lang": "en"})
    assert page.status_code == 200
    assert f"1 warning(s) explained by clerk: {WHY}&lt;script&gt;" in page.text and hostile not in page.text
    chinese = client.get("/board", params={"reply": REPLY, "lang": "zh-CN"})
    assert f"1 条警告已由 clerk 填写说明：{WHY}" in chinese.text
