"""The sign-off: reply_snapshot and reply_snapshot_figure (a drafted reply put up for approval,
with every figure it quotes and its provenance), issued_letter and issued_figure (a reply signed
and issued, never rewritten) and signoff_rejection (a reply sent back, with the reason). The
unique constraints keep one snapshot per sign-off run, one letter per run and DOCX, and one
sequence number per letter of a reply, also when two workers answer at once.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RUN_ID = sa.String(250)


def figure_columns() -> list[sa.Column]:
    return [
        sa.Column("indicator", sa.String(64), primary_key=True),
        sa.Column("area_key", sa.String(32), primary_key=True,
                  comment="the area, or '' for citywide (area null)"),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("area", sa.String(32), comment="null: citywide"),
        sa.Column("shown", sa.String(120), nullable=False, comment="as the letter writes it"),
        sa.Column("value_text", sa.String(40), comment="the exact value"),
        sa.Column("file", sa.Text, comment="the delivered file behind the figure"),
        sa.Column("sha256", sa.String(64)),
        sa.Column("batch_id", sa.Integer, comment="the load batch of that delivery"),
        sa.Column("source_rows", sa.Integer),
        sa.Column("position", sa.Integer, nullable=False, comment="its place in the letter, from 1"),
    ]


def upgrade() -> None:
    create_snapshots()
    create_letters()


def create_snapshots() -> None:
    op.create_table(
        "reply_snapshot",
        sa.Column("snapshot_id", sa.Integer, primary_key=True),
        sa.Column("reply", sa.String(64), nullable=False),
        sa.Column("draft_run_id", RUN_ID, nullable=False, comment="the run that drafted it"),
        sa.Column("signoff_run_id", RUN_ID, nullable=False, comment="the sign-off run that took it"),
        sa.Column("docx", sa.Text, nullable=False, comment="the snapshot's copy of the DOCX"),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, comment="of the DOCX"),
        sa.Column("markdown_sha256", sa.String(64), nullable=False),
        sa.Column("last_batch_id", sa.Integer,
                  comment="the highest load batch published when the snapshot was taken"),
        sa.Column("status", sa.String(16), nullable=False,
                  comment="pending, unchanged, superseded, issued or rejected"),
        sa.Column("previous_sequence", sa.Integer,
                  comment="the issued letter of the reply it was compared with; null: none yet"),
        sa.Column("superseded_by", RUN_ID, comment="the newer sign-off run that superseded it"),
        sa.Column("taken_at", sa.String(26), nullable=False),
        sa.UniqueConstraint("signoff_run_id", name="uq_reply_snapshot_run"),
        comment="a drafted reply as put up for approval, copied under out/snapshots/",
    )
    op.create_table(
        "reply_snapshot_figure",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("reply_snapshot.snapshot_id"),
                  primary_key=True),
        *figure_columns(),
        sa.Column("previous", sa.String(120),
                  comment="as the last issued letter wrote it; null: not quoted"),
        sa.Column("changed", sa.Boolean, nullable=False, comment="differs from the last issued letter"),
        comment="each figure a snapshot quotes, against the last issued letter of its reply",
    )


def create_letters() -> None:
    op.create_table(
        "issued_letter",
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("reply", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False, comment="n of out/issued/<reply>-<n>.docx"),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("reply_snapshot.snapshot_id"),
                  nullable=False),
        sa.Column("signoff_run_id", RUN_ID, nullable=False),
        sa.Column("docx", sa.Text, nullable=False),
        sa.Column("markdown", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, comment="of the DOCX"),
        sa.Column("markdown_sha256", sa.String(64), nullable=False),
        sa.Column("official", sa.Text, nullable=False, comment="who signed it (签发)"),
        sa.Column("login", sa.String(250), nullable=False, comment="the Airflow login that answered"),
        sa.Column("comment", sa.Text, nullable=False, comment="意见"),
        sa.Column("issued_at", sa.String(26), nullable=False,
                  comment="when the official answered (UTC)"),
        sa.UniqueConstraint("reply", "sequence", name="uq_issued_letter_sequence"),
        sa.UniqueConstraint("signoff_run_id", "sha256", name="uq_issued_letter_run"),
        sa.UniqueConstraint("snapshot_id", name="uq_issued_letter_snapshot"),
        comment="a reply signed and issued; never rewritten",
    )
    op.create_table(
        "issued_figure",
        sa.Column("number", sa.Integer, sa.ForeignKey("issued_letter.number"), primary_key=True),
        *figure_columns(),
        comment="each figure an issued letter made public, with its provenance",
    )
    op.create_table(
        "signoff_rejection",
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("reply_snapshot.snapshot_id"),
                  primary_key=True),
        sa.Column("signoff_run_id", RUN_ID, nullable=False),
        sa.Column("official", sa.Text, nullable=False),
        sa.Column("login", sa.String(250), nullable=False),
        sa.Column("comment", sa.Text, nullable=False, comment="the reason (意见)"),
        sa.Column("responded_at", sa.String(26), nullable=False, comment="UTC"),
        sa.UniqueConstraint("signoff_run_id", name="uq_signoff_rejection_run"),
        comment="a snapshot sent back (退回), with the reason",
    )


def downgrade() -> None:
    for table in ("signoff_rejection", "issued_figure", "issued_letter", "reply_snapshot_figure",
                  "reply_snapshot"):
        op.drop_table(table)
