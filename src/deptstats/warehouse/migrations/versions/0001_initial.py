"""The warehouse as of the first release: bookkeeping tables, one table per extract, and
indicator values.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _bookkeeping_tables()
    _civil_affairs_and_education_tables()
    _health_tables()
    _more_extract_tables()
    _publication_tables()
    _validation_tables()


def _bookkeeping_tables() -> None:
    """Delivery and load_batch."""
    op.create_table('delivery',
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False, comment='path under the landing folder'),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('extract', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False, comment='published, rejected, skipped, or superseded by a newer delivery'),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True, comment='the load batch that last processed the file'),
    sa.Column('first_seen_at', sa.String(length=26), nullable=False),
    sa.Column('last_seen_at', sa.String(length=26), nullable=False),
    sa.PrimaryKeyConstraint('delivery_id'),
    sa.UniqueConstraint('file', 'sha256')
    )
    op.create_table('load_batch',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('extract', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('run_id', sa.Text(), nullable=True, comment='the Airflow run (or CLI run) that loaded it'),
    sa.Column('outcome', sa.String(length=16), nullable=False, comment='published or rejected'),
    sa.Column('row_count', sa.Integer(), nullable=True),
    sa.Column('reference_batch_id', sa.Integer(), nullable=True, comment='cross-extract rule: the referenced publication checked against'),
    sa.Column('started_at', sa.String(length=26), nullable=False),
    sa.Column('finished_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.delivery_id'], ),
    sa.PrimaryKeyConstraint('batch_id')
    )


def _civil_affairs_and_education_tables() -> None:
    """The civil affairs and education extracts."""
    op.create_table('civil_affairs_elderly_care_institutions',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Text(), nullable=True, comment='机构编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='机构名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('beds', sa.BigInteger(), nullable=True, comment='床位数'),
    sa.Column('ownership', sa.Text(), nullable=True, comment='性质'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='养老机构: one row per institution'
    )
    op.create_table('civil_affairs_home_care_centers',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('center_id', sa.Text(), nullable=True, comment='中心编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='中心名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('level', sa.Text(), nullable=True, comment='等级'),
    sa.Column('provincial_regional', sa.Boolean(), nullable=True, comment='是否省级区域性中心'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='居家养老服务中心: one row per centre'
    )
    op.create_table('civil_affairs_village_coverage',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Text(), nullable=True, comment='村社编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='村社名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('covered', sa.Boolean(), nullable=True, comment='是否覆盖'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='村社居家养老服务覆盖: one row per village or community'
    )
    op.create_table('education_kindergartens',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('kindergarten_id', sa.Text(), nullable=True, comment='幼儿园编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='幼儿园名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('ownership', sa.Text(), nullable=True, comment='办园性质'),
    sa.Column('enrolled', sa.BigInteger(), nullable=True, comment='在园幼儿数'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='幼儿园及在园幼儿: one row per kindergarten'
    )


def _health_tables() -> None:
    """The first health extracts."""
    op.create_table('health_childcare_institutions',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Text(), nullable=True, comment='机构编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='机构名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('status', sa.Text(), nullable=True, comment='备案状态'),
    sa.Column('registered_on', sa.Date(), nullable=True, comment='备案日期'),
    sa.Column('slots', sa.BigInteger(), nullable=True, comment='托位数'),
    sa.Column('inclusive_slots', sa.BigInteger(), nullable=True, comment='普惠托位数'),
    sa.Column('star_rating', sa.BigInteger(), nullable=True, comment='星级'),
    sa.Column('new_slots', sa.BigInteger(), nullable=True, comment='本年新增托位数'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='托育机构名录: one row per institution'
    )
    op.create_table('health_childcare_subsidies',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Text(), nullable=True, comment='拨付编号'),
    sa.Column('institution_id', sa.Text(), nullable=True, comment='机构编码'),
    sa.Column('round', sa.BigInteger(), nullable=True, comment='批次'),
    sa.Column('paid_on', sa.Date(), nullable=True, comment='拨付日期'),
    sa.Column('amount_yuan', sa.Numeric(precision=24, scale=6), nullable=True, comment='补助金额（元）'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='托育补助资金拨付: one row per payment'
    )
    op.create_table('health_infant_care_stations',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Text(), nullable=True, comment='驿站编码'),
    sa.Column('name', sa.Text(), nullable=True, comment='驿站名称'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('opened_on', sa.Date(), nullable=True, comment='建成日期'),
    sa.Column('activities', sa.BigInteger(), nullable=True, comment='年度活动场次'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='婴幼儿照护服务驿站: one row per station'
    )
    op.create_table('health_newborn_screening',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('live_births', sa.BigInteger(), nullable=True, comment='活产数'),
    sa.Column('metabolic_screened', sa.BigInteger(), nullable=True, comment='遗传代谢病筛查数'),
    sa.Column('hearing_screened', sa.BigInteger(), nullable=True, comment='听力筛查数'),
    sa.Column('chd_screened', sa.BigInteger(), nullable=True, comment='先心病筛查数'),
    sa.Column('severe_defects', sa.BigInteger(), nullable=True, comment='严重致畸致残出生缺陷数'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='新生儿疾病筛查: one row per area'
    )


def _more_extract_tables() -> None:
    """The other extracts."""
    op.create_table('health_prepregnancy_checks',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('target_people', sa.BigInteger(), nullable=True, comment='目标人群数'),
    sa.Column('checked_people', sa.BigInteger(), nullable=True, comment='检查人数'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='孕前优生健康检查: one row per area'
    )
    op.create_table('health_publicity_events',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Text(), nullable=True, comment='活动编号'),
    sa.Column('held_on', sa.Date(), nullable=True, comment='活动日期'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('topic', sa.Text(), nullable=True, comment='主题'),
    sa.Column('participants', sa.BigInteger(), nullable=True, comment='参与人数'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='生育宣传活动: one row per event'
    )
    op.create_table('housing_fund_multi_child_loans',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Text(), nullable=True, comment='贷款编号'),
    sa.Column('issued_on', sa.Date(), nullable=True, comment='发放日期'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('children', sa.BigInteger(), nullable=True, comment='子女数'),
    sa.Column('amount_wan', sa.Numeric(precision=24, scale=6), nullable=True, comment='贷款金额（万元）'),
    sa.Column('uplift', sa.Boolean(), nullable=True, comment='是否上浮'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='二孩三孩家庭公积金贷款: one row per loan'
    )
    op.create_table('hrss_labor_disputes',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('source_row', sa.Integer(), nullable=False, comment='row number in the source file'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Text(), nullable=True, comment='案件编号'),
    sa.Column('filed_on', sa.Date(), nullable=True, comment='立案日期'),
    sa.Column('area', sa.Text(), nullable=True, comment='镇街'),
    sa.Column('category', sa.Text(), nullable=True, comment='争议类型'),
    sa.Column('legal_aid', sa.Boolean(), nullable=True, comment='是否法律援助'),
    sa.Column('status', sa.Text(), nullable=True, comment='结案状态'),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('period', 'source_row'),
    comment='女职工劳动争议仲裁案件: one row per case'
    )


def _publication_tables() -> None:
    """Indicator values, problems, publications."""
    op.create_table('indicator_value',
    sa.Column('indicator', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=True, comment='null: citywide'),
    sa.Column('value', sa.Numeric(precision=30, scale=10), nullable=True),
    sa.Column('value_text', sa.String(length=40), nullable=True, comment='the exact rounded value'),
    sa.Column('numerator', sa.Numeric(precision=30, scale=10), nullable=True),
    sa.Column('denominator', sa.Numeric(precision=30, scale=10), nullable=True),
    sa.Column('display', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False, comment='final, or flagged by warnings'),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('sql_file', sa.String(length=128), nullable=False),
    sa.Column('note', sa.Text(), nullable=True, comment='why the value is flagged, for reviewers'),
    sa.Column('computed_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], )
    )
    op.create_index('ix_indicator_value', 'indicator_value', ['indicator', 'period'], unique=False)
    op.create_table('problem',
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('row_number', sa.Integer(), nullable=True, comment='as the steward sees it in the file'),
    sa.Column('column_name', sa.String(length=64), nullable=True),
    sa.Column('value', sa.Text(), nullable=True, comment='the cell as delivered'),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.delivery_id'], ),
    sa.PrimaryKeyConstraint('problem_id')
    )
    op.create_index('ix_problem_batch', 'problem', ['batch_id'], unique=False)
    op.create_table('publication',
    sa.Column('extract', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.delivery_id'], ),
    sa.PrimaryKeyConstraint('extract', 'period')
    )


def _validation_tables() -> None:
    """Validation runs and outcomes."""
    op.create_table('validation_run',
    sa.Column('validation_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('suite', sa.String(length=128), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('expectations', sa.Integer(), nullable=False),
    sa.Column('failed_expectations', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('warnings', sa.Integer(), nullable=False),
    sa.Column('docs_page', sa.Text(), nullable=True, comment='GX Data Docs page of this validation, if built'),
    sa.Column('validated_at', sa.String(length=26), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['load_batch.batch_id'], ),
    sa.PrimaryKeyConstraint('validation_id'),
    sa.UniqueConstraint('batch_id')
    )
    op.create_table('validation_outcome',
    sa.Column('validation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('expectation', sa.String(length=128), nullable=False),
    sa.Column('column_name', sa.String(length=64), nullable=True),
    sa.Column('severity', sa.String(length=8), nullable=False),
    sa.Column('rule', sa.Text(), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.Column('element_count', sa.Integer(), nullable=True),
    sa.Column('unexpected_count', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['validation_id'], ['validation_run.validation_id'], ),
    sa.PrimaryKeyConstraint('validation_id', 'seq')
    )


def downgrade() -> None:

    op.drop_table('validation_outcome')
    op.drop_table('validation_run')
    op.drop_table('publication')
    op.drop_index('ix_problem_batch', table_name='problem')
    op.drop_table('problem')
    op.drop_index('ix_indicator_value', table_name='indicator_value')
    op.drop_table('indicator_value')
    op.drop_table('hrss_labor_disputes')
    op.drop_table('housing_fund_multi_child_loans')
    op.drop_table('health_publicity_events')
    op.drop_table('health_prepregnancy_checks')
    op.drop_table('health_newborn_screening')
    op.drop_table('health_infant_care_stations')
    op.drop_table('health_childcare_subsidies')
    op.drop_table('health_childcare_institutions')
    op.drop_table('education_kindergartens')
    op.drop_table('civil_affairs_village_coverage')
    op.drop_table('civil_affairs_home_care_centers')
    op.drop_table('civil_affairs_elderly_care_institutions')
    op.drop_table('load_batch')
    op.drop_table('delivery')
