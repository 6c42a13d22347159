"""Benchmark of complaint filing (`POST /api/mp/v1/stores/<code>/complaints`) against a bare Flask endpoint.

    python bench/complaint_filing.py            # full: 3,000 consumers, 400 extra stores, 20 s per server
    python bench/complaint_filing.py --quick    # quick: 1,500 consumers, 250 extra stores, 6 s per server
    python bench/complaint_filing.py --quick --profile 8   # then 8 s more under py-spy (wall time)
    python bench/complaint_filing.py --quick --profile 8 --profile-gil   # ... Python CPU only
    python bench/complaint_filing.py --floor    # also the two floor apps (bench/filing_floor_app.py)
    python bench/complaint_filing.py --floor --sequential 300   # then CPU per new filing and per replay

What it does (everything on 127.0.0.1, every step bounded in time, every child ended on any exit):

1. Database `yidian_bench_filing` (dropped and recreated; postgres@127.0.0.1:5432, BENCH_PG_DSN to
   override), schema by the migrations (`flask db upgrade`), the demo city by `flask demo seed` (a 12315
   centre, two regulatory offices, two service stations with their business circles, a liaison station,
   55 stores), then a few hundred more stores by COPY spread over the same city (in a circle, with their
   own station, or region only), each with an active code and commitments; a handler and a supervisor
   bound to every station, and a merchant contact for about a quarter of the stores (首问负责 path).
2. Redis db 11 (BENCH_FILING_REDIS_URL), flushed.
3. The WeChat emulator (`python -m app.dev.wechat_emulator`) on a free loopback port with a benchmark appid;
   the app talks to it through WECHAT_API_BASE, so msgSecCheck really runs (and must answer "pass").
4. gunicorn, 4 sync workers (2 x cores: a filing waits on PostgreSQL, Redis and WeChat; --workers to
   change), otherwise the settings of bench/store_page.py, twice: `app:create_app()` (rate limits raised
   with COMPLAINTS_PER_HOUR / _PER_STORE_DAY / _PER_ADDRESS_HOUR so the load is not refused, and
   TRUSTED_PROXIES=1 so each consumer's own address, sent as X-Forwarded-For, is the one counted) and the
   bare endpoint (bench/bare_app.py, GET, driven by bench/store_codes.lua).
5. Thousands of consumers log in the real way: a wx.login code minted by the emulator, exchanged at
   `POST /api/mp/v1/session` for a signed token (app.consumers.login.issue_token).
6. wrk (`-t2 -c32 --latency`) with bench/filing.lua walks prepared items (token, store code,
   Idempotency-Key, body) and sends every item twice with the same key: a third of the pairs back to
   back (concurrent), a third a few requests apart (overlapping), a third far apart (sequential).
   Bare and filing are measured in alternating slices after a warm-up each; every filing slice uses
   fresh items, and the app is left to finish what was in flight before the next slice starts. Items
   whose second copy the time limit cut off get it afterwards (unmeasured), so every key goes twice.
7. Counts: keys sent vs complaint rows, duplicates (a key with two rows, or a complaint number given
   out for more than one key), lost (a 201 whose complaint number has no row; a key sent without a row
   and without an error or an unanswered request to explain it). Non-2xx answers are listed by status.
   The PostgreSQL log (when readable) tells how many concurrent copies lost the unique-key race.
8. With --floor, two more servers in the same alternating slices (bench/filing_floor_app.py), which do
   only the exchanges a filing cannot avoid (token, Redis, one read, msgSecCheck, one insert, Redis)
   and none of its logic, each with its own fresh items sent twice the same way: `floor` built like the
   app (SQLAlchemy Core, pre-ping pool, urllib3), `floor_raw` the leanest Python (psycopg, http.client).
   Their ratios are ceilings for any filing written in Python on this machine.
9. Prints a table (plus CPU per request of the app, emulator, PostgreSQL backends, Redis and wrk) and
   writes JSON to bench/results/ (gitignored); --profile adds a py-spy summary by app function.

Target: filing req/s >= 0.2 of the bare endpoint's, with zero duplicates, zero lost and no errors.
Exit status: 0 target met, 1 missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import atexit
import collections
import concurrent.futures
import contextlib
import datetime as dt
import heapq
import http.client
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True  # touch nothing outside bench/ (no __pycache__ in app/)

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import psycopg  # noqa: E402
import redis  # noqa: E402
import store_page as sp  # noqa: E402  (also puts the project root on sys.path)
from common import named_cpu, run_wrk_script, tree_cpu  # noqa: E402

ROOT = sp.ROOT
RESULTS = BENCH / "results"
FILING_LUA = BENCH / "filing.lua"
BARE_LUA = BENCH / "store_codes.lua"
DBNAME = "yidian_bench_filing"
FLOORS = {"floor": "bench.filing_floor_app:app", "floor_raw": "bench.filing_floor_app:raw_app"}
PG_DSN = sp.PG_DSN
REDIS_URL = os.environ.get("BENCH_FILING_REDIS_URL", "redis://127.0.0.1:6379/11")
APPID, APPSECRET = "wxbenchfiling0001", "bench-filing-secret-0001"
SECRET_KEY = "bench-filing-secret-key"
HIGH_LIMIT = "100000000"
CN = ZoneInfo("Asia/Shanghai")
MIN_RATIO = 0.2

log = sp.log

#: The app's variables (and families of them) are stripped from the inherited environment.
APP_PREFIXES = ("WECHAT_", "COMPLAINTS_", "OUTBOX_", "STORE_CACHE_", "UPLOAD_", "STORAGE_")


# --------------------------------------------------------------------------------------------------
# Data: the demo city by `flask demo seed`, a few hundred more stores by COPY.
# --------------------------------------------------------------------------------------------------

NOUNS = [
    ("restaurant", "面馆"),
    ("restaurant", "小吃店"),
    ("food_shop", "烘焙坊"),
    ("supermarket", "便民超市"),
    ("pharmacy", "大药房"),
    ("clothing", "服饰店"),
    ("electronics", "数码店"),
    ("service", "理发店"),
    ("other", "杂货铺"),
]


def flask_cmd(env: dict, *args: str, timeout: float = 300) -> str:
    menv = dict(env, FLASK_APP="app:create_app")
    res = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=menv,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if res.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return res.stdout


def prepare_database(env: dict, extra_stores: int, seed: int) -> dict:
    t0 = time.monotonic()
    with sp._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DBNAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DBNAME}"')
    ds = sp.Dataset("filing", extra_stores, DBNAME)
    sp._migrate(ds, env)
    flask_cmd(env, "demo", "seed")
    log(f"schema migrated and demo city seeded ({time.monotonic() - t0:.0f} s)")
    _copy_stores(ds.url, extra_stores, seed)
    with psycopg.connect(ds.url, autocommit=True) as conn:
        for table in ("stores", "store_codes", "commitments", "staff", "stations", "business_circles"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        rows = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in (
                "regions",
                "stations",
                "business_circles",
                "stores",
                "store_codes",
                "commitments",
                "staff",
            )
        }
    log("data: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()) + f" ({time.monotonic() - t0:.0f} s)")
    return {"database": DBNAME, "rows": rows, "load_seconds": round(time.monotonic() - t0, 1)}


def _copy_stores(url: str, n: int, seed: int) -> None:
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(CN).date()
    terms = sp._terms_variants()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        stations = cur.execute("SELECT id, kind, region_id FROM stations ORDER BY id").fetchall()
        circles = cur.execute("SELECT id, region_id FROM business_circles ORDER BY id").fetchall()
        regions = [r[0] for r in cur.execute("SELECT id FROM regions WHERE parent_id IS NOT NULL")]
        own = [s for s in stations if s[1] == "liaison_station"]
        taken = {r[0] for r in cur.execute("SELECT code FROM store_codes")}
        base = {
            t: cur.execute(f"SELECT coalesce(max(id), 0) FROM {t}").fetchone()[0]
            for t in ("stores", "store_codes", "commitments", "staff")
        }
        codes: list[str] = []
        for c in sp._unique_codes(n + len(taken)):
            if c not in taken and len(codes) < n:
                codes.append(c)
        with cur.copy(
            "COPY stores (id, name, uscc, address, industry, region_id, circle_id, station_id, latitude,"
            " longitude, merchant_contact, merchant_phone, accepts_complaints, created_at, updated_at)"
            " FROM STDIN"
        ) as cp:
            for k in range(n):
                sid = base["stores"] + k + 1
                industry, noun = rng.choice(NOUNS)
                roll = rng.random()
                if roll < 0.7 and circles:  # in a business circle: its service station answers
                    circle, region = rng.choice(circles)
                    station = None
                elif roll < 0.8 and own:  # its own (liaison) station
                    circle, station, region = None, own[0][0], own[0][2]
                else:  # region only: the regulatory office answers
                    circle, station, region = None, None, rng.choice(regions)
                cp.write_row(
                    (
                        sid,
                        f"{rng.choice(sp.PLACES)}{sp._person(rng)[0]}记{noun}（压测{k + 1}号店）",
                        sp._uscc_for(900_000 + k),
                        f"滨湖区{rng.choice(sp.STREETS)} {rng.randint(1, 999)} 号",
                        industry,
                        region,
                        circle,
                        station,
                        round(31.55 + rng.random() * 0.05, 6),
                        round(120.25 + rng.random() * 0.06, 6),
                        sp._person(rng),
                        f"139{rng.randrange(10**8):08d}",
                        True,
                        now,
                        now,
                    )
                )
        with cur.copy(
            "COPY store_codes (id, store_id, code, status, issued_at, revoke_reason) FROM STDIN"
        ) as cp:
            for k, code in enumerate(codes):
                cp.write_row((base["store_codes"] + k + 1, base["stores"] + k + 1, code, "active", now, ""))
        with cur.copy(
            "COPY commitments (id, store_id, kind, version, terms, effective_from, created_at) FROM STDIN"
        ) as cp:
            cid = base["commitments"]
            for k in range(n):
                for kind in rng.sample(sorted(terms), rng.randint(1, 3)):
                    cid += 1
                    eff = today - dt.timedelta(days=rng.randint(1, 700))
                    cp.write_row((cid, base["stores"] + k + 1, kind, 1, rng.choice(terms[kind]), eff, now))
        all_stores = [r[0] for r in cur.execute("SELECT id FROM stores ORDER BY id")]
        with cur.copy(
            "COPY staff (id, name, role, station_id, store_id, phone, oa_openid, active, created_at) FROM STDIN"
        ) as cp:
            sid = base["staff"]
            for st_id, _kind, _region in stations:  # a bound handler and supervisor everywhere
                for role in ("handler", "supervisor"):
                    sid += 1
                    cp.write_row((sid, sp._person(rng), role, st_id, None, "", f"oa-bench-{sid}", True, now))
            for store_id in rng.sample(all_stores, len(all_stores) // 4):  # merchant contacts
                sid += 1
                cp.write_row(
                    (sid, sp._person(rng), "merchant", None, store_id, "", f"oa-bench-{sid}", True, now)
                )
        for table in ("stores", "store_codes", "commitments", "staff"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()


def active_codes(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT c.code, c.store_id FROM store_codes c JOIN stores s ON s.id = c.store_id"
            " WHERE c.status = 'active' AND s.accepts_complaints ORDER BY c.store_id"
        ).fetchall()


# --------------------------------------------------------------------------------------------------
# Consumers: logged in through the emulator and POST /session, as the mini-program does.
# --------------------------------------------------------------------------------------------------


@dataclass
class Consumer:
    user: str
    id: int
    token: str
    name: str
    phone: str

    @property
    def address(self) -> str:
        """The consumer's own client address, sent as X-Forwarded-For (the app trusts one proxy hop, as
        behind nginx): thousands of consumers do not share one address in real life. 198.18.0.0/15 is
        the benchmarking range (RFC 2544); it is only a header value, nothing is sent there."""
        return f"198.{18 + (self.id >> 16) % 2}.{(self.id >> 8) & 255}.{self.id & 255}"


def _post_json(
    port: int, path: str, body: dict, timeout: float = 30.0, headers: dict | None = None
) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **(headers or {})})
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, {"raw": raw[:300].decode(errors="replace")}
    finally:
        conn.close()


def login_consumers(app_port: int, emu_port: int, n: int, seed: int) -> list[Consumer]:
    rng = random.Random(seed + 7)
    people = [(f"bench-user-{i}", sp._person(rng), f"139{i:08d}") for i in range(1, n + 1)]

    def one(person: tuple[str, str, str]) -> Consumer:
        user, name, phone = person
        status, code = _post_json(emu_port, "/__emulator__/login-code", {"user": user})
        if status not in (200, 201) or "code" not in code:
            raise RuntimeError(f"emulator login-code for {user}: {status} {code}")
        status, body = _post_json(app_port, "/api/mp/v1/session", {"code": code["code"]})
        if status != 200:
            raise RuntimeError(f"POST /api/mp/v1/session for {user}: {status} {body}")
        data = body["data"]
        if data.get("sandbox"):
            raise RuntimeError("the app logged in a sandbox consumer: WeChat credentials not applied")
        return Consumer(user, data["consumer"]["id"], data["token"], name, phone)

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        out = list(pool.map(one, people))
    log(f"{n:,} consumers logged in through the emulator and POST /session ({time.monotonic() - t0:.0f} s)")
    return out


# --------------------------------------------------------------------------------------------------
# Items: (consumer, store code, key, body); each wrk run gets fresh ones.
# --------------------------------------------------------------------------------------------------

CATEGORIES = [
    "quality",
    "service",
    "price",
    "return_exchange",
    "food_safety",
    "false_advertising",
    "pledge_broken",
    "other",
]
DEMANDS = ["return", "refund", "exchange", "compensation", "first_payout", "apology", "other"]
WHEN = ["昨天", "前天", "上周六", "上周末", "本月初", "上个月", "前几天", "今天中午"]
GOODS = [
    "羽绒服",
    "运动鞋",
    "蓝牙耳机",
    "生日蛋糕",
    "牛肉面",
    "感冒药",
    "电饭煲",
    "充电宝",
    "会员卡",
    "护肤品",
    "坚果礼盒",
    "儿童玩具",
]
PROBLEMS = [
    "第二天就开线了",
    "回家发现已经过期",
    "缺斤短两，实际少了将近一半",
    "标价和结账价格不一致",
    "店员态度恶劣还推给厂家",
    "承诺七天无理由退货却拒绝退",
    "吃完后肚子不舒服",
    "宣传的功效完全没有",
    "用了一次就坏了",
    "办卡时说的优惠一直不兑现",
]
ASKS = [
    "要求退款",
    "希望换一件新的",
    "要求店家道歉并赔偿",
    "希望尽快处理",
    "要求按承诺退货",
    "请监管部门核查",
]


def make_body(rng: random.Random, consumer: Consumer, today: dt.date) -> dict:
    kind = "report" if rng.random() < 0.1 else "complaint"
    desc = f"{rng.choice(WHEN)}在店里买的{rng.choice(GOODS)}，{rng.choice(PROBLEMS)}，{rng.choice(ASKS)}。"
    if rng.random() < 0.3:
        desc += f"小票编号 {rng.randrange(10**8):08d}，当时是{rng.choice(sp.SURNAMES)}姓店员接待的。"
    body: dict = {
        "kind": kind,
        "category": rng.choice(CATEGORIES),
        "demand": rng.choice(DEMANDS),
        "description": desc,
        "purchase_date": (today - dt.timedelta(days=rng.randint(1, 90))).isoformat(),
    }
    if rng.random() < 0.8:
        body["amount"] = f"{rng.randint(5, 2000)}.{rng.randrange(100):02d}"
    if kind == "complaint" or rng.random() < 0.5:  # a report may be anonymous
        body["name"], body["phone"] = consumer.name, consumer.phone
    if kind == "complaint" and rng.random() < 0.1:
        body["merchant_first"] = False
    return body


@dataclass
class FilingRun:
    """The items and sending order of one wrk run (a warm-up or a slice), per wrk thread."""

    name: str
    rundir: Path
    items: list[list[tuple[int, str]]] = field(default_factory=list)  # per thread: (consumer_id, key)
    requests: list[list[tuple[str, str, str, str]]] = field(default_factory=list)  # (token, code, key, body)
    order: list[list[int]] = field(default_factory=list)  # per thread: 1-based item numbers
    result: dict = field(default_factory=dict)  # what filing.lua wrote


class ItemFactory:
    def __init__(self, consumers: list[Consumer], codes: list[tuple[str, int]], workdir: Path, args) -> None:
        self.consumers, self.codes, self.workdir, self.args = consumers, codes, workdir, args
        self.rng = random.Random(args.seed + 11)
        self.next_consumer = 0
        self.today = dt.datetime.now(CN).date()

    def run(self, name: str, items_total: int) -> FilingRun:
        a = self.args
        per_thread = max(50, -(-items_total // a.threads))
        conns = max(1, a.connections // a.threads)
        near, far = max(2, conns // 2), 8 * conns
        run = FilingRun(name, self.workdir / f"run-{name}")
        run.rundir.mkdir()
        for t in range(1, a.threads + 1):
            lines, keys, reqs = [], [], []
            for _ in range(per_thread):
                c = self.consumers[self.next_consumer % len(self.consumers)]
                self.next_consumer += 1
                code, _store = self.rng.choice(self.codes)
                key = f"bench-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"
                body = json.dumps(
                    make_body(self.rng, c, self.today), ensure_ascii=False, separators=(",", ":")
                )
                lines.append(f"{c.token}\t{code}\t{key}\t{c.address}\t{body}\n")
                keys.append((c.id, key))
                reqs.append((c.token, code, key, c.address, body))
            order = interleave(per_thread, near, far)
            (run.rundir / f"items-{t}.tsv").write_text("".join(lines), encoding="utf-8")
            (run.rundir / f"order-{t}.txt").write_text("\n".join(map(str, order)) + "\n")
            run.items.append(keys)
            run.requests.append(reqs)
            run.order.append(order)
        return run


def interleave(n: int, near: int, far: int) -> list[int]:
    """Items 1..n, each twice: a third back to back, a third `near` requests later, a third `far` later."""
    out: list[int] = []
    pending: list[tuple[int, int]] = []  # (due position, item)
    for i in range(1, n + 1):
        while pending and pending[0][0] <= len(out):
            out.append(heapq.heappop(pending)[1])
        out.append(i)
        cls = i % 3
        if cls == 0:
            out.append(i)
        else:
            heapq.heappush(pending, (len(out) + (near if cls == 1 else far), i))
    while pending:
        out.append(heapq.heappop(pending)[1])
    assert len(out) == 2 * n and all(v == 2 for v in collections.Counter(out).values())
    return out


# --------------------------------------------------------------------------------------------------
# Servers, load and measurement.
# --------------------------------------------------------------------------------------------------


class Emulator:
    def __init__(self, env: dict, logdir: Path) -> None:
        self.env, self.port = env, sp.free_port()
        self.logfile = logdir / f"emulator-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.extra_args: list[str] = []  # more emulator options (bench/faults.py: the official account)

    def __enter__(self) -> Emulator:
        cmd = [
            sys.executable,
            "-m",
            "app.dev.wechat_emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        cmd += ["--appid", APPID, "--secret", APPSECRET, *self.extra_args]
        with open(self.logfile, "wb") as fh:
            self.proc = sp.spawn(cmd, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the WeChat emulator exited:\n{self.logfile.read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                if sp.http_get(self.port, "/__emulator__/faults", timeout=2)[0] == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError("the WeChat emulator did not start in 30 s")

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            sp.stop(self.proc)

    def calls(self, endpoint: str) -> int | None:
        try:
            status, body = sp.http_get(self.port, f"/__emulator__/calls?endpoint={endpoint}", timeout=10)
            data = json.loads(body)
        except (OSError, ValueError):
            return None
        if status != 200:
            return None
        calls = data.get("calls", data) if isinstance(data, dict) else data
        return len(calls) if isinstance(calls, list) else None


class Cpu:
    """CPU seconds of the app's gunicorn, the emulator, the app's PostgreSQL backends and wrk."""

    def __init__(self, app_pid: int, emu_pid: int, db_url: str) -> None:
        self.app_pid, self.emu_pid, self.db_url = app_pid, emu_pid, db_url

    def _pg_pids(self) -> list[int]:
        try:
            with psycopg.connect(f"{PG_DSN}/postgres", connect_timeout=5) as conn:
                return [
                    r[0]
                    for r in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                        (DBNAME,),
                    )
                ]
        except psycopg.Error:
            return []

    def snapshot(self) -> dict:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        pg = sum(tree_cpu(p) for p in self._pg_pids())
        return {
            "app": tree_cpu(self.app_pid),
            "emulator": tree_cpu(self.emu_pid),
            "postgres_app_backends": pg,
            "redis": named_cpu(("redis-server",)),
            "wrk": children.ru_utime + children.ru_stime,
        }

    @staticmethod
    def delta(before: dict, after: dict, requests: int) -> dict:
        out = {}
        for k in before:
            d = after[k] - before[k]
            out[k] = {"cpu_s": round(d, 2), "ms_per_request": round(1000 * d / max(1, requests), 3)}
        return out


def filing_load(url: str, run: FilingRun, seconds: float, args) -> dict:
    m = run_wrk_script(url, FILING_LUA, [str(run.rundir)], seconds, args.threads, args.connections)
    run.result = json.loads((run.rundir / "result.json").read_text())
    statuses: collections.Counter = collections.Counter()
    for t in run.result["threads"]:
        statuses.update({int(k): v for k, v in t["statuses"].items()})
    m["statuses"] = dict(sorted(statuses.items()))
    m["exhausted_threads"] = sum(t["exhausted"] for t in run.result["threads"])
    m["issued"] = sum(t["issued"] for t in run.result["threads"])
    return m


def second_copies(app_port: int, runs: list[FilingRun], workers: int = 8) -> dict:
    """Send the second copy of every item a time-bounded wrk run sent only once (not measured).

    So every key of the run has been sent exactly twice. Here each answer is matched to its key.
    """
    todo = []
    for run in runs:
        for t, res in enumerate(run.result.get("threads", [])):
            seen = collections.Counter(run.order[t][: res["issued"]])
            todo += [run.requests[t][item - 1] for item, n in seen.items() if n == 1]

    def one(req: tuple[str, str, str, str, str]) -> tuple[str, int, str | None]:
        token, code, key, address, body = req
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
            "X-Forwarded-For": address,
        }
        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
        try:
            conn.request("POST", f"/api/mp/v1/stores/{code}/complaints", body.encode(), headers)
            resp = conn.getresponse()
            raw = resp.read()
        except OSError:
            return key, 0, None
        finally:
            conn.close()
        number = None
        if resp.status == 201:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                number = json.loads(raw)["data"]["number"]
        return key, resp.status, number

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        answers = list(pool.map(one, todo))
    statuses = collections.Counter(st for _, st, _ in answers)
    return {
        "sent": len(todo),
        "seconds": round(time.monotonic() - t0, 1),
        "statuses": dict(sorted(statuses.items())),
        "numbers": [n for _, _, n in answers if n],
        "answers": answers,
    }


def sequential_cpu(server: sp.Server, run: FilingRun, n: int) -> dict:
    """CPU of the server's process tree per request: `n` new filings one at a time, then their replays.

    Not counted with the load's rows: it runs after them, on fresh keys, over one kept-alive connection.
    """
    items = [req for reqs in run.requests for req in reqs][:n]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    statuses: collections.Counter = collections.Counter()
    out = {}
    try:
        for phase in ("new", "replay"):
            before = tree_cpu(server.proc.pid)
            for token, code, key, address, body in items:
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": key,
                    "X-Forwarded-For": address,
                }
                conn.request("POST", f"/api/mp/v1/stores/{code}/complaints", body.encode(), headers)
                resp = conn.getresponse()
                resp.read()
                statuses[f"{phase} {resp.status}"] += 1
            out[f"{phase}_ms"] = round(1000 * (tree_cpu(server.proc.pid) - before) / max(1, len(items)), 3)
    finally:
        conn.close()
    out["statuses"] = dict(statuses)
    return out


def bare_load(url: str, codes_file: Path, seconds: float, args) -> dict:
    return run_wrk_script(url, BARE_LUA, [str(codes_file)], seconds, args.threads, args.connections)


def first_filing_check(app_port: int, consumer: Consumer, code: str) -> dict:
    """One filing by hand before anything is measured: 201 with a number, the same again replayed."""
    body = {
        "kind": "complaint",
        "category": "quality",
        "demand": "refund",
        "description": "压测前的检查：买的羽绒服第二天就开线了，要求退款。",
        "amount": "699.00",
        "purchase_date": (dt.datetime.now(CN).date() - dt.timedelta(days=2)).isoformat(),
        "name": consumer.name,
        "phone": consumer.phone,
    }
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {consumer.token}",
        "Idempotency-Key": f"bench-check-{uuid.uuid4()}",
    }
    answers = []
    for _ in range(2):
        conn = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
        try:
            conn.request("POST", f"/api/mp/v1/stores/{code}/complaints", json.dumps(body), headers)
            resp = conn.getresponse()
            answers.append((resp.status, resp.getheader("Idempotent-Replayed"), json.loads(resp.read())))
        finally:
            conn.close()
    (s1, _r1, b1), (s2, r2, b2) = answers
    if s1 != 201 or s2 != 201 or b1["data"]["number"] != b2["data"]["number"] or r2 != "true":
        raise RuntimeError(f"the first filing check failed: {answers}")
    return {"key": headers["Idempotency-Key"], "consumer_id": consumer.id, "number": b1["data"]["number"]}


# --------------------------------------------------------------------------------------------------
# Counting the rows.
# --------------------------------------------------------------------------------------------------


def wait_quiet(url: str, app_pid: int | None = None, timeout: float = 30.0) -> float:
    """Wait until the app is idle: no backend of its database busy and its workers using no CPU.

    Requests still queued or in flight when wrk stopped finish here, before anything else is measured
    or counted. Returns the seconds waited (at most `timeout`).
    """
    t0 = time.monotonic()
    quiet = 0
    with psycopg.connect(url, autocommit=True) as conn:
        cpu = tree_cpu(app_pid) if app_pid else 0.0
        while time.monotonic() - t0 < timeout:
            time.sleep(0.25)
            busy = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND state <> 'idle'",
                (DBNAME,),
            ).fetchone()[0]
            now_cpu = tree_cpu(app_pid) if app_pid else 0.0
            quiet = quiet + 1 if busy == 0 and now_cpu - cpu < 0.02 else 0
            cpu = now_cpu
            if quiet >= 2:
                break
    return round(time.monotonic() - t0, 1)


def count_rows(url: str, runs: list[FilingRun], check: dict, completion: dict) -> dict:
    with psycopg.connect(url) as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT (consumer_id, idempotency_key)) FROM complaints"
        ).fetchone()
        rows = conn.execute("SELECT number, consumer_id, idempotency_key FROM complaints").fetchall()
        content = dict(conn.execute("SELECT content_check, count(*) FROM complaints GROUP BY 1").fetchall())
        statuses = dict(conn.execute("SELECT status, count(*) FROM complaints GROUP BY 1").fetchall())
        rules = dict(conn.execute("SELECT routing_rule, count(*) FROM complaints GROUP BY 1").fetchall())
        side = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("complaint_events", "complaint_deadlines", "outbox_messages", "inbox_messages")
            if conn.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0]
        }
        without_event = conn.execute(
            "SELECT count(*) FROM complaints c WHERE NOT EXISTS"
            " (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id)"
        ).fetchone()[0]
    by_key: dict[tuple[int, str], list[str]] = collections.defaultdict(list)
    by_number: dict[str, tuple[int, str]] = {}
    for number, cid, key in rows:
        by_key[(cid, key)].append(number)
        by_number[number] = (cid, key)

    sent_keys: set[tuple[int, str]] = set()
    sent_twice = 0
    numbers: collections.Counter = collections.Counter()
    non2xx: collections.Counter = collections.Counter()
    responses = issued = replayed = 0
    for run in runs:
        if not run.result:
            continue
        for t, res in enumerate(run.result["threads"]):
            prefix = run.order[t][: res["issued"]]
            seen = collections.Counter(prefix)
            sent_twice += sum(1 for v in seen.values() if v == 2)
            for item in seen:
                sent_keys.add(run.items[t][item - 1])
            issued += res["issued"]
            replayed += res["replayed"]
            numbers.update(res["numbers"])
            for k, v in res["statuses"].items():
                responses += v
                if not 200 <= int(k) < 300:
                    non2xx[int(k)] += v
    sent_keys.add((check["consumer_id"], check["key"]))
    sent_twice += 1
    numbers[check["number"]] += 2
    checked = 2  # the hand-made check: two 201s, one a replay
    numbers.update(completion["numbers"])
    completion_errors = 0
    for _key, st, _n in completion["answers"]:
        responses += 1
        issued += 1
        if not 200 <= st < 300:
            non2xx[st] += 1
            completion_errors += 1
    sent_twice += completion["sent"]

    lost_201 = sorted(n for n in numbers if n not in by_number)  # a 201 whose complaint has no row
    foreign_rows = [k for k in by_key if k not in sent_keys]  # a row for a key nobody sent
    sent_without_row = [k for k in sent_keys if k not in by_key]
    unanswered = issued - responses  # requests in flight when wrk stopped (plus reconnects)
    errors = sum(non2xx.values())
    unexplained = max(0, len(sent_without_row) - errors - max(0, unanswered))
    dup_keys = sum(1 for v in by_key.values() if len(v) > 1)
    over_answered = sum(1 for v in numbers.values() if v > 2)  # one key answered with >2 201s
    return {
        "rows": total,
        "distinct_consumer_key": distinct,
        "keys_sent": len(sent_keys),
        "keys_sent_twice": sent_twice,
        "requests_issued": issued,
        "responses": responses,
        "unanswered_at_stop": unanswered,
        "responses_201": sum(numbers.values()) - checked,
        "second_copies_sent_after_the_runs": completion["sent"],
        "replayed_201": replayed,
        "distinct_numbers_in_201s": len(numbers),
        "non2xx_by_status": dict(sorted(non2xx.items())),
        "duplicates": (total - distinct) + dup_keys + over_answered,
        "duplicate_detail": {"rows_minus_distinct": total - distinct, "keys_with_2_rows": dup_keys},
        "lost": len(lost_201) + unexplained,
        "lost_detail": {
            "201_without_row": len(lost_201),
            "sent_keys_without_row": len(sent_without_row),
            "explained_by_errors_or_unanswered": len(sent_without_row) - unexplained,
            "examples": lost_201[:5],
        },
        "rows_for_keys_not_sent": len(foreign_rows),
        "rows_without_event": without_event,
        "content_check": content,
        "status": statuses,
        "routing_rule": rules,
        "side_rows": side,
    }


# --------------------------------------------------------------------------------------------------
# Profiling (optional): py-spy over the app's workers during an extra, unmeasured filing run.
# --------------------------------------------------------------------------------------------------


def profile(app_pid: int, url: str, run: FilingRun, seconds: float, args, workdir: Path) -> dict:
    pyspy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(pyspy).exists():
        return {"error": "py-spy not found (pip install py-spy)"}
    raw = workdir / "pyspy.txt"
    cmd = [pyspy, "record", "--format", "raw", "--rate", "250", "--subprocesses", "--nonblocking"]
    cmd += ["--duration", str(max(1, round(seconds))), "--output", str(raw), "--pid", str(app_pid)]
    if args.profile_gil:
        cmd.append("--gil")
    spy = sp.spawn(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    try:
        m = filing_load(url, run, seconds, args)
        spy.wait(timeout=seconds + 30)
    finally:
        sp.stop(spy)
    if not raw.exists():
        return {"error": "py-spy wrote nothing"}
    summary = summarise_stacks(raw.read_text(errors="replace"), args.profile_top)
    dest = RESULTS / f"complaint_filing-pyspy-{dt.datetime.now(dt.UTC):%Y%m%d-%H%M%S}.txt"
    RESULTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(raw, dest)
    return {
        "mode": "GIL holders (Python CPU)" if args.profile_gil else "wall time (incl. waiting on I/O)",
        "filing_rps_under_profiler": m["rps"],
        "collapsed_stacks": str(dest.relative_to(ROOT)),
        **summary,
    }


_FRAME = re.compile(r"^(?P<func>.+) \((?P<file>[^:()]+)(?::\d+)?\)$")
APP_DIRS = ("app/", "miniprogram_api/", "wechat/")
#: Where the innermost frame of a sample is, by file prefix (py-spy prints paths relative to sys.path).
COMPONENTS = (
    ("psycopg", "PostgreSQL driver: sending, waiting for answers"),
    ("sqlalchemy/", "SQLAlchemy (compiling, ORM bookkeeping)"),
    ("redis/", "Redis client (RQ enqueue, token storage)"),
    ("rq/", "Redis client (RQ enqueue, token storage)"),
    ("urllib3/", "HTTP to WeChat (requests/urllib3)"),
    ("requests/", "HTTP to WeChat (requests/urllib3)"),
    ("http/", "HTTP to WeChat (requests/urllib3)"),
    ("socket", "HTTP to WeChat (requests/urllib3)"),
    ("wechatpy/", "HTTP to WeChat (requests/urllib3)"),
    ("json/", "JSON"),
    ("flask/", "Flask / Werkzeug"),
    ("werkzeug/", "Flask / Werkzeug"),
    ("gunicorn/", "gunicorn (accept, read, write)"),
    ("holidays/", "holidays (China calendar)"),
    ("app/", "app code itself"),
    ("miniprogram_api/", "app code itself"),
    ("wechat/", "app code itself"),
)


def summarise_stacks(text: str, top: int) -> dict:
    """py-spy raw (collapsed) stacks: app functions by inclusive share, and samples by component."""
    incl: collections.Counter = collections.Counter()
    deepest: collections.Counter = collections.Counter()
    component: collections.Counter = collections.Counter()
    total = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = []
        for fr in stack.split(";"):
            m = _FRAME.match(fr.strip())
            if m:
                frames.append((m.group("func"), m.group("file")))
        seen: set[str] = set()
        last_app = None
        for func, file in frames:
            if file.startswith(APP_DIRS):
                name = f"{func} ({file})"
                last_app = name
                if name not in seen:
                    seen.add(name)
                    incl[name] += n
        if last_app:
            deepest[last_app] += n
        leaf = frames[-1][1] if frames else ""
        label = next(
            (lbl for prefix, lbl in COMPONENTS if leaf.startswith(prefix) or prefix in leaf), "other"
        )
        component[label] += n

    def pct(c: int) -> float:
        return round(100 * c / max(1, total), 1)

    return {
        "samples": total,
        "by_component": [(k, pct(v)) for k, v in component.most_common()],
        "app_inclusive": [(k, pct(v)) for k, v in incl.most_common(top)],
        "app_deepest": [(k, pct(v)) for k, v in deepest.most_common(25)],
    }


# --------------------------------------------------------------------------------------------------
# The run.
# --------------------------------------------------------------------------------------------------


class PgLog:
    """Unique-key races seen by PostgreSQL, counted in its server log when this machine's log is readable.

    A concurrent duplicate that loses the race on (consumer_id, idempotency_key) is logged as
    `duplicate key value violates unique constraint "uq_complaints_consumer_idempotency"`; the app then
    answers with the winner's complaint. Informational: proves the concurrent pairs really raced.
    """

    NEEDLE = f'@{DBNAME} ERROR:  duplicate key value violates unique constraint "uq_complaints_consumer_idempotency"'

    def __init__(self) -> None:
        self.files = {f: f.stat().st_size for f in Path("/var/log/postgresql").glob("postgresql-*.log")}

    def races(self) -> int | None:
        if not self.files:
            return None
        n = 0
        for f, offset in self.files.items():
            try:
                with open(f, "rb") as fh:
                    fh.seek(offset)
                    n += fh.read().decode(errors="replace").count(self.NEEDLE)
            except OSError:
                return None
        return n


def base_env(workdir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in sp.APP_VARS and not k.startswith(APP_PREFIXES)}
    env.update(
        PYTHON_DOTENV_DISABLED="1",
        PYTHONDONTWRITEBYTECODE="1",
        INSTANCE_PATH=str(workdir / "instance"),
        REDIS_URL=REDIS_URL,
        SECRET_KEY=SECRET_KEY,
        APP_ENV="development",
        DATABASE_URL=f"{PG_DSN}/{DBNAME}",
    )
    return env


def merge_slices(parts: list[dict]) -> dict:
    merged = sp._merge(parts)
    if "statuses" in parts[0]:
        st: collections.Counter = collections.Counter()
        for p in parts:
            st.update(p["statuses"])
        merged["statuses"] = dict(sorted(st.items()))
        merged["exhausted_threads"] = sum(p["exhausted_threads"] for p in parts)
        for s, p in zip(merged["slices"], parts, strict=True):
            s["statuses"] = p["statuses"]
            s["drain_s"] = p.get("drain_s")
            if "cpu" in p:
                s["cpu"] = p["cpu"]
    return merged


def redis_stats(r: redis.Redis) -> dict:
    try:
        cmd = r.info("commandstats")
        err = r.info("errorstats")
    except redis.RedisError:
        return {}
    return {
        "calls": {k.removeprefix("cmdstat_"): v.get("calls", 0) for k, v in cmd.items()},
        "failed": {k.removeprefix("cmdstat_"): v.get("failed_calls", 0) for k, v in cmd.items()},
        "errors": {k.removeprefix("errorstat_"): v.get("count", 0) for k, v in err.items()},
    }


def create_floor_table(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS floor_filings (id serial PRIMARY KEY, consumer text, key text,"
            " store_id int, description text, created_at timestamptz NOT NULL DEFAULT now())"
        )


def pg_xact(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted FROM pg_stat_database WHERE datname = %s",
            (DBNAME,),
        ).fetchone()
    return {"commits": row[0], "rollbacks": row[1], "tuples_inserted": row[2]}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer consumers and stores, shorter runs")
    p.add_argument("--consumers", type=int, help="consumers logged in (default 3,000; 1,500 with --quick)")
    p.add_argument(
        "--stores", type=int, help="stores added by COPY to the demo's 55 (default 400; 250 quick)"
    )
    p.add_argument("--duration", type=float, help="measured seconds per server (default 20; 6 with --quick)")
    p.add_argument("--slices", type=int, help="alternating slices per server (default 4; 2 with --quick)")
    p.add_argument("--warmup", type=float, help="seconds of warm-up per server (default 3; 2 with --quick)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument(
        "--rate-cap", type=float, default=3000.0, help="filing req/s the warm-up's items allow for"
    )
    p.add_argument("--profile", type=float, default=0.0, metavar="SECONDS", help="then profile with py-spy")
    p.add_argument("--profile-top", type=int, default=40)
    p.add_argument(
        "--profile-gil",
        action="store_true",
        help="sample only threads holding the GIL (Python CPU) instead of wall time (incl. waiting on I/O)",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="also measure bench/filing_floor_app.py's two apps (only the I/O a filing cannot avoid)",
    )
    p.add_argument(
        "--sequential",
        type=int,
        default=0,
        metavar="N",
        help="then N new filings and their N replays one at a time: application CPU per request of each",
    )
    p.add_argument("--seed", type=int, default=20261123)
    p.add_argument("--max-minutes", type=float, help="hard time limit (default 10; 20 for the full run)")
    args = p.parse_args()
    args.consumers = args.consumers or (1500 if args.quick else 3000)
    args.stores = args.stores if args.stores is not None else (250 if args.quick else 400)
    args.duration = args.duration or (6.0 if args.quick else 20.0)
    args.slices = max(1, args.slices or (2 if args.quick else 4))
    args.warmup = args.warmup or (2.0 if args.quick else 3.0)
    args.max_minutes = args.max_minutes or (10.0 if args.quick else 20.0)
    args.loadgen = "wrk"  # for store_page._meta
    return args


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print(f"wrk not found; {sp.WRK_INSTALL_HINT}", file=sys.stderr)
        return 2
    busy = sp._loadavg()
    if busy is not None and busy > 1.0:
        print(
            f"WARNING: load average {busy:.1f} before the run: other work shares these cores, so figures"
            " will be noisy (the alternating slices keep the ratio fair, not the absolute numbers).",
            file=sys.stderr,
        )
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, sp._on_signal)
    signal.signal(signal.SIGALRM, sp._on_alarm)
    signal.alarm(int(args.max_minutes * 60))
    atexit.register(sp.stop_all)

    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="yidian-bench-filing-"))
    (workdir / "instance").mkdir()
    env = base_env(workdir)
    db_url = f"{PG_DSN}/{DBNAME}"
    meta = sp._meta(args)
    meta.update(
        loadavg_at_start=busy,
        redis_url=REDIS_URL,
        load=f"wrk -t{args.threads} -c{args.connections}, {args.duration:g} s per server in {args.slices}"
        f" alternating slices, warm-up {args.warmup:g} s; filing: bench/filing.lua (every item twice);"
        " bare: bench/store_codes.lua (GET)",
    )
    r = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    status = 2
    out: dict = {"meta": meta}
    try:
        r.ping()
        r.flushdb()
        out["dataset"] = prepare_database(env, args.stores, args.seed)
        codes = active_codes(db_url)
        codes_file = workdir / "codes.txt"
        codes_file.write_text("\n".join(c for c, _ in codes) + "\n")
        with contextlib.ExitStack() as stack:
            emu = stack.enter_context(Emulator(env, workdir))
            app_env = dict(
                env,
                WECHAT_API_BASE=f"http://127.0.0.1:{emu.port}",
                WECHAT_MP_APPID=APPID,
                WECHAT_MP_SECRET=APPSECRET,
                COMPLAINTS_PER_HOUR=HIGH_LIMIT,
                COMPLAINTS_PER_STORE_DAY=HIGH_LIMIT,
                COMPLAINTS_PER_ADDRESS_HOUR=HIGH_LIMIT,
                TRUSTED_PROXIES="1",
            )
            out["app_settings"] = {k: v for k, v in app_env.items() if env.get(k) != v}
            app = stack.enter_context(
                sp.Server("app:create_app()", app_env, workdir, "filing-app", args.workers)
            )
            bare = stack.enter_context(
                sp.Server("bench.bare_app:app", env, workdir, "filing-bare", args.workers)
            )
            floors: dict[str, sp.Server] = {}
            if args.floor:
                create_floor_table(db_url)
                for name, target in FLOORS.items():
                    floors[name] = stack.enter_context(
                        sp.Server(target, app_env, workdir, f"filing-{name}", args.workers)
                    )
            log(f"app on {app.url}, bare on {bare.url}, emulator on 127.0.0.1:{emu.port}")
            consumers = login_consumers(app.port, emu.port, args.consumers, args.seed)
            check = first_filing_check(app.port, consumers[0], codes[0][0])
            factory = ItemFactory(consumers, codes, workdir, args)
            cpu = Cpu(app.proc.pid, emu.proc.pid, db_url)
            runs: list[FilingRun] = []

            pglog = PgLog()
            # Warm-up: each server on its own, the filing one with items for the most it could take.
            bare_load(bare.url, codes_file, args.warmup, args)
            warm = factory.run("warmup", int(args.rate_cap * args.warmup / 2) + 100)
            runs.append(warm)
            wm = filing_load(app.url, warm, args.warmup, args)
            wait_quiet(db_url, app.proc.pid)
            log(f"warm-up: filing {wm['rps']:.0f} req/s, statuses {wm['statuses']}")
            slice_s = args.duration / args.slices
            budget = int(max(wm["rps"], 50) * 3 * slice_s / 2) + 200  # items per slice, 3x headroom

            parts: dict[str, list[dict]] = {"bare": [], "filing": []}
            for name, server in floors.items():
                parts[name] = []
                filing_load(server.url, factory.run(f"{name}-warmup", budget), args.warmup, args)
            red: dict[str, list[dict]] = {"before": [], "after": []}
            cpu_parts: list[dict] = []
            pg_before = pg_xact(db_url)
            for k in range(args.slices):
                order = ("bare", "filing") if k % 2 == 0 else ("filing", "bare")
                if floors:
                    order = (*order, *floors) if k % 2 == 0 else (*floors, *order)
                for side in order:
                    if side == "bare":
                        m = bare_load(bare.url, codes_file, slice_s, args)
                    elif side in floors:
                        server = floors[side]
                        fcpu = Cpu(server.proc.pid, emu.proc.pid, db_url)
                        cb = fcpu.snapshot()
                        m = filing_load(server.url, factory.run(f"{side}{k + 1}", budget * 3), slice_s, args)
                        m["drain_s"] = wait_quiet(db_url, server.proc.pid)
                        m["cpu"] = Cpu.delta(cb, fcpu.snapshot(), m["requests"])
                    else:
                        run = factory.run(f"slice{k + 1}", budget)
                        runs.append(run)
                        rb, cb = redis_stats(r), cpu.snapshot()
                        m = filing_load(app.url, run, slice_s, args)
                        # Requests still in flight when wrk stopped finish before the next slice.
                        m["drain_s"] = wait_quiet(db_url, app.proc.pid)
                        red["before"].append(rb)
                        red["after"].append(redis_stats(r))
                        cpu_parts.append(Cpu.delta(cb, cpu.snapshot(), m["requests"]))
                    m["loadavg"] = sp._loadavg()
                    parts[side].append(m)
                    extra = f"  {m['statuses']}" if side != "bare" else ""
                    log(f"  slice {k + 1} {side:<9} {sp._fmt(m)}{extra}")
            pg_after = pg_xact(db_url)
            res = {side: merge_slices(v) for side, v in parts.items()}
            filing_requests = res["filing"]["requests"]
            res["filing"]["redis"] = sp._redis_delta(
                list(zip(red["before"], red["after"], strict=True)), filing_requests
            )
            cpu_total: dict[str, float] = {}
            for part in cpu_parts:
                for k2, v in part.items():
                    cpu_total[k2] = cpu_total.get(k2, 0.0) + v["cpu_s"]
            res["filing"]["cpu"] = {
                k2: {"cpu_s": round(v, 2), "ms_per_request": round(1000 * v / max(1, filing_requests), 3)}
                for k2, v in cpu_total.items()
            }
            res["filing"]["postgres"] = {k2: pg_after[k2] - pg_before[k2] for k2 in pg_before}
            res["filing"]["gunicorn_log_tail"] = app.log_tail(20)
            res["bare"]["gunicorn_log_tail"] = bare.log_tail(5)
            for name, server in floors.items():
                res[name]["gunicorn_log_tail"] = server.log_tail(20)
            completion = second_copies(app.port, runs)
            log(
                f"second copies of {completion['sent']:,} items the time limit cut off sent"
                f" ({completion['seconds']:g} s): {completion['statuses']}"
            )
            waited = wait_quiet(db_url, app.proc.pid)
            res["filing"]["msg_sec_check_calls"] = emu.calls("msg_sec_check")
            counts = count_rows(db_url, runs, check, completion)
            counts["waited_for_in_flight_s"] = waited
            counts["unique_key_races_in_pg_log"] = pglog.races()
            out["results"] = res
            out["counts"] = counts
            ratio = round(res["filing"]["rps"] / res["bare"]["rps"], 3) if res["bare"]["rps"] else 0.0
            socket_errors = sum(
                res["filing"]["errors"].get(k, 0) for k in ("connect", "read", "write", "timeout")
            )
            errors = sum(counts["non2xx_by_status"].values()) + socket_errors
            ok = ratio >= MIN_RATIO and counts["duplicates"] == 0 and counts["lost"] == 0 and errors == 0
            out["verdict"] = {
                "ratio": ratio,
                "min_ratio": MIN_RATIO,
                "errors": errors,
                "schedule_exhausted_threads": res["filing"]["exhausted_threads"],
                "pass": ok,
            }
            status = 0 if ok else 1
            if args.sequential > 0:
                servers = {"filing": app, **floors}
                log(f"sequential: {args.sequential} new filings, then their replays, one at a time, per app")
                out["sequential"] = {
                    name: sequential_cpu(server, factory.run(f"seq-{name}", args.sequential), args.sequential)
                    for name, server in servers.items()
                }
            if args.profile > 0:
                log(
                    f"profiling: py-spy over the app's workers, {args.profile:g} s of filing load (not measured)"
                )
                prun = factory.run("profile", budget * 2)
                out["profile"] = profile(app.proc.pid, app.url, prun, args.profile, args, workdir)
    except sp.BenchAborted as exc:
        print(f"\nABORTED: {exc}", file=sys.stderr)
        status = 2
    except Exception as exc:
        traceback.print_exc()
        print(f"\nERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        status = 2
    finally:
        signal.alarm(0)
        sp.stop_all()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # let the results be written
        shutil.rmtree(workdir, ignore_errors=True)

    if "results" in out:
        print_table(out, args)
    if "sequential" in out:
        print(
            "application CPU per request, one request at a time (ms): "
            + "; ".join(
                f"{name}: new {v['new_ms']:.2f}, replay {v['replay_ms']:.2f} {v['statuses']}"
                for name, v in out["sequential"].items()
            )
        )
    if "profile" in out:
        print_profile(out["profile"])
    meta["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta["exit_status"] = status
    RESULTS.mkdir(parents=True, exist_ok=True)
    dest = RESULTS / f"complaint_filing-{started:%Y%m%d-%H%M%S}{'-quick' if args.quick else ''}.json"
    dest.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    print(f"results: {dest.relative_to(ROOT)}")
    print({0: "target met", 1: "the target was missed", 2: "the benchmark did not complete"}[status])
    return status


def print_table(out: dict, args) -> None:
    res, c, v = out["results"], out["counts"], out["verdict"]
    b, f = res["bare"], res["filing"]
    print()
    print(
        f"Complaint filing vs bare Flask (wrk -t{args.threads} -c{args.connections}, {args.duration:g} s per"
        f" server in {args.slices} alternating slice(s); gunicorn {args.workers} sync workers; 127.0.0.1)"
    )
    head = (
        f"{'bare req/s':>10} {'p50':>6} {'p99':>6} | {'filing req/s':>12} {'p50 ms':>7} {'p99 ms':>7} | "
        f"{'ratio':>5} {'target':>6} | {'rows':>6} {'keys':>6} {'dup':>4} {'lost':>4} | {'verdict':>7}"
    )
    print(head)
    print("-" * len(head))
    print(
        f"{b['rps']:>10.0f} {b['p50_ms']:>6.2f} {b['p99_ms']:>6.2f} | {f['rps']:>12.0f} {f['p50_ms']:>7.2f}"
        f" {f['p99_ms']:>7.2f} | {v['ratio']:>5.3f} {'>=' + format(v['min_ratio'], 'g'):>6} | {c['rows']:>6,}"
        f" {c['keys_sent']:>6,} {c['duplicates']:>4} {c['lost']:>4} | {'PASS' if v['pass'] else 'FAIL':>7}"
    )
    for name in FLOORS:
        if name not in res:
            continue
        fl = res[name]
        cpu = collections.Counter()
        for part in fl["slices"]:
            cpu.update({k: v["cpu_s"] for k, v in part["cpu"].items()})
        per = ", ".join(f"{k} {1000 * v / max(1, fl['requests']):.2f}" for k, v in cpu.items())
        print(
            f"{name} (bench/filing_floor_app.py, the unavoidable I/O only): {fl['rps']:.0f} req/s, p50"
            f" {fl['p50_ms']:.2f} ms, ratio to bare {fl['rps'] / b['rps']:.3f}, statuses {fl['statuses']};"
            f" CPU ms per request: {per}"
        )
    print()
    print(
        f"filing responses by status (measured slices): {f['statuses']}; wrk socket errors: "
        f"{ {k: n for k, n in f['errors'].items() if k != 'status'} or 'none' }"
    )
    print(
        f"whole run (warm-up, slices, then {c['second_copies_sent_after_the_runs']:,} second copies the time"
        f" limit cut off): {c['requests_issued']:,} filing requests issued, {c['responses']:,} answered"
        f" ({c['unanswered_at_stop']} in flight when wrk stopped), {c['responses_201']:,} x 201"
        f" ({c['replayed_201']:,} marked Idempotent-Replayed under wrk); {c['keys_sent']:,} keys sent"
        f" ({c['keys_sent_twice']:,} twice), {c['rows']:,} rows, {c['distinct_consumer_key']:,} distinct"
        f" (consumer, key), {c['distinct_numbers_in_201s']:,} distinct numbers in 201s"
    )
    print(
        f"non-2xx by status: {c['non2xx_by_status'] or 'none'}; lost detail {c['lost_detail']};"
        f" rows for keys not sent {c['rows_for_keys_not_sent']}; rows without a timeline event"
        f" {c['rows_without_event']}"
    )
    print(
        f"concurrent duplicates that lost the race on the unique key (PostgreSQL log):"
        f" {c['unique_key_races_in_pg_log'] if c['unique_key_races_in_pg_log'] is not None else 'log not readable'}"
    )
    print(f"content check: {c['content_check']}; routing: {c['routing_rule']}; status: {c['status']}")
    print(f"side rows: {c['side_rows']}; PostgreSQL during the slices: {f['postgres']}")
    if f.get("cpu"):
        print(
            "CPU ms per filing request: "
            + ", ".join(f"{k} {x['ms_per_request']:.2f}" for k, x in f["cpu"].items())
            + f"; Redis commands/request {f['redis'].get('calls_per_request', '?')} {f['redis'].get('calls', {})}"
        )
    for s_b, s_f in zip(b["slices"], f["slices"], strict=True):
        print(
            f"  slice: bare {s_b['rps']:.0f} req/s, filing {s_f['rps']:.0f} req/s (p50 {s_f['p50_ms']:.1f} ms),"
            f" load avg {s_f.get('loadavg')}"
        )
    if v["schedule_exhausted_threads"]:
        print(f"WARNING: {v['schedule_exhausted_threads']} wrk thread(s) ran out of items: raise --rate-cap")
    print()


def print_profile(prof: dict) -> None:
    if "error" in prof:
        print(f"profile: {prof['error']}")
        return
    print(
        f"py-spy ({prof['mode']}): {prof['samples']:,} samples over both workers at {prof['filing_rps_under_profiler']:.0f} req/s;"
        f" collapsed stacks in {prof['collapsed_stacks']}"
    )
    print("samples by where the innermost frame is:")
    for label, pct in prof["by_component"]:
        print(f"  {pct:5.1f}%  {label}")
    print("app functions, inclusive % of samples:")
    for frame, pct in prof["app_inclusive"]:
        print(f"  {pct:5.1f}%  {frame}")
    print("app functions, the deepest app frame of a sample (% of samples):")
    for frame, pct in prof["app_deepest"]:
        print(f"  {pct:5.1f}%  {frame}")
    print()


if __name__ == "__main__":
    sys.exit(main())
