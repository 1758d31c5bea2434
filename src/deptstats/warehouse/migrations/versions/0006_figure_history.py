"""indicator_history and publication_change: every figure each published batch gave, and what
each publication changed in the rows it replaced, so that two states of one warehouse (as they
stood after load batch N and after batch M) can be compared after the rows have been replaced.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EXACT = sa.Numeric(30, 10)


def upgrade() -> None:
    op.create_table(
        "indicator_history",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"),
                  primary_key=True),
        sa.Column("indicator", sa.String(64), primary_key=True),
        sa.Column("area_key", sa.String(32), primary_key=True,
                  comment="the area, or '' for citywide (area null)"),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("area", sa.String(32), comment="null: citywide"),
        sa.Column("value_text", sa.String(40), comment="the exact rounded value"),
        sa.Column("numerator", EXACT),
        sa.Column("denominator", EXACT),
        sa.Column("display", sa.String(40)),
        sa.Column("sql_file", sa.String(128), nullable=False),
        sa.Column("computed_at", sa.String(26), nullable=False),
        comment="each indicator value as first computed from a published batch; kept after "
                "the batch is replaced",
    )
    op.create_table(
        "publication_change",
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"),
                  primary_key=True),
        sa.Column("replaced_batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"),
                  nullable=False),
        sa.Column("rows_added", sa.Integer,
                  comment="rows only in the new publication; null: not counted (too large)"),
        sa.Column("rows_removed", sa.Integer,
                  comment="rows only in the replaced one; an edited row counts in both"),
        comment="a publication that replaced an earlier one of the same extract and period",
    )
    # Warehouses from before this revision: the figures standing now are the history known.
    op.execute(
        "insert into indicator_history (batch_id, indicator, area_key, period, area, "
        "value_text, numerator, denominator, display, sql_file, computed_at) "
        "select batch_id, indicator, coalesce(area, ''), period, area, value_text, numerator, "
        "denominator, display, sql_file, computed_at from indicator_value")


def downgrade() -> None:
    op.drop_table("publication_change")
    op.drop_table("indicator_history")
