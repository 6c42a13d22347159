"""calendar years; what each stored deadline is counted from

Revision ID: c74b31f7dd50
Revises: c5241eabd301
Create Date: 2026-12-07 03:20:00.000000

Years whose State Council arrangement was imported (`flask calendar import`), and on each stored
deadline the instant its clock started and the rule it follows, so that a change of the calendar can
recompute it (`flask calendar replan`). Deadlines stored before this revision have no start and are
left as they are.

"""
from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = 'c74b31f7dd50'
down_revision = 'c5241eabd301'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('created_at', app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')),
    )
    with op.batch_alter_table('complaint_deadlines') as batch_op:
        batch_op.add_column(sa.Column('starts_at', app.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rule', sa.String(length=64), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('complaint_deadlines') as batch_op:
        batch_op.drop_column('rule')
        batch_op.drop_column('starts_at')
    op.drop_table('calendar_years')
