"""Benchmark of the scan path (`GET /api/mp/v1/stores/<code>`) against a bare Flask JSON endpoint.

    python bench/store_page.py            # full: 1,000 and 1,000,000 stores, 10 s of wrk per server
    python bench/store_page.py --quick    # quick: 1,000 and 100,000 stores, 4 s of wrk per server
    make bench                            # the full run with the project's .venv

What it does (everything on 127.0.0.1, every step bounded in time, --max-minutes):

1. Creates its own PostgreSQL databases (`yidian_bench_1k`, `yidian_bench_1m` / `_100k`; dropped and
   recreated unless --reuse-data finds one of the right size; postgres@127.0.0.1:5432, override with
   BENCH_PG_DSN), builds the schema with the Alembic migrations (`flask db upgrade`), and fills it with
   COPY: each store has one active code (`app.stores.codes.generate`, so codes are valid; 1% of stores
   also keep a revoked one), 3-5 credentials, 2-3 commitments with JSON terms (5% with a superseded
   older version) and 1-2 badges, in a small city of regions, stations and business circles.
2. Uses Redis db 14 (BENCH_REDIS_URL=redis://127.0.0.1:6379/N for another), flushed at the start and
   before every scenario. Note: tests/conftest.py picks db 3 + pid % 13 (3..15), so a test run on this
   machine at the same time may share db 14 with the benchmark.
3. For every scenario starts gunicorn twice with the same settings (2 sync workers, a free loopback
   port, no access log): the bare endpoint (bench/bare_app.py, same URL shape) and `app:create_app()`.
   The app is first asked for every code once (warm runs then measure warm pages; cache-off runs on
   1,000 codes find them in PostgreSQL's buffers); both servers then get a warm-up, then wrk
   (`-t2 -c32 --latency`, bench/store_codes.lua picks a random code from the list per request) in
   --slices alternating slices (default 5 x 2 s each = 10 s per server), so background load on a
   shared machine hits both alike. The ratio is app req/s over bare req/s from those slices.
4. Prints a table with the targets and writes JSON to bench/results/ (gitignored).

Scenarios: warm (default settings) and cache off on 1,000 stores; warm, cache off (1,000 codes) and
cache off "wide" (50,000 codes, left cold) across the big set; then the lookup groups: cache off on
1,000 stores interleaved with cache off on the big set (1,000 random codes across it: the target), and
again with the 50,000-code list (informational: it measures the database host's memory more than the
lookup; on this VM shared_buffers is 128 MB and DAMON pages out file cache that sits idle).
"Cache off" is STORE_CACHE_LOCAL_TTL_SECONDS=0 and STORE_CACHE_TTL_SECONDS=0.
--variant NAME:KEY=VALUE adds informational what-if scenarios on 1,000 stores.

Targets: warm >= 0.6 of bare; cache off >= 0.25 of bare; the cache-off lookup among the big set within
1.2x of the one among 1,000 stores, compared on throughput (req/s, p50 shown too).

wrk: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS). Without wrk the script
falls back to a Python load generator (or use --loadgen python); its figures are labelled
"python-loadgen" and are NOT comparable with wrk figures (the generator competes for the same 2 cores).

Exit status: 0 all targets met, 1 a target missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.dont_write_bytecode = True  # touch nothing outside bench/ (no __pycache__ in app/)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
LUA = BENCH / "store_codes.lua"
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from app.stores import codes as store_codes  # noqa: E402
from app.stores import uscc as uscc_rules  # noqa: E402

PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
STORE_PATH = "/api/mp/v1/stores/"
WRK_INSTALL_HINT = "install wrk: `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)"

#: Variables the app reads; stripped from the inherited environment so a shell or .env cannot skew a run.
APP_VARS = (
    "APP_ENV",
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "PUBLIC_BASE_URL",
    "WECHAT_API_BASE",
    "WECHAT_MP_APPID",
    "WECHAT_MP_SECRET",
    "WECHAT_OA_APPID",
    "WECHAT_OA_SECRET",
    "WECHAT_OA_TOKEN",
    "WECHAT_OA_AES_KEY",
    "WECHAT_MP_VERIFY_FILE",
    "HOTLINE_12315",
    "SESSION_TTL_SECONDS",
    "STORE_CACHE_TTL_SECONDS",
    "STORE_CACHE_LOCAL_TTL_SECONDS",
    "SCAN_FLUSH_SECONDS",
    "CREDENTIAL_EXPIRING_DAYS",
    "INSTANCE_PATH",
    "FLASK_APP",
)
PREFILL_MAX = 5_000
CACHE_OFF = {"STORE_CACHE_LOCAL_TTL_SECONDS": "0", "STORE_CACHE_TTL_SECONDS": "0"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------------------------------
# Process hygiene: every child we start is tracked and ended (by its own process group) on any exit.
# --------------------------------------------------------------------------------------------------

_children: list[subprocess.Popen] = []
_children_lock = threading.Lock()


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the benchmark dies, even by SIGKILL (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(cmd: list[str], **kw) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent, **kw)
    with _children_lock:
        _children.append(proc)
    return proc


def stop(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """End one child and its process group (gunicorn master + workers), politely then firmly."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    # Workers may outlive a master killed hard: sweep the group once more.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with _children_lock:
        if proc in _children:
            _children.remove(proc)


def stop_all() -> None:
    with _children_lock:
        procs = list(_children)
    for proc in procs:
        with contextlib.suppress(Exception):
            stop(proc, grace=5.0)


class BenchAborted(Exception):
    pass


def _on_signal(signum, frame):
    raise BenchAborted(f"stopped by signal {signal.Signals(signum).name}")


