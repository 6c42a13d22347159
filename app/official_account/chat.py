"""The official-account chat: one incoming message or event in, one short text reply out.

Station staff and merchant contacts work complaints by typing commands (`待办`, `查看 <号>`, `受理 <号>` ...).
This module only parses and words things: who may see a case, and how it is found and locked, is
`app.complaints.access`; which command is offered when follows the table in `app.complaints.states`
(the help and the commands listed after `查看` are derived from it); binding is `app.staff.people`;
every state change is the `app.complaints.flow` function the staff pages and the CLI call too.

Nothing a worker types by mistake reaches a consumer: a reply is always `回复 号 内容`. Other text after
`查看` only reminds them of that form (the case they looked at is remembered for 30 minutes for this).
A case of another station answers exactly as a number that does not exist.

Nothing here commits: the callback commits once per message, together with its `OAInbound` row. Each
command runs in a savepoint, so a refused command (a domain error) leaves no half-done change behind
while the message itself is still recorded with its answer.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.accounts import qr_login
from app.complaints import access, deadlines, flow, split, states
from app.complaints.filing import input
from app.complaints.models import Complaint, ComplaintDeadline, ComplaintKind, Status
from app.complaints.presenters import staff as staff_views
from app.complaints.states import Role
from app.complaints.texts import (
    CASE_RESULTS,
    CATEGORIES,
    DEMANDS,
    KINDS,
    NOT_OPEN_REASONS,
    OUTCOMES,
    SUSPEND_REASONS,
    status_label,
)
from app.core.errors import DomainError
from app.core.extensions import db
from app.core.timeutil import utcnow
from app.directory.models import Station
from app.official_account.texts import HELP, OA
from app.staff import people
from app.staff.models import Staff, StaffRole
from app.stores.models import Store

CONTEXT_TTL = dt.timedelta(minutes=30)
#: WeChat's passive text reply takes at most 2048 bytes (UTF-8); keep a margin.
MAX_REPLY_BYTES = 2000
TODO_LIMIT = 10
NUMBER_EXAMPLE = "T261122ABCDEF"  # shown after the command word the person typed
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Incoming:
    """What the chat needs of one push, already verified and parsed by the callback."""

    openid: str
    kind: str  # "text", "event", or another WeChat MsgType (image, voice, ...)
    text: str = ""
    event: str = ""  # wechatpy's lower-case event name: subscribe, subscribe_scan, scan, unsubscribe, ...
    event_key: str = ""  # for subscribe_scan already without the "qrscene_" prefix


class _Say(Exception):
    """Stop here and answer with this text (usage hints, "not found", option lists)."""

    def __init__(self, text: str):
        self.text = text
        super().__init__(text)


class _NeedNumber(_Say):
    """No complaint number given: the hint repeats the command word typed (`受理 T261122ABCDEF`)."""

    def __init__(self):
        super().__init__(OA["need_number"].format(example=f"查看 {NUMBER_EXAMPLE}"))

    def for_word(self, word: str) -> str:
        return OA["need_number"].format(example=f"{word} {NUMBER_EXAMPLE}")


# --- entry point ----------------------------------------------------------------------------------


def answer(incoming: Incoming, now: dt.datetime | None = None) -> str:
    """The reply text for one push; "" means no reply (the callback answers `success`)."""
    now = now or utcnow()
    if incoming.kind == "event":
        return fit(_event(incoming, now))
    person = people.bound_to(incoming.openid)
    if person is not None and not person.oa_following:
        person.oa_following = True  # writing to the account means following it
    if incoming.kind != "text":
        if _active(person):
            return fit(OA["only_text"] + "\n" + _help(person))
        return fit(_stranger())
    return fit(_text(person, incoming.openid, (incoming.text or "").strip(), now))


def fit(text: str) -> str:
    """Cut a reply to what one chat bubble takes (on a character boundary)."""
    raw = text.encode("utf-8")
    if len(raw) <= MAX_REPLY_BYTES:
        return text
    room = MAX_REPLY_BYTES - len(_ELLIPSIS.encode("utf-8"))
    return raw[:room].decode("utf-8", errors="ignore") + _ELLIPSIS


def _active(person: Staff | None) -> bool:
    return person is not None and person.active


def _stranger() -> str:
    return OA["stranger"].format(hotline=current_app.config.get("HOTLINE_12315") or "12315")


def _help(person: Staff) -> str:
    """Every command of the person's role: the read commands, then one line per action in the table."""
    role = access.role(person)
    words = _ACTION_WORDS[role]
    lines = [HELP["head"], HELP[f"todo_{role}"], HELP["view"]]
    lines += [HELP[action] for action in states.every_action(role) if action in words]
    return "\n".join([*lines, HELP["unbind"]])


