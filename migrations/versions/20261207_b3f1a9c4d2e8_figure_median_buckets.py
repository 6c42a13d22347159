"""figure median buckets

The medians' roll-ups become histograms: figure_buckets (per figure, station, duration bucket of 0.01 of
the figure's unit, China day) and figure_coarse (per figure, station subtree, China day, whole unit)
replace figure_durations (one row per case). figure_daily now holds subtree totals (each station and
every station above it). figure_rollup_state.live_through / live_at: today and later days are rolled up
too, as the cases stood at the last refresh. The roll-up state is cleared so the worker's next refresh rebuilds them all.

Revision ID: b3f1a9c4d2e8
Revises: b3e5f7a9c1d2
Create Date: 2026-12-07 06:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import app.core.models


# revision identifiers, used by Alembic.
revision = "b3f1a9c4d2e8"
down_revision = "b3e5f7a9c1d2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "figure_buckets",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "station_id", "bucket", "day", name=op.f("pk_figure_buckets")),
    )
    op.create_table(
        "figure_coarse",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("coarse", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "station_id", "day", "coarse", name=op.f("pk_figure_coarse")),
    )
    with op.batch_alter_table("figure_durations", schema=None) as batch_op:
        batch_op.drop_index("ix_figure_durations_key_station_day")
    op.drop_table("figure_durations")
    with op.batch_alter_table("figure_rollup_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_through", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("live_at", app.core.models.UTCDateTime(timezone=True), nullable=True))
    op.execute("DELETE FROM figure_daily")
    op.execute("DELETE FROM figure_rollup_state")


def downgrade():
    with op.batch_alter_table("figure_rollup_state", schema=None) as batch_op:
        batch_op.drop_column("live_at")
        batch_op.drop_column("live_through")
    op.create_table(
        "figure_durations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_durations")),
    )
    with op.batch_alter_table("figure_durations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_figure_durations_key_station_day", ["key", "station_id", "day"], unique=False
        )
    op.drop_table("figure_coarse")
    op.drop_table("figure_buckets")
    op.execute("DELETE FROM figure_daily")
    op.execute("DELETE FROM figure_rollup_state")
