"""outbox in flight since

outbox_messages.in_flight_since: when the first WeChat call whose outcome is unknown started (a worker
died during it, or it timed out). Rows being sent are marked `sending` (a status value; statuses are
stored as short strings, so no schema change) and committed before the call.

Revision ID: 8d1f3c2b7a65
Revises: e90cf78e7ed5
Create Date: 2026-12-07 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = '8d1f3c2b7a65'
down_revision = 'e90cf78e7ed5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_flight_since', app.core.models.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    # A row left mid-send goes back to pending: the pre-revision code knows no `sending` status.
    op.execute("UPDATE outbox_messages SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('in_flight_since')
