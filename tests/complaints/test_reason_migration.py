"""The 2026-12 data migration: a merchant giving up has one reason code, whichever surface recorded it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from app.complaints.models import ComplaintEvent, Status
from app.complaints.states import Actor
from app.core.extensions import db
from tests import factories

MIGRATION = next(
    (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob(
        "*_one_reason_code_for_a_merchant*.py"
    )
)


def _run(step: str) -> None:
    spec = importlib.util.spec_from_file_location("reason_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        getattr(module, step)()


def _codes() -> list[tuple[str, str | None]]:
    db.session.expire_all()
    return db.session.execute(
        sa.select(ComplaintEvent.channel, ComplaintEvent.reason_code)
        .where(ComplaintEvent.action == "to_station")
        .order_by(ComplaintEvent.id)
    ).all()


def test_old_chat_code_becomes_the_one_code_and_back(world):
    c = factories.complaint(world["store"], status=Status.WITH_STATION)
    text = "商家未能协商解决，已转由测试服务站处理。"
    for channel, code in (
        ("oa", "merchant_failed"),
        ("h5", "merchant_gave_up"),
        ("system", "merchant_timeout"),
    ):
        db.session.add(
            ComplaintEvent(
                complaint=c,
                actor=Actor("merchant", None, channel).kind,
                channel=channel,
                action="to_station",
                reason_code=code,
                text=text,
                from_status="merchant_negotiating",
                to_status="with_station",
                station_id=c.station_id,
                data={},
            )
        )
    db.session.commit()

    _run("upgrade")
    assert _codes() == [
        ("oa", "merchant_gave_up"),
        ("h5", "merchant_gave_up"),
        ("system", "merchant_timeout"),
    ]
    db.session.expire_all()
    assert {e.text for e in c.events if e.action == "to_station"} == {text}  # the timeline reads the same

    _run("downgrade")
    assert _codes() == [("oa", "merchant_failed"), ("h5", "merchant_gave_up"), ("system", "merchant_timeout")]
