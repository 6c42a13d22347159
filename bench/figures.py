"""How fast are a district's figures for a year? A synthetic city in a private PostgreSQL database.

    .venv/bin/python bench/figures.py --complaints 10000000 --stores 1000000
    .venv/bin/python bench/figures.py --complaints 10000000 --stores 1000000 --keep --load-only
    .venv/bin/python bench/figures.py --reuse yidian_bench_figures_<pid> [--skip-rebuild] [--no-direct]

Creates its own database (`yidian_bench_figures_<pid>`, dropped afterwards unless --keep), builds the
schema with the project's migrations, and loads with INSERT ... SELECT over generate_series (no Python
row loop; secondary indexes dropped during the load and built afterwards, foreign keys not checked row
by row): a city centre with `--districts` district centres, 10 offices each and 10 service stations
per office; stores spread over the service stations; complaints filed over the three years up to now
with every state (a step that would be after now has not happened: recent cases are open), reports,
merchant-first cases, ratings, amounts, durations to the second and 2-4 stored deadlines each.

Then it runs the worker's nightly rebuild and 10-minute refresh of the roll-ups and times
`app.figures.kpis.compute` for one district (its centre and the 110 stations below it) over last year,
this year to today and this whole year: the first call, `--repeat` more, each figure on its own, and
the same figures from the cases alone (which must be equal), against a 1 s budget. It prints one JSON
line with the sizes, load times, timings and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BUDGET_S = 1.0


def _admin():
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def create_database(name: str) -> str:
    with _admin().connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    return str(sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))


def drop_database(name: str) -> None:
    with _admin().connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


# Each statement is one INSERT ... SELECT; :n, :stores etc. are bound per run.
STATIONS = """
INSERT INTO stations (id, name, kind, parent_id, address, phone, created_at, updated_at)
SELECT 1, '市12315中心', 'center_12315', NULL, '', '', now(), now()
UNION ALL
SELECT 1 + d, '第' || d || '区12315中心', 'center_12315', 1, '', '', now(), now()
  FROM generate_series(1, :districts) d
UNION ALL
SELECT 1000 + d * 10 + o, '区' || d || '监管所' || o, 'regulatory_office', 1 + d, '', '', now(), now()
  FROM generate_series(1, :districts) d, generate_series(0, 9) o
UNION ALL
SELECT 100000 + (d * 10 + o) * 10 + s, '区' || d || '所' || o || '服务站' || s, 'service_station',
       1000 + d * 10 + o, '', '', now(), now()
  FROM generate_series(1, :districts) d, generate_series(0, 9) o, generate_series(0, 9) s
"""

# Service station k (0-based) of the city: id 100000 + (d*10+o)*10+s with d from 1; k = (d-1)*100+o*10+s.
SERVICE_ID = "(100000 + (((({k}) / 100) + 1) * 100 + ({k}) % 100))"

STORES = f"""
INSERT INTO stores (id, name, uscc, address, industry, station_id, latitude, longitude, merchant_contact,
                    merchant_phone, accepts_complaints, created_at, updated_at)
SELECT g, '店铺' || g, 'B' || lpad(g::text, 17, '0'), '', 'restaurant',
       {SERVICE_ID.format(k="g % (:districts * 100)")}, 31.3, 120.6, '', '', true, now(), now()
  FROM generate_series(1, :stores) g
"""

CONSUMERS = """
INSERT INTO consumers (id, openid, session_key, phone, sandbox, created_at)
SELECT g, 'o-bench-' || g, '', '', false, now() FROM generate_series(1, 100000) g
"""

# One row per complaint; `h` is a cheap hash of g that spreads the dates and the states.
# One row per complaint; `p` (a cheap hash of g) picks the state it reaches, and a step whose time would
# be after now has not happened yet (no instant is in the future): recent cases are still open.
COMPLAINTS = f"""
INSERT INTO complaints (
  id, number, kind, store_id, consumer_id, station_id, routing_rule, status, category, demand, description,
  description_fp, name, phone, anonymous, merchant_first, rule_set, content_check, commitments_snapshot,
  abuse_flags, outcome, amount_recovered, consumer_confirmed, rating, rating_comment, reopen_count,
  accepted_at, suspended_days, resolved_at, closed_at, first_response_at, client_addr, idempotency_key,
  request_hash, created_at, updated_at)
