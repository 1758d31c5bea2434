"""A fault that is no warehouse fault (a bug) keeps its traceback on the command line."""

from __future__ import annotations

import pytest

from deptstats import cli


def test_unexpected_error_keeps_its_traceback(tmp_path, monkeypatch):
    from deptstats.indicators import reports

    def broken(_engine):
        raise ZeroDivisionError("a bug, not the warehouse")

    monkeypatch.setattr(reports, "figures", broken)
    with pytest.raises(ZeroDivisionError):
        cli.main(["figures", "--warehouse", str(tmp_path / "w.db")])
