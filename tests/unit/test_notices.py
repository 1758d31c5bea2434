"""The notices e-mailed after a run (deptstats.audit.department_notices): subject and body in
both languages, what decides that a department is written to again, and the steward's deadline
notice."""

from __future__ import annotations

import pytest

from deptstats.audit import cell_digest, compose_notice, deadline_notice, notice_items, unsent
from deptstats.core import Contact

LINK = "https://airflow.example.gov.cn/deptstats/problems/{}".format


def _cell(extract: str, name: str, outcome: str, late: bool, refused: dict | None = None) -> dict:
    return {
        "department": "health",
        "extract": extract,
        "period": "2023",
        "extract_name": name,
        "due": "2024-03-31",
        "status": "late" if late else outcome,
        "outcome": outcome,
        "late": late,
        "published": None,
        "refused": refused,
    }


def _refusal(problem: str, sha256: str = "a" * 64) -> dict:
    return {
        "file": "health/prepregnancy_checks_2023.csv",
        "sha256": sha256,
        "batch_id": 7,
        "at": "2024-03-01T02:00:00",
        "problem": problem,
        "row": 12,
        "column": "检查人数",
    }


def _cells(problem: str, names: tuple[str, str]) -> list[dict]:
    return [
        _cell("prepregnancy_checks", names[0], "refused", False, _refusal(problem)),
        _cell("childcare_institutions", names[1], "missing", True),
        _cell("childcare_subsidies", "x", "published", False),
    ]


ENGLISH = _cells("row 12: 检查人数 is not a number", ("prepregnancy_checks", "childcare_institutions"))
CHINESE = _cells("第 12 行：检查人数不是数字", ("孕前优生健康检查", "托育机构"))
DIGESTS = {(c["extract"], c["period"]): cell_digest(c) for c in ENGLISH}


def test_a_chinese_notice_says_each_refused_and_late_item_what_to_fix_and_where():
    contact = Contact("health", "张三", "zhangsan@example.gov.cn", "zh_CN")
    items = notice_items(CHINESE, DIGESTS, "zh_CN", LINK)
    notice = compose_notice(contact, "市卫生健康局", items, "reply-2024-147", "2024-04-02", "zh_CN")
    assert notice.to == "zhangsan@example.gov.cn" and notice.language == "zh_CN"
    assert notice.subject == "【reply-2024-147】市卫生健康局有 2 项报送事项需要处理"
    lines = notice.body.splitlines()
    assert lines[0] == "张三：您好！"
    assert "截至 2024-04-02，市卫生健康局为答复件 reply-2024-147 报送的以下报表需要处理：" in lines
    assert (
        "1. 孕前优生健康检查（2023）：文件 health/prepregnancy_checks_2023.csv 未通过校验，已退回。"
        "第一个问题：第 12 行：检查人数不是数字"
    ) in lines
    assert "   该文件的全部问题：https://airflow.example.gov.cn/deptstats/problems/7" in lines
    assert "2. 托育机构（2023）：已逾期（报送截止日期 2024-03-31），尚未报送。" in lines
    assert "   处理办法：请尽快报送。" in lines
    # the published cell is no item
    assert [i.extract for i in notice.items] == ["prepregnancy_checks", "childcare_institutions"]
    assert [i.sha256 for i in notice.items] == ["a" * 64, ""]


def test_an_english_notice_and_one_without_a_link():
    contact = Contact("health", "Zhang San", "zhangsan@example.gov.cn", "en")
    notice = compose_notice(
        contact,
        "Health Commission",
        notice_items(ENGLISH, DIGESTS, "en"),
        "reply-2024-147",
        "2024-04-02",
        "en",
    )
    assert notice.subject == "reply-2024-147: 2 delivery item(s) of Health Commission need attention"
    assert notice.body.startswith(
        "Dear Zhang San,\n\nAs of 2024-04-02, these deliveries of Health Commission"
    )
    assert (
        "1. prepregnancy_checks 2023: the file health/prepregnancy_checks_2023.csv was refused. "
        "First problem: row 12: 检查人数 is not a number"
    ) in notice.body
    assert "What to do: correct the file and deliver it again" in notice.body
    assert "/deptstats/problems/" not in notice.body  # no api-server: no link
    assert "2. childcare_institutions 2023: late (due 2024-03-31); nothing was delivered." in notice.body


