"""The notice_sent table: each item (a refused file, a late extract) of each notice e-mailed to a
department, so that neither a retry nor the next run sends the same notice again. Migration 0012
creates it."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, UniqueConstraint


def notice_tables(metadata: MetaData) -> None:
    Table(
        "notice_sent",
        metadata,
        Column("notice_sent_id", Integer, primary_key=True, autoincrement=True),
        Column("department", String(32), nullable=False),
        Column("sha256", String(64), nullable=False, comment="the refused file's content; '' for none"),
        Column("digest", String(64), nullable=False, comment="sha256 of the item and its problems"),
        Column("extract", String(64), nullable=False),
        Column("period", String(7), nullable=False),
        Column("recipient", Text, nullable=False),
        Column("run_id", String(250), nullable=False, comment="the run that sent it"),
        Column("sent_at", String(26), nullable=False, comment="UTC"),
        # two runs (or a retry racing its first try) cannot both record one item: the second
        # insert fails and its notice is not sent
        UniqueConstraint("department", "sha256", "digest", name="uq_notice_sent_item"),
        comment="one row per item of each notice e-mailed to a department (refused or late)",
    )
