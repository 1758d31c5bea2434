"""Each kept problem names its row by the row's key and, for a rule between two columns, the
other column and its value, as fields of their own: in the problem table, `deptstats problems
--format json` and the steward's API; the log line is told from the same fields. Both
backends."""

from __future__ import annotations

import json

import pytest

from deptstats.airflow import steward
from deptstats.cli import main
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.warehouse.engine import open_engine
from tests.helpers import set_cell, write_csv

pytestmark = pytest.mark.gx

PREP = "health/prepregnancy_checks_2023.csv"
LOG_LINE = (
    f"{PREP}, row 4 (古塘街道): 检查人数 641 exceeds 目标人群数 636 (rule: 检查人数 "
    "(checked_people) must not exceed 目标人群数 (target_people))"
)


def problems_json(url: str, file: str, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    capsys.readouterr()
    assert main(["problems", "--warehouse", url, "--file", file, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_pair_rule_keeps_the_row_key_and_the_other_column(warehouse_url, registry, landing, capsys):
    path = landing / PREP
    text = path.read_bytes().decode("gbk")
    assert "古塘街道,1151,969" in text  # row 4 of the file
    path.write_bytes(text.replace("古塘街道,1151,969", "古塘街道,636,641").encode("gbk"))
    engine = open_engine(warehouse_url)
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "prepregnancy_checks", "r1", registry)
    assert LOG_LINE in str(rejected.value)

    [problem] = problems_json(warehouse_url, PREP, capsys)
    assert {
        k: problem[k]
        for k in ("row_number", "row_key", "column_name", "value", "other_column", "other_value", "severity")
    } == {
        "row_number": 4,
        "row_key": "古塘街道",
        "column_name": "checked_people",
        "value": "641",
        "other_column": "target_people",
        "other_value": "636",
        "severity": "error",
    }

    # refused again unchanged: the log is told from the stored problem, and says the same
    with pytest.raises(ExtractRejected, match="unchanged since it was refused") as again:
        load_extract(engine, landing, "prepregnancy_checks", "r2", registry)
    assert LOG_LINE in str(again.value)

    [shown] = steward.problems_of(engine, "prepregnancy_checks", problem["batch_id"], None, registry)
    assert (shown["row_key"], shown["other_column"], shown["other_value"]) == (
        "古塘街道",
        "target_people",
        "636",
    )
    # the page shows row, key, column, value and the other column's value each in its own
    # column; what to fix says what to do with them
    assert (shown["row"], shown["title"], shown["value"]) == (4, "检查人数", "641")
    assert shown["other_title"] == "目标人群数"
    assert shown["advice"] == "Correct this value in the file, then deliver the file again."


def test_a_set_membership_rule_keeps_the_row_key_and_no_other_column(
    warehouse_url, registry, landing, capsys
):
    relative = "education/kindergartens_2023.csv"
    set_cell(landing / relative, 5, 3, "公私合办")
    kindergarten_id = (landing / relative).read_bytes().decode("utf-8-sig").split("\r\n")[5].split(",")[0]
    engine = open_engine(warehouse_url)
    with pytest.raises(ExtractRejected):
        load_extract(engine, landing, "kindergartens", "r1", registry)
    [problem] = problems_json(warehouse_url, relative, capsys)
    assert (problem["row_number"], problem["row_key"], problem["column_name"], problem["value"]) == (
        6,
        kindergarten_id,
        "ownership",
        "公私合办",
    )
    assert problem["other_column"] is None and problem["other_value"] is None
    capsys.readouterr()
    assert main(["problems", "--warehouse", warehouse_url, "--file", relative, "--format", "table"]) == 0
    assert "row_key" in capsys.readouterr().out


def test_the_reference_rule_names_the_referenced_column(warehouse_url, registry, tmp_path, capsys):
    landing = tmp_path / "landing"
    write_csv(
        landing,
        "health/childcare_institutions_2023.csv",
        [
            "机构编码,机构名称,镇街,备案状态,备案日期,托位数,普惠托位数,星级,本年新增托位数",
            "TY1,一号托育园,龙山镇,已备案,2023-01-05,50,40,3,10",
        ],
    )
    relative = "health/childcare_subsidies_2023.csv"
    write_csv(
        landing,
        relative,
        [
            "拨付编号,机构编码,批次,拨付日期,补助金额（元）",
            "P1,TY1,1,2023-03-01,1000",
            "P2,TY9,1,2023-03-02,2500",
        ],
    )
    engine = open_engine(warehouse_url)
    load_extract(engine, landing, "childcare_institutions", "r1", registry)
    with pytest.raises(ExtractRejected):
        load_extract(engine, landing, "childcare_subsidies", "r1", registry)
    [problem] = problems_json(warehouse_url, relative, capsys)
    assert (
        problem["row_number"],
        problem["row_key"],
        problem["column_name"],
        problem["value"],
        problem["other_column"],
        problem["other_value"],
    ) == (3, "P2", "institution_id", "TY9", "childcare_institutions.institution_id", None)


def test_a_stored_problem_reads_in_either_language(warehouse_url, registry, landing, capsys, monkeypatch):
    """The problem is stored as a code and parameters; `deptstats problems --format json` words
    it in the reader's language (--lang), the same code and parameters in both."""
    monkeypatch.setenv("DEPTSTATS_LANG", "en")  # --lang sets it for the process: put back after
    relative = "education/kindergartens_2023.csv"
    set_cell(landing / relative, 5, 3, "公私合办")
    with pytest.raises(ExtractRejected):
        load_extract(open_engine(warehouse_url), landing, "kindergartens", "r1", registry)
    [stored] = problems_json(warehouse_url, relative, capsys)
    shown = {}
    for language in ("zh_CN", "en"):
        capsys.readouterr()
        argv = [
            "--lang",
            language,
            "problems",
            "--warehouse",
            warehouse_url,
            "--batch",
            str(stored["batch_id"]),
        ]
        assert main([*argv, "--format", "json"]) == 0
        [shown[language]] = json.loads(capsys.readouterr().out)
    for problem in shown.values():
        assert problem["rule_code"] == "one_of"
        assert problem["params"] == {"column": "办园性质 (ownership)", "allowed": ["公办", "民办"]}
    assert shown["en"]["rule"] == "办园性质 (ownership) must be one of 公办、民办"
    assert shown["zh_CN"]["rule"] == "办园性质 (ownership)必须是以下之一：公办、民办"
    capsys.readouterr()
    assert main(["--lang", "zh", "problems", "--warehouse", warehouse_url, "--batch", "999999"]) == 0
    assert "公办" not in capsys.readouterr().out  # another batch: none of its problems
