"""Public store codes: short, random, with a check character that catches typos without a query.

Alphabet: 31 characters without 0/O, 1/I/L, so codes survive being read aloud and retyped.
7 random characters (31**7 ≈ 2.75e10) plus one check character. The check is a position-weighted
sum modulo 31 (a prime): it catches every single-character error and every adjacent swap.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from app.core.errors import Gone, NotFound
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.stores.models import CodeStatus, Store, StoreCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BODY_LENGTH = 7
CODE_LENGTH = BODY_LENGTH + 1


def _check(body: str) -> str:
    total = sum((i + 1) * ALPHABET.index(ch) for i, ch in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def normalize(code: str) -> str:
    return (code or "").strip().upper()


def is_well_formed(code: str) -> bool:
    code = normalize(code)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    return _check(code[:-1]) == code[-1]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + _check(body)


def issue(store: Store) -> StoreCode:
    """Give the store a new active code (revoking nothing). Collisions are retried."""
    for _ in range(10):
        candidate = generate()
        exists = db.session.scalar(sa.select(StoreCode.id).where(StoreCode.code == candidate))
        if exists is None:
            code = StoreCode(store=store, code=candidate, status=CodeStatus.ACTIVE)
            db.session.add(code)
            return code
    raise RuntimeError("could not find a free store code")  # pragma: no cover - 1 in 1e9 odds


def ensure_code(store: Store) -> StoreCode:
    return store.active_code or issue(store)


def active(code: str) -> StoreCode:
    """The active code row for `code`: NotFound for unknown or malformed codes, Gone when revoked."""
    code = normalize(code)
    if not is_well_formed(code):
        raise NotFound("store_not_found")
    row = db.session.scalar(sa.select(StoreCode).where(StoreCode.code == code))
    if row is None:
        raise NotFound("store_not_found")
    if row.status != CodeStatus.ACTIVE:
        raise Gone("code_revoked")
    return row


def _row(code: str) -> StoreCode:
    if not is_well_formed(code):  # checked before any query (and never a NUL sent to PostgreSQL)
        raise NotFound("store_not_found")
    row = db.session.scalar(sa.select(StoreCode).where(StoreCode.code == normalize(code)))
    if row is None:
        raise NotFound("store_not_found")
    return row


def store_of(code: str) -> Store:
    """The store a code (active or revoked) belongs to; NotFound otherwise."""
    return _row(code).store


def revoke_and_reissue(code: str, reason: str = "") -> StoreCode:
    """Revoke a store's code (lost, leaked, misprinted) and issue a new one."""
    row = _row(code)
    if row.status == CodeStatus.ACTIVE:
        row.status = CodeStatus.REVOKED
        row.revoked_at = utcnow()
        row.revoke_reason = reason
        db.session.flush()
    return ensure_code(row.store)