SELECT g, 'B' || lpad(g::text, 12, '0'),
       CASE WHEN g % 20 = 0 THEN 'report' ELSE 'complaint' END,
       s, 1 + g % 100000, {SERVICE_ID.format(k="s % (:districts * 100)")}, 'store_station',
       CASE WHEN hc THEN 'closed' WHEN hr THEN 'resolved' WHEN ha THEN 'accepted'
            WHEN hx AND p < 90 THEN 'declined' WHEN hx THEN 'withdrawn' ELSE 'with_station' END,
       'quality', 'refund', '商品有质量问题', '', '', '', false, g % 10 = 1, 'order121', 'pass', '[]', '[]',
       CASE WHEN hr THEN (ARRAY['agreement','settled','terminated','agreement'])[1 + g % 4] END,
       CASE WHEN hr THEN (g % 500)::numeric END,
       CASE WHEN hc THEN g % 5 <> 0 END,
       CASE WHEN hc AND g % 3 = 0 THEN 1 + g % 5 END,
       '', 0,
       CASE WHEN ha THEN a END,
       0,
       CASE WHEN hr THEN r END,
       CASE WHEN hc THEN r + interval '3 days' WHEN hx THEN e END,
       CASE WHEN hf THEN f END,
       '', 'k' || g, '', c, c
FROM (
  SELECT *, p < 85 AND a <= now() AS ha, p < 80 AND r <= now() AS hr,
         p < 70 AND r + interval '3 days' <= now() AS hc, p >= 85 AND p < 95 AND e <= now() AS hx,
         p < 90 AND f <= now() AS hf
    FROM (
      SELECT g, s, p, c, a, e, f,
             -- resolved at a continuous time 0-70 days after acceptance (some after the 60-day limit)
             a + interval '1 second' * ((g::bigint * 7907) % 6048000) AS r
        FROM (
          SELECT g, s, p, c,
                 c + interval '1 day' * (1 + g % 11) + interval '1 second' * (g % 86400) AS a,
                 c + interval '1 day' * (5 + g % 70) AS e,
                 c + interval '1 second' * ((g::bigint * 104723) % 216000) AS f
            FROM (
              SELECT g, (g::bigint * 7919) % :stores + 1 AS s, (g::bigint * 37) % 100 AS p,
                     now() - interval '1 second' * (1 + (g::bigint * 2654435761) % 94608000) AS c
                FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) g
            ) w
        ) y
    ) z
) x
"""

DEADLINES = """
INSERT INTO complaint_deadlines (complaint_id, kind, due_at, basis, uncertain, met_at, cancelled_at)
SELECT id, 'first_response', created_at + interval '1 day', 'bench', false, first_response_at, NULL
  FROM complaints WHERE id BETWEEN :first AND :last
UNION ALL
SELECT id, 'accept_decline', created_at + interval '9 days', 'bench', false,
       CASE WHEN status NOT IN ('with_station', 'withdrawn') THEN COALESCE(accepted_at, closed_at) END,
       CASE WHEN status = 'withdrawn' THEN closed_at END
  FROM complaints WHERE id BETWEEN :first AND :last AND kind = 'complaint' AND NOT merchant_first
UNION ALL
SELECT id, 'clue_verification', created_at + interval '21 days', 'bench', false, accepted_at, NULL
  FROM complaints WHERE id BETWEEN :first AND :last AND kind = 'report'
UNION ALL
SELECT id, 'mediation', accepted_at + interval '60 days', 'bench', false, resolved_at,
       CASE WHEN status = 'withdrawn' THEN closed_at END
  FROM complaints WHERE id BETWEEN :first AND :last AND accepted_at IS NOT NULL
UNION ALL
SELECT id, 'merchant_settle', created_at + interval '14 days', 'bench', false,
       CASE WHEN outcome = 'settled' THEN resolved_at END,
       CASE WHEN outcome IS DISTINCT FROM 'settled' AND created_at + interval '3 days' <= now()
            THEN created_at + interval '3 days' END
  FROM complaints WHERE id BETWEEN :first AND :last AND merchant_first
