"""calendar overrides

Revision ID: 4620a104d87b
Revises: 06c347364851
Create Date: 2026-11-22 19:19:11.113977

Hand-set working days and rest days that beat the chinesecalendar package
(app.calendar.workcal); edited with `flask calendar override`.

"""
from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = '4620a104d87b'
down_revision = '06c347364851'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_overrides',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('is_workday', sa.Boolean(), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('created_at', app.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides')),
    )


def downgrade():
    op.drop_table('calendar_overrides')
