"""delivery_outcome: what each run did with each file it saw, so a run's refusals can be
listed after later runs have seen the same files.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_outcome",
        sa.Column("run_id", sa.String(250), primary_key=True,
                  comment="the Airflow run (or CLI run)"),
        sa.Column("delivery_id", sa.Integer, sa.ForeignKey("delivery.delivery_id"),
                  primary_key=True),
        sa.Column("status", sa.String(16), nullable=False,
                  comment="published, rejected or skipped in that run"),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("load_batch.batch_id"),
                  comment="the batch of that outcome; null for a file refused unread"),
        sa.Column("message", sa.Text),
        sa.Column("recorded_at", sa.String(26), nullable=False),
        comment="what each run last did with each file it saw (a cleared task replaces it)",
    )


def downgrade() -> None:
    op.drop_table("delivery_outcome")
