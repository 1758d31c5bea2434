"""problem.rule_code and problem.params: what a problem says, as a code and its parameters (JSON),
so that it is worded in the reader's language when shown (deptstats.core.messages). Problems
recorded before this revision get the code 'legacy' and keep showing their stored text.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # added in place, as in 0007: the mart views read the table
    op.add_column("problem", sa.Column(
        "rule_code", sa.String(64),
        comment="the rule broken (deptstats.core.messages); 'legacy': shown as its stored rule"))
    op.add_column("problem", sa.Column(
        "params", sa.Text(), comment="the rule's parameters as JSON (the column, the allowed set ...)"))
    op.execute("update problem set rule_code = 'legacy' where rule_code is null")


def downgrade() -> None:
    op.drop_column("problem", "params")
    op.drop_column("problem", "rule_code")
