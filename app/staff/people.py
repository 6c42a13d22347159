"""Station staff and merchant contacts: adding them, one-time invites, binding a WeChat openid to a person.

An invite is valid 24 hours and spent by its first use, offered two ways: a 6-digit code sent in chat
(`绑定 123456`) and a random scene carried by a temporary parameterised QR (`subscribe` with
`qrscene_<scene>` for a new follower, `SCAN` with `<scene>` for an existing one). A new invite for a person
retires their unused older ones. One openid belongs to at most one person (a unique column).

Functions flush, never commit: the CLI command or the official-account callback owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets

import redis
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.log import Actor, record
from app.core import redis_client
from app.core.errors import Conflict, Gone, NotFound, TooMany, ValidationFailed
from app.core.extensions import db
from app.core.models import parse_id
from app.core.texts import ERRORS
from app.core.timeutil import utcnow
from app.directory.models import Station
from app.staff.models import Staff, StaffInvite, StaffRole
from app.staff.texts import ROLES
from app.stores import codes as store_codes
from app.stores.models import Store, StoreCode
from wechat.api import WeChatError, wechat_errors
from wechat.client import oa_client

INVITE_TTL = dt.timedelta(hours=24)
SCENE_PREFIX = "bind:"
#: Failed `绑定 <code>` attempts allowed per openid and hour: a 6-digit code must not be guessable.
BIND_FAILURES_PER_HOUR = 5
_BIND_FAILURE_KEY = "oa:bind-failures:{openid}"


# --- people ---------------------------------------------------------------------------------------


def find_station(value: str) -> Station:
    """A station by id or exact name."""
    value = (value or "").strip()
    station_id = parse_id(value)
    station = db.session.get(Station, station_id) if station_id is not None else None
    station = station or db.session.scalar(sa.select(Station).where(Station.name == value))
    if station is None:
        raise NotFound("station_not_found")
    return station


def find_store(value: str) -> Store:
    """A store by one of its codes (active or not) or its unified social credit code."""
    value = store_codes.normalize(value)
    store = db.session.scalar(sa.select(Store).join(StoreCode).where(StoreCode.code == value))
    store = store or db.session.scalar(sa.select(Store).where(Store.uscc == value))
    if store is None:
        raise NotFound("store_not_found")
    return store


def get(staff_id: int) -> Staff:
    staff = db.session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("staff_not_found")
    return staff


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationFailed({"name": ERRORS["staff_name_required"]})
    return name


def add_staff(
    station: Station, name: str, role: StaffRole | str, phone: str = "", *, actor: Actor | None = None
) -> Staff:
    try:
        role = StaffRole(role)
    except ValueError:
        role = None
    if role not in (StaffRole.HANDLER, StaffRole.SUPERVISOR):
        raise ValidationFailed({"role": ERRORS["staff_role_invalid"]})
    staff = Staff(name=_name(name), role=role, station=station, phone=(phone or "").strip()[:20])
    db.session.add(staff)
    db.session.flush()
    if actor is not None:
        _audit(
            actor, "staff.add", staff, after={"name": staff.name, "role": role.value, "station": station.name}
        )
    return staff


def _audit(actor: Actor, action: str, staff: Staff, **changes) -> None:
    record(actor, action, f"{staff.name}（编号 {staff.id}）", station_id=staff.station_id, **changes)


def add_merchant(store: Store, name: str, phone: str = "") -> Staff:
    """A store's contact: gets the first chance on its complaints (首问负责), never sees reports."""
    staff = Staff(name=_name(name), role=StaffRole.MERCHANT, store=store, phone=(phone or "").strip()[:20])
    db.session.add(staff)
    db.session.flush()
    return staff


def list_staff(station: Station | None = None) -> list[Staff]:
    query = sa.select(Staff).order_by(Staff.id)
    if station is not None:
        query = query.where(Staff.station_id == station.id)
    return list(db.session.scalars(query))


def place(staff: Staff) -> str:
    """The station a staff member works at, or the store a merchant contact speaks for."""
    if staff.role == StaffRole.MERCHANT:
        return staff.store.name if staff.store else ""
    return staff.station.name if staff.station else ""


def where(staff: Staff) -> str:
    """Where the person works and as what, e.g. "测试商圈服务站·处理人员" (chat text)."""
    at = place(staff)
    return f"{at}·{ROLES[staff.role.value]}" if at else ROLES[staff.role.value]


# --- invites --------------------------------------------------------------------------------------


def create_invite(staff: Staff, now: dt.datetime | None = None, *, actor: Actor | None = None) -> StaffInvite:
    """A new one-time token for `staff` (24 hours); their unused older invites stop working."""
    now = now or utcnow()
    if not staff.active:
        raise Conflict("staff_inactive")
    for old in db.session.scalars(
        sa.select(StaffInvite).where(
            StaffInvite.staff_id == staff.id, StaffInvite.used_at.is_(None), StaffInvite.expires_at > now
        )
    ):
        old.expires_at = now
    invite = StaffInvite(
        staff=staff,
        code=_free_code(now),
        scene=SCENE_PREFIX + secrets.token_urlsafe(24),
        expires_at=now + INVITE_TTL,
    )
    db.session.add(invite)
    db.session.flush()
    if actor is not None:
        _audit(actor, "staff.invite", staff, after={"expires_at": invite.expires_at.isoformat()})
    return invite


def _free_code(now: dt.datetime) -> str:
    """Six digits that no unexpired invite uses."""
    for _ in range(50):
        code = f"{secrets.randbelow(1_000_000):06d}"
        taken = db.session.scalar(
            sa.select(StaffInvite.id).where(StaffInvite.code == code, StaffInvite.expires_at > now).limit(1)
        )
        if taken is None:
            return code
    raise RuntimeError("no free invite code")  # pragma: no cover - needs ~10^5 live invites