def _offered(person: Staff, c: Complaint, now: dt.datetime) -> str:
    """The commands the table allows this person on `c` now, by their chat words."""
    words = _ACTION_WORDS[access.role(person)]
    names = [words[a] for a in states.allowed(c, access.role(person), now) if a in words]
    return OA["detail_offered"].format(words="、".join(names)) if names else OA["detail_nothing_offered"]


def _attempt(action: Callable[[], str], *, writes: bool = True, word: str = "查看") -> str:
    """Run one command in a savepoint: a domain error rolls back its changes and becomes the reply.

    Commands that write nothing before they can fail (`writes=False`) skip the savepoint's two round trips.
    """
    outbox = db.session.info.get("outbox_new")
    queued = len(outbox) if outbox is not None else 0
    try:
        if not writes:
            return action()
        with db.session.begin_nested():
            return action()
    except _NeedNumber as said:
        reply = said.for_word(word)
    except _Say as said:
        reply = said.text
    except DomainError as exc:
        reply = error_text(exc)
    # Notifications queued inside the rolled-back savepoint never happened.
    outbox = db.session.info.get("outbox_new")
    if outbox is not None:
        del outbox[queued:]
    return reply


def error_text(exc: DomainError) -> str:
    if exc.fields:
        return "；".join(str(v) for v in exc.fields.values())
    return exc.message


# --- events ---------------------------------------------------------------------------------------


def _event(incoming: Incoming, now: dt.datetime) -> str:
    event = incoming.event
    if event == "unsubscribe":
        people.set_following(incoming.openid, False)  # no more alerts until they follow again
        return ""
    if event in ("subscribe", "subscribe_scan", "scan"):
        people.set_following(incoming.openid, True)
    if event in ("subscribe_scan", "scan") and qr_login.is_login_scene(incoming.event_key):
        return qr_login.approve(incoming.openid, incoming.event_key)
    if event in ("subscribe_scan", "scan") and people.is_bind_scene(incoming.event_key):
        return _attempt(lambda: _bound_text(*people.bind_by_scene(incoming.openid, incoming.event_key, now)))
    if event in ("subscribe", "subscribe_scan", "scan"):
        person = people.bound_to(incoming.openid)
        if _active(person):
            return OA["welcome_back"].format(name=person.name, where=people.where(person))
        return _stranger()
    return ""  # menu clicks, location reports ...: nothing to say


def _bound_text(person: Staff, newly: bool) -> str:
    key = "bound" if newly else "already_bound"
    return OA[key].format(name=person.name, where=people.where(person))


# --- text -----------------------------------------------------------------------------------------

_WORDS = (
    "不予受理",
    "不予立案",
    "立案",
    "结案",
    "延期",
    "拆分",
    "协商不成",
    "待办",
    "查看",
    "回复",
    "受理",
    "转办",
    "暂停",
    "恢复",
    "办结",
    "和解",
    "帮助",
    "绑定",
    "解绑",
)
# A command word followed by the end, a space, or directly by a number ("受理T2611..."); a word followed
# by more Chinese ("恢复原价后退款") is ordinary text.
_COMMAND = re.compile(
    r"^(" + "|".join(_WORDS) + r")(?=$|\s|[0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])\s*(.*)$", re.S
)
_HELP_WORDS = {"help", "?", "？", "菜单", "指令"}


