"""A year of demo history: complaints and reports filed, handled and closed through the real flows.

`make run` shows a console whose figures, map, drill-downs and publicity pages would otherwise all read
"本期无数据". This module files about two cases a day at the demo city's stores over the last twelve
months and takes each through a plausible life (accepted and mediated, settled, terminated, declined,
withdrawn, decided late, never decided; reports opened or not). Every step runs through the domain's
own code (`app.complaints.filing.service.file`, `app.complaints.flow`) while `time_machine` holds the
process clock at that step's moment, so each case's deadlines are the ones the working-day calendar and
the rule set in force then give (cases before 2026-04-15 run under the interim measures), its timeline
reads in order, and a step whose moment is still to come is left undone: recent cases are open.

Notifications the history queues are marked as sent at the time they were made: they belong to the past
and must not reach the WeChat emulator as fresh messages. Daily scan counts are drawn for each store so
complaints per 1,000 scans mean something. Then the worker's publicity job and the figure roll-ups run.

Seeded: the same city and day give the same history. Safe to run again: a history already there is kept.
Development and sandbox only (`time-machine` is a development dependency).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
import time_machine

from app.complaints import flow
from app.complaints.filing import service as filing
from app.complaints.flow import Actor
from app.complaints.models import Complaint, ContentCheck, Status
from app.consumers.login import TokenClaims, openid_hash
from app.consumers.models import Consumer
from app.core.extensions import db
from app.core.timeutil import CHINA, today_cn, utcnow
from app.directory.models import Station
from app.figures import rollups
from app.notifications.models import OutboxMessage, OutboxStatus
from app.publicity import jobs as publicity_jobs
from app.publicity import review
from app.staff.models import Staff, StaffRole
from app.stores.models import Store, StoreScanDaily
from wechat.client import is_sandbox

SEED = 20261207
KEY_PREFIX = "demo-history-"  # every case this makes is filed under such an Idempotency-Key
CONSUMERS = 90
HANDLER_NAMES = ("李静", "王磊", "陈芳", "赵敏", "刘洋", "周婷")

#: Complaint texts by the store's industry: (category, description, demand, amount range in yuan). Some
#: carry a name, a phone number or an address on purpose: the publicity pages show them redacted.
TEXTS: dict[str, list[tuple[str, str, str, tuple[int, int]]]] = {
    "clothing": [
        (
            "quality",
            "买的羽绒服穿了两次就开线漏绒，店员说要寄回厂家检测，拖了半个月没有结果。",
            "refund",
            (399, 1299),
        ),
        ("quality", "运动鞋鞋底一周就开胶，小票和照片都有，店长王先生不同意退货。", "return", (299, 899)),
        ("return_exchange", "店里承诺七天无理由退货，衣服吊牌未拆，第三天去退被拒。", "return", (199, 999)),
        ("return_exchange", "买的鞋尺码不合适，未穿过，商家只同意换不同意退。", "return", (259, 699)),
        ("false_advertising", "宣传是纯羊毛大衣，吊牌成分却写着羊毛含量 30%。", "refund", (699, 1999)),
        (
            "pledge_broken",
            "门口贴着先行赔付承诺，商品有问题后店员说要等厂家处理。",
            "first_payout",
            (200, 1500),
        ),
    ],
    "restaurant": [
        ("food_safety", "在店里吃完饭全家拉肚子，要求赔偿医药费。", "compensation", (100, 800)),
        ("food_safety", "外卖米饭里吃出头发，商家不承认。家住清风里 3 号楼 2 单元。", "apology", (25, 90)),
        ("price", "菜单上没有写明服务费，结账多收了百分之十。", "refund", (30, 200)),
        ("service", "预订的包间到店被告知没有了，定金不退。联系电话 13912345678。", "refund", (100, 500)),
        ("pledge_broken", "店里写着首问负责，问了三次都说找不到负责人。", "other", (0, 0)),
    ],
    "food_shop": [
        ("food_safety", "买到过期的酸奶，生产日期已经过了保质期三天。", "compensation", (10, 60)),
        ("food_safety", "卤味回家发现有异味，店员小李说是正常的。", "refund", (20, 80)),
        ("price", "标价 28 元一斤的车厘子结账按 48 元收费，店员说价签没换。", "refund", (20, 80)),
        ("price", "称重时秤明显不准，同样的东西在别家复称少了二两。", "refund", (15, 60)),
    ],
    "supermarket": [
        ("price", "货架标价和收银价格不一致，多收了钱。", "refund", (5, 60)),
        ("food_safety", "买到过期的酸奶，生产日期已经过了保质期三天。", "compensation", (10, 60)),
        ("quality", "新买的电饭煲内胆涂层起皮，要求换货被拒，说是使用不当。", "exchange", (199, 599)),
    ],
    "pharmacy": [
        ("price", "医保卡结算的价格比标价高，店员解释不清。", "refund", (20, 150)),
        ("false_advertising", "店员推荐的保健品说能降血压，吃了没效果，要求退款。", "refund", (198, 680)),
    ],
    "electronics": [
        ("quality", "充电宝使用中发烫鼓包，担心安全，要求退款。", "refund", (89, 259)),
        ("quality", "新买的耳机一边没声音，店家说要寄修一个月。", "exchange", (199, 999)),
    ],
    "service": [
        ("service", "理发办卡时承诺可随时退卡，现在要求退余额被告知不能退。", "refund", (500, 2000)),
        ("service", "洗衣店把白衬衫洗染色了，只愿意赔二十元。", "compensation", (150, 600)),
        ("service", "健身房装修停业一个月，没有通知也不延长会员期。", "compensation", (300, 1800)),
    ],
    "other": [
        ("quality", "买的台灯用了三天就不亮了，店家不给换。", "exchange", (59, 299)),
        ("return_exchange", "文创摆件有裂纹，店员说售出不退。", "return", (39, 199)),
        ("service", "预约的服务到店被告知要加钱才能做。", "refund", (100, 500)),
    ],
}
REPORT_TEXTS = (
    "这家店在卖没有标签的散装食用油，怀疑来源不明。",
    "店里销售的保健品宣传能治病，涉嫌虚假宣传。",
    "后厨卫生很差，员工没有健康证上岗。",
)


@dataclass
class Life:
    """One case's plan: what happens, and when (hours after filing)."""

    kind: str
    steps: list[tuple[float, Callable[[Complaint], object]]]


