"""Dimensions, table comments and the analysts' mart_* views.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE_COMMENTS = {
    "delivery": "one row per distinct content of a delivered file, with its latest outcome",
    "load_batch": "one attempt to load a delivered file",
    "validation_run": "the Great Expectations run of a load batch",
    "validation_outcome": "each expectation's result in a validation run",
    "problem": "quarantine: every failing row (or file-level rule) of a validation",
    "publication": "the load batch whose rows are current for an extract and period",
    "indicator_value": "indicator values per period, citywide (area null) and per area",
}

VIEWS = {
    "mart_indicator_value": """
        select iv.indicator, di.name as indicator_name, di.name_en as indicator_name_en,
               di.department, iv.period, dp.kind as period_kind, dp.first_day, dp.last_day,
               coalesce(iv.area, '全市') as area,
               case when iv.area is null then 1 else 0 end as is_citywide,
               iv.value, iv.value_text, iv.display, di.unit, di.decimals,
               iv.numerator, iv.denominator, iv.status, iv.note,
               iv.batch_id, d.file as source_file, d.sha256 as source_sha256,
               v.validation_id, iv.sql_file
        from indicator_value iv
        join dim_indicator di on di.indicator = iv.indicator
        left join dim_period dp on dp.period = iv.period
        join load_batch b on b.batch_id = iv.batch_id
        join delivery d on d.delivery_id = b.delivery_id
        left join validation_run v on v.batch_id = iv.batch_id
    """,
    "mart_indicator_history": """
        select indicator, indicator_name, period, value, display, unit, status,
               lag(period) over w as previous_period,
               lag(value) over w as previous_value,
               value - lag(value) over w as change,
               case when lag(value) over w <> 0
                    then round((value - lag(value) over w) * 100.0 / lag(value) over w, 1)
               end as change_percent
        from mart_indicator_value
        where is_citywide = 1
        window w as (partition by indicator order by period)
    """,
    "mart_publication": """
        select e.department, e.extract, e.name as extract_name, p.period, p.row_count,
               p.warnings, d.file, d.sha256, p.batch_id, v.validation_id, v.suite,
               v.expectations, v.failed_expectations, p.published_at
        from publication p
        join dim_extract e on e.extract = p.extract
        join delivery d on d.delivery_id = p.delivery_id
        left join validation_run v on v.batch_id = p.batch_id
    """,
    "mart_load_status": """
        select e.department, dd.name as department_name, e.extract, e.name as extract_name,
               (select max(p.period) from publication p
                 where p.extract = e.extract) as latest_published_period,
               (select count(*) from delivery d
                 where d.extract = e.extract and d.status in ('published', 'skipped'))
                 as current_files,
               (select count(*) from delivery d
                 where d.extract = e.extract and d.status = 'rejected') as rejected_files,
               (select count(*) from problem pr join delivery d on d.delivery_id = pr.delivery_id
                 where d.extract = e.extract and d.status = 'rejected'
                   and pr.severity = 'error') as open_errors,
               (select max(b.finished_at) from load_batch b
                 where b.extract = e.extract) as last_load_at
        from dim_extract e
        join dim_department dd on dd.department = e.department
    """,
    "mart_problem": """
        select e.department, pr.file, d.extract, d.period, d.status as file_status,
               pr.row_number, pr.column_name, pr.value, pr.rule, pr.severity, pr.batch_id,
               pr.sha256
        from problem pr
        join delivery d on d.delivery_id = pr.delivery_id
        left join dim_extract e on e.extract = d.extract
    """,
}


def upgrade() -> None:
    op.create_table(
        "dim_department",
        sa.Column("department", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        comment="the five departments that deliver extracts")
    op.create_table(
        "dim_extract",
        sa.Column("extract", sa.String(64), primary_key=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("period_kind", sa.String(8), nullable=False, comment="year or month"),
        sa.Column("kind", sa.String(8), nullable=False, comment="flow or snapshot"),
        sa.Column("grain", sa.Text(), nullable=False),
        sa.Column("table_name", sa.String(128), nullable=False,
                  comment="the warehouse table of its published rows"),
        comment="the extracts of the data dictionary")
    op.create_table(
        "dim_area",
        sa.Column("area", sa.String(32), primary_key=True),
        sa.Column("is_citywide", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        comment="the 17 areas of the reference list and 全市 (citywide)")
    op.create_table(
        "dim_period",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False, comment="year or month"),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        comment="every period with published data")
    op.create_table(
        "dim_indicator",
        sa.Column("indicator", sa.String(64), primary_key=True),
        sa.Column("extract", sa.String(64), nullable=False),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("sql_file", sa.Text(), nullable=False, comment="under include/sql"),
        comment="the indicators and how each is computed")
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps no comments
        for table, comment in TABLE_COMMENTS.items():
            op.create_table_comment(table, comment)
    for name, body in VIEWS.items():
        op.execute(f"create view {name} as {body}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"drop view {name}")
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLE_COMMENTS:
            op.drop_table_comment(table)
    for table in ("dim_indicator", "dim_period", "dim_area", "dim_extract", "dim_department"):
        op.drop_table(table)