def test_a_department_is_written_to_again_only_for_an_item_no_notice_carried():
    items = notice_items(CHINESE, DIGESTS, "zh_CN", LINK)
    assert unsent(items, set()) == items
    sent = {item.key for item in items}
    assert unsent(items, sent) == []  # a retry, or the next run with nothing new
    # the same items in another language are the same items: the digest is the English board's
    assert unsent(notice_items(ENGLISH, DIGESTS, "en"), sent) == []
    # a new content of the refused file, or another first problem, is a new item
    fixed_badly = [
        _cell("prepregnancy_checks", "孕前优生健康检查", "refused", False, _refusal("row 3: bad", "b" * 64)),
        ENGLISH[1],
    ]
    digests = {(c["extract"], c["period"]): cell_digest(c) for c in fixed_badly}
    again = unsent(notice_items(fixed_badly, digests, "en"), sent)
    assert [(i.extract, i.sha256) for i in again] == [("prepregnancy_checks", "b" * 64)]
    # a refused item becoming late is news too
    late = [_cell("prepregnancy_checks", "x", "refused", True, _refusal(ENGLISH[0]["refused"]["problem"]))]
    assert cell_digest(late[0]) != DIGESTS[("prepregnancy_checks", "2023")]


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        (
            "zh_CN",
            "deptstats_nightly：2024-04-02 01:30 (Asia/Shanghai) 的运行截至 "
            "2024-04-02 07:00 (Asia/Shanghai) 仍未完成",
            "夜间运行 scheduled__x（逻辑日期 2024-04-02 01:30 (Asia/Shanghai)）截至期限",
        ),
        (
            "en",
            "deptstats_nightly: the run of 2024-04-02 01:30 (Asia/Shanghai) had not finished by "
            "2024-04-02 07:00 (Asia/Shanghai)",
            "The nightly run scheduled__x (logical date 2024-04-02 01:30 (Asia/Shanghai)) had not finished",
        ),
    ],
)
def test_the_stewards_deadline_notice(language, subject, body):
    said = deadline_notice(
        "deptstats_nightly",
        "scheduled__x",
        "2024-04-02 01:30 (Asia/Shanghai)",
        "2024-04-02 07:00 (Asia/Shanghai)",
        "running",
        "http://h/dags/deptstats_nightly/runs/scheduled__x",
        language,
    )
    assert said[0] == subject
    assert said[1].startswith(body) and said[1].endswith("http://h/dags/deptstats_nightly/runs/scheduled__x")


def test_the_deadline_is_a_setting(monkeypatch):
    from deptstats.airflow.notices import deadline_alert, deadline_minutes

    monkeypatch.delenv("DEPTSTATS_DEADLINE_MINUTES", raising=False)
    assert deadline_minutes() == 330
    monkeypatch.setenv("DEPTSTATS_DEADLINE_MINUTES", "0.5")
    alert = deadline_alert()
    assert alert.interval.total_seconds() == 30
    assert alert.callback.path == "deptstats.airflow.notices.deadline_missed"
    monkeypatch.setenv("DEPTSTATS_DEADLINE_MINUTES", "off")
    assert deadline_alert() is None
    monkeypatch.setenv("DEPTSTATS_DEADLINE_MINUTES", "soon")
    with pytest.raises(ValueError, match="DEPTSTATS_DEADLINE_MINUTES"):
        deadline_minutes()


def test_a_notice_body_is_never_a_template_and_is_escaped():
    from deptstats.airflow.mail import PlainNotifier, as_html

    assert PlainNotifier.template_fields == ()
    assert as_html("a <b> {{ x }}\n") == '<div style="white-space: pre-wrap">a &lt;b&gt; {{ x }}\n</div>'