def _hours(days: float) -> float:
    return days * 24


def _lives(rng: random.Random, amount: Decimal | None, handler: Actor, me: Actor) -> Life:
    """The plan of one complaint, drawn with the weights a district centre might see."""
    recovered = (amount or Decimal("0")) * Decimal(rng.choice(("1", "1", "0.8", "0.5")))
    recovered = recovered.quantize(Decimal("0.01"))
    decide = _hours(rng.choice((0.2, 0.5, 1, 1, 2, 3, 4, 6)))
    rate_good = (4.0, lambda c: flow.rate(c, me, rng.choice((4, 5, 5)), "处理及时，谢谢"))
    roll = rng.random()
    if roll < 0.45:  # accepted, mediated to an agreement, confirmed (mostly) and rated
        resolved = decide + _hours(rng.uniform(2, 30))
        steps = [
            (decide / 2, lambda c: flow.reply(c, handler, "已收到，正在联系商家核实情况。")),
            (decide, lambda c: flow.accept(c, handler)),
            (resolved, lambda c: flow.resolve(c, handler, "agreement", recovered, "经调解，商家同意退款。")),
        ]
        if rng.random() < 0.85:
            steps += [(resolved + 20, lambda c: flow.confirm(c, me, True)), (resolved + 24, rate_good[1])]
        else:
            steps.append((resolved + _hours(8), lambda c: flow.auto_close(c, utcnow())))
        return Life("agreement", steps)
    if roll < 0.55:  # the parties settled between themselves after acceptance
        resolved = decide + _hours(rng.uniform(1, 10))
        return Life(
            "settled",
            [
                (decide, lambda c: flow.accept(c, handler)),
                (resolved, lambda c: flow.resolve(c, handler, "settled", recovered, "双方已自行和解。")),
                (resolved + 30, lambda c: flow.confirm(c, me, True)),
            ],
        )
    if roll < 0.63:  # mediation ended without agreement; the consumer disagrees
        resolved = decide + _hours(rng.uniform(15, 50))
        return Life(
            "terminated",
            [
                (decide, lambda c: flow.accept(c, handler)),
                (
                    resolved,
                    lambda c: flow.resolve(
                        c, handler, "terminated", None, "双方分歧较大，无法达成协议。", "no_agreement"
                    ),
                ),
                (resolved + 10, lambda c: flow.confirm(c, me, False)),
                (resolved + 12, lambda c: flow.rate(c, me, rng.choice((2, 3)), "希望能再协调")),
            ],
        )
    if roll < 0.73:  # declined with a ground of Art. 16
        return Life(
            "declined",
            [
                (
                    decide,
                    lambda c: flow.decline(
                        c,
                        handler,
                        rng.choice(("not_consumer_dispute", "materials_missing")),
                        "请补充购物凭证后再投诉。",
                    ),
                )
            ],
        )
    if roll < 0.81:  # the consumer withdrew after the merchant called
        return Life(
            "withdrawn", [(_hours(rng.uniform(0.3, 3)), lambda c: flow.withdraw(c, me, "商家已联系解决"))]
        )
    if roll < 0.90:  # decided late (after the 7 working days), then mediated
        late = _hours(rng.uniform(11, 16))
        resolved = late + _hours(rng.uniform(5, 20))
        return Life(
            "late",
            [
                (late, lambda c: flow.accept(c, handler)),
                (resolved, lambda c: flow.resolve(c, handler, "agreement", recovered, "经调解达成协议。")),
                (resolved + 30, lambda c: flow.confirm(c, me, True)),
            ],
        )
    if roll < 0.94:  # never decided: late and still open once its limit passed
        return Life("stuck", [(_hours(1), lambda c: flow.reply(c, handler, "已转商家核实。"))])
    # accepted, still in mediation (open unless long ago, when it ends in an agreement)
    resolved = decide + _hours(rng.uniform(30, 55))
    return Life(
        "long",
        [
            (decide, lambda c: flow.accept(c, handler)),
            (resolved, lambda c: flow.resolve(c, handler, "agreement", recovered, "经多次调解达成协议。")),
        ],
    )


