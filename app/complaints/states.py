"""The one table of which action is allowed in which state, and for whom.

Each case kind has its own path: a dict from action name to a `Rule` (the states it may start from, the
roles that may take it, and an optional further condition). The transitions in `flow` check it before
they change anything; every presenter derives what it offers from it: the consumer's `actions`, the staff
page's forms, the chat's help and the commands it offers after `查看`. A complaint (投诉) and a report
(举报) have separate paths: a report is verified (核查, 15 working days, once extendable by 15 with a
supervisor's approval), then a case is opened (立案 → investigating → 结案) or not (不予立案); no merchant,
no mediation, no confirmation or rating (Order 121 Art. 28-37).

Roles: the consumer who filed; station staff (handlers and supervisors: who sees which station is
`access`; a supervisor takes every station action, and alone approves what needs a head's approval); a merchant contact during merchant-first (首问负责); the system, which is the worker's sweeps
and the operator at the command line (`flask complaints ...` without `--staff`), and may take the
station's and the merchant's actions but never the consumer's. Recording a hand-off to the national 12315
platform is the one complaint action both the office and the consumer take (a report's stays the office's).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass

from app.complaints.models import OPEN_STATUSES, Complaint, ComplaintKind, Status
from app.complaints.texts import KINDS, TRANSITION_REFUSED, status_label
from app.core.errors import Conflict, DomainError, Forbidden

#: A consumer who disputed a result may reopen it once, within this window.
REOPEN_WINDOW = dt.timedelta(days=7)

#: Reason codes of `to_station` (merchant-first ends without a settlement). One code per outcome: the
#: chat once recorded a merchant giving up as `merchant_failed`; the 2026-12 data migration renamed them.
MERCHANT_GAVE_UP = "merchant_gave_up"
MERCHANT_TIMEOUT = "merchant_timeout"
TO_STATION_REASONS = (MERCHANT_GAVE_UP, MERCHANT_TIMEOUT)


class Role(enum.StrEnum):
    CONSUMER = "consumer"
    STATION = "station"
    SUPERVISOR = "supervisor"
    MERCHANT = "merchant"
    SYSTEM = "system"


#: `Actor.kind` (what the timeline stores) → the role the table speaks of.
_ROLE_OF_ACTOR = {
    "consumer": Role.CONSUMER,
    "staff": Role.STATION,
    "merchant": Role.MERCHANT,
    "system": Role.SYSTEM,
}


@dataclass(frozen=True)
class Actor:
    """Who takes an action, as the timeline records it."""

    kind: str  # consumer | staff | merchant | system
    id: int | None = None
    channel: str = "system"  # mp | oa | h5 | cli | system
    supervisor: bool = False  # a station's supervisor (负责人), who may approve

    @classmethod
    def system(cls) -> Actor:
        return cls("system", None, "system")

    @property
    def role(self) -> Role:
        return Role.SUPERVISOR if self.kind == "staff" and self.supervisor else _ROLE_OF_ACTOR[self.kind]


#: A further condition: the error code that refuses the action now, or None when it is allowed.
Condition = Callable[[Complaint, dt.datetime], str | None]


@dataclass(frozen=True)
class Rule:
    states: frozenset[Status]
    roles: frozenset[Role]
    condition: Condition | None = None


def _reopen_refusal(c: Complaint, now: dt.datetime) -> str | None:
    if c.consumer_confirmed is not False or c.disputed_at is None:
        return "invalid_transition"
    if c.reopen_count >= 1:
        return "reopen_used"
    if now - c.disputed_at > REOPEN_WINDOW:
        return "reopen_window_passed"
    return None


def _rate_refusal(c: Complaint, now: dt.datetime) -> str | None:
    return "already_rated" if c.rating is not None else None


#: A report's phase → the event that records its one approved extension.
EXTENSION_EVENTS = {Status.SUBMITTED: "verification_extended", Status.INVESTIGATING: "case_handling_extended"}


def _extend_refusal(c: Complaint, now: dt.datetime) -> str | None:
    action = EXTENSION_EVENTS[c.status]
    return f"{action}_once" if any(e.action == action for e in c.events) else None


def _split_refusal(c: Complaint, now: dt.datetime) -> str | None:
    return "already_split" if c.linked_id is not None else None


def _handoff_refusal(c: Complaint, now: dt.datetime) -> str | None:
    return "already_handed_off" if c.handed_off_at is not None else None


def _rule(states, *roles: Role, condition: Condition | None = None) -> Rule:
    return Rule(frozenset(states), frozenset(roles), condition)


_OPEN = frozenset(OPEN_STATUSES) - {Status.INVESTIGATING}  # a complaint is never investigated
_STATION = (Role.STATION, Role.SUPERVISOR, Role.SYSTEM)
_APPROVAL = (Role.SUPERVISOR, Role.SYSTEM)  # what needs the head's approval; the operator at the CLI
_MERCHANT = (Role.MERCHANT, Role.SYSTEM)

#: The complaint's path (投诉). Order matters: presenters offer actions in this order.
COMPLAINT_PATH: dict[str, Rule] = {
    # merchant first (首问负责)
    "merchant_reply": _rule({Status.MERCHANT_NEGOTIATING}, *_MERCHANT),
    "merchant_settle": _rule({Status.MERCHANT_NEGOTIATING}, *_MERCHANT),
    "to_station": _rule({Status.MERCHANT_NEGOTIATING}, *_MERCHANT),
    # the station
    "accept": _rule({Status.SUBMITTED, Status.WITH_STATION}, *_STATION),
    "decline": _rule({Status.SUBMITTED, Status.WITH_STATION}, *_STATION),
    "reply": _rule(_OPEN | {Status.RESOLVED}, *_STATION),
    "transfer": _rule(_OPEN, *_STATION),
    "suspend": _rule({Status.ACCEPTED}, *_STATION),
    "resume": _rule({Status.SUSPENDED}, *_STATION),
    "resolve": _rule({Status.ACCEPTED}, *_STATION),
    "split": _rule(_OPEN, *_STATION, condition=_split_refusal),
    # the consumer
    "message": _rule(_OPEN | {Status.RESOLVED}, Role.CONSUMER),
    "withdraw": _rule(_OPEN, Role.CONSUMER),
    "confirm": _rule({Status.RESOLVED}, Role.CONSUMER),
    "reopen": _rule({Status.CLOSED}, Role.CONSUMER, condition=_reopen_refusal),
    "rate": _rule({Status.RESOLVED, Status.CLOSED, Status.DECLINED}, Role.CONSUMER, condition=_rate_refusal),
    # the system
    "auto_close": _rule({Status.RESOLVED}, Role.SYSTEM),
    # the case moved to the national 12315 platform: the office records it (console, `flask complaints
    # handoff`), or the consumer who filed there says so with the number the platform gave
    "hand_off_national": _rule(
        _OPEN | {Status.DECLINED, Status.RESOLVED, Status.CLOSED},
        Role.SYSTEM,
        Role.CONSUMER,
        condition=_handoff_refusal,
    ),
}

_REPORT_OPEN = frozenset({Status.SUBMITTED, Status.INVESTIGATING})

#: The report's path (举报, Order 121 Art. 28-37). Received (submitted) → verified within the clue
#: verification limit → 立案 (investigating → 结案, closed) or 不予立案 (not_opened).
REPORT_PATH: dict[str, Rule] = {
    # the station
    # the head approves one extension of the limit in force: verification (+15 working days, Order 121
    # Art. 27) or, once opened, the decision (+30 days, penalty procedure rules Art. 64)
    "extend": _rule({Status.SUBMITTED, Status.INVESTIGATING}, *_APPROVAL, condition=_extend_refusal),
    "open_case": _rule({Status.SUBMITTED}, *_STATION),
    "not_open": _rule({Status.SUBMITTED}, *_STATION),
    "conclude": _rule({Status.INVESTIGATING}, *_STATION),
    "reply": _rule(_REPORT_OPEN, *_STATION),
    "transfer": _rule(_REPORT_OPEN, *_STATION),
    "split": _rule(_REPORT_OPEN, *_STATION, condition=_split_refusal),
    # the reporter adds facts (merged, the verification clock restarts: Art. 35)
    "message": _rule(_REPORT_OPEN, Role.CONSUMER),
    # the office records that the report moved to the national 12315 platform (console, CLI)
    "hand_off_national": _rule(_REPORT_OPEN | {Status.NOT_OPENED, Status.CLOSED}, Role.SYSTEM),
}

#: Each case kind's path.
PATHS: dict[ComplaintKind, dict[str, Rule]] = {
    ComplaintKind.COMPLAINT: COMPLAINT_PATH,
    ComplaintKind.REPORT: REPORT_PATH,
}


def actions_for(role: Role, kind: ComplaintKind = ComplaintKind.COMPLAINT) -> tuple[str, ...]:
    """Every action `role` may ever take on a case of `kind`, in the table's order."""
    return tuple(name for name, rule in PATHS[kind].items() if role in rule.roles)