"""

RATED = """
INSERT INTO complaint_events (complaint_id, at, actor, channel, action, text, visible_to_consumer, data)
SELECT id, closed_at, 'consumer', 'mp', 'rated', '', true, '{}'
  FROM complaints WHERE id BETWEEN :first AND :last AND rating IS NOT NULL
"""


LOADED = ("stores", "consumers", "complaints", "complaint_deadlines", "complaint_events")

# Secondary indexes and unique constraints of the loaded tables (primary keys stay): dropped before the
# load and built again after it, one sort each instead of a B-tree insert per row and index.
SECONDARY = """
SELECT c.relname, i.relname, pg_get_indexdef(i.oid), con.conname, pg_get_constraintdef(con.oid)
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class c ON c.oid = x.indrelid
  LEFT JOIN pg_constraint con ON con.conindid = i.oid AND con.contype = 'u'
 WHERE c.relname = ANY(:tables) AND NOT x.indisprimary
"""


def _drop_secondary(conn) -> list:
    found = conn.execute(sa.text(SECONDARY), {"tables": list(LOADED)}).all()
    for table, index, _, constraint, _ in found:
        if constraint:
            conn.execute(sa.text(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}"))
        else:
            conn.execute(sa.text(f"DROP INDEX {index}"))
    return found


def _build_secondary(conn, found: list) -> None:
    conn.execute(sa.text("SET maintenance_work_mem = '1GB'"))
    for table, _, index_sql, constraint, constraint_sql in found:
        t = time.perf_counter()
        if constraint:
            conn.execute(sa.text(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}"))
        else:
            conn.execute(sa.text(index_sql))
        print(f"  index {constraint or index_sql[:70]}: {time.perf_counter() - t:.0f} s", file=sys.stderr)


def load(url: str, args) -> dict:
    """Loads the synthetic city: secondary indexes dropped during the load and built afterwards, foreign
    keys not checked row by row (`session_replication_role = replica`; the generator makes them right),
    one INSERT ... SELECT per table and million rows."""
    engine = sa.create_engine(url)
    times = {}
    params = {"districts": args.districts, "stores": args.stores}
    replica = sa.text("SET session_replication_role = replica")
    with engine.begin() as conn:
        found = _drop_secondary(conn)
        conn.execute(replica)
        for name, sql in (("stations", STATIONS), ("stores", STORES), ("consumers", CONSUMERS)):
            t = time.perf_counter()
            conn.execute(sa.text(sql), params)
            times[name] = round(time.perf_counter() - t, 1)
    step = 1_000_000
    for table, sql in (("complaints", COMPLAINTS), ("deadlines", DEADLINES), ("events", RATED)):
        t = time.perf_counter()
        for first in range(1, args.complaints + 1, step):
            with engine.begin() as conn:
                conn.execute(replica)
                bounds = {"first": first, "last": min(first + step - 1, args.complaints)}
                conn.execute(sa.text(sql), {**params, **bounds})
            print(
                f"  {table}: {bounds['last']:,} in {time.perf_counter() - t:.0f} s",
                file=sys.stderr,
                flush=True,
            )
        times[table] = round(time.perf_counter() - t, 1)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("complaint_deadlines", "complaint_events"):  # their ids came from sequences
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
            )
        conn.execute(
            sa.text("SELECT setval(pg_get_serial_sequence('complaints', 'id'), :n)"), {"n": args.complaints}
        )
        t = time.perf_counter()
        _build_secondary(conn, found)
        times["indexes"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        conn.execute(sa.text("VACUUM ANALYZE"))
        times["vacuum_analyze"] = round(time.perf_counter() - t, 1)
        sizes = {
            t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}"))
            for t in ("stations", "stores", "complaints", "complaint_deadlines", "complaint_events")
        }
        sizes["database_bytes"] = conn.scalar(sa.text("SELECT pg_database_size(current_database())"))
    engine.dispose()
    return {"load_seconds": times, "rows": sizes}


def _timed(func, repeat: int) -> tuple[object, float, list[float]]:
    """The result, the first call's time (caches not yet warm for this query) and `repeat` more."""
    t = time.perf_counter()
    result = func()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = func()
        runs.append(time.perf_counter() - t)
    return result, first, runs


