"""problem.row_key, other_column and other_value: the row's id or area, and for a rule between
two columns the other column and its cell, each stored on its own rather than only in the log.
Problems recorded before this revision keep null there.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


COLUMNS = ("row_key", "other_column", "other_value")


def upgrade() -> None:
    # added and dropped in place (SQLite 3.35+ drops a column itself): rebuilding the table,
    # as batch mode would, trips over the mart views that read it
    op.add_column("problem", sa.Column(
        "row_key", sa.Text(), comment="the row's id or area as delivered (null before 0007)"))
    op.add_column("problem", sa.Column(
        "other_column", sa.String(128),
        comment="a rule between two columns: the other (another extract's as extract.column)"))
    op.add_column("problem", sa.Column(
        "other_value", sa.Text(), comment="the other column's cell in the row, as delivered"))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("problem", name)
