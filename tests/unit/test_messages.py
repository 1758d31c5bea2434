"""Problems as codes and parameters, worded in either language; the steward's message and where
it sends the steward for the full list."""

from __future__ import annotations

import pytest

from deptstats.core import LEGACY, TEXTS, Message
from deptstats.core.i18n import gettext
from deptstats.publish.file_outcome import FileOutcome, problems_command, steward_message

REFUSED = FileOutcome(
    "education/kindergartens_2023.csv",
    "kindergartens",
    "2023",
    "e78a5a3241370000",
    "rejected",
    errors=3,
    batch_id=42,
    message="3 error(s)",
    examples=["education/kindergartens_2023.csv, row 6: x"],
)


def test_every_code_is_worded_in_both_languages():
    for code, wording in TEXTS.items():
        assert gettext(wording, "zh_CN"), code
        assert gettext(wording, "en") == wording, code


def test_a_stored_problem_reads_in_either_language():
    stored = Message("one_of", {"column": "办园性质 (ownership)", "allowed": ["公办", "民办"]})
    again = Message.from_stored(stored.code, stored.params_json(), "whatever was stored")
    assert again.text("en") == "办园性质 (ownership) must be one of 公办、民办"
    assert again.text("zh_CN") == "办园性质 (ownership)必须是以下之一：公办、民办"
    legacy = Message.from_stored(LEGACY, None, "an old wording")
    assert legacy.text("zh_CN") == legacy.text("en") == "an old wording"


def test_the_steward_message_in_each_language_links_the_full_list():
    link = problems_command("postgresql+psycopg://loader:secret@db.example/warehouse")
    english = steward_message([REFUSED], link, "en").splitlines()
    assert english[0] == "REJECTED education/kindergartens_2023.csv (sha256 e78a5a324137): 3 error(s)"
    assert english[2:4] == [
        "  ... 2 more",
        "  Full list: deptstats problems --batch 42 --warehouse postgresql+psycopg://loader@db.example/warehouse",
    ]
    assert english[-1].startswith("Earlier publications of these extracts are unchanged.")
    chinese = steward_message([REFUSED], link, "zh_CN")
    assert chinese.startswith("已拒收 education/kindergartens_2023.csv（sha256 e78a5a324137）")
    assert "完整问题清单：deptstats problems --batch 42" in chinese and "secret" not in chinese
    assert "REJECTED" not in chinese and "Earlier" not in chinese
    assert "Full list" not in steward_message([REFUSED], None, "en")


def test_the_full_list_is_the_plugin_page_when_an_api_server_serves_the_run(monkeypatch):
    from deptstats.airflow.tasks import problems_link

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example/")
    monkeypatch.delenv("DEPTSTATS_NO_API_SERVER", raising=False)
    assert problems_link("sqlite:///w.db")(42) == "https://airflow.example/deptstats/problems/42"
    monkeypatch.setenv("DEPTSTATS_NO_API_SERVER", "1")  # deptstats run: dag.test, no api-server
    assert (
        problems_link("sqlite:////srv/w.db")(42)
        == "deptstats problems --batch 42 --warehouse sqlite:////srv/w.db"
    )


@pytest.mark.parametrize("given,language", [("en", "en"), ("zh-CN", "zh_CN")])
def test_lang_sets_the_language_of_the_process(given, language, monkeypatch):
    import argparse
    import os

    from deptstats.cli.options import apply_language

    monkeypatch.delenv("DEPTSTATS_LANG", raising=False)
    apply_language(argparse.Namespace(lang=given))
    assert os.environ["DEPTSTATS_LANG"] == language


def test_deptstats_run_tells_its_tasks_that_no_api_server_serves_them(tmp_path, monkeypatch):
    from deptstats.airflow.local import airflow_environment, run_environment

    monkeypatch.delenv("DEPTSTATS_NO_API_SERVER", raising=False)
    where = (tmp_path, tmp_path, f"sqlite:///{tmp_path / 'w.db'}", tmp_path)
    assert run_environment(*where)["DEPTSTATS_NO_API_SERVER"] == "1"
    # the components of `deptstats airflow up` serve the pages: their logs link to them
    assert "DEPTSTATS_NO_API_SERVER" not in airflow_environment(*where)


def test_what_a_files_rows_are_called_is_worded_in_the_readers_language():
    said = Message("header_repeats", {"row_label": "record", "row": 1, "columns": "镇街 (area)"})
    assert said.text("en").startswith("the header at record 1 names 镇街 (area) more than once")
    assert said.text("zh_CN").startswith("第 1 条记录的表头多次出现 镇街 (area)")
