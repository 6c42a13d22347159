"""Console accounts: creating and disabling them, password login with lockout, TOTP, scopes and roles.

Passwords are hashed with Argon2id (argon2-cffi; by default RFC 9106's low-memory profile: 64 MiB,
3 passes, 4 lanes; `CONSOLE_ARGON2_MEMORY_KIB`, `CONSOLE_ARGON2_TIME_COST`), and rehashed on login when
the parameters change. `LOCKOUT_FAILURES` wrong passwords in a row lock the account
for `LOCKOUT_MINUTES`; a login attempt during the lock is refused without checking the password. An
unknown username costs the same hash as a known one. TOTP (pyotp, 30 s steps, one step of drift either
way) is asked for when the account has a secret.

An account sees its own station and every station below it (`Scope`); a store is in scope when its
own station, its business circle's station or its responsible station is. Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from app.accounts.models import ConsoleRole, ConsoleUser
from app.accounts.texts import ERRORS, ROLES
from app.audit.log import Actor, record
from app.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TooMany,
    Unauthorized,
    ValidationFailed,
)
from app.core.extensions import db
from app.core.models import subtree
from app.core.timeutil import as_utc, utcnow
from app.directory import routing
from app.directory.models import Station
from app.staff.models import Staff
from app.stores.models import Store

LOCKOUT_FAILURES = 5
LOCKOUT_MINUTES = 15
PASSWORD_MIN = 10
PASSWORD_MAX = 256
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")

_hashers: dict[tuple[int, int], tuple[PasswordHasher, str]] = {}


def _hasher() -> tuple[PasswordHasher, str]:
    """The Argon2id hasher for the configured cost, and a hash verified against when the username is
    unknown (so both cases cost the same time)."""
    key = (
        int(current_app.config.get("CONSOLE_ARGON2_MEMORY_KIB") or 65536),
        int(current_app.config.get("CONSOLE_ARGON2_TIME_COST") or 3),
    )
    if key not in _hashers:
        hasher = PasswordHasher(memory_cost=key[0], time_cost=key[1], parallelism=4)
        _hashers[key] = (hasher, hasher.hash("not-a-password-of-anyone"))
    return _hashers[key]


class Permission:
    READ = "read"
    WRITE = "write"  # directory, stores, codes, imports
    ACCOUNTS = "accounts"


PERMISSIONS: dict[ConsoleRole, frozenset[str]] = {
    ConsoleRole.ADMINISTRATOR: frozenset({Permission.READ, Permission.WRITE, Permission.ACCOUNTS}),
    ConsoleRole.OPERATOR: frozenset({Permission.READ, Permission.WRITE}),
    ConsoleRole.VIEWER: frozenset({Permission.READ}),
}
_RANK = {ConsoleRole.VIEWER: 0, ConsoleRole.OPERATOR: 1, ConsoleRole.ADMINISTRATOR: 2}


def _error(cls: type[DomainError], code: str, **values) -> DomainError:
    return cls(code, ERRORS[code].format(**values))


def can(user: ConsoleUser, permission: str) -> bool:
    return permission in PERMISSIONS[user.role]


def require(user: ConsoleUser, permission: str) -> None:
    if not can(user, permission):
        raise _error(Forbidden, "no_permission")


# ---------------------------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """The stations an account may see: its own and every one below it."""

    root_id: int
    station_ids: frozenset[int]

    @classmethod
    def of(cls, user: ConsoleUser) -> Scope:
        return cls(user.station_id, frozenset(subtree_ids(user.station_id)))

    def has_station(self, station_id: int | None) -> bool:
        return station_id is not None and station_id in self.station_ids

    def has_store(self, store: Store) -> bool:
        if self.has_station(store.station_id):
            return True
        if store.circle is not None and self.has_station(store.circle.station_id):
            return True
        return self.has_station(routing.station_id_for(store))


def subtree_ids(station_id: int) -> set[int]:
    """The station and all stations below it (the tree is small: read it whole)."""
    return subtree(db.session.execute(sa.select(Station.id, Station.parent_id)).tuples(), station_id)


# --------------------------------------------------------------------------------------------- people


def role_of(value: str | ConsoleRole) -> ConsoleRole:
    text = (value or "").strip() if isinstance(value, str) else value
    for role in ConsoleRole:
        if text in (role, role.value, ROLES[role.value]):
            return role
    raise ValidationFailed({"role": ERRORS["role_invalid"]}, code="role_invalid")


def check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(
            {"password": ERRORS["password_too_short"].format(length=PASSWORD_MIN)}, code="password_too_short"
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(
            {"password": ERRORS["password_too_long"].format(length=PASSWORD_MAX)}, code="password_too_long"
        )


def find_station(name: str) -> Station:
    name = (name or "").strip()
    station = None if "\x00" in name else db.session.scalar(sa.select(Station).where(Station.name == name))
    if station is None:
        raise _error(NotFound, "station_unknown", name=name.replace("\x00", ""))
    return station


def find_staff(staff_id: int) -> Staff:
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise _error(NotFound, "staff_not_found", staff_id=staff_id)
    return staff


def find_user(username: str) -> ConsoleUser:
    username = (username or "").strip()
    user = (
        db.session.scalar(sa.select(ConsoleUser).where(ConsoleUser.username == username))
        if _USERNAME.fullmatch(username)
        else None
    )
    if user is None:
        raise _error(NotFound, "user_not_found", username=username[:32].replace("\x00", ""))
    return user


def describe(user: ConsoleUser) -> dict:
    return {
        "username": user.username,
        "station": user.station.name,
        "role": user.role.value,
        "active": user.active,
        "totp": user.totp_secret is not None,
        "staff_id": user.staff_id,
    }


def create_user(
    username: str,
    station: Station,
    role: str | ConsoleRole,
    password: str,
    actor: Actor,
    *,
    by: ConsoleUser | None = None,
    staff: Staff | None = None,
) -> ConsoleUser:
    """A new account; `by` (a console administrator) may create accounts only in its subtree and rank.
    `staff`: the bound staff member who may also log in by scanning the official account's QR."""
    username = (username or "").strip()
    if not _USERNAME.fullmatch(username):
        raise ValidationFailed({"username": ERRORS["username_invalid"]}, code="username_invalid")
    role = role_of(role)
    check_password(password)
    if "\x00" in password:
        raise ValidationFailed({"password": ERRORS["password_too_short"].format(length=PASSWORD_MIN)})
    if by is not None:
        require(by, Permission.ACCOUNTS)
        if not Scope.of(by).has_station(station.id):
            raise _error(Forbidden, "station_out_of_scope")
        if _RANK[role] > _RANK[by.role]:
            raise _error(Forbidden, "role_too_high")
    if db.session.scalar(sa.select(ConsoleUser.id).where(ConsoleUser.username == username)) is not None:
        raise _error(Conflict, "username_taken", username=username)
    user = ConsoleUser(
        username=username,
        station=station,
        role=role,
        password_hash=_hasher()[0].hash(password),
        staff_id=staff.id if staff is not None else None,
    )
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", username, station_id=station.id, after=describe(user))
    return user


