"""The sign-off's tables: each snapshot of a drafted reply put up for approval with the figures it
quotes, each issued letter with the figures it made public, and each reply sent back (退回)
with its reason. Migration 0008 creates them; an issued letter and its figures are never
rewritten."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

RUN_ID = String(250)


def _figure_columns() -> list[Column]:
    """A quoted figure as the letter shows it, with the delivery behind it."""
    return [
        Column("indicator", String(64), primary_key=True),
        Column("area_key", String(32), primary_key=True, comment="the area, or '' for citywide (area null)"),
        Column("period", String(7), primary_key=True),
        Column("area", String(32), comment="null: citywide"),
        Column("shown", String(120), nullable=False, comment="as the letter writes it"),
        Column("value_text", String(40), comment="the exact value"),
        Column("file", Text, comment="the delivered file behind the figure"),
        Column("sha256", String(64)),
        Column("batch_id", Integer, comment="the load batch of that delivery"),
        Column("source_rows", Integer),
        Column("position", Integer, nullable=False, comment="its place in the letter, from 1"),
    ]


def signoff_tables(metadata: MetaData) -> None:
    _snapshots(metadata)
    _letters(metadata)


def _snapshots(metadata: MetaData) -> None:
    """A draft put up for approval and the figures it quotes."""
    Table(
        "reply_snapshot",
        metadata,
        Column("snapshot_id", Integer, primary_key=True),
        Column("reply", String(64), nullable=False),
        Column("draft_run_id", RUN_ID, nullable=False, comment="the run that drafted it"),
        Column("signoff_run_id", RUN_ID, nullable=False, comment="the sign-off run that took it"),
        Column("docx", Text, nullable=False, comment="the snapshot's copy of the DOCX"),
        Column("markdown", Text, nullable=False),
        Column("sha256", String(64), nullable=False, comment="of the DOCX"),
        Column("markdown_sha256", String(64), nullable=False),
        Column(
            "last_batch_id", Integer, comment="the highest load batch published when the snapshot was taken"
        ),
        Column(
            "status",
            String(16),
            nullable=False,
            comment="pending, unchanged, superseded, issued or rejected",
        ),
        Column(
            "previous_sequence",
            Integer,
            comment="the issued letter of the reply it was compared with; null: none yet",
        ),
        Column("superseded_by", RUN_ID, comment="the newer sign-off run that superseded it"),
        Column("taken_at", String(26), nullable=False),
        UniqueConstraint("signoff_run_id", name="uq_reply_snapshot_run"),
        comment="a drafted reply as put up for approval, copied under out/snapshots/",
    )
    Table(
        "reply_snapshot_figure",
        metadata,
        Column("snapshot_id", ForeignKey("reply_snapshot.snapshot_id"), primary_key=True),
        *_figure_columns(),
        Column("previous", String(120), comment="as the last issued letter wrote it; null: not quoted"),
        Column("changed", Boolean, nullable=False, comment="differs from the last issued letter"),
        comment="each figure a snapshot quotes, against the last issued letter of its reply",
    )


def _letters(metadata: MetaData) -> None:
    """The answers: a letter issued with its figures, a snapshot sent back."""
    Table(
        "issued_letter",
        metadata,
        Column("number", Integer, primary_key=True),
        Column("reply", String(64), nullable=False),
        Column("sequence", Integer, nullable=False, comment="n of out/issued/<reply>-<n>.docx"),
        Column("snapshot_id", ForeignKey("reply_snapshot.snapshot_id"), nullable=False),
        Column("signoff_run_id", RUN_ID, nullable=False),
        Column("docx", Text, nullable=False),
        Column("markdown", Text, nullable=False),
        Column("sha256", String(64), nullable=False, comment="of the DOCX"),
        Column("markdown_sha256", String(64), nullable=False),
        Column("official", Text, nullable=False, comment="who signed it (签发)"),
        Column("login", String(250), nullable=False, comment="the Airflow login that answered"),
        Column("comment", Text, nullable=False, comment="意见"),
        Column("issued_at", String(26), nullable=False, comment="when the official answered (UTC)"),
        UniqueConstraint("reply", "sequence", name="uq_issued_letter_sequence"),
        UniqueConstraint("signoff_run_id", "sha256", name="uq_issued_letter_run"),
        UniqueConstraint("snapshot_id", name="uq_issued_letter_snapshot"),
        comment="a reply signed and issued; never rewritten",
    )
    Table(
        "issued_figure",
        metadata,
        Column("number", ForeignKey("issued_letter.number"), primary_key=True),
        *_figure_columns(),
        comment="each figure an issued letter made public, with its provenance",
    )
    Table(
        "signoff_rejection",
        metadata,
        Column("snapshot_id", ForeignKey("reply_snapshot.snapshot_id"), primary_key=True),
        Column("signoff_run_id", RUN_ID, nullable=False),
        Column("official", Text, nullable=False),
        Column("login", String(250), nullable=False),
        Column("comment", Text, nullable=False, comment="the reason (意见)"),
        Column("responded_at", String(26), nullable=False, comment="UTC"),
        UniqueConstraint("signoff_run_id", name="uq_signoff_rejection_run"),
        comment="a snapshot sent back (退回), with the reason",
    )
