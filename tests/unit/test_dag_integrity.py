"""What the nightly's last task says when a run failed."""

from __future__ import annotations


def test_report_failures_says_which_kind_of_failure(registry):
    from deptstats.pipeline import failure_summary

    loads = {e.task_id for e in registry.extracts}
    every = dict.fromkeys(
        ["prepare_warehouse", "report_unrecognised_files", "compute_indicators", "draft_reply", *loads],
        "success",
    )
    assert failure_summary(every, loads) is None
    refused = failure_summary(every | {"education.kindergartens": "failed"}, loads)
    assert refused.startswith(
        "The nightly run failed. 1 extract load(s) failed: "
        "education.kindergartens. A refused file's task log names the file"
    )
    assert "step" not in refused
    step = failure_summary(every | {"compute_indicators": "failed", "draft_reply": "failed"}, loads)
    assert "load(s) failed" not in step
    assert (
        "The step compute_indicators failed: the indicators were not computed" in step
        and "The step draft_reply failed: the draft is incomplete" in step
    )
    early = failure_summary(
        every | {"prepare_warehouse": "failed", "education.kindergartens": "upstream_failed"}, loads
    )
    assert early.endswith(
        "The step prepare_warehouse failed: the warehouse was not ready, so "
        "nothing was loaded. Not run because a task they need failed: "
        "education.kindergartens. See each red task's log."
    )
    chinese = failure_summary(every | {"education.kindergartens": "failed"}, loads, "zh_CN")
    assert chinese.startswith("本次夜间运行失败。1 个报表加载失败：education.kindergartens。")


def test_display_names_by_language_keep_the_ids(registry):
    from deptstats.airflow import department_name, department_tooltip, extract_name, step_name
    from deptstats.airflow.display_names import STEPS

    health = next(d for d in registry.departments if d.code == "health")
    checks = registry.extract("prepregnancy_checks")
    assert (department_name(health, "zh_CN"), department_name(health, "en")) == (
        "市卫生健康局",
        "Health Commission",
    )
    assert department_tooltip(health, "zh_CN") == "市卫生健康局报送的报表（部门代码 health）"
    assert (extract_name(checks, "zh_CN"), extract_name(checks, "en")) == (
        "孕前优生健康检查",
        "prepregnancy_checks",
    )
    assert checks.task_id == "health.prepregnancy_checks"  # what the DAG's ids stay
    assert step_name("compute_indicators", "zh_CN") == "计算指标"
    assert step_name("draft_reply", "en") == "Draft the reply"
    chinese = [step_name(task_id, "zh_CN") for task_id in STEPS]
    assert len(set(chinese)) == len(STEPS) and not any(name.isascii() for name in chinese)
