"""The warehouse schema: migrations from empty and from every earlier revision, the model the
code declares, docs/warehouse.md's queries, and the read-only analyst role."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from deptstats.indicators.compute import compute_indicators
from deptstats.warehouse.engine import metadata_for, open_engine
from deptstats.warehouse.schema import SchemaBehind, check_schema, current_revision, head_revision, upgrade
from tests.conftest import REPO
from tests.helpers import load_all, table_counts

REVISIONS = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0010", "0011", "0012"]


def doc_queries() -> list[tuple[str, str]]:
    text_ = (REPO / "docs" / "warehouse.md").read_text(encoding="utf-8")
    return re.findall(r"^### (.+?)\n\n```sql\n(.+?)```", text_, flags=re.S | re.M)


@pytest.fixture
def empty_url(request, tmp_path):
    """An empty database (no schema) on each backend."""
    yield from _empty(request, tmp_path)


def _empty(request, tmp_path):
    from tests.conftest import create_pg_database, drop_pg_database

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = request.getfixturevalue("postgres_admin")
    name, url = create_pg_database(admin)
    try:
        yield url
    finally:
        drop_pg_database(admin, name)


parametrize_backends = pytest.mark.parametrize("empty_url", ["sqlite", "postgres"], indirect=True)


def test_head_is_the_last_revision():
    assert head_revision() == REVISIONS[-1]


@parametrize_backends
def test_upgrade_from_empty_gives_the_declared_model(empty_url, registry):
    engine = open_engine(empty_url)
    with pytest.raises(SchemaBehind, match="run `deptstats db upgrade"):
        check_schema(engine)
    upgrade(engine, registry)
    assert check_schema(engine) == head_revision()
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata_for(registry))
    assert differences == []


@pytest.mark.gx
@pytest.mark.parametrize("start", REVISIONS[:-1])
@parametrize_backends
def test_upgrade_from_every_earlier_revision_keeps_the_data(empty_url, start, registry, sample_dir):
    engine = open_engine(empty_url)
    upgrade(engine, registry, start)
    assert current_revision(engine) == start
    with pytest.raises(SchemaBehind):
        check_schema(engine)
    load_all(engine, sample_dir, registry)
    before = table_counts(engine, registry, dimensions=False)
    upgrade(engine, registry)
    after = table_counts(engine, registry)
    assert {k: after[k] for k in before} == before
    assert after["dim_indicator"] == len(registry.indicators)
    assert after["dim_area"] == 18
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from mart_publication")).scalar_one() == 24


@parametrize_backends
def test_downgrade_and_upgrade_again(empty_url, registry):
    engine = open_engine(empty_url)
    upgrade(engine, registry)
    from alembic import command

    from deptstats.warehouse.schema import alembic_config

    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
        conn.commit()
    assert current_revision(engine) is None
    upgrade(engine, registry)
    assert current_revision(engine) == head_revision()


def down_and_up_again(engine, revision: str, registry, meanwhile=None) -> None:
    """The warehouse migrated down to `revision` (where meanwhile(conn) runs, if given), then
    up to the head again."""
    from alembic import command

    from deptstats.warehouse.schema import alembic_config

    config = alembic_config()
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
        if meanwhile is not None:
            meanwhile(conn)
        conn.commit()
    upgrade(engine, registry)


# problems as 0008 recorded them (English text): what 0009 reads back as code and parameters
STORED_0008 = {
    "镇街 (area) must be one of 浒山街道、龙山镇": (
        "one_of",
        {"allowed": ["浒山街道", "龙山镇"], "column": "镇街 (area)"},
    ),
    "目标人群数 (target_people) must be >= 0 and <= 100": (
        "between",
        {"column": "目标人群数 (target_people)", "max": 100, "min": 0},
    ),
    "入园日期 (entry_date) must fall inside the period 2023 (2023-01-01 to 2023-12-31)": (
        "inside_period",
        {
            "column": "入园日期 (entry_date)",
            "first_day": "2023-01-01",
            "last_day": "2023-12-31",
            "period": "2023",
        },
    ),
    "every area of the reference list should be present": ("all_areas", {}),
    "the file is empty": ("empty_file", {}),
    "something this version never said": ("legacy", None),
}


@pytest.mark.gx
def test_0009_reads_earlier_problems_back_as_codes_and_parameters(loaded, registry):
    """Problems recorded at 0008 get their code and parameters where their English text is a
    known wording, else the code legacy (shown as stored); the same wording in either language."""
    import json

    from deptstats.core import Message

    engine = open_engine(loaded)

    def old_problems(conn):
        conn.execute(text("delete from problem"))
        batch = conn.execute(
            text(
                "select b.batch_id, b.delivery_id, d.file, d.sha256 from load_batch b "
                "join delivery d on d.delivery_id = b.delivery_id limit 1"
            )
        ).first()
        for rule in STORED_0008:
            conn.execute(
                text(
                    "insert into problem (batch_id, delivery_id, file, sha256, rule, severity) "
                    "values (:batch_id, :delivery_id, :file, :sha256, :rule, 'error')"
                ),
                {
                    "batch_id": batch.batch_id,
                    "delivery_id": batch.delivery_id,
                    "file": batch.file,
                    "sha256": batch.sha256,
                    "rule": rule,
                },
            )

    down_and_up_again(engine, "0008", registry, old_problems)
    with engine.connect() as conn:
        rows = conn.execute(text("select rule, rule_code, params from problem")).all()
    got = {r.rule: (r.rule_code, None if r.params is None else json.loads(r.params)) for r in rows}
    assert got == STORED_0008
    for rule, code, params in rows:
        assert Message.from_stored(code, params, rule).text("en") == rule
    [between] = [Message.from_stored(code, params, rule) for rule, code, params in rows if code == "between"]
    assert between.text("zh_CN") != between.text("en") and "100" in between.text("zh_CN")


@pytest.mark.gx
def test_0006_keeps_the_standing_figures_as_their_batches_history(loaded, registry):
    """A warehouse upgraded to 0006 with figures already computed: those figures are the
    history it starts from, one row per batch, indicator and area."""
    engine = open_engine(loaded)
    down_and_up_again(engine, "0005", registry)
    with engine.connect() as conn:
        values = conn.execute(
            text(
                "select batch_id, indicator, coalesce(area, ''), display from indicator_value "
                "order by 1, 2, 3"
            )
        ).all()
        history = conn.execute(
            text("select batch_id, indicator, area_key, display from indicator_history order by 1, 2, 3")
        ).all()
    assert len(values) > 900 and history == values


@pytest.mark.gx
def test_0007_keeps_earlier_problems_with_null_key_and_other_column(loaded, registry):
    """Problems recorded before 0007 keep their row and value, and null in the new columns;
    problems recorded after it fill them."""
    engine = open_engine(loaded)
    with engine.connect() as conn:
        before = conn.execute(
            text(
                "select problem_id, row_number, column_name, value, row_key from problem "
                "where severity = 'error'"
            )
        ).all()
    assert [(r.column_name, r.value) for r in before] == [("ownership", "公私合办")]
    assert before[0].row_key is not None
    down_and_up_again(engine, "0006", registry)
    with engine.connect() as conn:
        after = conn.execute(
            text(
                "select problem_id, row_number, column_name, value, row_key, other_column, "
                "other_value from problem where severity = 'error'"
            )
        ).all()
    assert [tuple(r) for r in after] == [(*before[0][:4], None, None, None)]


@pytest.fixture
def loaded(warehouse_url, registry, landing):
    """The sample data plus one refused file, indicators computed."""
    path = landing / "education" / "kindergartens_2023.csv"
    lines = path.read_bytes().decode("utf-8-sig").split("\r\n")
    lines[2] = lines[2].replace("公办", "公私合办")
    path.with_name("kindergartens_2024.csv").write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    engine = open_engine(warehouse_url)
    load_all(engine, landing, registry)
    compute_indicators(engine, registry)
    from deptstats.warehouse.schema import sync_dimensions

    sync_dimensions(engine, registry)
    return warehouse_url


def test_docs_hold_at_least_ten_queries():
    assert len(doc_queries()) >= 10


@pytest.mark.gx
def test_the_documented_queries_run(loaded):
    engine = open_engine(loaded, write=False)
    with engine.connect() as conn:
        for title, sql in doc_queries():
            rows = conn.execute(text(sql)).all()
            assert rows, title
    with engine.connect() as conn:
        reply = dict(
            conn.execute(
                text(
                    "select indicator, display from mart_indicator_value "
                    "where is_citywide = 1 and period = '2023'"
                )
            ).all()
        )
        assert reply["health.prepregnancy_check_rate"] == "84.18%"
        problems = conn.execute(text("select value from mart_problem where severity = 'error'"))
        assert [r[0] for r in problems] == ["公私合办"]


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["postgres"], indirect=True)  # roles are PostgreSQL's
def test_analyst_role_reads_the_marts_and_nothing_else(loaded, registry):
    from deptstats.warehouse.roles import grant_analyst

    login = f"analyst_{uuid.uuid4().hex[:8]}"
    admin = create_engine(loaded)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'create role "{login}" login')
    try:
        views = grant_analyst(open_engine(loaded), member=login)
        assert "mart_indicator_value" in views and len(views) == 5
        down_and_up_again(open_engine(loaded), "0009", registry)  # 0010 rebuilds two views
        as_analyst = create_engine(loaded.replace("root@", f"{login}@"))
        with as_analyst.connect() as conn:
            assert conn.execute(text("select count(*) from mart_indicator_value")).scalar_one()
        for table in ("delivery", "indicator_value", "health_childcare_institutions"):
            with as_analyst.connect() as conn, pytest.raises(Exception, match="permission denied"):
                conn.execute(text(f"select count(*) from {table}"))
        with as_analyst.connect() as conn, pytest.raises(Exception, match="permission denied"):
            conn.execute(text("delete from dim_area"))
        as_analyst.dispose()
    finally:
        open_engine(loaded).dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'drop owned by "{login}"')
            conn.exec_driver_sql(f'drop role "{login}"')
        admin.dispose()


@pytest.mark.parametrize("empty_url", ["postgres"], indirect=True)  # SQLite keeps no comments
def test_every_view_says_what_it_holds(empty_url, registry):
    engine = open_engine(empty_url)
    upgrade(engine, registry)
    with engine.connect() as conn:
        comments = dict(
            conn.execute(
                text(
                    "select c.relname, obj_description(c.oid, 'pg_class') from pg_class c "
                    "where c.relkind = 'v' and c.relnamespace = current_schema()::regnamespace"
                )
            ).all()
        )
    assert sorted(comments) == [
        "mart_indicator_history",
        "mart_indicator_value",
        "mart_load_status",
        "mart_problem",
        "mart_publication",
    ]
    assert all(comment and "one row per" in comment for comment in comments.values()), comments


@pytest.mark.gx
@pytest.mark.parametrize("warehouse_url", ["postgres"], indirect=True)  # numeric(30,10) is PostgreSQL's
def test_counts_read_as_integers(loaded, capsys, monkeypatch):
    from deptstats.cli import main

    engine = open_engine(loaded, write=False)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select indicator, decimals, value::text, numerator::text, denominator::text "
                "from mart_indicator_value where is_citywide = 1 and period = '2023'"
            )
        ).all()
        history = conn.execute(
            text("select value::text, previous_value::text, change::text from mart_indicator_history")
        ).all()
    counts = {r.indicator: r.value for r in rows if r.decimals == 0}
    assert counts and all(re.fullmatch(r"-?\d+", v) for v in counts.values()), counts
    rates = {r.indicator: r.value for r in rows}
    assert rates["health.prepregnancy_check_rate"] == "84.18"
    assert all(
        "." not in (r.numerator or "") and "." not in (r.denominator or "")
        for r in rows
        if r.indicator.endswith("_rate")
    ), rows
    assert not [r for r in history if any(v and v.endswith("0000000000") for v in r)]
    monkeypatch.setenv("DEPTSTATS_WAREHOUSE", loaded)
    assert main(["figures", "--citywide", "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    shown = {(f["indicator"], f["period"]): f for f in figures}
    institutions = shown[("civil_affairs.elderly_care_institutions", "2023-12")]
    assert re.fullmatch(r"\d+", institutions["value"]) and re.fullmatch(r"\d+", institutions["numerator"])


@parametrize_backends
def test_the_nightly_dag_refuses_a_warehouse_that_is_behind(empty_url, monkeypatch, registry):
    from airflow.sdk.exceptions import AirflowFailException

    from deptstats.airflow import tasks as airflow_tasks
    from deptstats.warehouse.connections import connection_json

    engine = open_engine(empty_url)
    upgrade(engine, registry, REVISIONS[-2])
    monkeypatch.setenv("AIRFLOW_CONN_DEPTSTATS_WAREHOUSE", connection_json(empty_url))
    with pytest.raises(
        AirflowFailException,
        match=f"at revision {REVISIONS[-2]} but this version of deptstats writes "
        f"revision {REVISIONS[-1]}: run `deptstats db upgrade",
    ):
        airflow_tasks.prepare_warehouse()
    upgrade(engine, registry)
    assert airflow_tasks.prepare_warehouse() == REVISIONS[-1]


@pytest.mark.parametrize("empty_url", ["postgres"], indirect=True)
def test_credentials_never_show(empty_url, capsys, monkeypatch):
    from deptstats.cli import main

    # from the environment: a command line refuses a password (`ps` shows it)
    monkeypatch.setenv("DEPTSTATS_WAREHOUSE", empty_url.replace("root@", "root:s3cret-pw@"))
    assert main(["db", "upgrade"]) == 0  # trust auth ignores the password
    assert main(["db", "current"]) == 0
    assert main(["loads", "--format", "json"]) == 0
    out = capsys.readouterr()
    assert "s3cret-pw" not in out.out + out.err
    assert "***" in out.out
