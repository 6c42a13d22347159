"""Daily roll-ups of the figures, kept by the worker so a district's year answers from a few thousand rows;
and the large exports the worker writes."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import UTCDateTime, created_at_column, enum_column, updated_at_column


class FigureDaily(db.Model):
    """One figure's numerator and denominator for the cases of one station's subtree (the station and
    every station below it) counting on one China day: a district's year is 365 rows per figure."""

    __tablename__ = "figure_daily"

    # Key order: a district's year is one short range (key, station, first day .. last day).
    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    station_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    numerator: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))  # cases, or yuan for a sum
    denominator: Mapped[int] = mapped_column()


class FigureBucket(db.Model):
    """How many of one station's own cases (not its subtree's) counting on one China day fall in one
    bucket of a median figure: `bucket` is the duration in hundredths of the figure's unit (0.01 h, 0.01
    day), rounded half up, which is the precision the figure is shown with (`kpis.bucket_of`)."""

    __tablename__ = "figure_buckets"

    # Key order: the cases of a few stations with durations in a narrow range, over any days.
    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    station_id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    n: Mapped[int] = mapped_column()


class FigureCoarse(db.Model):
    """The same durations by whole units (`bucket // 100`: 1 h, 1 day) for one station's subtree and
    day: where the median lies, before `FigureBucket` gives it exactly."""

    __tablename__ = "figure_coarse"

    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    station_id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    coarse: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column()


class FigureRollupState(db.Model):
    """How far the roll-ups reach: every day up to `through` (a China date) is rolled up."""

    __tablename__ = "figure_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    through: Mapped[dt.date] = mapped_column(sa.Date)
    rebuilt_on: Mapped[dt.date] = mapped_column(sa.Date)  # the last full rebuild (nightly)
    #: Today and the days after it (deadlines already met that fall due later) are rolled up too, as the
    #: cases stood at `live_at` (the last refresh, every 10 minutes), up to `live_through`.
    live_through: Mapped[dt.date | None] = mapped_column(sa.Date)
    live_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_at = updated_at_column()


__all__ = ["ExportJob", "ExportStatus", "FigureBucket", "FigureCoarse", "FigureDaily", "FigureRollupState"]


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"  # 排队中
    RUNNING = "running"  # 生成中
    READY = "ready"  # 可下载
    FAILED = "failed"  # 失败
    EXPIRED = "expired"  # the file was removed after its time


class ExportJob(db.Model):
    """A large case export written by the worker (`app.figures.export_jobs`), downloaded by its requester.

    `request_key` is unique while the job is waiting, running or ready (a double click finds the same job);
    it is cleared when the job fails or its file expires, so the same request can be made again.
    """

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    requested_by: Mapped[int] = mapped_column(sa.ForeignKey("console_users.id"), index=True)
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("stations.id"))
    first_day: Mapped[dt.date] = mapped_column(sa.Date)
    last_day: Mapped[dt.date] = mapped_column(sa.Date)
    fmt: Mapped[str] = mapped_column(sa.String(8))
    personal_data: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ExportStatus] = mapped_column(enum_column(ExportStatus), default=ExportStatus.QUEUED)
    rows: Mapped[int | None] = mapped_column()
    file_name: Mapped[str | None] = mapped_column(sa.String(100))  # under EXPORT_DIR, once ready
    created_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
