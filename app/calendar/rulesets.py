"""Time limits as data: one named rule set per regime, chosen by the complaint's filing date.

A complaint keeps the rules in force on the day it was filed (DOMAIN.md, "Clocks"): Order 121 from
2026-04-15, the 2019 interim measures (2022 text) before. Local service targets are a layer added on
top of whichever statutory set applies. Article numbers below cite the texts in shared/reference/.

    rules = rules_for(filed_on)                          # order121 + local, or interim2022 + local
    rules.deadline("mediation", accepted_on, excluded=3) # 3 days of testing do not count (Art. 22)
    complaint_deadlines(filed_at, Decimal("120"))        # everything known at filing time
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

from app.calendar import workcal
from app.calendar.workcal import Basis, Deadline, WorkCalendar
from app.core.texts import CALENDAR
from app.core.timeutil import today_cn

ORDER_121_IN_FORCE = dt.date(2026, 4, 15)  # Order 121 Art. 46


@dataclass(frozen=True)
class Limit:
    n: int
    basis: Basis
    counted_from: str  # what starts the clock: receipt, acceptance, decision, discovery, filing, ...
    source: str  # where the number comes from
    extension: int = 0  # further units allowed (Order 121 Art. 27: with the head's approval)
    excludes: str = ""  # time that does not count, e.g. "testing" (Order 121 Art. 22)

    @property
    def by_the_hour(self) -> bool:
        return self.basis in (Basis.HOURS, Basis.WORKING_HOURS)


@dataclass(frozen=True)
class RuleSet:
    name: str
    limits: Mapping[str, Limit]
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None  # exclusive: the day the next set took over
    counting: str = ""  # the article that says how periods are counted
    layer: bool = False  # local targets, added on top of a statutory set
    small_dispute_max_yuan: Decimal | None = None
    layers: tuple[str, ...] = field(default=())  # names of the layers merged in by `layered`

    def __post_init__(self) -> None:
        object.__setattr__(self, "limits", MappingProxyType(dict(self.limits)))

    def __hash__(self) -> int:  # limits is a mapping; name and layers identify a set
        return hash((self.name, self.layers))

    def in_force_on(self, day: dt.date) -> bool:
        if self.in_force_from is not None and day < self.in_force_from:
            return False
        return self.in_force_until is None or day < self.in_force_until

    def layered(self, *layers: RuleSet) -> RuleSet:
        """This set with each layer's limits added (a later layer wins a name clash)."""
        limits = dict(self.limits)
        small = self.small_dispute_max_yuan
        for layer in layers:
            limits.update(layer.limits)
            small = layer.small_dispute_max_yuan if layer.small_dispute_max_yuan is not None else small
        return replace(
            self,
            limits=limits,
            small_dispute_max_yuan=small,
            layers=self.layers + tuple(layer.name for layer in layers),
        )

    def is_small_dispute(self, amount: Decimal | None) -> bool:
        if amount is None or self.small_dispute_max_yuan is None:
            return False
        if amount < 0:
            raise ValueError("a disputed amount cannot be negative")
        return amount <= self.small_dispute_max_yuan

    def deadline(
        self,
        key: str,
        start: dt.date | dt.datetime,
        *,
        extended: bool = False,
        excluded: int = 0,
        cal: WorkCalendar | None = None,
    ) -> Deadline:
        """The deadline for limit `key` whose clock starts at `start`.

        `start` is a China date, or an aware datetime (needed for hour limits; day limits use its
        China date). `extended` adds the limit's approved extension; `excluded` adds units that do
        not count (testing time during mediation), in the limit's own unit.
        """
        limit = self.limits[key]
        n = limit.n
        if extended:
            if not limit.extension:
                raise ValueError(f"{key} cannot be extended")
            n += limit.extension
        if excluded:
            if not limit.excludes or excluded < 0:
                raise ValueError(f"{key} excludes no time")
            n += excluded
        if cal is None:  # wall-clock hours need no calendar, so no read of the override table
            cal = workcal.WorkCalendar() if limit.basis is Basis.HOURS else workcal.load()
        return cal.count(limit.basis, start, n)


WD, CD, YEARS, HOURS = Basis.WORKING_DAYS, Basis.CALENDAR_DAYS, Basis.YEARS, Basis.HOURS

ORDER_121 = RuleSet(
    name="order121",
    in_force_from=ORDER_121_IN_FORCE,
    counting="Order 121 Art. 45",
    limits={
        "accept_decline": Limit(7, WD, "receipt", "Order 121 Art. 15"),
        # Art. 23(5): no agreement within 60 days of acceptance ends mediation; Art. 22: testing excluded.
        "mediation": Limit(60, CD, "acceptance", "Order 121 Art. 23(5), 22", excludes="testing"),
        "termination_notice": Limit(7, WD, "decision", "Order 121 Art. 23"),
        # Art. 27: 15 working days, plus 15 with the approval of the bureau's head.
        "clue_verification": Limit(15, WD, "discovery", "Order 121 Art. 27", extension=15),
        "jurisdiction_dispute": Limit(7, WD, "dispute", "Order 121 Art. 33"),
        "too_old": Limit(3, YEARS, "harm_known", "Order 121 Art. 16(4)"),
        # Art. 35: reports are handled under the administrative penalty procedure rules, whose ordinary
        # procedure decides a case within 90 days of opening it (立案), extendable by 30 with approval.
        "case_handling": Limit(90, CD, "case_opened", "SAMR penalty procedure rules Art. 64", extension=30),
    },
)