def _each(kpis, scope) -> dict:
    """Each figure's own time (warm), to see which part costs what."""
    through = kpis.rollup_reach()
    out = {}
    for spec in kpis.SPECS:
        t = time.perf_counter()
        kpis.figure(spec.key, scope, through=through)
        out[spec.key] = round(time.perf_counter() - t, 3)
    return out


def measure(app, args) -> dict:
    from app.core.extensions import db
    from app.core.timeutil import today_cn
    from app.figures import kpis, rollups
    from app.figures.models import FigureDaily

    out: dict = {"load_average": os.getloadavg()}
    with app.app_context():
        FigureDaily.metadata.create_all(db.engine, checkfirst=True)  # a database kept from an older schema
        if not args.skip_rebuild:
            t = time.perf_counter()
            rollups.rebuild()  # the worker's nightly job
            db.session.commit()
            out["rebuild_seconds"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        rollups.refresh()  # the worker's job every 10 minutes
        db.session.commit()
        out["refresh_seconds"] = round(time.perf_counter() - t, 1)
        db.session.remove()
        today = today_cn()
        periods = {
            "past_year": (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
            "year_to_date": (dt.date(today.year, 1, 1), today),
            "this_year": (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)),
        }
        for name, (first, last) in periods.items():
            scope = kpis.make_scope(first, last, "第1区12315中心")
            rolled, first_s, runs = _timed(lambda scope=scope: kpis.compute(scope), args.repeat)
            entry = {
                "period": f"{first}..{last}",
                "first_call_seconds": round(first_s, 3),
                "warm_median_seconds": round(statistics.median(runs), 3),
                "warm_max_seconds": round(max(runs), 3),
                "each_figure_seconds": _each(kpis, scope),
            }
            if not args.no_direct:
                t = time.perf_counter()
                direct = kpis.compute(scope, rolled=False)
                entry["direct_seconds"] = round(time.perf_counter() - t, 3)
                entry["rolled_equals_direct"] = _shown(rolled) == _shown(direct)
            entry["figures"] = _shown(rolled)
            out[name] = entry
        out["district_stations"] = len(scope.station_ids)
        db.session.remove()
    out["budget_seconds"] = BUDGET_S
    out["within_budget"] = all(
        out[name]["first_call_seconds"] <= BUDGET_S and out[name]["warm_max_seconds"] <= BUDGET_S
        for name in periods
    )
    out["load_average_after"] = os.getloadavg()
    return out


def _shown(figures) -> dict:
    return {
        f.key: [str(f.numerator), f.denominator, None if f.value is None else str(f.value)] for f in figures
    }


def synthetic_city(args, prefix: str, work) -> dict:
    """The synthetic city in its own database (`prefix_<pid>`, or `--reuse`): created, migrated and
    loaded, `work(app)` run on it, dropped afterwards unless `--keep`. Returns what load and work said."""
    from flask_migrate import upgrade

    from app import create_app

    name = args.reuse or f"{prefix}_{os.getpid()}"
    url = str(sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    out: dict = {"database": name, "complaints": args.complaints, "stores": args.stores}
    try:
        if not args.reuse:
            url = create_database(name)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "REDIS_URL": "redis://127.0.0.1:6379/14",
                "INSTANCE_DIR": "/tmp",
                "SQLALCHEMY_ENGINE_OPTIONS": {},
            }
        )
        if not args.reuse:
            with app.app_context():
                upgrade()
            out.update(load(url, args))
        out.update(work(app))
    finally:
        if not args.keep and not args.reuse:
            drop_database(name)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, default=10_000_000)
    parser.add_argument("--stores", type=int, default=1_000_000)
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the database (its name is printed).")
    parser.add_argument("--reuse", default=None, help="Measure an existing database kept by --keep.")
    parser.add_argument("--load-only", action="store_true", help="Load (with --keep), measure nothing.")
    parser.add_argument("--skip-rebuild", action="store_true", help="Keep the roll-ups a kept database has.")
    parser.add_argument("--no-direct", action="store_true", help="Do not time the figures from the cases.")
    args = parser.parse_args()

    out = synthetic_city(
        args, "yidian_bench_figures", lambda app: {} if args.load_only else measure(app, args)
    )
    print("BENCHJSON " + json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
