"""How long `replan` takes over many open cases (a year's arrangement imported in December).

Creates a throwaway PostgreSQL database beside DATABASE_URL (default postgresql://127.0.0.1:5432/postgres,
trust auth), files N complaints on late-December days (each with 3 running clocks into 2027) and N/10
accepted ones (a 60-day mediation clock), then times: a dry run, the replan after importing a 2027
arrangement (every clock recounted, most moved, one timeline event each), and the replan again (nothing
moves). Prints the figures; drops the database.

    .venv/bin/python bench/calendar_replan.py [--cases 2000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

NOTICE = [  # the hypothetical 2027 notice of tests/complaints/test_replan.py
    (2, ["2027-01-01", "holiday", "元旦"]),
    (3, ["2027-01-04", "holiday", "元旦"]),
    (4, ["2027-01-09", "workday", "元旦调休上班"]),
    *[(5 + i, [f"2027-02-{5 + i:02d}", "holiday", "春节"]) for i in range(8)],
    (13, ["2027-02-20", "workday", "春节调休上班"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    args = parser.parse_args()
    base = sa.engine.make_url(
        os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    )
    name = f"yidian_bench_replan_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        return run(base.set(database=name).render_as_string(hide_password=False), args.cases)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def run(url: str, cases: int) -> int:
    from flask_migrate import upgrade

    from app import create_app
    from app.calendar import arrangement
    from app.complaints import deadlines, replan
    from app.complaints.models import ComplaintDeadline, Status
    from app.core.extensions import db
    from app.core.timeutil import CHINA
    from tests import factories

    app = create_app({"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:6379/11"})  # benchmarks: 11-14
    now = dt.datetime(2026, 12, 7, 10, tzinfo=CHINA)
    with app.app_context():
        upgrade()
        city = factories.city()
        store = factories.store(circle=city["circle"], region=city["region"])
        for i in range(cases):
            filed = dt.datetime(2026, 12, 17 + i % 14, 10, tzinfo=CHINA).astimezone(dt.UTC)
            factories.complaint(store, filed_at=filed)
        for _ in range(cases // 10):
            c = factories.complaint(store, filed_at=now.astimezone(dt.UTC))
            c.status, c.accepted_at = Status.ACCEPTED, now.astimezone(dt.UTC)
            deadlines.mediation_clock(c)
        db.session.commit()
        clocks = db.session.scalar(sa.select(sa.func.count()).select_from(ComplaintDeadline))
        print(f"{cases + cases // 10} open cases, {clocks} stored clocks")
        arrangement.import_rows(NOTICE)
        for label, dry in (("dry run", True), ("replan (writes)", False), ("replan again", False)):
            started = time.perf_counter()
            moves = replan.replan("录入2027年放假安排", dry_run=dry, now=now.astimezone(dt.UTC))
            db.session.commit()
            print(f"{label:<16} {len(moves):>6} moved  {time.perf_counter() - started:7.2f} s")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
