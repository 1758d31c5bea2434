"""The upload table: each file a department uploaded through the steward's upload page, screened
and refused there, or delivered into the landing folder, with who uploaded it and, for a file
delivered with warnings, the uploader's explanation (填写说明后上报). Migration 0011 creates it."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

OUTCOMES = ("screened_refused", "delivered")


def upload_tables(metadata: MetaData) -> None:
    Table(
        "upload",
        metadata,
        Column("upload_id", String(32), primary_key=True),
        Column("department", String(32), nullable=False),
        Column("extract", String(64), nullable=False),
        Column("period", String(7), nullable=False),
        Column("file", Text, nullable=False, comment="its path under the landing folder (canonical name)"),
        Column("sha256", String(64), nullable=False),
        Column("size", Integer, nullable=False, comment="bytes"),
        Column("uploaded_by", String(256), nullable=False, comment="the authenticated user"),
        Column("uploaded_at", String(26), nullable=False, comment="UTC, when the request came"),
        Column("outcome", String(16), nullable=False, comment="screened_refused or delivered"),
        Column("errors", Integer, nullable=False),
        Column("warnings", Integer, nullable=False),
        Column("explanation", Text, comment="the uploader's explanation of the warnings; null: none"),
        Index("ix_upload_extract_period", "extract", "period"),
        comment="one row per file uploaded through the steward's upload page: refused at "
        "screening, or delivered into the landing folder",
    )
