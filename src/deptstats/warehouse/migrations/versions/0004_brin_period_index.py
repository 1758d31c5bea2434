"""On PostgreSQL the extract tables' period index becomes a BRIN index: a period's rows are
written together by one COPY, so a block range summary finds them, and keeping it up costs
the COPY almost nothing (a B-tree on period cost a million-row load over a second).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = [
    "health_prepregnancy_checks", "health_newborn_screening", "health_childcare_institutions",
    "health_childcare_subsidies", "health_infant_care_stations", "health_publicity_events",
    "education_kindergartens", "housing_fund_multi_child_loans", "hrss_labor_disputes",
    "civil_affairs_elderly_care_institutions", "civil_affairs_home_care_centers",
    "civil_affairs_village_coverage",
]


def _recreate(using: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has B-trees only
    for name in TABLES:
        op.drop_index(f"ix_{name}_period", table_name=name)
        op.create_index(f"ix_{name}_period", name, ["period"], postgresql_using=using)


def upgrade() -> None:
    _recreate("brin")


def downgrade() -> None:
    _recreate("btree")
