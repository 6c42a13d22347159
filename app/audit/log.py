"""Writing and reading the audit log."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.core.extensions import db

PAGE_SIZE = 100


@dataclass(frozen=True)
class Actor:
    name: str
    via: str  # console | cli

    @classmethod
    def cli(cls) -> Actor:
        """Whoever runs the command on the server (their OS account)."""
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry (some containers)
            name = "unknown"
        return cls(name[:64], "cli")

    @classmethod
    def console(cls, username: str) -> Actor:
        return cls(username, "console")


def record(
    actor: Actor,
    action: str,
    target: str = "",
    *,
    station_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add one entry to the caller's transaction (committed, or rolled back, with the change itself)."""
    entry = AuditEntry(
        actor=actor.name,
        via=actor.via,
        action=action,
        target=target[:200],
        station_id=station_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def diff(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, from each side."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def entries(
    *,
    station_ids: Collection[int] | None = None,
    actor: str = "",
    action: str = "",
    target: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = PAGE_SIZE,
) -> list[AuditEntry]:
    """Newest first. `station_ids`: only entries about those stations (None: all, district-wide included)."""
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if station_ids is not None:
        query = query.where(AuditEntry.station_id.in_(list(station_ids)))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target.contains(target, autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return list(db.session.scalars(query))
