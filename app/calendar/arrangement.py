"""A year's arrangement entered at once: the rows of a State Council notice (`flask calendar import`).

Each row is a date, `holiday` (a day off) or `workday` (a make-up working day), and a note. The whole
file is checked before anything is written: a bad date or kind, a note too long, or the same date
twice with different kinds refuses the file, and nothing is saved. Rows become overrides (they beat
everything else); the years with a `holiday` row are marked as having their notice entered, so their
other days are ordinary days and certain. Importing the same file again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.calendar import workcal
from app.calendar.models import CalendarOverride, CalendarYear
from app.core.extensions import db
from app.core.texts import CALENDAR as T

KINDS = {"holiday": False, "workday": True, "休息日": False, "放假": False, "工作日": True, "上班": True}


@dataclass
class Outcome:
    days: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)  # years whose notice the file is (a `holiday` row)
    new_years: list[int] = field(default_factory=list)  # of those, the ones not marked before
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.new_years)


def _text(cell: object) -> str:
    return cell.isoformat() if isinstance(cell, dt.date) else str(cell or "").strip()


def parse(rows: Iterable[tuple[int, Sequence[object]]]) -> Outcome:
    """Check every row; `days` holds what the file says, `problems` every line that is wrong."""
    out = Outcome()
    seen: dict[dt.date, int] = {}
    for line, cells in rows:
        date_text, kind_text, note = [*map(_text, cells), "", "", ""][:3]
        try:
            day = dt.date.fromisoformat(date_text)
        except ValueError:
            out.problems.append(T["import_bad_date"].format(line=line, value=date_text))
            continue
        if kind_text.lower() not in KINDS:
            out.problems.append(T["import_bad_kind"].format(line=line, value=kind_text))
            continue
        if len(note) > workcal.NOTE_MAX_LENGTH:
            out.problems.append(T["import_note_long"].format(line=line, n=workcal.NOTE_MAX_LENGTH))
            continue
        is_workday = KINDS[kind_text.lower()]
        if day in out.days and out.days[day][0] != is_workday:
            out.problems.append(
                T["import_contradiction"].format(line=line, day=day.isoformat(), first=seen[day])
            )
            continue
        if day not in out.days or note:
            out.days[day] = (is_workday, note)
        seen.setdefault(day, line)
    if not out.days and not out.problems:
        out.problems.append(T["import_empty"])
    out.years = sorted({day.year for day, (is_workday, _) in out.days.items() if not is_workday})
    return out


def import_rows(rows: Iterable[tuple[int, Sequence[object]]], *, note: str = "") -> Outcome:
    """Check the rows, then write them all as overrides and mark their years (flushed, not committed).

    Nothing is written when any row is wrong. The caller commits (or rolls back for a dry run).
    """
    out = parse(rows)
    if not out.ok:
        return out
    for day, (is_workday, day_note) in sorted(out.days.items()):
        row = db.session.get(CalendarOverride, day)
        if row is None:
            out.created += 1
        elif (row.is_workday, row.note) == (is_workday, day_note):
            out.unchanged += 1
            continue
        else:
            out.updated += 1
        workcal.set_override(day, is_workday, day_note)
    for year in out.years:
        if db.session.get(CalendarYear, year) is None:
            db.session.add(CalendarYear(year=year, note=note[: workcal.NOTE_MAX_LENGTH]))
            out.new_years.append(year)
    db.session.flush()
    workcal.forget_cached()
    return out
