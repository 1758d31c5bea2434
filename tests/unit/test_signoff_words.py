"""The sign-off's small parts: folder names made from run ids, times as the tables keep them,
review notes told in the approver's words from the notes' data, and the sign-off's words in
the deployment's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from deptstats.core import render
from deptstats.core.registry import load_registry
from deptstats.indicators import read_note
from deptstats.reply import notes as notes_module
from deptstats.reply.notes import Figure, Note, notes_from_json
from deptstats.signoff import words
from deptstats.signoff.brief import in_plain_words
from deptstats.signoff.model import read_time, stored_time
from deptstats.signoff.snapshots import folder_name


def test_a_folder_name_is_one_plain_component_and_never_shared():
    names = {
        folder_name(run) for run in ("a/b", "a_b", "a b", "../..", ".", "manual__2024-06-05T01:30:00+00:00")
    }
    assert len(names) == 6
    for name in names:
        assert "/" not in name and name not in (".", "..") and not name.startswith(".")


def test_times_are_kept_in_utc():
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2024, 6, 7, 17, 30, tzinfo=shanghai)
    assert stored_time(moment) == "2024-06-07T09:30:00"
    assert read_time(stored_time(moment)) == moment == datetime(2024, 6, 7, 9, 30, tzinfo=UTC)


def flagged_note(stored: str) -> Note:
    """A flagged figure's note as the review makes it from indicator_value.note."""
    figure = Figure("health.childcare_slots", "2023", None, "6595个")
    return Note(Note.FLAGGED, figure, read_note(stored))


STORED = "moved 58.6% against 2022 (4158个); source publication has 2 warning(s)"


def test_review_notes_in_the_approvers_words(monkeypatch):
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    registry = load_registry()
    # through provenance.json and back, as the brief reads it
    [note] = notes_from_json(json.loads(json.dumps([flagged_note(STORED).to_json()])))
    assert in_plain_words(note, registry) == (
        "- 托位数（2023，全市）6595个：较 2022（4158个）变动 58.6%；来源数据有 2 条警告，请核实。"
    )
    assert in_plain_words(note, registry, "en") == (
        "- 托位数 (2023, citywide) 6595个: moved 58.6% against 2022 (4158个); its source data has 2 "
        "warning(s); please check it."
    )
    gb2312 = Note(Note.GB2312, None, {"role": "signer", "name": "陈濛", "char": "濛", "code": "6FDB"})
    assert in_plain_words(gb2312, registry).startswith(
        "- 签发人「陈濛」中的「濛」（U+6FDB）不在 GB2312 字符集内"
    )
    # a note kept as a sentence, by a draft made before notes were data
    odd = "something the review says in another form"
    assert in_plain_words(odd, registry) == f"- {odd}"


def test_the_brief_does_not_depend_on_the_review_documents_wording(monkeypatch):
    """The review document words a note its own way (here in English); the brief reads the same
    note's data."""
    monkeypatch.setattr(notes_module, "MOVED_TEXT", "drifted {change} percent from {earlier_period}")
    note = flagged_note(STORED)
    assert note.text("en").startswith("health.childcare_slots 2023 = 6595个: drifted 58.6 percent")
    assert "较 2022（4158个）变动 58.6%" in in_plain_words(note, load_registry(), "zh_CN")


def test_review_notes_in_the_deployments_language(monkeypatch):
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    note = flagged_note(STORED + "; a reason of an older form")
    assert note.text() == (
        "health.childcare_slots 2023 = 6595个：较 2022（4158个）变动 58.6%；来源数据有 2 条警告；"
        "a reason of an older form"
    )
    assert note.text("en") == f"health.childcare_slots 2023 = 6595个: {STORED}; a reason of an older form"
    missing = Note(
        Note.MISSING,
        Figure("hrss.maternity_disputes", "2023", None, "【缺数：hrss.maternity_disputes（2023）】"),
        {"why": "never_delivered", "source": "hrss.labor_disputes 2023", "stem": "hrss/labor_disputes_2023"},
    )
    assert missing.text().startswith(
        "hrss.maternity_disputes 2023：hrss.labor_disputes 2023 没有发布：从未报送"
    )
    assert missing.text("en") == (
        "hrss.maternity_disputes 2023: hrss.labor_disputes 2023 has no publication: never delivered (no "
        "file hrss/labor_disputes_2023.csv/.xlsx/.json has reached the landing folder); the letter shows "
        "【缺数：hrss.maternity_disputes（2023）】"
    )
    gb2312 = Note(Note.GB2312, None, {"role": "signer", "name": "陈濛", "char": "濛", "code": "6FDB"})
    assert gb2312.text("en") == (
        "warning: signer '陈濛': '濛' (U+6FDB) is outside GB2312; GB2312 fonts will not show it, check "
        "the printed letter"
    )
    assert gb2312.text().startswith("警告：签发人「陈濛」中的「濛」（U+6FDB）不在 GB2312 字符集内")


def test_the_sign_offs_words_are_in_the_deployments_language(monkeypatch):
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    assert render(words.SUBJECT, title="关于……的答复", document_number="慈卫建〔2024〕7号") == (
        "请审签：关于……的答复（慈卫建〔2024〕7号）"
    )
    assert render(words.DATE, year=2024, month=6, day=5) == "2024年6月5日"
    assert render(words.REFUSED_SUPERSEDED, run_id="signoff-2") == "已被取代，请审签运行 signoff-2"
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    assert render(words.REFUSED_SUPERSEDED, run_id="signoff-2") == "superseded, approve run signoff-2"
    assert render(words.DATE, year=2024, month=6, day=5) == "6/5/2024"
