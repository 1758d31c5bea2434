"""Extract tables without primary or foreign key, indexed by period: bulk COPY without a
per-row check (the publish transaction audits the rows instead).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The extract tables as of this revision: (table, [(column, type)]) after period, source_row,
# batch_id.
TABLES = {
    "health_prepregnancy_checks": ["area:text", "target_people:bigint", "checked_people:bigint"],
    "health_newborn_screening": ["area:text", "live_births:bigint", "metabolic_screened:bigint",
                                 "hearing_screened:bigint", "chd_screened:bigint",
                                 "severe_defects:bigint"],
    "health_childcare_institutions": ["institution_id:text", "name:text", "area:text",
                                      "status:text", "registered_on:date", "slots:bigint",
                                      "inclusive_slots:bigint", "star_rating:bigint",
                                      "new_slots:bigint"],
    "health_childcare_subsidies": ["payment_id:text", "institution_id:text", "round:bigint",
                                   "paid_on:date", "amount_yuan:amount"],
    "health_infant_care_stations": ["station_id:text", "name:text", "area:text",
                                    "opened_on:date", "activities:bigint"],
    "health_publicity_events": ["event_id:text", "held_on:date", "area:text", "topic:text",
                                "participants:bigint"],
    "education_kindergartens": ["kindergarten_id:text", "name:text", "area:text",
                                "ownership:text", "enrolled:bigint"],
    "housing_fund_multi_child_loans": ["loan_id:text", "issued_on:date", "area:text",
                                       "children:bigint", "amount_wan:amount", "uplift:bool"],
    "hrss_labor_disputes": ["case_id:text", "filed_on:date", "area:text", "category:text",
                            "legal_aid:bool", "status:text"],
    "civil_affairs_elderly_care_institutions": ["institution_id:text", "name:text", "area:text",
                                                "beds:bigint", "ownership:text"],
    "civil_affairs_home_care_centers": ["center_id:text", "name:text", "area:text",
                                        "level:text", "provincial_regional:bool"],
    "civil_affairs_village_coverage": ["village_id:text", "name:text", "area:text",
                                       "covered:bool"],
}
TYPES = {"text": sa.Text, "bigint": sa.BigInteger, "date": sa.Date, "bool": sa.Boolean,
         "amount": lambda: sa.Numeric(24, 6)}


def _table(name: str, keyed: bool) -> sa.Table:
    """The table as it was (keyed) or is to be, for SQLite's copy-and-rename."""
    columns = [
        sa.Column("period", sa.String(7), primary_key=keyed, nullable=False),
        sa.Column("source_row", sa.Integer(), primary_key=keyed, nullable=False),
        sa.Column("batch_id", sa.Integer(),
                  *([sa.ForeignKey("load_batch.batch_id")] if keyed else []), nullable=False),
    ]
    for spec in TABLES[name]:
        column, kind = spec.split(":")
        columns.append(sa.Column(column, TYPES[kind]()))
    return sa.Table(name, sa.MetaData(), *columns)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TABLES:
        if postgres:
            op.drop_constraint(f"{name}_batch_id_fkey", name, type_="foreignkey")
            op.drop_constraint(f"{name}_pkey", name, type_="primary")
            op.alter_column(name, "batch_id", comment="load_batch of the publication")
        else:
            with op.batch_alter_table(name, recreate="always",
                                      copy_from=_table(name, keyed=False)):
                pass
        op.create_index(f"ix_{name}_period", name, ["period"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name in TABLES:
        op.drop_index(f"ix_{name}_period", name)
        if postgres:
            op.create_primary_key(f"{name}_pkey", name, ["period", "source_row"])
            op.create_foreign_key(f"{name}_batch_id_fkey", name, "load_batch", ["batch_id"],
                                  ["batch_id"])
        else:
            with op.batch_alter_table(name, recreate="always",
                                      copy_from=_table(name, keyed=True)):
                pass
