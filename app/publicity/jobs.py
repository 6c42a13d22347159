"""The worker's publicity job: redact newly publishable cases, and once a day recompute store records."""

from __future__ import annotations

from app.core.extensions import db
from app.publicity import cases, stores


def run(*, force: bool = False) -> tuple[int, int]:
    """Returns (summaries prepared, store records written). Commits in steps; idempotent."""
    prepared = 0
    while True:
        batch = cases.prepare_summaries()
        db.session.commit()
        prepared += batch
        if batch == 0:
            break
    written = 0
    if force or stores.due():
        written = stores.refresh()
        db.session.commit()
        stores.after_refresh()
    return prepared, written
