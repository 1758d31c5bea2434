"""The DAG folder: loads without errors, every DAG has tags, an owner and retries, and parsing
imports neither pandas nor great_expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.airflow

PARSE = """
import json, sys, time
started = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(sys.argv[1])
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "file_seconds": sum(s.duration.total_seconds() if hasattr(s.duration, "total_seconds")
                        else s.duration for s in bag.dagbag_stats),
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "heavy": sorted(m for m in ("pandas", "great_expectations", "openpyxl", "psycopg", "numpy")
                    if m in sys.modules),
    "dags": {dag_id: {
        "tags": sorted(dag.tags),
        "schedule": str(getattr(dag.timetable, "expression", type(dag.timetable).__name__)),
        "timezone": str(dag.timezone),
        "tasks": {t.task_id: {"owner": t.owner, "retries": t.retries,
                              "timeout": t.execution_timeout and
                              t.execution_timeout.total_seconds(),
                              "trigger_rule": getattr(t.trigger_rule, "value", t.trigger_rule),
                              "upstream": sorted(t.upstream_task_ids)}
                  for t in dag.tasks},
        "downstream": {t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks},
        "display": {t.task_id: t.task_display_name for t in dag.tasks},
        "deadline": [[type(d.reference).__name__, d.interval.total_seconds(), d.callback.path]
                     for d in dag.deadline or []],
        "groups": {g: [group.group_display_name, group.tooltip]
                   for g, group in dag.task_group_dict.items() if g},
        "params": {name: {"default": dag.params.get_param(name).value, **dag.params.get_param(name).schema,
                           "description": dag.params.get_param(name).description}
                   for name in dag.params},
    } for dag_id, dag in bag.dags.items()},
    "assets": sorted(a.uri for a in bag.dags["deptstats_signoff"].timetable.asset_condition.objects
                     ) if "deptstats_signoff" in bag.dags else [],
    "paused_at_creation": {d: bag.dags[d].is_paused_upon_creation for d in bag.dags},
    "approve": (lambda a: {
        "class": type(a).__name__, "options": a.options, "mapping": a.options_mapping,
        "defaults": a.defaults, "multiple": a.multiple, "retries": a.retries,
        "assigned_users": a.assigned_users, "response_timeout": a.response_timeout.total_seconds(),
        "params": sorted(a.params), "subject": a.subject, "body": a.body,
    })(bag.dags["deptstats_signoff"].get_task("approve")) if "deptstats_signoff" in bag.dags else None,
    "reload_assets": [[a.uri, [list(w.trigger.serialize()) for w in a.watchers]]
                      for a in bag.dags["deptstats_reload"].timetable.asset_condition.objects
                      ] if "deptstats_reload" in bag.dags else [],
    "draft_outlets": [type(o).__name__ + ":" + o.name
                      for o in bag.dags["deptstats_nightly"].get_task("draft_reply").outlets],
}))
"""


APPROVERS = [{"id": "u-17", "name": "王建国"}]


def parse_dag_folder(tmp_path, language: str = "zh_CN", landing=None) -> dict:
    """The DAG folder parsed in a child process; DEPTSTATS_LANDING is `landing` (unset: None)."""
    env = dict(
        {k: v for k, v in os.environ.items() if k != "DEPTSTATS_LANDING"},
        **({"DEPTSTATS_LANDING": str(landing)} if landing is not None else {}),
        DEPTSTATS_LANG=language,
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        DEPTSTATS_APPROVERS=json.dumps(APPROVERS),
        DEPTSTATS_APPROVAL_TIMEOUT_DAYS="3",
    )
    done = subprocess.run(
        [sys.executable, "-c", PARSE, str(REPO / "dags")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_dag_folder(tmp_path, registry):
    parsed = parse_dag_folder(tmp_path)
    assert parsed["errors"] == {}
    assert parsed["heavy"] == []
    assert set(parsed["dags"]) == {"deptstats_nightly", "deptstats_signoff", "deptstats_reload"}
    never_retried = {"report_failures", "approve"}
    for dag_id, dag in parsed["dags"].items():
        assert dag["tags"], dag_id
        for task_id, task in dag["tasks"].items():
            assert task["owner"] == "deptstats", task_id
            assert task["retries"] == (0 if task_id in never_retried else 2), task_id
            assert task["timeout"] and task["timeout"] <= 3600, f"{task_id} may hang forever"
    nightly = parsed["dags"]["deptstats_nightly"]
    assert nightly["timezone"] == "Asia/Shanghai"
    assert "30 1 * * *" in nightly["schedule"]
    # one task per extract, named by department and extract
    assert {e.task_id for e in registry.extracts} <= set(nightly["tasks"])
    assert all(nightly["tasks"][e.task_id]["retries"] == 2 for e in registry.extracts)
    assert nightly["tasks"]["report_failures"]["retries"] == 0
    # a load runs after the warehouse is ready and after the extract it is checked against,
    # whatever became of that one
    for extract in registry.extracts:
        load = nightly["tasks"][extract.task_id]
        reference = extract.references and registry.extract(extract.references.extract).task_id
        assert load["upstream"] == sorted({"prepare_warehouse", reference} - {None}), extract.task_id
        assert load["trigger_rule"] == ("all_done" if reference else "all_success"), extract.task_id
    assert nightly["tasks"]["draft_reply"]["trigger_rule"] == "all_done"
    # the run's state comes from its leaf tasks: a failed step anywhere (compute_indicators, an
    # incomplete draft) must reach report_failures, which waits for all of them
    report = nightly["tasks"]["report_failures"]
    assert set(report["upstream"]) == set(nightly["tasks"]) - {"report_failures"}
    assert report["trigger_rule"] == "all_done"
    # the notices go out after everything that decides them, whatever became of it, and before
    # the run's last task (a failed send fails the run)
    notices = nightly["tasks"]["send_notices"]
    assert set(notices["upstream"]) == set(nightly["tasks"]) - {"report_failures", "send_notices"}
    assert notices["trigger_rule"] == "all_done"
    # the steward hears of a run unfinished 5 h 30 after its logical date (01:30 -> 07:00)
    assert nightly["deadline"] == [
        ["DagRunLogicalDateDeadline", 330 * 60, "deptstats.airflow.notices.deadline_missed"]
    ]
    print(
        f"DAG folder: {parsed['file_seconds']:.3f} s parsing the files, "
        f"{parsed['seconds']:.2f} s with importing Airflow"
    )


def test_the_trigger_forms_choose_a_configured_reply_and_name_no_folder(tmp_path):
    from deptstats.airflow import configured_replies
    from deptstats.core import DEFAULT_REPLY

    parsed = parse_dag_folder(tmp_path)
    assert parsed["errors"] == {}
    replies = configured_replies()
    assert replies == sorted(path.stem for path in (REPO / "include" / "replies").glob("*.toml"))
    assert len(replies) >= 2 and DEFAULT_REPLY in replies
    nightly = parsed["dags"]["deptstats_nightly"]["params"]
    signoff = parsed["dags"]["deptstats_signoff"]["params"]
    # the folders are the deployment's: a trigger form must not point the tasks at server paths
    assert set(nightly) == {"reply"} and set(signoff) == {"reply"}
    assert nightly["reply"]["default"] == DEFAULT_REPLY
    assert nightly["reply"]["enum"] == replies
    labels = nightly["reply"]["values_display"]
    assert set(labels) == set(replies)
    assert labels["reply-2024-147"] == (
        "慈溪市卫生健康局：对市十八届人大三次会议第147号建议的答复（关于出台多生优育激励政策的建议）"
    )
    assert labels["reply-2024-203"].startswith("慈溪市民政局：对市十八届人大三次会议第203号建议的答复")
    # the sign-off's is the same choice, left empty when the draft that triggered the run names it
    assert signoff["reply"]["default"] is None
    assert signoff["reply"]["enum"] == [*replies, None]
    assert {k: v for k, v in signoff["reply"]["values_display"].items() if k != "null"} == labels
    assert signoff["reply"]["values_display"]["null"].startswith("未选")


def test_signoff_dag(tmp_path):
    parsed = parse_dag_folder(tmp_path)
    assert parsed["errors"] == {}
    # the draft task announces through the alias; the sign-off runs on every configured reply
    assert parsed["draft_outlets"] == ["AssetAlias:deptstats_drafted_replies"]
    assert parsed["assets"] == [
        f"x-deptstats://replies/{path.stem}" for path in sorted((REPO / "include" / "replies").glob("*.toml"))
    ]
    signoff = parsed["dags"]["deptstats_signoff"]
    assert signoff["schedule"] == "AssetTriggeredTimetable"  # data-aware: no clock
    assert parsed["paused_at_creation"] == {
        "deptstats_nightly": None,
        "deptstats_signoff": False,
        "deptstats_reload": False,
    }
    assert signoff["downstream"] == {
        "snapshot": ["end_superseded", "issue", "no_change", "open_approval", "reject"],
        "end_superseded": [],
        "open_approval": ["approve", "no_change"],
        "no_change": [],
        "approve": ["issue", "reject"],
        "issue": [],
        "reject": [],
    }
    approve = parsed["approve"]
    assert approve["class"] == "SignoffApproval"
    assert approve["options"] == ["签发", "退回"]
    assert approve["mapping"] == {"签发": "issue", "退回": "reject"}
    # no default answer (the scheduler would apply it at the timeout), no retry (it would reopen)
    assert approve["defaults"] is None and approve["multiple"] is False and approve["retries"] == 0
    assert approve["assigned_users"] == APPROVERS  # from DEPTSTATS_APPROVERS, never hard-coded
    assert approve["response_timeout"] == 3 * 86400  # DEPTSTATS_APPROVAL_TIMEOUT_DAYS
    assert approve["params"] == ["意见", "签发人"]  # the DAG's own param `reply` is not in the form
    assert "xcom_pull(task_ids='snapshot')" in approve["subject"]
    assert "xcom_pull(task_ids='snapshot')" in approve["body"]


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_ui_names_tasks_in_the_deployments_language_by_the_same_ids(tmp_path, registry, language):
    parsed = parse_dag_folder(tmp_path, language)
    assert parsed["errors"] == {} and parsed["heavy"] == []
    nightly, signoff = parsed["dags"]["deptstats_nightly"], parsed["dags"]["deptstats_signoff"]
    fixed = [
        "prepare_warehouse",
        "report_unrecognised_files",
        "compute_indicators",
        "draft_reply",
        "send_notices",
    ]
    assert set(nightly["display"]) == {*fixed, "report_failures", *(e.task_id for e in registry.extracts)}
    assert set(signoff["display"]) == {
        "snapshot",
        "open_approval",
        "no_change",
        "end_superseded",
        "approve",
        "issue",
        "reject",
    }
    groups = nightly["groups"]
    assert set(groups) == {d.code for d in registry.departments}
    kindergartens = nightly["display"]["education.kindergartens"]
    if language == "zh_CN":
        assert [nightly["display"][t] for t in fixed] == [
            "准备数据仓库",
            "报告无法识别的文件",
            "计算指标",
            "起草答复",
            "通知报送部门",
        ]
        assert kindergartens == registry.extract("kindergartens").name == "幼儿园及在园幼儿"
        assert groups["health"] == ["市卫生健康局", "市卫生健康局报送的报表（部门代码 health）"]
        assert signoff["display"]["approve"] == "审批（签发或退回）"
        assert nightly["params"]["reply"]["title"] == "答复"
        assert nightly["params"]["reply"]["description"] == "要起草的答复"
        assert signoff["params"]["reply"]["description"].startswith("手动触发时")
    else:
        assert [nightly["display"][t] for t in fixed] == [
            "Prepare the warehouse",
            "Report unrecognised files",
            "Compute the indicators",
            "Draft the reply",
            "Notify the departments",
        ]
        assert kindergartens == "kindergartens"
        assert groups["health"] == [
            "Health Commission",
            "Health Commission: its extracts (department code health)",
        ]
        assert nightly["params"]["reply"]["description"] == "The reply to draft"
        assert signoff["params"]["reply"]["values_display"]["null"].startswith("Not chosen")
    # every display name is a name: no id shown twice, none left empty
    assert all(nightly["display"].values()) and all(signoff["display"].values())


@pytest.mark.parametrize("watched", [True, False])
def test_the_reload_dag_runs_on_the_departments_assets(tmp_path, registry, watched):
    landing = tmp_path / "landing" if watched else None
    parsed = parse_dag_folder(tmp_path, landing=landing)
    assert parsed["errors"] == {} and parsed["heavy"] == []
    reload = parsed["dags"]["deptstats_reload"]
    assert reload["schedule"] == "AssetTriggeredTimetable"  # data-aware: no clock
    assert [uri for uri, _ in parsed["reload_assets"]] == [
        f"x-deptstats://landing/{d.code}" for d in registry.departments
    ]
    # a watcher on each department's flag, fixed from DEPTSTATS_LANDING when parsed; none without
    watchers = [w for _, found in parsed["reload_assets"] for w in found]
    if watched:
        assert watchers == [
            [
                "airflow.providers.standard.triggers.file.FileDeleteTrigger",
                {"filepath": str(landing.resolve() / d.code / ".ready"), "poke_interval": 5.0},
            ]
            for d in registry.departments
        ]
    else:
        assert watchers == []
    assert reload["downstream"] == {
        "prepare_warehouse": ["reload_extracts", "report_failures"],
        "reload_extracts": ["compute_indicators", "report_failures"],
        "compute_indicators": ["report_failures"],
        "report_failures": [],
    }
    assert reload["tasks"]["compute_indicators"]["trigger_rule"] == "all_done"
    assert reload["tasks"]["report_failures"]["trigger_rule"] == "all_done"
    assert reload["display"]["reload_extracts"] == "重新加载已报送的报表"
    assert reload["display"]["compute_indicators"] == "计算指标"  # the nightly's step, by its name
