"""Days whose working status is set by hand or imported, and the years whose arrangement was imported.

An override beats everything else (`app.calendar.workcal`): a late or local State Council notice, a
one-off holiday, or a row of a year's arrangement entered with `flask calendar import`. A year listed in
`calendar_years` has its notice entered: its days not overridden are ordinary days, and no deadline is
uncertain for want of its swaps.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import created_at_column


class CalendarOverride(db.Model):
    __tablename__ = "calendar_overrides"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at = created_at_column()


class CalendarYear(db.Model):
    """A year whose whole arrangement (every day off, every make-up working day) was imported."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at = created_at_column()


__all__ = ["CalendarOverride", "CalendarYear"]