def _merchant_first(rng: random.Random, amount: Decimal | None, station_life: Life, me: Actor) -> Life:
    """首问负责: the merchant settles (reported through the station, since it is not bound), or the
    limit passes and the station takes over, after which the station's own plan follows."""
    if rng.random() < 0.6:
        settled = _hours(rng.uniform(0.2, 1.5))
        recovered = amount or Decimal("0")
        return Life(
            "merchant_settled",
            [
                (settled, lambda c: flow.merchant_settle(c, Actor.system(), "商家已同意退款。", recovered)),
                (settled + 6, lambda c: flow.confirm(c, me, True)),
            ],
        )
    handover = _hours(2.5)
    steps = [(handover, lambda c: flow.to_station(c, Actor.system(), "merchant_timeout"))]
    steps += [(handover + hours, step) for hours, step in station_life.steps]
    return Life("merchant_timeout", steps)


def _report_life(rng: random.Random, handler: Actor) -> Life:
    decide = _hours(rng.uniform(3, 12))
    if rng.random() < 0.5:
        return Life(
            "report_opened",
            [
                (decide, lambda c: flow.open_case(c, handler, "经核查，初步认定存在违法行为，已立案调查。")),
                (decide + _hours(rng.uniform(20, 60)), lambda c: flow.conclude(c, handler, "penalised")),
            ],
        )
    return Life("report_not_opened", [(decide, lambda c: flow.not_open(c, handler, "no_evidence"))])


