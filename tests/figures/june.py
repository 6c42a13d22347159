"""June 2026 built by hand (China time): the cases every figure and the export are checked against.

The world: 测试区12315中心 → 测试市场监管所 → 测试商圈服务站 (the store's station), and 另一监管所 under the
centre. Each case sets exactly the dates its figures rest on; the expected numbers are worked out in the
tests' comments, so a reader can check them by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.complaints import flow
from app.complaints.flow import Actor
from app.complaints.models import ComplaintDeadline, ComplaintEvent, Status
from app.core.extensions import db
from app.core.timeutil import CHINA
from app.directory.models import StationKind
from tests import factories

JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
NOW = dt.datetime(2026, 7, 15, tzinfo=dt.UTC)
STAFF = Actor("staff", None, "cli")


def cn(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=CHINA).astimezone(dt.UTC)


def deadline(c, kind: str, due: dt.datetime, met=None, cancelled=None) -> None:
    row = next((d for d in c.deadlines if d.kind == kind), None)
    if row is None:
        row = ComplaintDeadline(kind=kind, basis="test")
        c.deadlines.append(row)
    row.due_at, row.met_at, row.cancelled_at = due, met, cancelled


def clear_deadlines(c) -> None:
    """Forget the clocks the factory computed from today's calendar; each case sets its own."""
    for row in list(c.deadlines):
        c.deadlines.remove(row)
    db.session.flush()


def case(world, filed: dt.datetime, *, store=None, kind="complaint", status=Status.WITH_STATION, **fields):
    c = factories.complaint(store or world["store"], kind=kind, filed_at=filed)
    clear_deadlines(c)
    c.status = status
    for name, value in fields.items():
        setattr(c, name, value)
    return c


def rated(c, stars: int, at: dt.datetime) -> None:
    c.rating = stars
    db.session.add(
        ComplaintEvent(complaint=c, at=at, actor="consumer", channel="mp", action="rated", text="", data={})
    )