def _text(person: Staff | None, openid: str, text: str, now: dt.datetime) -> str:
    text = text.replace("\u3000", " ")
    match = _COMMAND.match(text)
    word, rest = (match.group(1), match.group(2).strip()) if match else ("", text)
    if word == "绑定":
        return _attempt(lambda: _bound_text(*people.bind_by_code(openid, _plain(rest), now)))
    if word == "解绑":
        if person is None:
            return OA["not_bound"]
        name = person.name
        people.unbind(person)
        return OA["unbound"].format(name=name)
    if not _active(person):
        return _stranger()
    if word == "帮助" or (not word and text.lower() in _HELP_WORDS):
        return _help(person)
    role = access.role(person)
    handler = _commands(role).get(word)
    if handler is not None:
        return _attempt(lambda: handler(person, rest, now), writes=word not in _READ_COMMANDS, word=word)
    if word:
        return OA["staff_only"] if role == Role.MERCHANT else OA["merchant_only"]
    return _plain_text(person, now)


def _plain(value: str) -> str:
    """Full-width digits and letters (a Chinese keyboard) as ASCII; for numbers and codes only."""
    return unicodedata.normalize("NFKC", value or "").strip()


def _split(rest: str, parts: int) -> list[str]:
    return rest.split(maxsplit=parts - 1) if rest else []


def _actor(person: Staff) -> states.Actor:
    return access.actor(person, "oa")


# --- finding a complaint ----------------------------------------------------------------------------


def _find(person: Staff, token: str, *, lock: bool = False) -> Complaint:
    """By full number, or by its tail (4+ characters) among the cases this person may see."""
    words = token.split()
    raw = words[0] if words else ""
    if not raw:
        raise _NeedNumber()
    find = access.for_action if lock else access.for_view
    try:
        return find(raw, staff=person, tails=True)
    except DomainError as exc:
        shown = _plain(raw).upper()[:20]
        if exc.code == "complaint_number_ambiguous":
            raise _Say(OA["ambiguous"].format(number=shown)) from None
        raise _Say(OA["not_found"].format(number=shown)) from None


def _find_to_act(person: Staff, token: str) -> Complaint:
    return _find(person, token, lock=True)


# --- commands (both roles) ------------------------------------------------------------------------


def _todo(person: Staff, rest: str, now: dt.datetime) -> str:
    cases = access.open_cases(person, limit=TODO_LIMIT + 1)
    if not cases:
        return OA["todo_empty"]
    shown = cases[:TODO_LIMIT]
    ids = [c.id for c in shown]
    stores = dict(
        db.session.execute(
            sa.select(Store.id, Store.name).where(Store.id.in_({c.store_id for c in shown}))
        ).all()
    )
    next_due: dict[int, ComplaintDeadline] = {}
    for row in db.session.scalars(
        sa.select(ComplaintDeadline).where(
            ComplaintDeadline.complaint_id.in_(ids),
            ComplaintDeadline.met_at.is_(None),
            ComplaintDeadline.cancelled_at.is_(None),
        )
    ):
        best = next_due.get(row.complaint_id)
        if best is None or row.due_at < best.due_at:
            next_due[row.complaint_id] = row
    lines = [OA["todo_head"].format(count=len(shown) if len(cases) <= TODO_LIMIT else f"{TODO_LIMIT}+")]
    for i, c in enumerate(shown, start=1):
        due = next_due.get(c.id)
        lines.append(
            OA["todo_line"].format(
                i=i,
                number=c.number,
                store=_short(stores.get(c.store_id, ""), 14),
                status=status_label(c.kind.value, c.status.value),
                due=_due_phrase(due, now) if due else "",
            )
        )
    if len(cases) > TODO_LIMIT:
        lines.append(OA["todo_more"])
    return "\n".join(lines)


def _due_phrase(row: ComplaintDeadline, now: dt.datetime) -> str:
    """' 站点首次响应：12月8日（星期二）前，剩余 1 个工作日' (or '已超期 2 天'), as the case page reads it."""
    return OA["due"].format(label=deadlines.label(row.kind), text=deadlines.describe(row, now)["text"])


def _due_words(c: Complaint, kind: str) -> str:
    """The running deadline `kind` as people read it, or "" when there is none."""
    row = next(
        (d for d in c.deadlines if d.kind == kind and d.met_at is None and d.cancelled_at is None), None
    )
    return deadlines.describe(row, utcnow())["text"] if row is not None else ""


def _when(at: dt.datetime) -> str:
    return deadlines.moment_words(at, utcnow())


