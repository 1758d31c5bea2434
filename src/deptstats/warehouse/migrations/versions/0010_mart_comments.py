"""The mart_* views say what they hold (COMMENT ON VIEW, as the tables do), and on PostgreSQL
mart_indicator_value gives each value at its indicator's decimals (a count reads 27, not
27.0000000000) and numerator and denominator without trailing zeros. SQLite keeps no comments and
already hands back plain numbers: nothing changes there.

Revision ID: 0010
Revises: 0009
"""

from importlib import import_module

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

VIEW_COMMENTS = {
    "mart_indicator_value": "one row per indicator, period and area (全市 = citywide): the value, as the "
    "reply writes it, and where it came from / 指标值：每个指标、期别、镇街一行（全市为全市合计），附来源文件与校验",
    "mart_indicator_history": "one row per citywide indicator and period, with the change against the "
    "previous period with data / 指标历史：全市指标逐期数值及与上一期的变化",
    "mart_publication": "one row per extract and period currently published, with its file and "
    "validation / 现行发布：每个报表、期别当前采用的文件及其校验",
    "mart_load_status": "one row per extract: latest published period, current and rejected files, "
    "open errors / 报送情况：每个报表的最新期别、现行与退回文件数、待改错误数",
    "mart_problem": "one row per failing row (or file-level rule) of a validation, as delivered / "
    "问题清单：校验未通过的每一行（或文件级规则），按报送原样",
}

# numeric(30,10) shown as its own scale: the value at the indicator's decimals (it was rounded
# to them when computed, so nothing is lost), numerator and denominator trimmed
INDICATOR_VALUE_PG = """
        select iv.indicator, di.name as indicator_name, di.name_en as indicator_name_en,
               di.department, iv.period, dp.kind as period_kind, dp.first_day, dp.last_day,
               coalesce(iv.area, '全市') as area,
               case when iv.area is null then 1 else 0 end as is_citywide,
               round(iv.value, di.decimals) as value, iv.value_text, iv.display, di.unit, di.decimals,
               trim_scale(iv.numerator) as numerator, trim_scale(iv.denominator) as denominator,
               iv.status, iv.note,
               iv.batch_id, d.file as source_file, d.sha256 as source_sha256,
               v.validation_id, iv.sql_file
        from indicator_value iv
        join dim_indicator di on di.indicator = iv.indicator
        left join dim_period dp on dp.period = iv.period
        join load_batch b on b.batch_id = iv.batch_id
        join delivery d on d.delivery_id = b.delivery_id
        left join validation_run v on v.batch_id = iv.batch_id
"""

REBUILT = ("mart_indicator_value", "mart_indicator_history")


def _views_0002() -> dict[str, str]:
    return import_module("deptstats.warehouse.migrations.versions.0002_dimensions_marts").VIEWS


def _rebuild(indicator_value: str) -> None:
    """Both views again (a view's column type changes only by dropping it), keeping the
    privileges granted on them (deptstats db grant-analyst)."""
    bind = op.get_bind()
    grants = bind.exec_driver_sql(
        "select table_name, grantee, privilege_type from information_schema.role_table_grants "
        "where table_schema = current_schema() and grantee <> current_user "
        "and table_name in ('mart_indicator_value', 'mart_indicator_history')"
    ).all()
    for name in reversed(REBUILT):
        op.execute(f"drop view {name}")
    op.execute(f"create view mart_indicator_value as {indicator_value}")
    op.execute(f"create view mart_indicator_history as {_views_0002()['mart_indicator_history']}")
    quote = bind.dialect.identifier_preparer.quote
    for table, grantee, privilege in grants:
        to = "public" if grantee == "PUBLIC" else quote(grantee)
        op.execute(f"grant {privilege} on {quote(table)} to {to}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild(INDICATOR_VALUE_PG)
    for name, comment in VIEW_COMMENTS.items():
        op.execute(f"comment on view {name} is '{comment}'")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in VIEW_COMMENTS:
        op.execute(f"comment on view {name} is null")
    _rebuild(_views_0002()["mart_indicator_value"])