# --- binding --------------------------------------------------------------------------------------


def bound_to(openid: str) -> Staff | None:
    """The person this openid is bound to (active or not), or None for a stranger."""
    if not openid:
        return None
    # Station and store come along: every chat command needs one of them (one query, not two).
    return db.session.scalar(
        sa.select(Staff)
        .where(Staff.oa_openid == openid)
        .options(joinedload(Staff.station), joinedload(Staff.store))
    )


def bind_by_code(openid: str, code: str, now: dt.datetime | None = None) -> tuple[Staff, bool]:
    """`绑定 123456`. Returns (person, newly bound). Failed attempts are limited per openid."""
    now = now or utcnow()
    code = (code or "").strip()
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ValidationFailed({"code": ERRORS["bind_code_format"]}, code="bind_code_format")
    _check_failures(openid)
    rows = db.session.scalars(
        sa.select(StaffInvite)
        .where(StaffInvite.code == code)
        .order_by(StaffInvite.expires_at.desc(), StaffInvite.id.desc())
        .limit(5)
        .with_for_update()
    ).all()
    live = next((r for r in rows if r.used_at is None and r.expires_at > now), None)
    try:
        return _spend(live or (rows[0] if rows else None), openid, now)
    except (NotFound, Gone, Conflict):
        _count_failure(openid)
        raise


def bind_by_scene(openid: str, scene: str, now: dt.datetime | None = None) -> tuple[Staff, bool]:
    """A scan of the invite's temporary QR (the scene comes from WeChat's signed push)."""
    now = now or utcnow()
    invite = db.session.scalar(
        sa.select(StaffInvite).where(StaffInvite.scene == (scene or "")).with_for_update()
    )
    return _spend(invite, openid, now)


def is_bind_scene(scene: str | None) -> bool:
    return bool(scene) and scene.startswith(SCENE_PREFIX)


def _spend(invite: StaffInvite | None, openid: str, now: dt.datetime) -> tuple[Staff, bool]:
    if invite is None:
        raise NotFound("invite_not_found")
    if invite.used_at is not None:
        raise Conflict("invite_used")
    if invite.expires_at <= now:
        raise Gone("invite_expired")
    staff = invite.staff
    if not staff.active:
        raise Conflict("staff_inactive")
    current = bound_to(openid)
    if current is not None and current.id != staff.id:
        raise Conflict("openid_bound_other")
    newly = staff.oa_openid != openid
    if newly:
        try:
            with db.session.begin_nested():
                staff.oa_openid = openid  # replaces a previous openid of this person (a new phone)
                staff.oa_following = True  # a binding comes from a message or a scan of the account
                staff.context_complaint_id = None
                staff.context_until = None
        except IntegrityError:
            # The same openid was bound to someone else a moment ago by a concurrent message.
            raise Conflict("openid_bound_other") from None
    invite.used_at = now
    invite.used_by_openid = openid
    db.session.flush()
    return staff, newly


def set_following(openid: str, following: bool) -> bool:
    """Record whether the person bound to `openid` follows the official account (WeChat told us).

    True when a bound person's state changed. Strangers are not recorded.
    """
    if not openid:
        return False
    changed = db.session.execute(
        sa.update(Staff)
        .where(Staff.oa_openid == openid, Staff.oa_following.is_not(following))
        .values(oa_following=following)
        .execution_options(synchronize_session="fetch")
    )
    return changed.rowcount > 0


def unbind(staff: Staff, *, actor: Actor | None = None) -> bool:
    """Forget the person's openid (and chat context). False when nothing was bound."""
    if staff.oa_openid is None:
        return False
    staff.oa_openid = None
    staff.context_complaint_id = None
    staff.context_until = None
    db.session.flush()
    if actor is not None:
        _audit(actor, "staff.unbind", staff, before={"bound": True}, after={"bound": False})
    return True


def invite_qr_url(invite: StaffInvite) -> str:
    """The content of the invite's temporary parameterised QR (valid as long as the invite). Raises
    WeChatError when WeChat cannot make it; the 6-digit code works anyway."""
    return temporary_qr_url(invite.scene, int(INVITE_TTL.total_seconds()))


def temporary_qr_url(scene: str, seconds: int) -> str:
    """The content of a temporary parameterised QR of the official account (`qrcode/create`,
    QR_STR_SCENE) whose scan pushes `scene` to the callback. Raises WeChatError."""
    with wechat_errors("qrcode_create"):
        answer = oa_client().qrcode.create(
            {
                "expire_seconds": seconds,
                "action_name": "QR_STR_SCENE",
                "action_info": {"scene": {"scene_str": scene}},
            }
        )
    url = answer.get("url") if isinstance(answer, dict) else None
    if not url:
        raise WeChatError("qrcode/create answered without a url")
    return url


def _failure_key(openid: str) -> str:
    return _BIND_FAILURE_KEY.format(openid=openid)


def _check_failures(openid: str) -> None:
    """Too many wrong codes from this openid in the last hour → refuse. Redis down: not limited."""
    if redis_client.breaker_open():
        return
    try:
        failures = int(redis_client.get_redis().get(_failure_key(openid)) or 0)
    except (redis.RedisError, OSError):
        redis_client.trip()
        return
    if failures >= BIND_FAILURES_PER_HOUR:
        raise TooMany("bind_rate_limited")


def _count_failure(openid: str) -> None:
    if redis_client.breaker_open():
        return
    try:
        pipe = redis_client.get_redis().pipeline()
        pipe.set(_failure_key(openid), 0, ex=3600, nx=True)  # the hour starts at the first failure
        pipe.incr(_failure_key(openid))
        pipe.execute()
    except (redis.RedisError, OSError):
        redis_client.trip()
