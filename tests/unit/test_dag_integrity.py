"""What the nightly's last task says when a run failed; what a reload reloads."""

from __future__ import annotations

import pytest


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
    assert step_name("reload_extracts", "zh_CN") == "重新加载已报送的报表"
    chinese = [step_name(task_id, "zh_CN") for task_id in STEPS]
    assert len(set(chinese)) == len(STEPS) and not any(name.isascii() for name in chinese)


def test_the_reload_reloads_what_its_events_name(registry):
    from deptstats.airflow.reload_assets import extracts_to_reload

    health = [e.code for e in registry.extracts_of("health")]
    flag = ("x-deptstats://landing/health", {"from_trigger": True, "payload": True})
    assert extracts_to_reload([flag], registry) == health  # a .ready flag: the whole department
    upload = ("x-deptstats://landing/health", {"extract": "prepregnancy_checks", "period": "2023"})
    assert extracts_to_reload([upload], registry) == ["prepregnancy_checks"]
    # an extract checked against a reloaded one reloads after it: its outcome stood on that one
    institutions = ("x-deptstats://landing/health", {"extract": "childcare_institutions"})
    assert extracts_to_reload([institutions], registry) == ["childcare_institutions", "childcare_subsidies"]
    # an extract another department delivers never reloads through this one's event
    stray = ("x-deptstats://landing/education", {"extract": "prepregnancy_checks"})
    assert extracts_to_reload([stray], registry) == ["kindergartens"]
    assert extracts_to_reload([upload, ("x-deptstats://landing/hrss", {})], registry) == [
        "prepregnancy_checks",
        *(e.code for e in registry.extracts_of("hrss")),
    ]
    assert extracts_to_reload([("x-deptstats://replies/reply-2024-147", {})], registry) == []
    assert extracts_to_reload([("x-deptstats://landing/nobody", {})], registry) == []


def test_each_department_asset_watches_its_flag_only_under_a_landing_folder(registry, tmp_path):
    from deptstats.airflow import READY_FLAG, department_assets

    unwatched = department_assets(registry, None)
    assert [a.uri for a in unwatched] == [f"x-deptstats://landing/{d.code}" for d in registry.departments]
    assert all(not a.watchers for a in unwatched)
    watched = department_assets(registry, tmp_path)
    assert [(a.name, a.uri) for a in watched] == [(a.name, a.uri) for a in unwatched]
    for department, asset in zip(registry.departments, watched, strict=True):
        (watcher,) = asset.watchers
        classpath, kwargs = watcher.trigger.serialize()
        # it deletes what it matches: the flag, never a delivered file
        assert classpath == "airflow.providers.standard.triggers.file.FileDeleteTrigger"
        assert kwargs["filepath"] == str(tmp_path / department.code / READY_FLAG)


def test_the_landing_scan_skips_the_ready_flag(registry, tmp_path):
    from deptstats.ingest import scan

    (tmp_path / "health").mkdir()
    (tmp_path / "health" / ".ready").touch()
    (tmp_path / "health" / "prepregnancy_checks_2023.csv").write_text("a\n", encoding="utf-8")
    assert [d.relative for d in scan(tmp_path, registry)] == ["health/prepregnancy_checks_2023.csv"]


def test_an_announced_delivery_is_one_the_registry_knows(registry):
    from deptstats.airflow.announce import delivery_extra

    extra = delivery_extra("health", "prepregnancy_checks", "2023", "clerk_health")
    assert extra == {
        "department": "health",
        "extract": "prepregnancy_checks",
        "period": "2023",
        "uploaded_by": "clerk_health",
        "via": "upload",
    }
    for department, extract, period, who in (
        ("education", "prepregnancy_checks", "2023", "x"),  # another department's extract
        ("health", "prepregnancy_checks", "2023-13", "x"),
        ("health", "prepregnancy_checks", "2023-05", "x"),  # delivered by year
        ("health", "prepregnancy_checks", "2023", ""),
    ):
        with pytest.raises(ValueError):
            delivery_extra(department, extract, period, who)
