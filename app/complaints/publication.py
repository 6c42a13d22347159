"""Which cases may be published (消费投诉信息公示), as SQL conditions: one copy of the rule.

A case is published when it is a complaint (a report, 举报, never is), it has ended (resolved or closed,
not by the consumer withdrawing), its content check passed or was cleared by a person (anything under
review stays out), it was not handed off to the national 12315 platform (published there), and the
worker has prepared its redacted summary. `app.publicity.cases` shows the published cases;
`app.figures.kpis` counts them for 消费者投诉信息公示率.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.complaints.models import Complaint, ComplaintKind, ContentCheck, Status

C = Complaint.__table__
ENDED = (Status.RESOLVED, Status.CLOSED)
CHECKED = (ContentCheck.PASS, ContentCheck.CLEARED)


def not_withdrawn():
    return sa.or_(C.c.outcome.is_(None), C.c.outcome != "withdrawn")


def content_cleared():
    return C.c.content_check.in_(CHECKED)


def publishable():
    """Every condition except the prepared summary: what the worker prepares summaries for."""
    return sa.and_(
        C.c.kind == ComplaintKind.COMPLAINT,
        C.c.status.in_(ENDED),
        not_withdrawn(),
        content_cleared(),
        C.c.handed_off_at.is_(None),
    )


def published():
    return sa.and_(publishable(), C.c.public_summary.is_not(None))