def _moments(rng: random.Random, today: dt.date, per_month: int) -> list[dt.datetime]:
    """Filing moments over the 365 days before today, China working hours, oldest first."""
    first = today - dt.timedelta(days=365)
    moments = []
    for _ in range(per_month * 12):
        day = first + dt.timedelta(days=rng.randrange(365))
        at = dt.datetime.combine(day, dt.time(rng.randrange(9, 21), rng.randrange(60)), CHINA)
        moments.append(at.astimezone(dt.UTC))
    return sorted(moments)


def present() -> bool:
    """Whether a history is already there."""
    return (
        db.session.scalar(
            sa.select(Complaint.id).where(Complaint.idempotency_key.like(f"{KEY_PREFIX}%")).limit(1)
        )
        is not None
    )


def _consumers(rng: random.Random) -> list[Consumer]:
    people = []
    for n in range(CONSUMERS):
        openid = f"demo-history-consumer-{n:03d}"
        person = db.session.scalar(sa.select(Consumer).where(Consumer.openid == openid))
        if person is None:
            # A sandbox identity where the service runs in sandbox (`make run`), as its logins make them.
            person = Consumer(openid=openid, sandbox=is_sandbox(), phone=f"139{rng.randrange(10**8):08d}")
            db.session.add(person)
        people.append(person)
    db.session.flush()
    return people


def _handlers(stations) -> dict[int, Actor]:
    """One named, unbound handler per station (the timeline names who acted)."""
    actors = {}
    for i, station_id in enumerate(sorted(stations)):
        name = f"{HANDLER_NAMES[i % len(HANDLER_NAMES)]}"
        person = db.session.scalar(
            sa.select(Staff).where(
                Staff.station_id == station_id, Staff.name == name, Staff.oa_openid.is_(None)
            )
        )
        if person is None:
            person = Staff(name=name, role=StaffRole.HANDLER, station_id=station_id)
            db.session.add(person)
            db.session.flush()
        actors[station_id] = Actor("staff", person.id, "h5")
    return actors


def _body(rng: random.Random, store: Store, filed_day: dt.date, person_name: str, phone: str) -> dict:
    if rng.random() < 0.06:
        return {
            "kind": "report",
            "category": "other",
            "demand": "other",
            "description": rng.choice(REPORT_TEXTS),
        }
    texts = TEXTS.get(store.industry.value if store.industry else "other") or TEXTS["other"]
    category, description, demand, (low, high) = rng.choice(texts)
    body = {
        "kind": "complaint",
        "category": category,
        "demand": demand,
        "description": description,
        "purchase_date": (filed_day - dt.timedelta(days=rng.randrange(0, 10))).isoformat(),
        "name": person_name,
        "phone": phone,
    }
    if high:
        body["amount"] = f"{rng.randrange(low, high)}.00"
    return body


SURNAMES = "王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "霞")


