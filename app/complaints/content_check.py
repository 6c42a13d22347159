"""WeChat's text check (msgSecCheck v2) for what consumers write.

`risky` refuses the filing (422, nothing saved). `review` files it, marked so nothing of it is
published until a person clears it (`app.publicity.review`). WeChat unreachable (or any other WeChat
error): filed as `pending`, and the worker's periodic job checks it again later. A complaint is never
lost because WeChat is down.

Some answers say the text can never be checked by machine for this person: 40003 (WeChat does not know
the openid: a sandbox identity) and 61010 (the person has not opened the mini-program in the last two
hours, which a recheck hours later always meets). Those go to a person (`review`) at once, and the
recheck goes on to the next filing instead of stopping at them.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.complaints.models import Complaint, ContentCheck
from app.core.errors import DomainError
from app.core.extensions import db
from wechat import api

log = logging.getLogger(__name__)


#: WeChat's answers meaning "this person's text cannot be checked by machine", now or later.
UNCHECKABLE = frozenset({40003, 61010})


def _ask(openid: str, text: str) -> str | None:
    """'pass' | 'review' | 'risky'; 'review' too when WeChat can never check it; None to ask again later."""
    try:
        return api.msg_sec_check(openid, text[: api.SEC_CHECK_MAX_LENGTH], scene=1).suggest
    except api.WeChatAPIError as exc:
        if exc.errcode in UNCHECKABLE:
            log.info("msg_sec_check cannot check this person's text (%s): a person reviews it", exc)
            return "review"
        log.warning("msg_sec_check unavailable, will retry later: %s", exc)
        return None
    except (api.WeChatError, ValueError) as exc:
        log.warning("msg_sec_check unavailable, will retry later: %s", exc)
        return None


def check(openid: str, text: str) -> ContentCheck:
    verdict = _ask(openid, text)
    if verdict == "risky":
        raise DomainError("content_risky", status=422, fields={"description": "内容未通过安全检测，请修改"})
    return {"pass": ContentCheck.PASS, "review": ContentCheck.REVIEW}.get(verdict, ContentCheck.PENDING)


def recheck_pending(limit: int = 100) -> int:
    """Periodic job: ask again for filings that could not be checked. Returns how many were decided.

    A filing found `risky` afterwards is kept (it was accepted and must be handled) but marked for
    review, so nothing of it is ever published until a person clears it.
    """
    rows = db.session.scalars(
        sa.select(Complaint)
        .where(Complaint.content_check == ContentCheck.PENDING)
        .order_by(Complaint.id)
        .limit(limit)
    ).all()
    decided = 0
    for complaint in rows:
        verdict = _ask(complaint.consumer.openid, complaint.description)
        if verdict is None:
            break  # still unreachable: try again on the next tick
        complaint.content_check = ContentCheck.PASS if verdict == "pass" else ContentCheck.REVIEW
        decided += 1
    return decided
