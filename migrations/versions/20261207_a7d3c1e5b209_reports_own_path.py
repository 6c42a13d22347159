"""reports own path

complaints.linked_id: the other half of a filing split into a complaint and a report (Order 121 Art. 9).
The report's new statuses (investigating, not_opened) need no schema change: statuses are stored as
strings without a CHECK constraint (`app.core.models.enum_column`).

Revision ID: a7d3c1e5b209
Revises: 8d1f3c2b7a65
Create Date: 2026-12-07 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d3c1e5b209'
down_revision = '8d1f3c2b7a65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_complaints_linked_id_complaints'), 'complaints', ['linked_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_complaints_linked_id_complaints'), type_='foreignkey')
        batch_op.drop_column('linked_id')