def disable_user(user: ConsoleUser, actor: Actor, *, by: ConsoleUser | None = None) -> bool:
    """Disable the account and end its sessions. False when it was already disabled."""
    if by is not None:
        require(by, Permission.ACCOUNTS)
        if not Scope.of(by).has_station(user.station_id):
            raise _error(NotFound, "user_not_found", username=user.username)
        if by.id == user.id:
            raise _error(Conflict, "cannot_disable_self")
        if _RANK[user.role] > _RANK[by.role]:
            raise _error(Forbidden, "role_too_high")
    if not user.active:
        return False
    before = describe(user)
    user.active = False
    user.session_version += 1
    db.session.flush()
    record(
        actor, "user.disable", user.username, station_id=user.station_id, before=before, after=describe(user)
    )
    return True


def set_totp(user: ConsoleUser, actor: Actor) -> str:
    """Give the account a new TOTP secret; returns the otpauth:// URI for an authenticator app."""
    before = describe(user)
    user.totp_secret = pyotp.random_base32()
    user.session_version += 1
    db.session.flush()
    record(actor, "user.totp", user.username, station_id=user.station_id, before=before, after=describe(user))
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="一店一码")


def users_in(scope: Scope) -> list[ConsoleUser]:
    return list(
        db.session.scalars(
            sa.select(ConsoleUser)
            .where(ConsoleUser.station_id.in_(list(scope.station_ids)))
            .order_by(ConsoleUser.username)
        )
    )


def all_users() -> list[ConsoleUser]:
    return list(db.session.scalars(sa.select(ConsoleUser).order_by(ConsoleUser.username)))


# ---------------------------------------------------------------------------------------------- login


def authenticate(username: str, password: str, totp: str = "", now: dt.datetime | None = None) -> ConsoleUser:
    """The account, when the password (and TOTP code, if it has a secret) are right. The caller commits
    either way: failures are counted."""
    now = now or utcnow()
    username = (username or "").strip()
    user = (
        db.session.scalar(sa.select(ConsoleUser).where(ConsoleUser.username == username).with_for_update())
        if _USERNAME.fullmatch(username)
        else None
    )
    if user is None:
        _verify(_hasher()[1], password)
        raise _error(Unauthorized, "login_failed")
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        minutes = max(1, int((as_utc(user.locked_until) - now).total_seconds() + 59) // 60)
        raise _error(TooMany, "account_locked", minutes=minutes)
    if not _verify(user.password_hash, password):
        _failed(user, now, "login_failed")
    if not user.active:
        raise _error(Forbidden, "account_disabled")
    if user.totp_secret:
        code = (totp or "").strip()
        if not code:
            raise _error(Unauthorized, "totp_required")
        if not (code.isascii() and pyotp.TOTP(user.totp_secret).verify(code, for_time=now, valid_window=1)):
            _failed(user, now, "totp_invalid")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    hasher = _hasher()[0]
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    db.session.flush()
    return user


def _failed(user: ConsoleUser, now: dt.datetime, code: str) -> None:
    """Count a wrong password or code; the LOCKOUT_FAILURES-th in a row locks the account."""
    user.failed_logins += 1
    if user.failed_logins >= LOCKOUT_FAILURES:
        user.failed_logins = 0
        user.locked_until = now + dt.timedelta(minutes=LOCKOUT_MINUTES)
        db.session.flush()
        raise _error(TooMany, "account_locked", minutes=LOCKOUT_MINUTES)
    db.session.flush()
    raise _error(Unauthorized, code)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher()[0].verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False
