"""upload: each file uploaded through the steward's upload page, refused at screening or
delivered into the landing folder, with its uploader and the explanation of its warnings.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload",
        sa.Column("upload_id", sa.String(32), primary_key=True),
        sa.Column("department", sa.String(32), nullable=False),
        sa.Column("extract", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("file", sa.Text, nullable=False,
                  comment="its path under the landing folder (canonical name)"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False, comment="bytes"),
        sa.Column("uploaded_by", sa.String(256), nullable=False, comment="the authenticated user"),
        sa.Column("uploaded_at", sa.String(26), nullable=False, comment="UTC, when the request came"),
        sa.Column("outcome", sa.String(16), nullable=False, comment="screened_refused or delivered"),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("explanation", sa.Text,
                  comment="the uploader's explanation of the warnings; null: none"),
        sa.Index("ix_upload_extract_period", "extract", "period"),
        comment="one row per file uploaded through the steward's upload page: refused at "
        "screening, or delivered into the landing folder",
    )


def downgrade() -> None:
    op.drop_table("upload")
