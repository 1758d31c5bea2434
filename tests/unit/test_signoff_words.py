"""The sign-off's small parts: folder names made from run ids, times as the tables keep them,
and review notes told in the approver's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from deptstats.core.registry import load_registry
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


def test_review_notes_in_the_approvers_words():
    registry = load_registry()
    flagged = (
        "health.childcare_slots 2023 = 6595个: moved 58.6% against 2022 (4158个); "
        "source publication has 2 warning(s)"
    )
    assert in_plain_words(flagged, registry) == (
        "- 托位数（2023，全市）6595个：较 2022（4158个）变动 58.6%；来源数据有 2 条警告，请核实。"
    )
    odd = "something the review says in another form"
    assert in_plain_words(odd, registry) == f"- {odd}"