def _short(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + _ELLIPSIS


def _view(person: Staff, rest: str, now: dt.datetime) -> str:
    c = _find(person, rest)
    person.context_complaint_id = c.id
    person.context_until = now + CONTEXT_TTL
    lines = [
        OA["detail_head"].format(
            number=c.number, kind=KINDS[c.kind.value], status=status_label(c.kind.value, c.status.value)
        ),
        OA["detail_store"].format(store=_short(c.store.name, 40)),
    ]
    if person.role != StaffRole.MERCHANT:
        lines.append(OA["detail_station"].format(station=c.station.name))
    amount = OA["detail_amount"].format(amount=f"{c.amount:.2f}") if c.amount is not None else ""
    lines.append(
        OA["detail_category"].format(
            category=CATEGORIES.get(c.category, c.category),
            demand=DEMANDS.get(c.demand, c.demand),
            amount=amount,
        )
    )
    # The consumer's identity goes to the station only, never to the store (privacy notice, Art. 37).
    if person.role != StaffRole.MERCHANT:
        if c.anonymous or (c.kind == ComplaintKind.REPORT and not c.name):
            lines.append(OA["detail_anonymous"])
        else:
            who = OA["detail_reporter" if c.kind == ComplaintKind.REPORT else "detail_person"]
            lines.append(who.format(name=c.name, phone=c.phone))
    if c.linked is not None and person.role != StaffRole.MERCHANT:
        lines.append(OA["detail_linked"].format(kind=KINDS[c.linked.kind.value], number=c.linked.number))
    if (national := staff_views.national_case_words(c, now)) is not None:
        lines.append(national)
    lines.append(OA["detail_description"].format(text=_short(c.description, 200)))
    pending = sorted(
        (d for d in c.deadlines if d.met_at is None and d.cancelled_at is None), key=lambda d: d.due_at
    )
    if pending:
        now = utcnow()
        items = "；".join(
            OA["detail_deadline_item"].format(
                label=deadlines.label(d.kind), text=deadlines.describe(d, now)["text"]
            )
            for d in pending[:3]
        )
        lines.append(OA["detail_deadlines"].format(items=items))
    events = [e for e in c.events if e.visible_to_consumer or person.role != StaffRole.MERCHANT]
    if events:
        last = events[-1]
        lines.append(OA["detail_last"].format(at=_when(last.at), text=_short(last.text, 60)))
    lines.append(_offered(person, c, now))
    return "\n".join(lines)


def _reply(person: Staff, rest: str, now: dt.datetime) -> str:
    parts = _split(rest, 2)
    if len(parts) < 2:
        raise _Say(OA["reply_usage"])
    c = _find_to_act(person, parts[0])
    _say_to(person, c, parts[1])
    return OA["done_replied"].format(number=c.number, text=_short(parts[1], 40))


def _say_to(person: Staff, c: Complaint, text: str) -> None:
    if person.role == StaffRole.MERCHANT:
        flow.merchant_reply(c, _actor(person), text)
    else:
        flow.reply(c, _actor(person), text)


def _plain_text(person: Staff, now: dt.datetime) -> str:
    """Ordinary text never reaches a consumer: after `查看`, how to reply to that case; else the help."""
    until = person.context_until
    if person.context_complaint_id is None or until is None or until <= now:
        return _help(person)
    number = db.session.scalar(sa.select(Complaint.number).where(Complaint.id == person.context_complaint_id))
    if number is None:
        return _help(person)
    return OA["not_a_reply"].format(number=number)


# --- station commands -------------------------------------------------------------------------------


def _accept(person: Staff, rest: str, now: dt.datetime) -> str:
    c = _find_to_act(person, rest)
    flow.accept(c, _actor(person))
    return OA["done_accepted"].format(number=c.number, due=_due_words(c, "mediation") or "-")


_DECLINE_WORDS = {
    "not_within_authority": ("职责", "权限", "管辖", "不属于"),
    "already_handled": ("法院", "仲裁", "已受理", "处理过", "已处理", "消费者协会", "消协", "行政机关"),
    "not_consumer_dispute": ("生活消费", "不能证明", "非消费", "不是消费"),
    "too_old": ("三年", "3年", "时效"),
    "materials_missing": ("材料", "虚假"),
    "identity_unverified": ("冒用", "身份", "核验"),
    "other_legal_ground": ("其他",),
}
_TERMINATION_WORDS = {
    "party_absent": ("不参加", "拒绝调解", "拒绝"),
    "no_agreement": ("无法达成", "不能达成", "达不成", "无法协商"),
    "testing_fee_dispute": ("费用", "鉴定费", "检测费"),
    "time_limit": ("六十日", "60日", "60天", "六十天"),
    "art16_found": ("第十六条", "第四十二条", "不予受理情形"),
    "party_gone": ("死亡", "注销", "主体资格"),
    "other_legal_ground": ("其他",),
}


def _pick(value: str, options: dict[str, str], words: dict[str, tuple[str, ...]]) -> str | None:
    """A reason code from its number (1..n), its code, or Chinese text naming exactly one reason."""
    plain = _plain(value)
    codes = list(options)
    if plain.isascii() and plain.isdigit() and 1 <= int(plain) <= len(codes):
        return codes[int(plain) - 1]
    if plain in options:
        return plain
    hits = {code for code, keys in words.items() if code in options and any(k in value for k in keys)}
    hits |= {code for code, label in options.items() if value and value in label}
    return hits.pop() if len(hits) == 1 else None


def _numbered(head: str, options: dict) -> str:
    """Choices offered by number and Chinese name: `1. 调解达成协议` ..."""
    return "\n".join([head, *(f"{i}. {label}" for i, label in enumerate(options.values(), start=1))])


def _decline(person: Staff, rest: str, now: dt.datetime) -> str:
    parts = _split(rest, 2)
    c = _find_to_act(person, parts[0] if parts else "")
    why = parts[1] if len(parts) > 1 else ""
    rules, reasons = flow.grounds(c, "decline")  # the rules the complaint was filed under
    first, _, more = why.partition(" ")
    code = _pick(first, reasons, {})
    extra = more.strip()
    if code is None:
        code, extra = _pick(why, reasons, _DECLINE_WORDS), why
    if code is None:
        head = OA["decline_options"].format(number=c.number, rules=rules)
        raise _Say(_numbered(head, reasons))
    flow.decline(c, _actor(person), code, extra)
    return OA["done_declined"].format(number=c.number, reason=_short(reasons[code], 30))


def _transfer(person: Staff, rest: str, now: dt.datetime) -> str:
    """`转办 号 站点 原因`, the station by its number in the list offered or by its full name."""
    parts = _split(rest, 3)
    c = _find_to_act(person, parts[0] if parts else "")
    targets = staff_views.transfer_targets(c)
    if len(parts) < 3:
        raise _Say(_stations(c, targets))
    pick = _plain(parts[1])
    if pick.isascii() and pick.isdigit() and 1 <= int(pick) <= len(targets):
        station_id = targets[int(pick) - 1]["id"]
    else:
        station_id = next((t["id"] for t in targets if t["name"] == parts[1]), None)
    if station_id is None:
        key = "station_number_invalid" if pick.isascii() and pick.isdigit() else "station_not_found"
        raise _Say(OA[key].format(name=_short(parts[1], 30)) + "\n" + _stations(c, targets))
    station = db.session.get(Station, station_id)
    flow.transfer(c, _actor(person), station, parts[2])
    return OA["done_transferred"].format(number=c.number, station=station.name)


def _stations(c: Complaint, targets: list[dict]) -> str:
    """The numbered stations a case may be transferred to, with an example naming a real one."""
    if not targets:
        return OA["transfer_nowhere"]
    head = OA["transfer_usage"].format(number=c.number, first=targets[0]["name"])
    return _numbered(head, {t["id"]: f"{t['name']}（{t['kind_label']}）" for t in targets})


_SUSPEND_WORDS = {"testing": ("检测", "鉴定", "检验"), "recusal": ("回避",)}


def _suspend(person: Staff, rest: str, now: dt.datetime) -> str:
    """`暂停 号 原因`: the reason by its number, or words naming one (`送质检院检测`, kept as the note)."""
    parts = _split(rest, 2)
    c = _find_to_act(person, parts[0] if parts else "")
    why = parts[1] if len(parts) > 1 else ""
    first, _, more = why.partition(" ")
    code, note = _pick(first, SUSPEND_REASONS, {}), more.strip()
    if code is None:
        code = _pick(why, SUSPEND_REASONS, _SUSPEND_WORDS)
        bare = code is not None and why.strip() in (*_SUSPEND_WORDS[code], SUSPEND_REASONS[code])
        note = "" if bare else why
    if code is None:
        raise _Say(_numbered(OA["suspend_options"].format(number=c.number), SUSPEND_REASONS))
    flow.suspend(c, _actor(person), code, f"说明：{note}" if note else "")
    return OA["done_suspended"].format(number=c.number, reason=SUSPEND_REASONS[code])


def _resume(person: Staff, rest: str, now: dt.datetime) -> str:
    c = _find_to_act(person, rest)
    flow.resume(c, _actor(person))
    due = _due_words(c, "mediation")
    return OA["done_resumed"].format(number=c.number, due=f"调解期限：{due}" if due else "")


_OUTCOME_WORDS = {
    "调解成功": "agreement",
    "调解达成协议": "agreement",
    "达成协议": "agreement",
    "调解": "agreement",
    "和解": "settled",
    "自行和解": "settled",
    "撤回": "withdrawn",
    "撤诉": "withdrawn",
    "撤回投诉": "withdrawn",
    "终止": "terminated",
    "终止调解": "terminated",
}


def _amount_at_end(words: list[str]) -> tuple[list[str], Decimal | None]:
    """Split off a trailing amount ("200", "200元", "¥200.5"); a malformed one is an error."""
    if not words:
        return words, None
    last = _plain(words[-1]).removesuffix("元").lstrip("¥￥")
    if not last or not (last[0].isdigit() or last[0] in "-."):
        return words, None
    try:
        return words[:-1], input.parse_amount(last)
    except ValueError as exc:
        raise _Say(str(exc)) from None


def _resolve(person: Staff, rest: str, now: dt.datetime) -> str:
    words = rest.split()
    c = _find_to_act(person, words[0] if words else "")
    outcome = None
    if len(words) >= 2:
        outcome = _OUTCOME_WORDS.get(words[1]) or _pick(words[1], OUTCOMES, {})
    if outcome is None:
        raise _Say(_numbered(OA["outcome_options"].format(number=c.number), OUTCOMES))
    rest_words, reason = words[2:], None
    if outcome == "terminated":
        rules, reasons = flow.grounds(c, "terminate")  # the rules the complaint was filed under
        # `办结 号 终止 2 [金额]`: a reason's number or code comes first, else words naming one reason.
        if rest_words:
            reason = _pick(rest_words[0], reasons, {})
            rest_words = rest_words[1:] if reason else rest_words
        others, amount = _amount_at_end(rest_words)
        if reason is None and others:
            reason = _pick(" ".join(others), reasons, _TERMINATION_WORDS)
            others = []
        if reason is None:
            head = OA["terminate_options"].format(number=c.number, rules=rules)
            raise _Say(_numbered(head, reasons))
    else:
        others, amount = _amount_at_end(rest_words)
    note = " ".join(others)
    flow.resolve(c, _actor(person), outcome, amount, note, reason)
    shown = OA["done_resolved_amount"].format(amount=f"{amount:.2f}") if amount else ""
    return OA["done_resolved"].format(number=c.number, outcome=OUTCOMES[outcome], amount=shown)


# --- merchant commands ------------------------------------------------------------------------------


def _settle(person: Staff, rest: str, now: dt.datetime) -> str:
    words = rest.split()
    c = _find_to_act(person, words[0] if words else "")
    others, amount = _amount_at_end(words[1:])
    if not others:
        raise _Say(OA["settle_usage"].format(number=c.number))
    flow.merchant_settle(c, _actor(person), " ".join(others), amount)
    return OA["done_settled"].format(number=c.number)


def _give_up(person: Staff, rest: str, now: dt.datetime) -> str:
    c = _find_to_act(person, rest)
    flow.to_station(c, _actor(person), states.MERCHANT_GAVE_UP)
    return OA["done_to_station"].format(number=c.number, station=c.station.name)


# --- report commands (举报) ---------------------------------------------------------------------------


def _case_and_text(person: Staff, rest: str) -> tuple[Complaint, str]:
    """`号 [文字]`: the case (locked to act) and the words after its number."""
    parts = _split(rest, 2)
    return _find_to_act(person, parts[0] if parts else ""), parts[1] if len(parts) > 1 else ""


def _case_and_choice(
    person: Staff, rest: str, options: dict[str, str], head: str
) -> tuple[Complaint, str, str]:
    """`号 序号 [说明]`: the case, the option chosen by number or code, and the note; without a valid
    choice, the options by number and Chinese name."""
    c, words = _case_and_text(person, rest)
    first, _, more = words.partition(" ")
    code = _pick(first, options, {})
    if code is None:
        raise _Say(_numbered(OA[head].format(number=c.number), options))
    return c, code, more.strip()


def _open_case(person: Staff, rest: str, now: dt.datetime) -> str:
    """`立案 号 [核查情况]`."""
    c, text = _case_and_text(person, rest)
    flow.open_case(c, _actor(person), text)
    return OA["done_case_opened"].format(number=c.number, due=_due_words(c, "case_handling") or "-")


def _not_open(person: Staff, rest: str, now: dt.datetime) -> str:
    """`不予立案 号 理由序号 [说明]`; without a reason, the closed list by number and name."""
    c, code, note = _case_and_choice(person, rest, NOT_OPEN_REASONS, "not_open_options")
    flow.not_open(c, _actor(person), code, note)
    return OA["done_not_opened"].format(number=c.number, reason=_short(NOT_OPEN_REASONS[code], 30))


def _extend(person: Staff, rest: str, now: dt.datetime) -> str:
    """`延期 号 理由`: a supervisor approves more time for the report's limit in force, once per phase."""
    c, reason = _case_and_text(person, rest)
    verifying = c.status == Status.SUBMITTED
    flow.extend(c, _actor(person), reason)
    kind = "clue_verification" if verifying else "case_handling"
    key = "done_extended" if verifying else "done_extended_case"
    return OA[key].format(number=c.number, due=_due_words(c, kind) or "-")


def _conclude(person: Staff, rest: str, now: dt.datetime) -> str:
    """`结案 号 结果序号 [说明]`; without a result, the results by number and name."""
    c, code, note = _case_and_choice(person, rest, CASE_RESULTS, "conclude_options")
    flow.conclude(c, _actor(person), code, note)
    return OA["done_concluded"].format(number=c.number, result=CASE_RESULTS[code])


def _split_case(person: Staff, rest: str, now: dt.datetime) -> str:
    """`拆分 号 [说明]`: a filing holding a complaint and a report becomes two linked cases (Art. 9)."""
    c, text = _case_and_text(person, rest)
    twin = split.split(c, _actor(person), text)
    return OA["done_split"].format(number=c.number, kind=KINDS[twin.kind.value], twin=twin.number)


_Handler = Callable[[Staff, str, dt.datetime], str]
#: Commands that only read (查看's chat context is written after every check that can refuse).
_READ_COMMANDS: dict[str, _Handler] = {"待办": _todo, "查看": _view}
#: The chat's word and handler for each action of the table in `states`, per role.
_ACTION_COMMANDS: dict[Role, dict[str, tuple[str, _Handler]]] = {
    Role.STATION: {
        "accept": ("受理", _accept),
        "decline": ("不予受理", _decline),
        "reply": ("回复", _reply),
        "transfer": ("转办", _transfer),
        "suspend": ("暂停", _suspend),
        "resume": ("恢复", _resume),
        "resolve": ("办结", _resolve),
        "open_case": ("立案", _open_case),
        "not_open": ("不予立案", _not_open),
        "conclude": ("结案", _conclude),
        "extend": ("延期", _extend),  # a supervisor's; a handler who types it is told so
        "split": ("拆分", _split_case),
    },
    Role.MERCHANT: {
        "merchant_reply": ("回复", _reply),
        "merchant_settle": ("和解", _settle),
        "to_station": ("协商不成", _give_up),
    },
}
_ACTION_COMMANDS[Role.SUPERVISOR] = _ACTION_COMMANDS[Role.STATION]
_ACTION_WORDS = {
    role: {a: word for a, (word, _h) in table.items()} for role, table in _ACTION_COMMANDS.items()
}


def _commands(role: Role) -> dict[str, _Handler]:
    """The words this role may type: the read commands and the words of the station's or the merchant's
    actions (the table refuses what the person's role may not take, e.g. a handler's 延期)."""
    table = {word: handler for _a, (word, handler) in _ACTION_COMMANDS[role].items()}
    return {**_READ_COMMANDS, **table}