def build_world():
    city = factories.city()
    other_office = factories.station(
        StationKind.REGULATORY_OFFICE, name="另一监管所", parent=city["centre"], region=city["region"]
    )
    store = factories.store(circle=city["circle"], region=city["region"])
    other_store = factories.store(station=other_office, region=city["region"])
    db.session.flush()
    w = {"city": city, "store": store, "other_store": other_store, "other_office": other_office}
    c = {}
    # A: decided on time, accepted, agreement with 100 元, confirmed, rated 5; first answer after 24 h.
    c["A"] = case(w, cn(6, 1), status=Status.CLOSED, first_response_at=cn(6, 2), accepted_at=cn(6, 5))
    deadline(c["A"], "accept_decline", cn(6, 10), met=cn(6, 5))
    deadline(c["A"], "mediation", cn(8, 4), met=cn(6, 20))
    c["A"].resolved_at, c["A"].outcome, c["A"].amount_recovered = cn(6, 20), "agreement", Decimal("100")
    c["A"].closed_at, c["A"].consumer_confirmed = cn(6, 22), True
    rated(c["A"], 5, cn(6, 22))
    # B: decided late (06-15 > 06-11), mediation terminated, disputed, rated 2; first answer after 312 h.
    c["B"] = case(w, cn(6, 2), status=Status.CLOSED, first_response_at=cn(6, 15), accepted_at=cn(6, 15))
    deadline(c["B"], "accept_decline", cn(6, 11), met=cn(6, 15))
    deadline(c["B"], "mediation", cn(8, 14), met=cn(6, 25))
    c["B"].resolved_at, c["B"].outcome = cn(6, 25), "terminated"
    c["B"].closed_at, c["B"].consumer_confirmed, c["B"].disputed_at = cn(6, 30), False, cn(6, 30)
    rated(c["B"], 2, cn(6, 30))
    # C: never decided, still open: late from 06-12. Filed elsewhere and transferred here (below).
    c["C"] = case(w, cn(6, 3), store=w["other_store"])
    deadline(c["C"], "accept_decline", cn(6, 12))
    # D: its decision falls due in July: not a June case for 按时初查率.
    c["D"] = case(w, cn(6, 26))
    deadline(c["D"], "accept_decline", cn(7, 5), met=cn(6, 29))
    # E: withdrawn before its decision fell due: left out.
    c["E"] = case(w, cn(6, 11), status=Status.WITHDRAWN, closed_at=cn(6, 12))
    deadline(c["E"], "accept_decline", cn(6, 20), cancelled=cn(6, 12))
    # F: accepted in April, mediation limit passed 06-10, still unresolved: late for 按期办结率.
    c["F"] = case(w, cn(4, 1), status=Status.ACCEPTED, accepted_at=cn(4, 2), first_response_at=cn(4, 2))
    deadline(c["F"], "mediation", cn(6, 10))
    # G: the same, but suspended for testing: its clock is paused, not late.
    c["G"] = case(w, cn(4, 1), status=Status.SUSPENDED, accepted_at=cn(4, 2), suspended_at=cn(5, 1))
    deadline(c["G"], "mediation", cn(6, 15))
    # H: merchant-first, settled by the merchant on 06-08 (limit 06-12) with 50 元; one day after filing.
    c["H"] = case(w, cn(6, 7), status=Status.CLOSED, merchant_first=True)
    deadline(c["H"], "merchant_settle", cn(6, 12), met=cn(6, 8))
    c["H"].resolved_at, c["H"].outcome, c["H"].amount_recovered = cn(6, 8), "settled", Decimal("50")
    c["H"].closed_at, c["H"].consumer_confirmed = cn(7, 1), True  # closed in July: not a June closure
    # I: merchant-first, handed to the station on 06-09 without settlement.
    c["I"] = case(w, cn(6, 5), merchant_first=True)
    deadline(c["I"], "merchant_settle", cn(6, 19), cancelled=cn(6, 9))
    # J, K: reports; J verified on time, K still undecided after its limit.
    c["J"] = case(w, cn(6, 1), kind="report", accepted_at=cn(6, 18), status=Status.ACCEPTED)
    deadline(c["J"], "clue_verification", cn(6, 20), met=cn(6, 18))
    c["K"] = case(w, cn(6, 4), kind="report")
    deadline(c["K"], "clue_verification", cn(6, 25))
    # L: handed to the national 12315 platform on 06-15; late before that, but out of every figure.
    c["L"] = case(w, cn(6, 1), national_case_number="3205000000123", national_filed_on=dt.date(2026, 6, 15))
    c["L"].handed_off_at = cn(6, 15)
    deadline(c["L"], "accept_decline", cn(6, 10), cancelled=cn(6, 15))
    # M: at the other office; decided on time; first answer after 48 h.
    c["M"] = case(w, cn(6, 1), store=w["other_store"], first_response_at=cn(6, 3), accepted_at=cn(6, 3))
    c["M"].status = Status.ACCEPTED
    deadline(c["M"], "accept_decline", cn(6, 10), met=cn(6, 3))
    deadline(c["M"], "mediation", cn(8, 2))
    # N: accepted, then withdrawn by the consumer on 06-18: mediation ended without agreement.
    c["N"] = case(w, cn(6, 1), status=Status.WITHDRAWN, accepted_at=cn(6, 3), closed_at=cn(6, 18))
    deadline(c["N"], "mediation", cn(8, 2), cancelled=cn(6, 18))
    # O: filed 03-30, mediation limit 05-31, resolved late on 06-05 by agreement with 30 元 (67 days).
    c["O"] = case(w, cn(3, 30), status=Status.RESOLVED, accepted_at=cn(4, 1), first_response_at=cn(4, 1))
    deadline(c["O"], "mediation", cn(5, 31), met=cn(6, 5))
    c["O"].resolved_at, c["O"].outcome, c["O"].amount_recovered = cn(6, 5), "agreement", Decimal("30")
    db.session.flush()
    flow.transfer(c["C"], STAFF, city["service"], "属地管辖")
    db.session.commit()
    w["cases"] = c
    return w


def numbers(world, *names):
    return {world["cases"][n].number for n in names}
