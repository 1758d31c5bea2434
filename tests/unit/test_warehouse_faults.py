"""A fault that is no warehouse fault (a bug) keeps its traceback on the command line."""

from __future__ import annotations

import sqlite3

import pytest

from deptstats import cli


def test_unexpected_error_keeps_its_traceback(tmp_path, monkeypatch):
    from deptstats.indicators import reports

    def broken(_engine):
        raise ZeroDivisionError("a bug, not the warehouse")

    monkeypatch.setattr(reports, "figures", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["figures", "--warehouse", str(tmp_path / "w.db")])


def _read_only_error() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("attempt to write a readonly database")
    error.sqlite_errorcode = 8  # SQLITE_READONLY
    return error


def test_a_fault_is_told_in_the_deployments_language(tmp_path, monkeypatch):
    from deptstats.warehouse.faults import fault_of

    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    line = fault_of(_read_only_error(), url, "health/a.csv").line()
    assert line == (
        f"数据仓库 {url} 为只读（attempt to write a readonly database）；health/a.csv 的内容均未发布；"
        "请给运行 deptstats 的用户授予该文件及其所在文件夹的写权限（SQLite 会在旁边写入 -wal 和 -shm "
        "文件），然后重新运行"
    )
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    assert fault_of(_read_only_error(), url).line() == (
        f"the warehouse {url} is read-only (attempt to write a readonly database); what was being "
        "written was rolled back; give the user running deptstats write access to the file and its "
        "folder (SQLite writes -wal and -shm files beside it), then run again"
    )


def test_the_holder_of_a_lock_is_told_in_the_deployments_language(monkeypatch):
    from types import SimpleNamespace

    from deptstats.warehouse.faults import describe_holder

    row = SimpleNamespace(application_name="", pid=42, client_addr="10.0.0.5", xact_start=None)
    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    assert describe_holder(row) == "另一个装载（'无应用名称'，服务器进程号 42，来自 10.0.0.5，事务开始于 ?）"
    assert describe_holder(None) == "一个刚刚结束的装载"
    monkeypatch.setenv("DEPTSTATS_LANG", "en")
    assert describe_holder(row) == (
        "another load ('no application name', server pid 42 at 10.0.0.5, in a transaction since ?)"
    )
