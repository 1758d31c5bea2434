"""The sign-off's Airflow side without running Airflow: who approves and how long an approval
waits (settings), the approval's own checks (the form, the signed response the issue and reject
tasks act on, the timeout's message), which draft a run signs off, the digest that tells two
drafts' figures apart, the link to the snapshot and the files the steward plugin serves."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from airflow.sdk.exceptions import AirflowFailException

from deptstats.airflow import approval, signoff_settings, signoff_tasks, tasks
from deptstats.airflow.steward_web import snapshot_file
from deptstats.signoff import Snapshot

RUN = "asset_triggered__2024-06-05T01:40:00+00:00_abc"
APPROVER = [{"id": "approver", "name": "approver"}]
AT = datetime(2024, 6, 5, 2, 0, tzinfo=UTC)
SNAPSHOT = Snapshot(3, "reply-2024-147", "manual__1", RUN, Path("a.docx"), Path("a.md"), "d0c5", (), False)


@pytest.fixture(autouse=True)
def _shared_secret(monkeypatch):
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "a secret every component shares")


def test_the_approvers_come_from_one_setting(monkeypatch):
    monkeypatch.delenv(signoff_settings.APPROVERS_SETTING, raising=False)
    assert signoff_settings.approvers() == []
    setting = signoff_settings.approvers_setting(["approver"], {"admin": 1, "approver": 4})
    monkeypatch.setenv(signoff_settings.APPROVERS_SETTING, setting)
    # FAB's user id (a number, compared as a string by HITL) and its login as the name
    assert signoff_settings.approvers() == [{"id": "4", "name": "approver"}]
    monkeypatch.setenv(
        signoff_settings.APPROVERS_SETTING, '[{"id": "u-17", "name": "王建国"}, {"id": "u-18"}]'
    )
    assert signoff_settings.approvers() == [{"id": "u-17", "name": "王建国"}, {"id": "u-18", "name": "u-18"}]
    for broken in ("approver", '{"id": "approver"}', '[{"name": "x"}]', '[{"id": ""}]'):
        monkeypatch.setenv(signoff_settings.APPROVERS_SETTING, broken)
        with pytest.raises(ValueError, match=r"DEPTSTATS_APPROVERS=.*give a JSON list of users"):
            signoff_settings.approvers()


def test_an_approval_waits_seven_days_unless_set(monkeypatch):
    monkeypatch.delenv(signoff_settings.TIMEOUT_SETTING, raising=False)
    assert signoff_settings.response_timeout() == timedelta(days=7)
    monkeypatch.setenv(signoff_settings.TIMEOUT_SETTING, "0.5")
    assert signoff_settings.response_timeout() == timedelta(hours=12)
    for refused in ("0", "-1", "soon"):
        monkeypatch.setenv(signoff_settings.TIMEOUT_SETTING, refused)
        with pytest.raises(ValueError, match="DEPTSTATS_APPROVAL_TIMEOUT_DAYS"):
            signoff_settings.response_timeout()


def test_one_asset_per_configured_reply():
    assert {"reply-2024-147", "reply-2024-203"} <= set(signoff_settings.configured_replies())
    asset = signoff_settings.reply_asset("reply-2024-147")
    assert asset.uri == "x-deptstats://replies/reply-2024-147"
    assert asset != signoff_settings.reply_asset("reply-2024-203")


def answer(**changed) -> dict:
    return (
        approval.signed_response(
            "deptstats_signoff",
            RUN,
            "签发",
            {"签发人": " 王建国 ", "意见": "同意。"},
            APPROVER[0],
            AT,
            SNAPSHOT,
        )
        | changed
    )


def test_only_the_approvals_own_signed_response_is_acted_on():
    response = approval.verified_response(answer(), "deptstats_signoff", RUN, "签发", APPROVER, SNAPSHOT)
    assert (response["official"], response["comment"], response["user"]["id"]) == (
        "王建国",
        "同意。",
        "approver",
    )
    refusals = {
        "no recorded response": (None, RUN, "签发", APPROVER),  # marked success by hand
        "does not carry the approval's signature": (answer(comment="改了"), RUN, "签发", APPROVER),
        "answers run": (answer(), "manual__another", "签发", APPROVER),
        "not among the assigned approvers": (answer(), RUN, "签发", [{"id": "wang", "name": "wang"}]),
        "was answered 签发, not 退回": (answer(), RUN, "退回", APPROVER),
    }
    for said, (response, run_id, option, assigned) in refusals.items():
        with pytest.raises(AirflowFailException, match=said):
            approval.verified_response(response, "deptstats_signoff", run_id, option, assigned, SNAPSHOT)


def test_a_response_signed_for_another_snapshot_is_refused():
    """What is issued is the warehouse's snapshot of the run: a response signed when the run's
    snapshot was another one (or with another DOCX) acts on nothing."""
    for other in (replace(SNAPSHOT, id=4), replace(SNAPSHOT, sha256="f00d")):
        with pytest.raises(AirflowFailException, match="not the run's snapshot"):
            approval.verified_response(answer(), "deptstats_signoff", RUN, "签发", APPROVER, other)


def test_a_response_signed_with_another_secret_does_not_verify(monkeypatch):
    signed = answer()
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "another secret")
    with pytest.raises(AirflowFailException, match="signature"):
        approval.verified_response(signed, "deptstats_signoff", RUN, "签发", APPROVER, SNAPSHOT)
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "")
    with pytest.raises(AirflowFailException, match="no \\[api_auth\\] jwt_secret"):
        approval.verified_response(signed, "deptstats_signoff", RUN, "签发", APPROVER, SNAPSHOT)


def operator(assigned=APPROVER) -> approval.SignoffApproval:
    return approval.SignoffApproval(
        task_id="approve",
        subject="s",
        body="b",
        options=["签发", "退回"],
        options_mapping={"签发": "issue", "退回": "reject"},
        params=approval.approval_form(),
        assigned_users=assigned,
        response_timeout=timedelta(days=7),
        retries=0,
    )


class FakeTi:
    dag_id, run_id = "deptstats_signoff", RUN

    def __init__(self) -> None:
        self.pushed: dict = {}

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed[key] = value

    def xcom_pull(self, task_ids: str) -> dict:
        assert task_ids == "snapshot"
        return {"reply": "reply-2024-147", "snapshot_id": 3, "draft_run_id": "manual__1"}


def event(option: str, official: str = "王建国", comment: str = "同意。") -> dict:
    return {
        "chosen_options": [option],
        "params_input": {"签发人": official, "意见": comment},
        "responded_by_user": APPROVER[0],
        "responded_at": AT,
    }


def test_a_return_without_a_reason_fails_in_plain_words():
    ti = FakeTi()
    with pytest.raises(AirflowFailException, match="answered 退回 with an empty 意见: a 退回 must say why"):
        operator().execute_complete({"ti": ti}, event("退回", comment="  "))
    with pytest.raises(AirflowFailException, match="without the official's name"):
        operator().execute_complete({"ti": ti}, event("签发", official=""))
    assert ti.pushed == {}  # nothing for the issue or reject task to act on


def test_the_response_is_pushed_before_the_branch(monkeypatch):
    """Branching ends the task (Airflow raises to skip the other way): the response must already
    be in XCom by then."""
    branched = []
    monkeypatch.setattr(approval, "run_snapshot", lambda run_id: SNAPSHOT)
    monkeypatch.setattr(
        approval.HITLBranchOperator, "execute_complete", lambda self, context, event: branched.append(event)
    )
    ti = FakeTi()
    operator().execute_complete({"ti": ti}, event("退回", comment="数据需再核对。"))
    assert branched and ti.pushed["response"]["option"] == "退回"
    assert ti.pushed["response"]["comment"] == "数据需再核对。"
    approval.verified_response(ti.pushed["response"], "deptstats_signoff", RUN, "退回", APPROVER, SNAPSHOT)


def test_the_timeout_says_who_was_to_approve_what():
    timeout = {"error": "The Human-in-the-loop response timeout has passed", "error_type": "timeout"}
    with pytest.raises(AirflowFailException) as failed:
        operator().execute_complete({"ti": FakeTi()}, timeout)
    said = str(failed.value)
    assert said.startswith(
        "no answer within 7 days (DEPTSTATS_APPROVAL_TIMEOUT_DAYS): approver was to sign off"
    )
    assert "reply reply-2024-147 (snapshot 3, drafted by run manual__1). Nothing was issued" in said


def test_no_approval_opens_without_approvers():
    with pytest.raises(AirflowFailException, match="no approver is configured"):
        operator(assigned=[]).execute({"ti": FakeTi()})


def test_the_form_opens_with_empty_fields():
    """Airflow checks a task's params each time it starts: the fields' defaults must pass."""
    form = approval.approval_form()
    assert set(form) == {"签发人", "意见"}
    for param in form.values():
        assert param.resolve() == ""


def draft_event(reply: str, minute: int, **extra) -> SimpleNamespace:
    return SimpleNamespace(
        extra={"reply": reply, "complete": True, "run_id": f"run-{minute}", **extra},
        timestamp=datetime(2024, 6, 5, 1, minute, tzinfo=UTC),
        source_run_id=f"run-{minute}",
    )


class Outlets(dict):
    def __missing__(self, key):
        self[key] = SimpleNamespace(added=[], add=lambda asset, extra: self[key].added.append((asset, extra)))
        return self[key]


def test_a_run_signs_off_one_reply_and_passes_the_others_on():
    older, newer = draft_event("reply-2024-147", 1), draft_event("reply-2024-147", 5)
    other = draft_event("reply-2024-203", 3)
    triggering = {"a147": [older, newer], "a203": [other]}
    outlets = Outlets()
    alias = signoff_settings.replies_alias()
    assert signoff_tasks.chosen_event(triggering, None, outlets, alias, {}) is newer
    [(asset, extra)] = outlets[alias].added
    assert asset == signoff_settings.reply_asset("reply-2024-203") and extra == other.extra


def test_a_run_by_hand_takes_the_newest_draft_of_the_reply_asked_for():
    newest = draft_event("reply-2024-203", 9)

    class Inlets:
        def __getitem__(self, asset):
            assert asset == signoff_settings.reply_asset("reply-2024-203")
            return SimpleNamespace(ascending=lambda _up: SimpleNamespace(limit=lambda _n: [newest]))

    assert signoff_tasks.chosen_event({}, Inlets(), Outlets(), None, {"reply": "reply-2024-203"}) is newest

    class NoDraft:
        def __getitem__(self, asset):
            return SimpleNamespace(ascending=lambda _up: SimpleNamespace(limit=lambda _n: []))

    with pytest.raises(AirflowFailException, match="no complete draft of reply-2024-147 has been announced"):
        signoff_tasks.chosen_event({}, NoDraft(), Outlets(), None, {})
    with pytest.raises(AirflowFailException, match="no reply 'reply-1999-1' is configured"):
        signoff_tasks.chosen_event({}, NoDraft(), Outlets(), None, {"reply": "reply-1999-1"})


def test_a_draft_with_the_figures_of_the_one_before_opens_no_approval():
    snapshot = {"reply": "reply-2024-147", "draft_run_id": "run-5", "snapshot_id": None, "same_as": "run-1"}
    assert not signoff_tasks.opens_approval(snapshot)
    assert "quotes the same figures as the draft of run run-1" in signoff_tasks.no_approval(snapshot)
    unchanged = {"reply": "reply-2024-147", "draft_run_id": "run-5", "snapshot_id": 4, "unchanged": True}
    assert not signoff_tasks.opens_approval(unchanged)
    assert "no figure of reply-2024-147 differs from its last issued letter" in signoff_tasks.no_approval(
        unchanged
    )
    assert signoff_tasks.opens_approval({"snapshot_id": 4, "unchanged": False})


def test_the_figures_digest_sees_values_not_order(tmp_path):
    def digest(figures: list[dict]) -> str:
        path = tmp_path / "provenance.json"
        path.write_text(json.dumps({"figures": figures}), encoding="utf-8")
        return tasks.quoted_figures(path)

    rate = {"indicator": "health.prepregnancy_check_rate", "period": "2023", "area": None, "shown": "84.18%"}
    beds = {
        "indicator": "civil_affairs.elderly_care_beds",
        "period": "2024-03",
        "area": None,
        "shown": "3249张",
    }
    assert digest([rate, beds]) == digest([beds, rate])
    assert digest([rate, beds]) != digest([rate | {"shown": "84.24%"}, beds])


def test_the_approval_links_to_the_snapshot_through_the_plugin(tmp_path, monkeypatch):
    docx = tmp_path / "out" / "snapshots" / "run 1-abc" / "reply-2024-147.docx"
    docx.parent.mkdir(parents=True)
    docx.write_bytes(b"PK")
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://office.example/airflow/")
    assert signoff_tasks.docx_link(docx, tmp_path / "out") == (
        "https://office.example/airflow/deptstats/snapshots/run%201-abc/reply-2024-147.docx"
    )
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "")
    assert (
        signoff_tasks.docx_link(docx, tmp_path / "out")
        == "/deptstats/snapshots/run%201-abc/reply-2024-147.docx"
    )


def test_the_plugin_serves_only_files_under_the_snapshots_folder(tmp_path):
    snapshots = tmp_path / "out" / "snapshots"
    (snapshots / "run-1").mkdir(parents=True)
    (snapshots / "run-1" / "reply-2024-147.docx").write_bytes(b"PK")
    (tmp_path / "out" / "reply-2024-147.md").write_text("the draft, not a snapshot")
    (tmp_path / "warehouse.db").write_bytes(b"secret")
    (snapshots / "run-1" / "leak.db").symlink_to(tmp_path / "warehouse.db")
    (snapshots / "run-2").symlink_to(tmp_path / "out", target_is_directory=True)
    served = snapshot_file(snapshots, "run-1/reply-2024-147.docx")
    assert served == (snapshots / "run-1" / "reply-2024-147.docx").resolve()
    for refused in (
        "../reply-2024-147.md",
        "run-1/../../warehouse.db",
        "/etc/passwd",
        "run-1/leak.db",
        "run-2/reply-2024-147.md",
        "run-1",
        "",
        "run-1/missing.docx",
        "run-1/\x00.docx",
    ):
        assert snapshot_file(snapshots, refused) is None, refused
    assert snapshot_file(None, "run-1/reply-2024-147.docx") is None


def test_airflow_up_gives_the_components_the_approvers_and_the_api_login(tmp_path):
    from deptstats.airflow.logins import ensure_logins
    from deptstats.airflow.services import services_environment
    from deptstats.airflow.settings import Settings

    settings = Settings(home=tmp_path, landing=tmp_path, warehouse="sqlite:///w.db", out=tmp_path, port=8099)
    logins = ensure_logins(tmp_path, ["health"])
    assert {"approver", "signoff", "clerk_health"} <= set(logins.passwords)
    # before the users exist their ids are unknown: no approver is named rather than a wrong one
    assert "DEPTSTATS_APPROVERS" not in services_environment(settings, logins)
    env = services_environment(settings, logins, {"admin": 1, "approver": 4, "signoff": 5})
    assert json.loads(env["DEPTSTATS_APPROVERS"]) == [{"id": "4", "name": "approver"}]
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("fab_auth_manager.FabAuthManager")
    conn = json.loads(env["AIRFLOW_CONN_DEPTSTATS_AIRFLOW_API"])
    assert conn["login"] == "signoff" and conn["password"] == logins.passwords["signoff"]
    assert conn["extra"]["base_url"] == "http://127.0.0.1:8099"


def test_the_folder_is_the_deployments_never_the_events(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("DEPTSTATS_OUT", str(out))
    assert signoff_tasks.announced_out(draft_event("reply-2024-147", 1, out=str(out.resolve()))) == out
    for elsewhere in (str(tmp_path), "/etc", None):
        posted = draft_event("reply-2024-147", 1, out=elsewhere)
        with pytest.raises(AirflowFailException, match="not this deployment's output folder"):
            signoff_tasks.announced_out(posted)
        with pytest.raises(AirflowFailException, match="not this deployment's output folder"):
            signoff_tasks.snapshot_draft("signoff-1", posted, None, manual=True)
    monkeypatch.delenv("DEPTSTATS_OUT")
    with pytest.raises(AirflowFailException, match="set DEPTSTATS_OUT"):
        signoff_tasks.announced_out(draft_event("reply-2024-147", 1, out=str(out.resolve())))


# what the approver and the steward read in a task's log or failure, in the deployment's language
SAID = {
    "en": {
        "return": "approver answered 退回 with an empty 意见: a 退回 must say why. Nothing was recorded",
        "timeout": "no answer within 7 days (DEPTSTATS_APPROVAL_TIMEOUT_DAYS): approver was to sign off",
        "unanswered": f"no recorded response to the approval of run {RUN}: the task approve ended",
        "same": "the draft of reply-2024-147 by run run-5 quotes the same figures as the draft of run run-1",
        "note": "superseded by run run-9: a newer draft of reply-2024-147 (run run-5) quotes other figures",
        "instead": "approve run run-9 instead",
        "ended": "approval of run run-3: ended (was awaiting_input)",
    },
    "zh_CN": {
        "return": "approver 答复「退回」但未填写意见：退回须写明理由。未作任何记录",
        "timeout": "7 天内未答复（DEPTSTATS_APPROVAL_TIMEOUT_DAYS）：应由 approver 签发或退回答复件",
        "unanswered": f"运行 {RUN} 的审批没有记录在案的答复",
        "same": "运行 run-5 起草的 reply-2024-147 草稿与此前发布的运行 run-1 的草稿引用的数据相同",
        "note": "已被运行 run-9 取代：reply-2024-147 的新草稿（运行 run-5）引用的数据有变化",
        "instead": "请改为审批运行 run-9",
        "ended": "运行 run-3 的审批：已结束（原状态 awaiting_input）",
    },
}


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_signoffs_words_are_in_the_deployments_language(monkeypatch, caplog, language):
    monkeypatch.setenv("DEPTSTATS_LANG", language)
    said = SAID[language]
    with pytest.raises(AirflowFailException) as refused:
        operator().execute_complete({"ti": FakeTi()}, event("退回", comment=""))
    assert str(refused.value).startswith(said["return"])
    timeout = {"error": "timed out", "error_type": "timeout"}
    with pytest.raises(AirflowFailException) as failed:
        operator().execute_complete({"ti": FakeTi()}, timeout)
    assert str(failed.value).startswith(said["timeout"])
    with pytest.raises(AirflowFailException) as unanswered:
        approval.verified_response(None, "deptstats_signoff", RUN, "签发", APPROVER, SNAPSHOT)
    assert str(unanswered.value).startswith(said["unanswered"])
    same = {"reply": "reply-2024-147", "draft_run_id": "run-5", "snapshot_id": None, "same_as": "run-1"}
    assert signoff_tasks.no_approval(same).startswith(said["same"])
    assert '{"reply": "reply-2024-147"}' in signoff_tasks.no_approval(same)  # the trigger's conf, as typed

    from deptstats.airflow import airflow_api

    notes = []
    monkeypatch.setattr(airflow_api.AirflowApi, "from_connection", classmethod(lambda cls: None))
    monkeypatch.setattr(
        airflow_api, "end_approval", lambda api, dag, run, task, note: notes.append(note) or "awaiting_input"
    )
    caplog.set_level("INFO", logger=signoff_tasks.log.name)
    superseding = {"reply": "reply-2024-147", "draft_run_id": "run-5", "superseded": ["run-3"]}
    assert signoff_tasks.end_superseded("run-9", superseding) == ["run-3"]
    [note] = notes
    assert note.startswith(said["note"]) and note.endswith(said["instead"])
    assert said["ended"] in caplog.messages
