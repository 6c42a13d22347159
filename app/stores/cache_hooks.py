"""After a commit that touched anything a store page shows, forget the cached pages.

Collected at flush time (what changed), acted on after commit (the truth is safe), dropped on rollback.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.directory import routing
from app.directory.models import BusinessCircle, Region, RoutingRule, Station
from app.stores import cache
from app.stores.models import Badge, Commitment, Credential, Store, StoreCode

_PER_STORE = (Credential, Commitment, Badge, StoreCode)
_WIDE = (Station, BusinessCircle, Region, RoutingRule)
_registered = False


def _collect(session: Session, flush_context) -> None:
    touched = session.info.setdefault("touched_stores", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Store):
            if obj.id is not None:
                touched.add(obj.id)
        elif isinstance(obj, _PER_STORE):
            if obj.store_id is not None:
                touched.add(obj.store_id)
        elif isinstance(obj, _WIDE):
            session.info["touched_all"] = True


def _after_commit(session: Session) -> None:
    touched = session.info.pop("touched_stores", set())
    wide = session.info.pop("touched_all", False)
    if not touched and not wide:
        return
    if wide:
        routing.forget_rules()
        cache.invalidate(None)
    else:
        cache.invalidate(cache.codes_for_stores(touched))


def _after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is not None:  # a savepoint: the outer transaction may still commit
        return
    session.info.pop("touched_stores", None)
    session.info.pop("touched_all", None)


def register() -> None:
    global _registered
    if _registered:
        return
    event.listen(Session, "after_flush", _collect)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _registered = True
