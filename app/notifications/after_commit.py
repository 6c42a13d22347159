"""The outbox rows a transaction wrote, kept on its session until the commit makes them safe to queue.

`queue_row` (ORM rows: notify, a hand-over, `flask outbox retry`; queued row by row, since one may be an old
row put back for another try) and `queue_ids` (ids the filing's Core path inserted; queued as one job)
only remember; `app.notifications.hooks` takes the lists after the commit and drops them on rollback.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.core.extensions import db

ROWS_KEY = "outbox_new"  # ORM rows
IDS_KEY = "outbox_ids"  # ids of rows inserted with Core


def queue_row(row) -> None:
    """Queue this outbox row (added to the session) once the transaction commits."""
    db.session.info.setdefault(ROWS_KEY, []).append(row)


def queue_ids(ids) -> None:
    """Queue these freshly inserted outbox rows, as one job, once the transaction commits."""
    db.session.info.setdefault(IDS_KEY, []).extend(ids)


def take(session: Session) -> tuple[list, list[int]]:
    """The rows and the fresh ids this session's transaction wrote, forgotten here."""
    return session.info.pop(ROWS_KEY, None) or [], session.info.pop(IDS_KEY, None) or []


def drop(session: Session) -> None:
    session.info.pop(ROWS_KEY, None)
    session.info.pop(IDS_KEY, None)