def _on_alarm(signum, frame):
    raise BenchAborted("time limit reached (--max-minutes)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# Data: a database per dataset, schema from the migrations, rows by COPY.
# --------------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇欣怡晨阳思雨子涵梓轩"
PLACES = [
    "观前",
    "平江",
    "石路",
    "山塘",
    "金鸡湖",
    "李公堤",
    "十全",
    "凤凰",
    "木渎",
    "同里",
    "东沙湖",
    "狮山",
]
STREETS = [
    "人民路",
    "干将路",
    "十全街",
    "凤凰街",
    "临顿路",
    "学士街",
    "东环路",
    "星海街",
    "现代大道",
    "旺墩路",
]
INDUSTRIES = [
    ("restaurant", "面馆", True),
    ("restaurant", "小吃店", True),
    ("food_shop", "烘焙坊", True),
    ("supermarket", "便民超市", True),
    ("pharmacy", "大药房", False),
    ("clothing", "服饰店", False),
    ("electronics", "数码店", False),
    ("service", "理发店", False),
    ("other", "杂货铺", False),
]
DISTRICT = "姑苏区"
N_STREETS = 12
N_CIRCLES = 60
N_LIAISON = 24


def _terms_variants() -> dict[str, list[str]]:
    dumps = lambda d: json.dumps(d, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    no_reason = [
        dumps({"days": days, "exclusions": excl, "conditions": cond})
        for days in (7, 15, 30)
        for excl in ([], ["食品"], ["食品", "贴身衣物"], ["定制商品", "已拆封药品"])
        for cond in ("商品完好、不影响二次销售", "凭购物小票，吊牌完好")
    ]
    payout = [
        dumps({"payer": payer, "fast_track_limit_yuan": limit, "fund": fund})
        for payer in ("经营者", "商场管理方", "市场主办方")
        for limit in (200, 500, 1000, 2000)
        for fund in ("商户先行赔付保证金", "商圈消费维权基金")
    ]
    inquiry = [dumps({"response_hours": h}) for h in (2, 4, 12, 24, 48)]
    return {"no_reason_return": no_reason, "first_payout": payout, "first_inquiry": inquiry}


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _uscc_for(i: int) -> str:
    """A valid, unique unified social credit code derived from the store number."""
    charset = uscc_rules.CHARSET
    digits = []
    for _ in range(9):
        i, r = divmod(i, 31)
        digits.append(charset[r])
    body = "91320508" + "".join(reversed(digits))
    return body + uscc_rules.check_character(body)


def _unique_codes(n: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        c = store_codes.generate()
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


@dataclass
class Dataset:
    label: str
    stores: int
    dbname: str
    codes: list[str] = field(default_factory=list)  # every active code
    load_seconds: float | None = None
    rows: dict[str, int] = field(default_factory=dict)
    reused: bool = False

    @property
    def url(self) -> str:
        return f"{PG_DSN}/{self.dbname}"


def _admin() -> psycopg.Connection:
    return psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5)


def prepare_dataset(ds: Dataset, env: dict, *, reuse: bool, seed: int) -> None:
    t0 = time.monotonic()
    if reuse and _reusable(ds):
        ds.reused = True
        _migrate(ds, env)  # a no-op at head; applies new migrations if the tree moved on
        with psycopg.connect(ds.url) as conn:
            ds.codes = [r[0] for r in conn.execute("SELECT code FROM store_codes WHERE status = 'active'")]
            ds.rows = _row_counts(conn)
        log(f"{ds.label}: reusing database {ds.dbname} ({ds.stores:,} stores)")
        ds.load_seconds = time.monotonic() - t0
        return
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ds.dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ds.dbname}"')
    _migrate(ds, env)
    log(f"{ds.label}: schema built by the migrations; loading {ds.stores:,} stores by COPY ...")
    _load(ds, seed)
    ds.load_seconds = time.monotonic() - t0
    log(
        f"{ds.label}: loaded in {ds.load_seconds:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in ds.rows.items())
    )


def _reusable(ds: Dataset) -> bool:
    try:
        with psycopg.connect(ds.url, connect_timeout=5) as conn:
            n = conn.execute("SELECT count(*) FROM stores").fetchone()[0]
            return n == ds.stores
    except psycopg.Error:
        return False


def _migrate(ds: Dataset, env: dict) -> None:
    menv = dict(env, DATABASE_URL=ds.url, FLASK_APP="app:create_app")
    res = subprocess.run(
        [sys.executable, "-m", "flask", "db", "upgrade"],
        cwd=ROOT,
        env=menv,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if res.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed for {ds.dbname}:\n{res.stdout}\n{res.stderr}")


def _row_counts(conn: psycopg.Connection) -> dict[str, int]:
    out = {}
    for t in ("stores", "store_codes", "credentials", "commitments", "badges"):
        out[t] = conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
    return out


LOADED_TABLES = (
    "regions",
    "stations",
    "business_circles",
    "stores",
    "store_codes",
    "credentials",
    "commitments",
    "badges",
)


def _truncate_for_freeze(conn: psycopg.Connection) -> None:
    """Truncate the loaded tables and every table that references them, in the load's transaction.

    COPY ... FREEZE needs that (rows are written frozen, so no vacuum storm follows the load). The
    database is fresh, so all of them must be empty: a migration that seeds one of them needs this
    script updated (ids are assigned here), and it says so rather than loading over the seed.
    """
    rows = conn.execute(
        """
        WITH RECURSIVE dep(rel) AS (
            SELECT c.oid FROM pg_class c
            WHERE c.relname = ANY(%s) AND c.relnamespace = 'public'::regnamespace
          UNION
            SELECT con.conrelid FROM pg_constraint con JOIN dep ON con.confrelid = dep.rel
            WHERE con.contype = 'f'
        )
        SELECT DISTINCT quote_ident(c.relname) FROM dep JOIN pg_class c ON c.oid = dep.rel
        """,
        (list(LOADED_TABLES),),
    ).fetchall()
    tables = sorted(r[0] for r in rows)
    seeded = [t for t in tables if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {t})").fetchone()[0]]
    if seeded:
        raise RuntimeError(
            "the migrations seed rows in " + ", ".join(seeded) + ": bench/store_page.py assigns ids "
            "in these tables itself and must be taught about the seed first"
        )
    conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")


def _copy(cur: psycopg.Cursor, table: str, columns: str, chunks) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)") as cp:
        for chunk in chunks:
            cp.write(chunk)


def _load(ds: Dataset, seed: int) -> None:
    rng = random.Random(seed)
    n = ds.stores
    now = dt.datetime.now(dt.UTC)
    ts = now.strftime("%Y-%m-%d %H:%M:%S+00")
    today = now.date()
    t0 = time.monotonic()
    active = _unique_codes(n + n // 100 + 1)  # 1% of stores also keep an old, revoked code
    ds.codes = active[:n]
    revoked_pool = active[n:]
    log(f"{ds.label}: {len(active):,} codes generated in {time.monotonic() - t0:.1f} s")
    terms = _terms_variants()
    chunk = 20_000

    # Directory: regions 1 (district) + streets; stations: centre 1, offices per street, service
    # stations (one per circle), liaison stations; circles.
    streets = list(range(2, 2 + N_STREETS))
    office_of = {r: r for r in streets}  # station id == region id for offices (ids 2..13)
    service_ids = list(range(2 + N_STREETS, 2 + N_STREETS + N_CIRCLES))
    liaison_ids = list(range(service_ids[-1] + 1, service_ids[-1] + 1 + N_LIAISON))
    circle_region = {c: streets[(c - 1) % N_STREETS] for c in range(1, N_CIRCLES + 1)}

    with psycopg.connect(ds.url) as conn:
        conn.execute("SET session_replication_role = replica")  # skip FK triggers during the load
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        _truncate_for_freeze(conn)
        with conn.cursor() as cur:
            region_rows = [(1, DISTRICT, None)] + [
                (r, f"{PLACES[(r - 2) % len(PLACES)]}街道{r}", 1) for r in streets
            ]
            cur.executemany(
                "INSERT INTO regions (id, name, parent_id, created_at) VALUES (%s, %s, %s, %s)",
                [(*row, now) for row in region_rows],
            )
            st_rows = [(1, f"{DISTRICT}12315投诉举报中心", "center_12315", None, 1)]
            st_rows += [
                (office_of[r], f"{region_rows[r - 1][1]}市场监管所", "regulatory_office", 1, r)
                for r in streets
            ]
            st_rows += [
                (
                    sid,
                    f"商圈{k + 1}消费维权服务站",
                    "service_station",
                    office_of[circle_region[k + 1]],
                    circle_region[k + 1],
                )
                for k, sid in enumerate(service_ids)
            ]
            st_rows += [
                (
                    sid,
                    f"消费维权联络站{k + 1}",
                    "liaison_station",
                    office_of[streets[k % N_STREETS]],
                    streets[k % N_STREETS],
                )
                for k, sid in enumerate(liaison_ids)
            ]
            cur.executemany(
                "INSERT INTO stations (id, name, kind, parent_id, region_id, address, phone, created_at,"
                " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        sid,
                        name,
                        kind,
                        parent,
                        region,
                        f"{rng.choice(STREETS)} {sid} 号",
                        f"0512-6{sid:07d}",
                        now,
                        now,
                    )
                    for sid, name, kind, parent, region in st_rows
                ],
            )
            cur.executemany(
                "INSERT INTO business_circles (id, name, region_id, station_id, created_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    (c, f"{PLACES[c % len(PLACES)]}商圈{c}", circle_region[c], service_ids[c - 1], now)
                    for c in range(1, N_CIRCLES + 1)
                ],
            )

            # Per-store shape, decided once so every table agrees.
            kinds = [rng.randrange(len(INDUSTRIES)) for _ in range(n)]

            def stores_rows():
                buf = []
                for i in range(1, n + 1):
                    industry, noun, _ = INDUSTRIES[kinds[i - 1]]
                    roll = rng.random()
                    if roll < 0.7:  # in a business circle: its service station answers
                        circle = rng.randint(1, N_CIRCLES)
                        region, circle_s, station_s = circle_region[circle], str(circle), "\\N"
                    elif roll < 0.8:  # its own (liaison) station
                        region = rng.choice(streets)
                        circle_s, station_s = "\\N", str(rng.choice(liaison_ids))
                    else:  # region only: the regulatory office answers (one more query)
                        region, circle_s, station_s = rng.choice(streets), "\\N", "\\N"
                    if rng.random() < 0.85:
                        lat = f"{31.25 + rng.random() * 0.1:.6f}"
                        lon = f"{120.55 + rng.random() * 0.15:.6f}"
                    else:
                        lat = lon = "\\N"
                    name = f"{rng.choice(PLACES)}{_person(rng)[0]}记{noun}（{i}号店）"
                    addr = f"{DISTRICT}{rng.choice(STREETS)} {rng.randint(1, 999)} 号"
                    complaints = "t" if rng.random() < 0.95 else "f"
                    buf.append(
                        f"{i}\t{name}\t{_uscc_for(i)}\t{addr}\t{industry}\t{region}\t{circle_s}\t{station_s}\t"
                        f"{lat}\t{lon}\t{_person(rng)}\t139{rng.randrange(10**8):08d}\t{complaints}\t{ts}\t{ts}\n"
                    )
                    if len(buf) >= chunk:
                        yield "".join(buf)
                        buf.clear()
                if buf:
                    yield "".join(buf)

            _copy(
                cur,
                "stores",
                "id, name, uscc, address, industry, region_id, circle_id, station_id, latitude, longitude,"
                " merchant_contact, merchant_phone, accepts_complaints, created_at, updated_at",
                stores_rows(),
            )
            log(f"{ds.label}: stores copied ({time.monotonic() - t0:.0f} s)")

            def code_rows():
                buf = []
                cid = 0
                for i, code in enumerate(ds.codes, start=1):
                    if i <= len(revoked_pool):  # an older code, revoked, for 1% of stores
                        cid += 1
                        buf.append(
                            f"{cid}\t{i}\t{revoked_pool[i - 1]}\trevoked\t{ts}\t{ts}\t二维码污损，已换发\n"
                        )
                    cid += 1
                    buf.append(f"{cid}\t{i}\t{code}\tactive\t{ts}\t\\N\t\n")
                    if len(buf) >= chunk:
                        yield "".join(buf)
                        buf.clear()
                if buf:
                    yield "".join(buf)

            _copy(
                cur,
                "store_codes",
                "id, store_id, code, status, issued_at, revoked_at, revoke_reason",
                code_rows(),
            )
            log(f"{ds.label}: store_codes copied ({time.monotonic() - t0:.0f} s)")

            def credential_rows():
                buf = []
                cid = 0
                for i in range(1, n + 1):
                    _, _, food = INDUSTRIES[kinds[i - 1]]
                    issued = today - dt.timedelta(days=rng.randint(30, 3000))
                    cid += 1  # business licence: long-term, the company holds it
                    buf.append(
                        f"{cid}\t{i}\tbusiness_licence\t营业执照\t{_uscc_for(i)}\t苏州{i}号商贸有限公司\tf\t"
                        f"{issued}\t\\N\thttps://img.example.invalid/c/{cid}.jpg\t{ts}\n"
                    )
                    cid += 1  # food licence (or another permit), dated: some expired, some expiring
                    until = today + dt.timedelta(days=rng.randint(-60, 1500))
                    kind, title = ("food_licence", "食品经营许可证") if food else ("other", "特种行业许可证")
                    buf.append(
                        f"{cid}\t{i}\t{kind}\t{title}\tJY1{i:013d}\t苏州{i}号商贸有限公司\tf\t"
                        f"{until - dt.timedelta(days=1825)}\t{until}\thttps://img.example.invalid/c/{cid}.jpg\t{ts}\n"
                    )
                    for k in range(rng.randint(1, 3)):  # health certificates: a person, one year
                        cid += 1
                        until = today + dt.timedelta(days=rng.randint(-20, 365))
                        buf.append(
                            f"{cid}\t{i}\thealth_certificate\t\tJK{i:09d}{k}\t{_person(rng)}\tt\t"
                            f"{until - dt.timedelta(days=365)}\t{until}\t\t{ts}\n"
                        )
                    if len(buf) >= chunk:
                        yield "".join(buf)
                        buf.clear()
                if buf:
                    yield "".join(buf)

            _copy(
                cur,
                "credentials",
                "id, store_id, kind, title, number, holder, holder_is_person, issued_on, valid_until,"
                " image_url, updated_at",
                credential_rows(),
            )
            log(f"{ds.label}: credentials copied ({time.monotonic() - t0:.0f} s)")

            all_kinds = ["no_reason_return", "first_payout", "first_inquiry"]

            def commitment_rows():
                buf = []
                cid = 0
                for i in range(1, n + 1):
                    chosen = all_kinds if rng.random() < 0.5 else rng.sample(all_kinds, 2)
                    for kind in chosen:
                        eff = today - dt.timedelta(days=rng.randint(1, 700))
                        version = 1
                        if rng.random() < 0.05:  # terms changed once: the old version is superseded
                            cid += 1
                            buf.append(
                                f"{cid}\t{i}\t{kind}\t1\t{rng.choice(terms[kind])}\t"
                                f"{eff - dt.timedelta(days=365)}\t{ts}\t{ts}\n"
                            )
                            version = 2
                        cid += 1
                        buf.append(
                            f"{cid}\t{i}\t{kind}\t{version}\t{rng.choice(terms[kind])}\t{eff}\t\\N\t{ts}\n"
                        )
                    if len(buf) >= chunk:
                        yield "".join(buf)
                        buf.clear()
                if buf:
                    yield "".join(buf)

            _copy(
                cur,
                "commitments",
                "id, store_id, kind, version, terms, effective_from, superseded_at, created_at",
                commitment_rows(),
            )
            log(f"{ds.label}: commitments copied ({time.monotonic() - t0:.0f} s)")

            badge_kinds = [
                ("model_store", "放心消费示范店"),
                ("integrity", "诚信经营示范店"),
                ("no_reason_return", "线下无理由退货承诺店"),
            ]

            def badge_rows():
                buf = []
                bid = 0
                for i in range(1, n + 1):
                    for kind, title in rng.sample(badge_kinds, rng.randint(1, 2)):
                        bid += 1
                        level = rng.choice(("市级", "区级", "省级"))
                        buf.append(
                            f"{bid}\t{i}\t{kind}\t{title}\t{level}\t{rng.choice((2024, 2025, 2026))}\n"
                        )
                    if len(buf) >= chunk:
                        yield "".join(buf)
                        buf.clear()
                if buf:
                    yield "".join(buf)

            _copy(cur, "badges", "id, store_id, kind, title, level, year", badge_rows())
            log(f"{ds.label}: badges copied ({time.monotonic() - t0:.0f} s)")

            for table in LOADED_TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 1) FROM {table}))"
                )
        conn.commit()
        ds.rows = _row_counts(conn)
    # Statistics and visibility maps now, so autovacuum and checkpoints do not land in a measurement.
    with psycopg.connect(ds.url, autocommit=True) as conn:
        for table in LOADED_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        conn.execute("CHECKPOINT")
    log(f"{ds.label}: vacuumed and analysed ({time.monotonic() - t0:.0f} s)")


