"""Days whose working status is set by hand and beats the `chinesecalendar` package.

Used for a year the package does not know yet (it covers 2004–2026 in 1.11.0) and for a late or
local State Council notice. Read by `app.calendar.workcal`; edited with `flask calendar override`.
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


__all__ = ["CalendarOverride"]
