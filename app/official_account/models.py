"""What the official-account surface keeps: each inbound push handled once."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db
from app.core.models import created_at_column


class OAInbound(db.Model):
    """Every official-account message or event handled once: WeChat retries find their reply here."""

    __tablename__ = "oa_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(128), unique=True)  # MsgId, or FromUserName+CreateTime
    from_openid: Mapped[str] = mapped_column(sa.String(64), index=True)
    msg_type: Mapped[str] = mapped_column(sa.String(32))
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    received_at = created_at_column()
