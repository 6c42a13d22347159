"""A person's decision on a complaint's text that WeChat's check could not clear (`ContentCheck.REVIEW`).

WeChat's msgSecCheck marks some texts for review, and some it can never check (see
`app.complaints.content_check`). Nothing of such a complaint is published until someone at the station
responsible (or above it) reads the text and decides: it may be published (`cleared`; the publicity job
then prepares its redacted summary like any other), or it never is (`withheld`). The decision can be
changed later; the same decision again changes nothing. Each decision is an internal timeline event
(the consumer does not see it), and the console writes it to the audit log. Reports are never published,
so they are never in the queue.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.complaints import flow
from app.complaints.flow import Actor
from app.complaints.models import Complaint, ComplaintKind, ContentCheck
from app.core.extensions import db

# One decision, its stored state and the timeline's words.
DECISIONS = {
    "publish": (ContentCheck.CLEARED, "内容已人工审核：可以公示。"),
    "withhold": (ContentCheck.WITHHELD, "内容已人工审核：不予公示。"),
}
DECIDABLE = (ContentCheck.REVIEW, ContentCheck.CLEARED, ContentCheck.WITHHELD)


def _waiting_at(station_ids: set[int]):
    return (
        Complaint.kind == ComplaintKind.COMPLAINT,
        Complaint.content_check == ContentCheck.REVIEW,
        Complaint.station_id.in_(station_ids),
    )


def pending(station_ids: set[int], limit: int = 200) -> list[Complaint]:
    """Complaints of these stations whose text waits for a person, oldest first."""
    query = sa.select(Complaint).where(*_waiting_at(station_ids)).order_by(Complaint.created_at)
    return list(db.session.scalars(query.limit(limit)))


def waiting(station_ids: set[int]) -> int:
    """How many wait (the console's first page; the queue shows the oldest `pending`)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Complaint).where(*_waiting_at(station_ids))
    )


def decide(complaint: Complaint, decision: str, actor: Actor) -> bool:
    """Record the decision; False when it changes nothing (the same decision again). Raises KeyError on
    an unknown decision and ValueError when the text was never under review (the surfaces check both)."""
    state, words = DECISIONS[decision]
    if complaint.kind != ComplaintKind.COMPLAINT or complaint.content_check not in DECIDABLE:
        raise ValueError("not under review")
    if complaint.content_check == state:
        return False
    complaint.content_check = state
    if state == ContentCheck.WITHHELD:
        complaint.public_summary = None  # published before a change of mind: taken down
    flow.record(complaint, actor, "content_reviewed", text=words, visible=False, data={"decision": decision})
    return True