INTERIM_2022 = RuleSet(
    name="interim2022",
    # Order 20 took effect 2020-01-01 (Art. 40); the 2022 amendment is the text in shared/reference/.
    in_force_from=dt.date(2020, 1, 1),
    in_force_until=ORDER_121_IN_FORCE,
    # The interim measures have no counting article; the Civil Code's general rule is the same as
    # Order 121 Art. 45 (Art. 201: start day not counted; Art. 203: a last day off moves on).
    counting="Civil Code Art. 201–203",
    limits={
        "accept_decline": Limit(7, WD, "receipt", "Interim Art. 14"),
        # Art. 21(5): no agreement within 45 working days of acceptance; Art. 20: testing excluded.
        "mediation": Limit(45, WD, "acceptance", "Interim Art. 21(5), 20", excludes="testing"),
        "termination_notice": Limit(7, WD, "decision", "Interim Art. 21"),
        # Art. 23: "特殊情况下" 15 more working days; unlike Order 121 no approval is named.
        "clue_verification": Limit(15, WD, "discovery", "Interim Art. 23", extension=15),
        "jurisdiction_dispute": Limit(7, WD, "dispute", "Interim Art. 30"),
        "too_old": Limit(3, YEARS, "harm_known", "Interim Art. 15(4)"),
        "case_handling": Limit(90, CD, "case_opened", "SAMR penalty procedure rules Art. 64", extension=30),
    },
)

LOCAL = RuleSet(
    name="local",
    layer=True,
    counting="Order 121 Art. 45",
    small_dispute_max_yuan=Decimal("500"),
    limits={
        "merchant_first_reply": Limit(1, WD, "filing", "Wuhan service-station standard (首问负责)"),
        "merchant_settlement": Limit(10, WD, "filing", "12315 ODR practice"),
        "station_first_response": Limit(1, WD, "filing", "Jiangxi, Yancheng seeds"),
        "small_dispute_first_response": Limit(24, HOURS, "filing", "Jiangxi, Yancheng seeds (24 小时内)"),
        "small_dispute_close": Limit(24, HOURS, "filing", "Jiangxi seed (≤ 500 元)"),
        "ordinary_close": Limit(7, CD, "filing", "Jiangxi seed"),
    },
)

#: Every rule set by name. Statutory sets first, newest first; layers after.
RULE_SETS: dict[str, RuleSet] = {r.name: r for r in (ORDER_121, INTERIM_2022, LOCAL)}

DEFAULT_LAYERS: tuple[str, ...] = ("local",)


def get(name: str) -> RuleSet:
    try:
        return RULE_SETS[name]
    except KeyError:
        names = ", ".join(RULE_SETS)
        raise ValueError(CALENDAR["ruleset_unknown"].format(name=name, names=names)) from None


def statutory_in_force(day: dt.date) -> RuleSet:
    """The statutory rule set in force on `day` (a China date)."""
    for rules in RULE_SETS.values():
        if not rules.layer and rules.in_force_on(day):
            return rules
    raise ValueError(CALENDAR["ruleset_none_in_force"].format(day=day.isoformat()))


def rules_for(
    filed_on: dt.date, name: str | None = None, *, layers: Sequence[str] = DEFAULT_LAYERS
) -> RuleSet:
    """The statutory set in force on the filing date (or the one named), with the local layers on top."""
    base = get(name) if name else statutory_in_force(filed_on)
    if base.layer:
        raise ValueError(f"{base.name} is a layer, not a statutory rule set")
    return _layered(base.name, tuple(layers))


@functools.lru_cache(maxsize=32)
def _layered(base: str, layers: tuple[str, ...]) -> RuleSet:
    """Rule sets are fixed data: each combination is built once per process."""
    return get(base).layered(*(get(layer) for layer in layers))


def complaint_deadlines(
    filed_at: dt.datetime,
    amount: Decimal | None,
    *,
    rules: str | None = None,
    cal: WorkCalendar | None = None,
) -> dict[str, Deadline]:
    """Every deadline a complaint has from the moment it is filed, by name.

    `filed_at` must be timezone-aware; days are China days. Later clocks (mediation from acceptance,
    termination notice, clue verification) start at later events: use `rules_for(...).deadline(...)`.

    - first_response: the station's first answer; 24 hours for a small dispute, else 1 working day;
    - merchant_first_reply, merchant_settlement: when the merchant gets the first chance;
    - accept_decline: 7 working days, counted here from filing (the office's receipt);
    - small_dispute_close: only for amounts up to the rule set's limit (500 元);
    - ordinary_close: 7 days; for a small dispute the outer bound behind small_dispute_close.
    """
    if filed_at.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    ruleset = rules_for(today_cn(filed_at), rules)
    cal = cal or workcal.load()
    small = ruleset.is_small_dispute(amount)

    def due(key: str) -> Deadline:
        return ruleset.deadline(key, filed_at, cal=cal)

    out = {
        "first_response": due("small_dispute_first_response" if small else "station_first_response"),
        "merchant_first_reply": due("merchant_first_reply"),
        "merchant_settlement": due("merchant_settlement"),
        "accept_decline": due("accept_decline"),
    }
    if small:
        out["small_dispute_close"] = due("small_dispute_close")
    out["ordinary_close"] = due("ordinary_close")
    return out


def is_too_old(
    harm_known_on: dt.date, filed_on: dt.date, *, rules: str | None = None, cal: WorkCalendar | None = None
) -> bool:
    """Art. 16(4): filed more than 3 years after the consumer knew (or should have known) of the harm."""
    limit = rules_for(filed_on, rules, layers=()).deadline("too_old", harm_known_on, cal=cal)
    return filed_on > limit.due
