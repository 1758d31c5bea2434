"""Loading: idempotent per file hash, atomic per extract and period, refusals that keep what
was published before. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from deptstats.indicators.reports import loads, problems
from deptstats.publish.file_outcome import problems_command, steward_message
from deptstats.publish.loading import ExtractRejected, load_extract
from deptstats.publish.unloaded import record_unmatched
from deptstats.warehouse.engine import metadata_for, open_engine
from tests.helpers import load_all, set_cell, snapshot, table_counts, write_csv

KG_HEADER = "幼儿园编码,幼儿园名称,镇街,办园性质,在园幼儿数"


@pytest.mark.gx
def test_second_load_of_the_same_files_adds_nothing_and_skips_all(warehouse_url, registry, landing):
    engine = open_engine(warehouse_url)
    first = load_all(engine, landing, registry)
    assert {o.status for o in first} == {"published"}
    before = table_counts(engine, registry)
    second = load_all(engine, landing, registry, run_id="again")
    assert {o.status for o in second} == {"skipped"}
    assert table_counts(engine, registry) == before
    assert {row["status"] for row in loads(engine)} == {"skipped"}


@pytest.mark.gx
def test_a_bad_row_rejects_the_file_and_keeps_the_earlier_publication(warehouse_url, registry, landing):
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    extract = registry.extract("kindergartens")
    before = snapshot(engine, extract.table, registry, "2023")
    set_cell(landing / "education" / "kindergartens_2023.csv", 5, 3, "公私合办")

    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "kindergartens", "run-2", registry)
    message = str(rejected.value)
    assert "education/kindergartens_2023.csv" in message
    assert "row 6, column 办园性质 (ownership), value '公私合办'" in message
    assert "must be one of 公办、民办" in message
    # the full list: the command that prints it, when no api-server serves the run
    told = steward_message(rejected.value.rejected, problems_command(warehouse_url))
    [batch] = [o.batch_id for o in rejected.value.rejected]
    assert f"  Full list: deptstats problems --batch {batch} --warehouse " in told
    assert "Full list" not in message and "data_docs" not in told
    assert snapshot(engine, extract.table, registry, "2023") == before
    statuses = {
        r["file"]: r["status"] for r in loads(engine) if r["sha256"] == rejected.value.outcomes[-1].sha256
    }
    assert statuses == {"education/kindergartens_2023.csv": "rejected"}
    kept = problems(engine, "education/kindergartens_2023.csv")
    assert [(p["row_number"], p["column_name"], p["value"]) for p in kept] == [(6, "ownership", "公私合办")]

    # cleared and rerun with the file unchanged: still refused, nothing added
    counts = table_counts(engine, registry)
    with pytest.raises(ExtractRejected, match="unchanged since it was refused"):
        load_extract(engine, landing, "kindergartens", "run-3", registry)
    assert table_counts(engine, registry) == counts


@pytest.mark.gx
def test_a_redelivered_file_replaces_the_publication(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    engine = open_engine(warehouse_url)
    relative = "education/kindergartens_2023.csv"
    write_csv(landing, relative, [KG_HEADER, "K1,甲园,龙山镇,公办,100", "K2,乙园,龙山镇,民办,50"])
    first = load_extract(engine, landing, "kindergartens", "r1", registry)
    write_csv(landing, relative, [KG_HEADER, "K1,甲园,龙山镇,公办,120"])
    second = load_extract(engine, landing, "kindergartens", "r2", registry)
    rows = snapshot(engine, "education_kindergartens", registry, "2023")
    assert len(rows) == 1 and rows[0][-1] == 120
    assert second[0].batch_id != first[0].batch_id
    publication = metadata_for(registry).tables["publication"]
    with engine.connect() as conn:
        assert conn.execute(publication.select()).one().batch_id == second[0].batch_id
    # the first content again: published again, not skipped
    write_csv(landing, relative, [KG_HEADER, "K1,甲园,龙山镇,公办,100", "K2,乙园,龙山镇,民办,50"])
    third = load_extract(engine, landing, "kindergartens", "r3", registry)
    assert third[0].status == "published"
    assert len(snapshot(engine, "education_kindergartens", registry, "2023")) == 2


def test_two_files_for_one_extract_and_period_are_both_refused(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing, "education/kindergartens_2023.csv", [KG_HEADER, "K1,甲园,龙山镇,公办,100"])
    (landing / "education" / "kindergartens_2023.json").write_text(
        '[{"幼儿园编码": "K1", "幼儿园名称": "甲园", "镇街": "龙山镇", "办园性质": "公办", '
        '"在园幼儿数": 100}]',
        encoding="utf-8",
    )
    engine = open_engine(warehouse_url)
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "kindergartens", "r1", registry)
    outcomes = rejected.value.outcomes
    assert sorted(o.status for o in outcomes) == ["rejected", "rejected"]
    assert all("two files for kindergartens 2023" in o.message for o in outcomes)
    assert snapshot(engine, "education_kindergartens", registry, "2023") == []


@pytest.mark.parametrize(
    "relative, reason",
    [
        ("health/unknown_extract_2023.csv", "no extract named 'unknown_extract'"),
        ("health/kindergartens_2023.csv", "belongs in folder education/"),
        ("civil_affairs/village_coverage_2024.csv", "delivered per month"),
        ("education/kindergartens.csv", "name does not follow"),
    ],
)
def test_unrecognised_file_names_are_reported_and_left_in_place(
    warehouse_url, registry, tmp_path, relative, reason
):
    landing = tmp_path / "landing"
    path = write_csv(landing, relative, ["a,b", "1,2"])
    outcomes = record_unmatched(open_engine(warehouse_url), landing, registry)
    assert [(o.file, o.status) for o in outcomes] == [(relative, "rejected")]
    assert reason in outcomes[0].message
    assert path.exists()
    listed = loads(open_engine(warehouse_url))
    assert [(r["file"], r["status"]) for r in listed] == [(relative, "rejected")]


@pytest.mark.gx
def test_subsidies_must_name_a_published_institution(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    header = "拨付编号,机构编码,批次,拨付日期,补助金额（元）"
    write_csv(
        landing,
        "health/childcare_subsidies_2023.csv",
        [header, "P1,TY1,1,2023-03-01,1000", "P2,TY9,1,2023-03-02,2000"],
    )
    engine = open_engine(warehouse_url)
    # institutions not published yet: a warning, the subsidies publish
    outcome = load_extract(engine, landing, "childcare_subsidies", "r1", registry)[0]
    assert outcome.status == "published" and outcome.warnings == 1
    write_csv(
        landing,
        "health/childcare_institutions_2023.csv",
        [
            "机构编码,机构名称,镇街,备案状态,备案日期,托位数,普惠托位数,星级,本年新增托位数",
            "TY1,一号托育园,龙山镇,已备案,2023-01-05,50,40,3,10",
        ],
    )
    load_extract(engine, landing, "childcare_institutions", "r1", registry)
    write_csv(
        landing,
        "health/childcare_subsidies_2023.csv",
        [header, "P1,TY1,1,2023-03-01,1000", "P2,TY9,1,2023-03-02,2500"],
    )
    with pytest.raises(ExtractRejected) as rejected:
        load_extract(engine, landing, "childcare_subsidies", "r2", registry)
    assert "row 3, column 机构编码 (institution_id), value 'TY9'" in str(rejected.value)
    rows = snapshot(engine, "health_childcare_subsidies", registry, "2023")
    assert len(rows) == 2  # the first publication stands


@pytest.mark.gx
def test_a_file_refused_beside_a_twin_loads_once_the_twin_is_removed(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing, "education/kindergartens_2023.csv", [KG_HEADER, "K1,甲园,龙山镇,公办,100"])
    twin = write_csv(landing, "education/kindergartens_2023.json", ["[]"])
    engine = open_engine(warehouse_url)
    with pytest.raises(ExtractRejected):
        load_extract(engine, landing, "kindergartens", "r1", registry)
    twin.unlink()
    outcomes = load_extract(engine, landing, "kindergartens", "r2", registry)
    assert [o.status for o in outcomes] == ["published"]


INST_HEADER = "机构编码,机构名称,镇街,备案状态,备案日期,托位数,普惠托位数,星级,本年新增托位数"
SUBS_HEADER = "拨付编号,机构编码,批次,拨付日期,补助金额（元）"


@pytest.mark.gx
def test_subsidies_are_checked_again_when_the_institution_list_changes(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    engine = open_engine(warehouse_url)
    write_csv(
        landing,
        "health/childcare_institutions_2023.csv",
        [INST_HEADER, "TY1,一号,龙山镇,已备案,2023-01-05,50,40,3,10"],
    )
    write_csv(
        landing,
        "health/childcare_subsidies_2023.csv",
        [SUBS_HEADER, "P1,TY1,1,2023-03-01,1000", "P2,TY2,1,2023-03-02,2000"],
    )
    load_extract(engine, landing, "childcare_institutions", "r1", registry)
    with pytest.raises(ExtractRejected, match="value 'TY2'"):
        load_extract(engine, landing, "childcare_subsidies", "r1", registry)
    # the institution list is completed; the unchanged subsidies file now publishes
    write_csv(
        landing,
        "health/childcare_institutions_2023.csv",
        [
            INST_HEADER,
            "TY1,一号,龙山镇,已备案,2023-01-05,50,40,3,10",
            "TY2,二号,龙山镇,已备案,2023-02-05,30,20,0,5",
        ],
    )
    load_extract(engine, landing, "childcare_institutions", "r2", registry)
    assert [o.status for o in load_extract(engine, landing, "childcare_subsidies", "r2", registry)] == [
        "published"
    ]
    assert [o.status for o in load_extract(engine, landing, "childcare_subsidies", "r3", registry)] == [
        "skipped"
    ]


@pytest.mark.gx
def test_long_ids_and_large_counts_fit_every_backend(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    long_id = "K" * 200
    write_csv(
        landing, "education/kindergartens_2023.csv", [KG_HEADER, f"{long_id},甲园,龙山镇,公办,13812345678"]
    )
    outcome = load_extract(open_engine(warehouse_url), landing, "kindergartens", "r1", registry)[0]
    assert outcome.status == "published"
    rows = snapshot(open_engine(warehouse_url), "education_kindergartens", registry, "2023")
    assert rows[0][3] == long_id and rows[0][-1] == 13812345678


@pytest.mark.gx
def test_a_subsidy_without_an_institution_is_an_error(warehouse_url, registry, tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing, "health/childcare_subsidies_2023.csv", [SUBS_HEADER, "P1,,1,2023-03-01,1000"])
    with pytest.raises(
        ExtractRejected,
        match=r"row 2, column 机构编码 \(institution_id\), "
        r"value empty",
    ):
        load_extract(open_engine(warehouse_url), landing, "childcare_subsidies", "r1", registry)


@pytest.mark.gx
def test_the_airflow_task_tells_a_refusal_in_the_deployments_language_and_links_its_page(
    warehouse_url, registry, landing, monkeypatch
):
    """The task's first line is the steward's message, in Chinese here, its full list the
    plugin's page of the batch under [api] base_url; the task fails without a cause attached."""
    import logging

    monkeypatch.setattr(logging.root, "handlers", list(logging.root.handlers))
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import tasks as airflow_tasks

    said: list[logging.LogRecord] = []
    listener = logging.Handler()
    listener.emit = said.append
    monkeypatch.setattr(airflow_tasks.log, "handlers", [*airflow_tasks.log.handlers, listener])
    monkeypatch.setattr(airflow_tasks, "warehouse_url", lambda: warehouse_url)
    monkeypatch.setenv("DEPTSTATS_LANDING", str(landing))
    monkeypatch.setenv("DEPTSTATS_LANG", "zh_CN")
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://airflow.example")
    monkeypatch.delenv("DEPTSTATS_NO_API_SERVER", raising=False)
    load_all(open_engine(warehouse_url), landing, registry)
    set_cell(landing / "education" / "kindergartens_2023.csv", 5, 3, "公私合办")
    with pytest.raises(AirflowFailException) as failed:
        airflow_tasks.load_extract("kindergartens", "run-2")
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    [batch] = [r["batch_id"] for r in loads(open_engine(warehouse_url)) if r["status"] == "rejected"]
    first = said[0].getMessage()
    assert first == str(failed.value)
    lines = first.splitlines()
    assert lines[0].startswith("已拒收 education/kindergartens_2023.csv（sha256 ")
    assert (
        "第 6 行, 列 办园性质 (ownership), 值 '公私合办': 办园性质 (ownership)必须是以下之一：公办、民办"
        in lines[1]
    )
    assert lines[2] == f"  完整问题清单：https://airflow.example/deptstats/problems/{batch}"
    assert lines[3].startswith("这些报表此前已发布的数据保持不变")
