"""scan origin counts, region city

store_scans_daily.in_city / out_of_city / city_unknown: a store's scans of the day counted by whether the
client address lay in the store's city (through an operator-supplied ip2region file); no address is kept.
regions.city: the city a region lies in, inherited by the regions below it.

Revision ID: 5b0e7c9d2f14
Revises: a7d3c1e5b209
Create Date: 2026-12-07 05:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b0e7c9d2f14'
down_revision = 'a7d3c1e5b209'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('store_scans_daily', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_city', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('out_of_city', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('city_unknown', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('city')
    with op.batch_alter_table('store_scans_daily', schema=None) as batch_op:
        batch_op.drop_column('city_unknown')
        batch_op.drop_column('out_of_city')
        batch_op.drop_column('in_city')
