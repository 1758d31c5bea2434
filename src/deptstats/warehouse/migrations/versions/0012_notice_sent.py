"""notice_sent: each item of each notice e-mailed to a department after a nightly run.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_sent",
        sa.Column("notice_sent_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, comment="the refused file's content; '' for none"),
        sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the item and its problems"),
        sa.Column("extract", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(250), nullable=False, comment="the run that sent it"),
        sa.Column("sent_at", sa.String(26), nullable=False, comment="UTC"),
        sa.UniqueConstraint("department", "sha256", "digest", name="uq_notice_sent_item"),
        comment="one row per item of each notice e-mailed to a department (refused or late)",
    )


def downgrade() -> None:
    op.drop_table("notice_sent")
