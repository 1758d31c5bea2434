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