def seed(today: dt.date | None = None, *, per_month: int = 24) -> int:
    """File and work the history; returns how many cases were made (0 when one is already there).

    Commits as it goes (each step is its own transaction, as it would have been)."""
    if present():
        return 0
    today = today or today_cn()
    rng = random.Random(SEED)
    stores = db.session.scalars(
        sa.select(Store).where(Store.accepts_complaints.is_(True)).order_by(Store.id)
    ).all()
    stores = [s for s in stores if s.active_code is not None]
    if not stores:
        return 0
    # A few stores draw most complaints, as in life; most draw one or two a year.
    weights = [rng.choice((1, 1, 1, 2, 3)) * (8 if i % 11 == 0 else 1) for i, _ in enumerate(stores)]
    consumers = _consumers(rng)
    handlers = _handlers(_station_ids())
    db.session.commit()
    real_now = utcnow()
    made = 0
    for n, filed_at in enumerate(_moments(rng, today, per_month)):
        store = rng.choices(stores, weights)[0]
        person = consumers[n % len(consumers)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        body = _body(rng, store, filed_at.astimezone(CHINA).date(), name, person.phone)
        number = _file(person, store, body, filed_at, f"{KEY_PREFIX}{n:05d}")
        if number is None:
            continue
        made += 1
        complaint = _load(number)
        handler = handlers.get(complaint.station_id, Actor("staff", None, "h5"))
        me = Actor("consumer", person.id, "mp")
        amount = Decimal(body["amount"]) if "amount" in body else None
        if body["kind"] == "report":
            life = _report_life(rng, handler)
        else:
            life = _lives(rng, amount, handler, me)
            if complaint.status == Status.MERCHANT_NEGOTIATING:
                life = _merchant_first(rng, amount, life, me)
        if body["kind"] == "complaint" and complaint.content_check == ContentCheck.REVIEW:
            # a sandbox identity, which WeChat cannot check: the station's reviewer reads it
            decision = "withhold" if rng.random() < 0.05 else "publish"
            life.steps.insert(0, (0.5, lambda c, d=decision, h=handler: review.decide(c, d, h)))
        for hours, step in life.steps:
            at = filed_at + dt.timedelta(hours=hours)
            if at >= real_now:
                break  # still to come: the case is open at this step
            if not _step(number, at, step):
                break
    _sent_in_the_past()
    _scans(rng, stores, today)
    db.session.commit()
    publicity_jobs.run(force=True)
    rollups.rebuild(today)
    db.session.commit()
    return made


def _station_ids() -> set[int]:
    return set(db.session.scalars(sa.select(Station.id)))


def _load(number: str) -> Complaint:
    return db.session.scalar(sa.select(Complaint).where(Complaint.number == number))


def _file(person: Consumer, store: Store, body: dict, at: dt.datetime, key: str) -> str | None:
    claims = TokenClaims(person.id, openid_hash(person.openid), int(time.time()) + 3600)
    code = store.active_code.code
    with time_machine.travel(at, tick=True):
        try:
            filed = filing.file(claims, code, body, key=key, req_hash=filing.request_hash(code, body))
            db.session.commit()
        except Exception:  # a draw the rules refuse (a limit, a repeated report): skip it, as a person would
            db.session.rollback()
            return None
    return filed.answer["number"]


def _step(number: str, at: dt.datetime, step: Callable[[Complaint], object]) -> bool:
    with time_machine.travel(at, tick=True):
        try:
            step(_load(number))
            db.session.commit()
            return True
        except Exception:  # the state moved on (an auto-close, a limit): the rest of this life is moot
            db.session.rollback()
            return False


def _sent_in_the_past() -> None:
    """The history's notifications were dealt with back then; none goes out now. Its consumers never
    allowed a subscribe message, so theirs stayed in the in-app inbox; anything else counts as sent."""
    ids = sa.select(Complaint.id).where(Complaint.idempotency_key.like(f"{KEY_PREFIX}%"))
    waiting = sa.update(OutboxMessage).where(
        OutboxMessage.complaint_id.in_(ids),
        OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
    )
    db.session.execute(
        waiting.where(OutboxMessage.channel == "subscribe").values(status=OutboxStatus.INBOX_ONLY, attempts=1)
    )
    db.session.execute(
        waiting.where(OutboxMessage.channel != "subscribe").values(
            status=OutboxStatus.SENT, sent_at=OutboxMessage.created_at, attempts=1
        )
    )


def _scans(rng: random.Random, stores: list[Store], today: dt.date) -> None:
    """A year of daily scan counts per store: tens a day, more at weekends."""
    have = set(
        db.session.execute(
            sa.select(StoreScanDaily.store_id, StoreScanDaily.day).where(
                StoreScanDaily.day >= today - dt.timedelta(days=365)
            )
        ).tuples()
    )
    rows = []
    for store in stores:
        base = rng.randrange(5, 60)
        for back in range(1, 366):
            day = today - dt.timedelta(days=back)
            if (store.id, day) in have:
                continue
            rows.append(
                {
                    "store_id": store.id,
                    "day": day,
                    "scans": base + rng.randrange(0, base if day.weekday() >= 5 else base // 2 + 1),
                }
            )
    for start in range(0, len(rows), 5000):
        db.session.execute(sa.insert(StoreScanDaily), rows[start : start + 5000])
