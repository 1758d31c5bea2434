"""The notices through a local SMTP server (aiosmtpd, started here) and the SMTP provider: a
department with a refused file gets its notice in Chinese, a second send of the run sends
nothing, the next run after the due date sends only what is new; the steward's deadline notice
goes through the provider's asynchronous client, as in the triggerer."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import os
import socket
from email import policy
from zoneinfo import ZoneInfo

import pytest

from deptstats import pipeline
from deptstats.airflow import notices, tasks
from deptstats.publish.loading import ExtractRejected
from deptstats.warehouse.engine import open_engine
from tests.helpers import smtp_connection

pytestmark = pytest.mark.gx

REPLY = "reply-2024-203"  # civil affairs only: three extracts of 2024-03, due 2024-05-31
VILLAGES = "civil_affairs/village_coverage_2024-03.json"
CENTERS = "civil_affairs/home_care_centers_2024-03.csv"
SHANGHAI = ZoneInfo("Asia/Shanghai")
BEFORE_DUE = dt.datetime(2024, 5, 31, 1, 30, tzinfo=SHANGHAI)
AFTER_DUE = dt.datetime(2024, 6, 1, 1, 30, tzinfo=SHANGHAI)
BASE_URL = "http://deptstats.example.gov.cn:8080"


def _aiosmtpd():
    """aiosmtpd's Controller; a skip outside CI when it is not installed (pip install -e
    '.[dev]'), a failure under CI=true."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        message = "aiosmtpd is not installed: pip install -c constraints.txt -e '.[dev]'"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return Controller


class Inbox:
    """What the local SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(monkeypatch):
    controller_class = _aiosmtpd()
    handler, port = Inbox(), _free_port()
    controller = controller_class(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("AIRFLOW_CONN_DEPTSTATS_SMTP", smtp_connection(port, "deptstats@example.gov.cn"))
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", BASE_URL)
    yield handler
    controller.stop()


def _body(message: email.message.EmailMessage) -> str:
    return message.get_body(("html", "plain")).get_content()


@pytest.fixture
def refused(warehouse_url, landing, registry, tmp_path, monkeypatch):
    """Civil affairs for reply 2024-203: the villages refused (a coverage of 也许), the home care
    centres of 2024-03 never delivered; its contact reads Chinese."""
    engine = open_engine(warehouse_url)
    (landing / CENTERS).unlink()
    villages = landing / VILLAGES
    villages.write_text(
        villages.read_text(encoding="utf-8").replace('"是否覆盖": "是"', '"是否覆盖": "也许"', 1),
        encoding="utf-8",
    )
    for code in ("elderly_care_institutions", "home_care_centers"):
        pipeline.load(engine, landing, code, "r1", registry, settle=0)
    with pytest.raises(ExtractRejected):
        pipeline.load(engine, landing, "village_coverage", "r1", registry, settle=0)
    contacts = tmp_path / "contacts.toml"
    contacts.write_text(
        '[civil_affairs]\nname = "李四"\nemail = "lisi@example.gov.cn"\nlanguage = "zh_CN"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DEPTSTATS_CONTACTS", str(contacts))
    monkeypatch.setattr(tasks, "warehouse_url", lambda: warehouse_url)
    return engine


def test_a_refused_file_is_notified_once_in_chinese_and_the_late_items_the_next_night(refused, inbox):
    first = notices.send_notices("deptstats_nightly", "run-1", REPLY, BEFORE_DUE)
    assert first == {"sent": ["civil_affairs"]}
    assert len(inbox.messages) == 1 and inbox.recipients == [["lisi@example.gov.cn"]]
    message = inbox.messages[0]
    assert message["Subject"] == "【reply-2024-203】市民政局有 1 项报送事项需要处理"
    assert message["From"] == "deptstats@example.gov.cn"
    body = _body(message)
    assert "李四：您好！" in body
    assert "村社居家养老服务覆盖（2024-03）：文件 civil_affairs/village_coverage_2024-03.json" in body
    assert "处理办法：请修改文件后重新报送" in body
    assert f"该文件的全部问题：{BASE_URL}/deptstats/problems/" in body
    # a retry, or a second send of the run: nothing
    assert notices.send_notices("deptstats_nightly", "run-1", REPLY, BEFORE_DUE) == {"sent": []}
    assert len(inbox.messages) == 1
    # the next night, past the due date: the refused file is now late, the missing centres too
    assert notices.send_notices("deptstats_nightly", "run-2", REPLY, AFTER_DUE) == {"sent": ["civil_affairs"]}
    late = _body(inbox.messages[1])
    assert "已逾期（报送截止日期 2024-05-31），尚未报送。" in late
    assert "已逾期（报送截止日期 2024-05-31），文件 civil_affairs/village_coverage_2024-03.json" in late
    assert notices.send_notices("deptstats_nightly", "run-3", REPLY, AFTER_DUE) == {"sent": []}
    assert len(inbox.messages) == 2


def test_the_steward_hears_of_a_missed_deadline(inbox, monkeypatch):
    monkeypatch.setenv("DEPTSTATS_STEWARD_EMAIL", "steward@example.gov.cn")
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")
    context = {  # what the scheduler passes the callback (Deadline.handle_miss)
        "dag_run": {
            "dag_id": "deptstats_nightly",
            "dag_run_id": "scheduled__2024-05-31T17:30:00+00:00",
            "logical_date": "2024-05-31T17:30:00Z",
            "state": "running",
        },
        "deadline": {"id": "d1", "deadline_time": dt.datetime(2024, 5, 31, 23, 0, tzinfo=dt.UTC)},
    }
    assert asyncio.run(notices.deadline_missed(context=context)) == "steward@example.gov.cn"
    assert inbox.recipients == [["steward@example.gov.cn"]]
    message = inbox.messages[0]
    assert message["Subject"] == (
        "deptstats_nightly：2024-06-01 01:30 (Asia/Shanghai) 的运行截至 "
        "2024-06-01 07:00 (Asia/Shanghai) 仍未完成"
    )
    assert f"{BASE_URL}/dags/deptstats_nightly/runs/scheduled__2024-05-31T17:30:00+00:00" in _body(message)


def test_no_mail_server_no_notices(tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowSkipException

    contacts = tmp_path / "contacts.toml"
    contacts.write_text('[health]\nname = "王芳"\nemail = "wang@example.gov.cn"\n', encoding="utf-8")
    monkeypatch.setenv("DEPTSTATS_CONTACTS", str(contacts))
    monkeypatch.delenv("AIRFLOW_CONN_DEPTSTATS_SMTP", raising=False)
    with pytest.raises(AirflowSkipException, match="deptstats_smtp"):
        notices.send_notices("deptstats_nightly", "run-1", REPLY, BEFORE_DUE)
    monkeypatch.delenv("DEPTSTATS_CONTACTS")
    with pytest.raises(AirflowSkipException, match="DEPTSTATS_CONTACTS"):
        notices.send_notices("deptstats_nightly", "run-1", REPLY, BEFORE_DUE)