# --------------------------------------------------------------------------------------------------
# Servers and load.
# --------------------------------------------------------------------------------------------------


class Server:
    """One gunicorn, started with the settings every run shares."""

    def __init__(self, target: str, env: dict, logdir: Path, label: str, workers: int) -> None:
        self.target, self.env, self.label, self.workers = target, env, label, workers
        self.port = free_port()
        self.logfile = logdir / f"gunicorn-{label}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
            self.target,
        ]  # no --access-logfile: gunicorn writes no access log unless asked
        with open(self.logfile, "wb") as fh:
            self.proc = spawn(cmd, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            stop(self.proc)

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn ({self.label}) exited:\n{self.log_tail()}")
            try:
                status, _ = http_get(self.port, "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn ({self.label}) not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def run_wrk(url: str, codes_file: Path, seconds: float, threads: int, connections: int) -> dict:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
        "--",
        str(codes_file),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^BENCHJSON (\{.*\})$", res.stdout, re.M)
    if res.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    raw = json.loads(m.group(1))
    secs = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "requests": raw["requests"],
        "seconds": round(secs, 3),
        "rps": round(raw["requests"] / secs, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "mean_ms": round(raw["mean_us"] / 1000, 3),
        "errors": {k[:-7]: raw[k] for k in raw if k.endswith("_errors") and raw[k]},
        "wrk_output": res.stdout.strip(),
    }


def _py_worker(
    port: int, paths: list[str], seconds: float, threads: int, seed: int
) -> tuple[list[float], int, int]:
    deadline = time.monotonic() + seconds
    lat: list[float] = []
    errors = [0, 0]  # [status, socket]
    lock = threading.Lock()

    def loop(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        mine: list[float] = []
        st = so = 0
        while time.monotonic() < deadline:
            t = time.perf_counter()
            try:
                status, _ = http_get(port, rng.choice(paths), timeout=5)
                if status != 200:
                    st += 1
            except OSError:
                so += 1
                continue
            mine.append(time.perf_counter() - t)
        with lock:
            lat.extend(mine)
            errors[0] += st
            errors[1] += so

    ts = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, errors[0], errors[1]


def run_python_loadgen(port: int, codes_file: Path, seconds: float, threads: int, connections: int) -> dict:
    """Fallback when wrk is missing: `threads` processes x (connections/threads) threads. Not wrk-grade."""
    paths = [STORE_PATH + c for c in codes_file.read_text().split()]
    per = max(1, connections // threads)
    t0 = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(max_workers=threads) as pool:
        futs = [pool.submit(_py_worker, port, paths, seconds, per, k) for k in range(threads)]
        parts = [f.result(timeout=seconds + 60) for f in futs]
    secs = time.monotonic() - t0
    lat = sorted(x for p in parts for x in p[0])
    if not lat:
        raise RuntimeError("python load generator got no responses")

    def pct(q: float) -> float:
        return round(lat[min(len(lat) - 1, int(q * len(lat)))] * 1000, 3)

    errors = {"status": sum(p[1] for p in parts), "socket": sum(p[2] for p in parts)}
    return {
        "tool": "python-loadgen",
        "requests": len(lat),
        "seconds": round(secs, 3),
        "rps": round(len(lat) / secs, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(lat[-1] * 1000, 3),
        "mean_ms": round(sum(lat) / len(lat) * 1000, 3),
        "errors": {k: v for k, v in errors.items() if v},
    }


# --------------------------------------------------------------------------------------------------
# Scenarios.
# --------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One gunicorn under load inside a group (the bare endpoint, or the app with some settings)."""

    label: str
    codes: list[str]
    dataset: Dataset | None = None  # None: the bare endpoint
    settings: dict = field(default_factory=dict)

    @property
    def is_app(self) -> bool:
        return self.dataset is not None

    @property
    def warm(self) -> bool:
        """Pages are cached (the Redis TTL is not 0)."""
        return self.is_app and self.settings.get("STORE_CACHE_TTL_SECONDS") != "0"

    @property
    def prefill(self) -> bool:
        """Ask for every code once before the warm-up: warm runs then measure warm pages, and cache-off
        runs on a hot set find it in PostgreSQL's buffers. A wide list is left cold on purpose."""
        return self.is_app and (self.warm or len(self.codes) <= PREFILL_MAX)


@dataclass
class Scenario:
    name: str
    app: Entry
    description: str
    min_ratio: float | None  # None: informational (a --variant)


class Runner:
    def __init__(self, args, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.redis = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
        self.loadgen = args.loadgen
        base = {k: v for k, v in os.environ.items() if k not in APP_VARS}
        base.update(
            PYTHON_DOTENV_DISABLED="1",  # a developer's .env must not change the figures
            PYTHONDONTWRITEBYTECODE="1",
            INSTANCE_PATH=str(workdir / "instance"),
            REDIS_URL=REDIS_URL,
            SECRET_KEY="bench-only-secret-key",
            APP_ENV="development",
        )
        self.base_env = base

    def load(self, seconds: float, srv: Server, codes_file: Path) -> dict:
        a = self.args
        if self.loadgen == "wrk":
            return run_wrk(srv.url, codes_file, seconds, a.threads, a.connections)
        return run_python_loadgen(srv.port, codes_file, seconds, a.threads, a.connections)

    def _codes_file(self, name: str, codes: list[str]) -> Path:
        path = self.workdir / f"codes-{name}.txt"
        path.write_text("\n".join(codes) + "\n")
        return path

    def _redis_stats(self) -> dict:
        try:
            cmd = self.redis.info("commandstats")
            err = self.redis.info("errorstats")
        except redis.RedisError:
            return {}
        return {
            "calls": {k.removeprefix("cmdstat_"): v.get("calls", 0) for k, v in cmd.items()},
            "failed": {k.removeprefix("cmdstat_"): v.get("failed_calls", 0) for k, v in cmd.items()},
            "errors": {k.removeprefix("errorstat_"): v.get("count", 0) for k, v in err.items()},
        }

    def group(self, name: str, entries: list[Entry]) -> dict[str, dict]:
        """Start every entry's gunicorn, warm each up, then load them in alternating slices.

        Alternating short slices (`--slices`, each duration/slices seconds) exposes every entry to the
        same background noise, which on a shared 2-core machine moves single runs by tens of percent.
        """
        a = self.args
        self.redis.flushdb()
        files = {e.label: self._codes_file(f"{name}-{e.label}", e.codes) for e in entries}
        out: dict[str, dict] = {e.label: {"label": e.label, "settings": e.settings} for e in entries}
        with contextlib.ExitStack() as stack:
            servers: dict[str, Server] = {}
            for e in entries:
                if e.is_app:
                    env = dict(self.base_env, DATABASE_URL=e.dataset.url, **e.settings)
                    target = "app:create_app()"
                else:
                    env, target = self.base_env, "bench.bare_app:app"
                srv = Server(target, env, self.workdir, f"{name}-{e.label}", a.workers)
                servers[e.label] = stack.enter_context(srv)
            for e in entries:
                srv, res = servers[e.label], out[e.label]
                self._check(srv, e)
                if e.prefill:
                    res["prefill_seconds"] = _prefill(srv.port, e.codes)
                self.load(a.warmup, srv, files[e.label])
                if e.is_app:
                    res["page_keys_after_warmup"] = sum(1 for _ in self.redis.scan_iter("sp:*:*", count=1000))
            parts: dict[str, list[dict]] = {e.label: [] for e in entries}
            redis_parts: dict[str, list[tuple[dict, dict]]] = {e.label: [] for e in entries}
            slice_seconds = a.duration / a.slices
            for k in range(a.slices):
                order = entries if k % 2 == 0 else list(reversed(entries))
                for e in order:
                    before = self._redis_stats()
                    m = self.load(slice_seconds, servers[e.label], files[e.label])
                    m["loadavg"] = _loadavg()
                    parts[e.label].append(m)
                    redis_parts[e.label].append((before, self._redis_stats()))
            for e in entries:
                res = out[e.label]
                res.update(_merge(parts[e.label]))
                res["redis"] = _redis_delta(redis_parts[e.label], res["requests"])
                res["gunicorn_log_tail"] = servers[e.label].log_tail(15)
                res["distinct_codes"] = len(e.codes)
                log(f"  {e.label:<22} {_fmt(res)}")
                if res["errors"]:
                    log(f"  {e.label}: load errors; gunicorn log:\n{res['gunicorn_log_tail']}")
        return out

    def _check(self, srv: Server, e: Entry) -> None:
        """A real page (or the bare JSON) for a few codes before anything is measured."""
        for code in e.codes[:3]:
            status, body = http_get(srv.port, STORE_PATH + code, timeout=30)
            try:
                data = json.loads(body).get("data", {}) if status == 200 else {}
            except ValueError:
                data = {}
            if status != 200 or data.get("code") != code or (e.is_app and "credentials" not in data):
                raise RuntimeError(
                    f"{e.label}: GET {STORE_PATH}{code} answered {status}: {body[:300]!r}\n{srv.log_tail()}"
                )

    def scenario(self, sc: Scenario) -> dict:
        log(f"scenario {sc.name}: {sc.description}")
        bare = Entry("bare", sc.app.codes)
        res = self.group(sc.name, [bare, sc.app])
        app, bare_m = res[sc.app.label], res["bare"]
        ratio = round(app["rps"] / bare_m["rps"], 3)
        clean = not app["errors"] and not bare_m["errors"]
        ok = None if sc.min_ratio is None else (ratio >= sc.min_ratio and clean)
        target = "no target" if ok is None else f"target >= {sc.min_ratio} -> {'PASS' if ok else 'FAIL'}"
        log(f"  ratio {ratio:.2f} ({target})")
        return {
            "scenario": sc.name,
            "description": sc.description,
            "dataset_stores": sc.app.dataset.stores,
            "distinct_codes": len(sc.app.codes),
            "settings": sc.app.settings,
            "app": app,
            "bare": bare_m,
            "ratio": ratio,
            "min_ratio": sc.min_ratio,
            "pass": ok,
        }


def _merge(parts: list[dict]) -> dict:
    """Slices of one entry as one run: exact counts; percentiles are request-weighted slice means."""
    n = sum(p["requests"] for p in parts)
    secs = sum(p["seconds"] for p in parts)
    errors: dict[str, int] = {}
    for p in parts:
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v

    def wmean(key: str) -> float:
        return round(sum(p[key] * p["requests"] for p in parts) / max(1, n), 3)

    return {
        "tool": parts[0]["tool"],
        "requests": n,
        "seconds": round(secs, 3),
        "rps": round(n / secs, 1) if secs else 0.0,
        "p50_ms": wmean("p50_ms"),
        "p90_ms": wmean("p90_ms"),
        "p99_ms": wmean("p99_ms"),
        "max_ms": max(p["max_ms"] for p in parts),
        "errors": errors,
        "slices": [
            {k: p[k] for k in ("requests", "rps", "p50_ms", "p99_ms", "errors", "loadavg") if k in p}
            for p in parts
        ],
    }


def _redis_delta(pairs: list[tuple[dict, dict]], requests: int) -> dict:
    calls: dict[str, int] = {}
    failed: dict[str, int] = {}
    errors: dict[str, int] = {}
    for before, after in pairs:
        if not before or not after:
            return {}
        for dst, key in ((calls, "calls"), (failed, "failed"), (errors, "errors")):
            for k, v in after[key].items():
                d = v - before[key].get(k, 0)
                if d and k != "info":
                    dst[k] = dst.get(k, 0) + d
    return {
        "calls_per_request": round(sum(calls.values()) / max(1, requests), 3),
        "calls": dict(sorted(calls.items(), key=lambda kv: -kv[1])),
        "failed_calls": failed,
        "errors": errors,
    }


def _loadavg() -> float | None:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _prefill(port: int, codes: list[str]) -> float:
    """Ask for every code once (8 at a time); returns the seconds it took."""
    t0 = time.monotonic()

    def one(code: str) -> int:
        return http_get(port, STORE_PATH + code, timeout=30)[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        bad = [s for s in pool.map(one, codes) if s != 200]
    if bad:
        raise RuntimeError(f"pre-fill: {len(bad)} of {len(codes)} store pages did not answer 200")
    return round(time.monotonic() - t0, 1)


def _fmt(m: dict) -> str:
    err = f"  ERRORS {m['errors']}" if m["errors"] else ""
    return f"{m['rps']:8.0f} req/s  p50 {m['p50_ms']:7.2f} ms  p99 {m['p99_ms']:7.2f} ms{err}"


def lookup_check(name: str, small: dict, big: dict, *, target: bool = True) -> dict:
    """The big-table lookup against the 1,000-store one, cache off, measured in the same slices."""
    rps_factor = small["rps"] / big["rps"]  # > 1: the big table is slower
    p50_factor = big["p50_ms"] / small["p50_ms"]
    return {
        "check": name,
        "compared_on": "throughput (req/s), cache off, interleaved slices",
        "small": small["label"],
        "big": big["label"],
        "small_rps": small["rps"],
        "big_rps": big["rps"],
        "small_p50_ms": small["p50_ms"],
        "big_p50_ms": big["p50_ms"],
        "slowdown_rps": round(rps_factor, 3),
        "slowdown_p50": round(p50_factor, 3),
        "limit": 1.2,
        "pass": (rps_factor <= 1.2 and not small["errors"] and not big["errors"]) if target else None,
    }


def print_table(results: list[dict], lookup: dict | None, checks: list[dict], tool: str, args) -> None:
    print()
    label = "" if tool == "wrk" else "   [python-loadgen: NOT comparable with wrk figures]"
    gen = "wrk" if tool == "wrk" else "python-loadgen"
    print(
        f"Results ({gen} -t{args.threads} -c{args.connections}, {args.duration:g} s per server in "
        f"{args.slices} alternating slice(s); {args.workers} sync workers){label}"
    )
    head = (
        f"{'scenario':<19} {'codes':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>8} | {'bare req/s':>10} "
        f"{'p50':>6} {'p99':>6} | {'ratio':>5} {'target':>6} {'':>4} {'redis/req':>9}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        app, bare = r["app"], r["bare"]
        verdict = {True: "PASS", False: "FAIL", None: "info"}[r["pass"]]
        target = "-" if r["min_ratio"] is None else ">=" + format(r["min_ratio"], "g")
        print(
            f"{r['scenario']:<19} {r['distinct_codes']:>6,} {app['rps']:>7.0f} {app['p50_ms']:>7.2f} "
            f"{app['p99_ms']:>8.2f} | {bare['rps']:>10.0f} {bare['p50_ms']:>6.2f} {bare['p99_ms']:>6.2f} | "
            f"{r['ratio']:>5.2f} {target:>6} {verdict:>4} "
            f"{r['app']['redis'].get('calls_per_request', '?'):>9}"
        )
    print(
        "ratio = app req/s / bare req/s (same slices); redis/req = Redis commands per request during the"
        " app's slices (server-wide: other clients of that Redis inflate it)"
    )
    for r in results:
        for side in ("app", "bare"):
            if r[side]["errors"]:
                print(f"  {r['scenario']} ({side}): load errors {r[side]['errors']}")
        failed = r["app"]["redis"].get("failed_calls")
        if failed:
            print(
                f"  {r['scenario']}: Redis rejected commands: {failed}, errors {r['app']['redis'].get('errors')}"
            )
    if lookup:
        print()
        print("Lookup, cache off, servers interleaved slice by slice:")
        for name, group in lookup.items():
            for m in group.values():
                print(f"  [{name}] {m['label']:<19} {m['distinct_codes']:>6,} codes {_fmt(m)}")
    for c in checks:
        print(
            f"{c['check']}: {c['big']} {c['big_rps']:.0f} req/s vs {c['small']} {c['small_rps']:.0f} req/s"
            f" = {c['slowdown_rps']:.2f}x slower (p50 {c['big_p50_ms']:.1f} vs {c['small_p50_ms']:.1f} ms ="
            f" {c['slowdown_p50']:.2f}x); limit {c['limit']}x on req/s ->"
            f" {({True: 'PASS', False: 'FAIL', None: 'info (no target)'})[c['pass']]}"
        )
    print()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short runs; the big dataset has 100,000 stores")
    p.add_argument(
        "--big", type=int, help="stores in the big dataset (default 1,000,000; 100,000 with --quick)"
    )
    p.add_argument("--small", type=int, default=1000, help="stores in the small dataset (default 1,000)")
    p.add_argument("--skip-big", action="store_true", help="only the small dataset")
    p.add_argument("--duration", type=float, help="measured seconds per server (default 10; 4 with --quick)")
    p.add_argument("--slices", type=int, help="alternating slices per server (default 5; 2 with --quick)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3; 2 with --quick)")
    p.add_argument("--codes", type=int, default=1000, help="distinct codes the load picks from")
    p.add_argument(
        "--wide-codes", type=int, default=50_000, help="codes for the wide cache-off run (big set)"
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    p.add_argument("--reuse-data", action="store_true", help="keep a bench database that has the right size")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:KEY=VALUE[,KEY=VALUE]",
        help="an extra, informational scenario on the small dataset with these app settings, e.g."
        " 'localttl60:STORE_CACHE_LOCAL_TTL_SECONDS=60' (repeatable)",
    )
    p.add_argument("--max-minutes", type=float, help="hard time limit (default 15; 45 for the full run)")
    args = p.parse_args()
    args.duration = args.duration or (4.0 if args.quick else 10.0)
    args.slices = max(1, args.slices or (2 if args.quick else 5))
    args.warmup = args.warmup or (2.0 if args.quick else 3.0)
    args.big = args.big or (100_000 if args.quick else 1_000_000)
    args.max_minutes = args.max_minutes or (15.0 if args.quick else 45.0)

    if args.loadgen in ("auto", "wrk") and shutil.which("wrk") is None:
        if args.loadgen == "wrk":
            print(f"wrk not found; {WRK_INSTALL_HINT}", file=sys.stderr)
            return 2
        print(
            f"WARNING: wrk not found ({WRK_INSTALL_HINT}); falling back to the Python load generator.\n"
            "         Its figures are labelled python-loadgen and are not comparable with wrk figures.",
            file=sys.stderr,
        )
        args.loadgen = "python"
    elif args.loadgen == "auto":
        args.loadgen = "wrk"

    variants = []
    for spec in args.variant:
        name, _, pairs = spec.partition(":")
        settings = dict(kv.split("=", 1) for kv in pairs.split(",") if "=" in kv)
        if not name or not settings or not set(settings) <= set(APP_VARS):
            p.error(f"--variant {spec!r}: want NAME:KEY=VALUE[,KEY=VALUE] with the app's variables")
        variants.append((name, settings))
    busy = _loadavg()
    if busy is not None and busy > 1.0:
        print(
            f"WARNING: load average {busy:.1f} before the run: other work shares these cores, so figures"
            " will be noisy (the alternating slices keep ratios fair, not absolute numbers).",
            file=sys.stderr,
        )

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(int(args.max_minutes * 60))
    atexit.register(stop_all)

    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="yidian-bench-"))
    (workdir / "instance").mkdir()
    runner = Runner(args, workdir)
    results: list[dict] = []
    checks: list[dict] = []
    lookup: dict | None = None
    datasets: list[Dataset] = []
    meta = _meta(args)
    meta["loadavg_at_start"] = busy
    status = 0
    try:
        runner.redis.ping()
        runner.redis.flushdb()
        name = "yidian_bench_1k" if args.small == 1000 else f"yidian_bench_{args.small}"
        small = Dataset("small", args.small, name)
        datasets.append(small)
        prepare_dataset(small, runner.base_env, reuse=args.reuse_data, seed=args.seed)
        rng = random.Random(args.seed)
        hot_small = rng.sample(small.codes, min(args.codes, len(small.codes)))
        small_tag = "1k" if args.small == 1000 else f"{args.small}"
        results.append(
            runner.scenario(
                Scenario(
                    f"warm_{small_tag}",
                    Entry(f"warm_{small_tag}", hot_small, small),
                    f"store page, default settings, warm, {args.small:,} stores",
                    0.6,
                )
            )
        )
        off_small = Entry(f"cacheoff_{small_tag}", hot_small, small, CACHE_OFF)
        results.append(
            runner.scenario(
                Scenario(off_small.label, off_small, f"store page, cache off, {args.small:,} stores", 0.25)
            )
        )
        for name, settings in variants:
            e = Entry(f"{small_tag}+{name}", hot_small, small, settings)
            desc = f"what-if on {args.small:,} stores: " + ", ".join(f"{k}={v}" for k, v in settings.items())
            results.append(runner.scenario(Scenario(e.label, e, desc, None)))
        if not args.skip_big:
            tag = "1m" if args.big == 1_000_000 else f"{args.big // 1000}k"
            big = Dataset("big", args.big, f"yidian_bench_{tag}")
            datasets.append(big)
            prepare_dataset(big, runner.base_env, reuse=args.reuse_data, seed=args.seed + 1)
            hot_big = rng.sample(big.codes, min(args.codes, len(big.codes)))
            wide_big = rng.sample(big.codes, min(args.wide_codes, len(big.codes)))
            big.codes = []  # the samples are enough
            warm_big = Entry(f"warm_{tag}", hot_big, big)
            off_big = Entry(f"cacheoff_{tag}", hot_big, big, CACHE_OFF)
            off_wide = Entry(f"cacheoff_{tag}_wide", wide_big, big, CACHE_OFF)
            results.append(
                runner.scenario(
                    Scenario(
                        warm_big.label,
                        warm_big,
                        f"warm, {len(hot_big):,} codes across {args.big:,} stores",
                        0.6,
                    )
                )
            )
            for e in (off_big, off_wide):
                results.append(
                    runner.scenario(
                        Scenario(
                            e.label, e, f"cache off, {len(e.codes):,} codes across {args.big:,} stores", 0.25
                        )
                    )
                )
            # Two groups, not one: the wide list would push the other's hot set out of the buffers.
            lookup = {}
            log(f"lookup: cache off, {args.small:,} vs {args.big:,} stores, hot sets, interleaved")
            lookup["hot"] = runner.group("lookup", [off_small, off_big])
            checks.append(
                lookup_check(
                    f"lookup {tag} vs {small_tag} ({len(hot_big):,} codes each, hot)",
                    lookup["hot"][off_small.label],
                    lookup["hot"][off_big.label],
                )
            )
            log(f"lookup: cache off, {args.small:,} stores vs {len(wide_big):,} codes, interleaved")
            lookup["wide"] = runner.group("lookup_wide", [off_small, off_wide])
            checks.append(
                lookup_check(
                    f"lookup {tag} vs {small_tag} ({len(wide_big):,} vs {len(hot_small):,} codes, cold; info)",
                    lookup["wide"][off_small.label],
                    lookup["wide"][off_wide.label],
                    target=False,
                )
            )
    except BenchAborted as exc:
        print(f"\nABORTED: {exc}", file=sys.stderr)
        status = 2
    except Exception as exc:
        print(f"\nERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        status = 2
    finally:
        signal.alarm(0)
        stop_all()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let the results be written
        shutil.rmtree(workdir, ignore_errors=True)

    if results:
        print_table(results, lookup, checks, args.loadgen, args)
    verdicts = [v["pass"] for v in (*results, *checks) if v["pass"] is not None]
    if status == 0 and not all(verdicts):
        status = 1
    meta["datasets"] = [
        {
            "label": d.label,
            "stores": d.stores,
            "database": d.dbname,
            "rows": d.rows,
            "load_seconds": d.load_seconds,
            "reused": d.reused,
        }
        for d in datasets
    ]
    meta["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta["exit_status"] = status
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"store_page-{started:%Y%m%d-%H%M%S}{'-quick' if args.quick else ''}.json"
    doc = {"meta": meta, "scenarios": results, "lookup": lookup, "checks": checks}
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2))
    print(f"results: {out.relative_to(ROOT)}")
    print({0: "all targets met", 1: "a target was missed", 2: "the benchmark did not complete"}[status])
    return status


def _meta(args) -> dict:
    def version(cmd: list[str]) -> str:
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (res.stdout or res.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "?"

    meta = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "args": vars(args),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "gunicorn": version([sys.executable, "-m", "gunicorn", "--version"]),
        "wrk": version(["wrk", "-v"]) if shutil.which("wrk") else None,
        "gunicorn_settings": f"{args.workers} sync workers, 127.0.0.1, no access log",
        "load": (
            f"{args.loadgen} -t{args.threads} -c{args.connections}, {args.duration:g} s per server in"
            f" {args.slices} alternating slices, warm-up {args.warmup:g} s"
        ),
        "percentiles": "with slices > 1: request-weighted means of per-slice wrk percentiles",
    }
    try:
        with _admin() as conn:
            meta["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        meta["redis"] = redis.Redis.from_url(REDIS_URL).info("server")["redis_version"]
    except Exception as exc:  # reported, not fatal here: main() fails on the real use
        meta["services_error"] = repr(exc)
    return meta


if __name__ == "__main__":
    sys.exit(main())
