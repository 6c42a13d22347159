"""The regulator's case export: cases filed in a period, one row each, as CSV or XLSX, streamed.

Rows are read in batches of `BATCH` (the deadlines of each batch in one more query) and written as they
come: CSV line by line, XLSX through openpyxl's write-only workbook. Memory stays flat however many cases
the period holds. The complainant's name and phone only with `personal_data=True`; a report's reporter
never appears without it either.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from openpyxl import Workbook

from app.complaints.models import Complaint, ComplaintDeadline
from app.complaints.texts import CATEGORIES, DEADLINE_KINDS, DEMANDS, KINDS, OUTCOMES, STATUS
from app.core.errors import ValidationFailed
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.directory.models import Station
from app.figures.kpis import Scope
from app.figures.texts import EXPORT
from app.stores.models import Store

BATCH = 1000
FORMATS = ("csv", "xlsx")
C = Complaint.__table__
D = ComplaintDeadline.__table__

STEP_COLUMNS = (
    ("created_at", "submitted"),
    ("first_response_at", "first_response"),
    ("accepted_at", "accepted"),
    ("resolved_at", "resolved"),
    ("closed_at", "closed"),
)


def header(personal_data: bool) -> list[str]:
    columns = [EXPORT["columns"][k] for k in ("number", "kind", "status")]
    columns += [EXPORT["columns"][label] for _, label in STEP_COLUMNS]
    columns += [
        EXPORT["columns"][k]
        for k in ("store", "uscc", "station", "category", "demand", "amount", "outcome", "amount_recovered")
    ]
    columns += [DEADLINE_KINDS[k] for k in DEADLINE_KINDS]
    columns += [EXPORT["columns"]["national_case_number"]]
    if personal_data:
        columns += [EXPORT["columns"]["name"], EXPORT["columns"]["phone"]]
    return columns


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _cell(text: str) -> str:
    """Free text that a spreadsheet would take for a formula is written as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _money(value) -> str:
    return "" if value is None else f"{value:.2f}"


def deadline_state(row, now: dt.datetime) -> str:
    """One stored deadline as the regulator reads it: on time, late, still open, cancelled."""
    if row is None:
        return ""
    if row.met_at is not None:
        return EXPORT["deadline"]["met" if row.met_at <= row.due_at else "met_late"]
    if row.cancelled_at is not None:
        return EXPORT["deadline"]["missed" if row.cancelled_at > row.due_at else "cancelled"]
    return EXPORT["deadline"]["missed_open" if row.due_at < now else "open"]


def _query(scope: Scope, personal_data: bool) -> sa.Select:
    columns = [
        C.c.id,
        C.c.number,
        C.c.kind,
        C.c.status,
        *(C.c[name] for name, _ in STEP_COLUMNS),
        Store.__table__.c.name.label("store_name"),
        Store.__table__.c.uscc,
        Station.__table__.c.name.label("station_name"),
        C.c.category,
        C.c.demand,
        C.c.amount,
        C.c.outcome,
        C.c.amount_recovered,
        C.c.national_case_number,
    ]
    if personal_data:
        columns += [C.c.name, C.c.phone]
    query = (
        sa.select(*columns)
        .select_from(C)
        .join(Store.__table__, Store.__table__.c.id == C.c.store_id)
        .join(Station.__table__, Station.__table__.c.id == C.c.station_id)
        .where(C.c.created_at >= scope.start, C.c.created_at < scope.end)
        .order_by(C.c.created_at, C.c.id)
    )
    if scope.station_ids is not None:
        query = query.where(C.c.station_id.in_(scope.station_ids))
    return query


def rows(scope: Scope, *, personal_data: bool = False) -> Iterator[list[str]]:
    """The export's rows (without the header), batch by batch."""
    result = db.session.execute(_query(scope, personal_data).execution_options(yield_per=BATCH))
    for batch in result.partitions():
        ids = [r.id for r in batch]
        deadlines: dict[tuple[int, str], object] = {
            (d.complaint_id, d.kind): d
            for d in db.session.execute(
                sa.select(D.c.complaint_id, D.c.kind, D.c.due_at, D.c.met_at, D.c.cancelled_at).where(
                    D.c.complaint_id.in_(ids)
                )
            )
        }
        for r in batch:
            out = [r.number, KINDS[r.kind.value], STATUS[r.status.value]]
            out += [_when(getattr(r, name)) for name, _ in STEP_COLUMNS]
            out += [
                _cell(r.store_name),
                r.uscc,
                _cell(r.station_name),
                CATEGORIES.get(r.category, r.category),
                DEMANDS.get(r.demand, r.demand),
                _money(r.amount),
                OUTCOMES.get(r.outcome, "") if r.outcome else "",
                _money(r.amount_recovered),
            ]
            out += [deadline_state(deadlines.get((r.id, kind)), scope.now) for kind in DEADLINE_KINDS]
            out += [r.national_case_number or ""]
            if personal_data:
                out += [_cell(r.name), _cell(r.phone)]
            yield out


def csv_lines(scope: Scope, *, personal_data: bool = False) -> Iterator[str]:
    """The CSV export piece by piece: a BOM (so Excel reads UTF-8), the header, then one line per case."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header(personal_data))
    yield "\ufeff" + buffer.getvalue()
    for row in rows(scope, personal_data=personal_data):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValidationFailed({"format": EXPORT["format_hint"]}, code="export_format_invalid")


def write(scope: Scope, path: Path, fmt: str, *, personal_data: bool = False) -> int:
    """Write the export to `path`; returns the number of cases written."""
    check_format(fmt)
    if fmt == "csv":
        lines = 0
        with path.open("w", encoding="utf-8", newline="") as handle:
            for line in csv_lines(scope, personal_data=personal_data):
                handle.write(line)
                lines += 1
        return lines - 1  # the first is the header
    return write_xlsx(scope, path, personal_data=personal_data)


def write_xlsx(scope: Scope, target: Path | BinaryIO, *, personal_data: bool = False) -> int:
    """The XLSX export into a path or an open binary file (write-only workbook: rows are not kept)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(EXPORT["sheet"])
    sheet.append(header(personal_data))
    count = 0
    for row in rows(scope, personal_data=personal_data):
        sheet.append(row)
        count += 1
    book.save(target)
    return count
