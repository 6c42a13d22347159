"""one reason code for a merchant giving up

A merchant who gave up during merchant-first (首问负责) was recorded as `merchant_gave_up` from the staff
pages and as `merchant_failed` from the chat. The state table (app/complaints/states.py) keeps one
code, `merchant_gave_up`; this renames the stored ones. The timeline texts are stored as written, so they
read the same before and after. Only the chat wrote `merchant_failed`, so the downgrade gives the
chat's events (channel `oa`) their old code back.

Revision ID: 53ec1f0fa6d9
Revises: 6221261d0e91
Create Date: 2026-12-07 03:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '53ec1f0fa6d9'
down_revision = '6221261d0e91'
branch_labels = None
depends_on = None

events = sa.table(
    'complaint_events',
    sa.column('action', sa.String),
    sa.column('reason_code', sa.String),
    sa.column('channel', sa.String),
)


def upgrade():
    op.execute(
        events.update()
        .where(events.c.action == 'to_station', events.c.reason_code == 'merchant_failed')
        .values(reason_code='merchant_gave_up')
    )


def downgrade():
    op.execute(
        events.update()
        .where(
            events.c.action == 'to_station',
            events.c.reason_code == 'merchant_gave_up',
            events.c.channel == 'oa',
        )
        .values(reason_code='merchant_failed')
    )