def every_action(role: Role) -> tuple[str, ...]:
    """Every action `role` may take on any kind of case: the complaint's first, then the report's own."""
    names: dict[str, None] = {}
    for kind in PATHS:
        names.update(dict.fromkeys(actions_for(role, kind)))
    return tuple(names)


def acting_states(role: Role, kind: ComplaintKind = ComplaintKind.COMPLAINT) -> frozenset[Status]:
    """The states in which `role` has something to do on a case of `kind`."""
    path = PATHS[kind]
    return frozenset().union(*(path[name].states for name in actions_for(role, kind)))


def refusal(c: Complaint, action: str, role: Role, now: dt.datetime) -> DomainError | None:
    """Why `role` may not take `action` on `c` now (None when it may)."""
    rule = PATHS[c.kind].get(action)
    if rule is not None and role == Role.STATION and role not in rule.roles and Role.SUPERVISOR in rule.roles:
        return Forbidden("supervisor_only")
    if rule is None and action in every_action(role):
        return Conflict(f"not_for_{c.kind.value}")  # the other kind's action: its own path says so
    if rule is None or role not in rule.roles:
        return Forbidden("staff_not_allowed")
    if c.status not in rule.states:
        return Conflict(
            "invalid_transition",
            TRANSITION_REFUSED.format(
                kind=KINDS[c.kind.value], status=status_label(c.kind.value, c.status.value)
            ),
        )
    code = rule.condition(c, now) if rule.condition else None
    return Conflict(code) if code else None


def require(c: Complaint, action: str, actor: Actor, now: dt.datetime) -> None:
    """Raise the refusal, if any (403 for a role that never takes this action, 409 for the state)."""
    refused = refusal(c, action, actor.role, now)
    if refused is not None:
        raise refused


def allowed(c: Complaint, role: Role, now: dt.datetime) -> list[str]:
    """The actions `role` may take on `c` now, in the table's order."""
    return [name for name in actions_for(role, c.kind) if refusal(c, name, role, now) is None]
