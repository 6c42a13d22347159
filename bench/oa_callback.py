"""Benchmark of the official-account callback (`POST /wechat/oa`) under 100 concurrent station workers.

    python bench/oa_callback.py                    # 100 workers, 30 s, a message per worker every ~2 s
    python bench/oa_callback.py --think-ms 0       # no think time: the callback's capacity (saturated)
    python bench/oa_callback.py --worker-class gthread --threads 4

What it does (everything on 127.0.0.1, bounded by --seconds and --max-minutes, children always ended):

1. Recreates the PostgreSQL database `yidian_bench_oa` (BENCH_PG_DSN, default postgres@127.0.0.1:5432),
   builds the schema with the Alembic migrations and seeds, through the app's own services, one station
   with one handler per simulated worker and --cases-per-worker complaints per worker. Redis db 13
   (BENCH_REDIS_URL) is flushed first.
2. Starts gunicorn (`app:create_app()`, --workers sync workers by default) with its own random
   WECHAT_OA_TOKEN / WECHAT_OA_AES_KEY / WECHAT_OA_APPID, and WECHAT_API_BASE aimed at a closed port:
   the callback must never call WeChat.
   gunicorn's access log records the time spent inside it per request (reported beside the client's).
3. Every handler binds its WeChat by sending `绑定 <code>` (an invite made by app.staff.people), checked.
4. The timed run: each of --workers-simulated client threads plays one handler and sends AES-encrypted
   (safe mode) text messages built like WeChat's — `受理 <号>` once, then rounds of `待办`, `查看 <号>`,
   `回复 <号> …` and a plain text that goes to the case just viewed — with a random think time between
   them (uniform 0.5x-1.5x --think-ms; each client starts at a random point of its first pause, so the
   run is a steady state rather than 100 messages in the same millisecond). --dup-rate of the messages are delivered again with the same
   MsgId: half right after the answer (a retry after a lost answer), half at the same moment from a
   second thread (a retry racing the first delivery, which PostgreSQL's unique index serialises).
5. Prints the acknowledgement latency (request sent → whole answer read) p50/p90/p99/max over every
   delivery, and checks that every message had exactly one effect: one `oa_inbound` row per distinct
   message, each `回复` text exactly once on the right complaint's timeline, one acceptance per `受理`, and
   every duplicate answered with the very same (decrypted) reply as the original.

Target: p99 < 100 ms. Exit status: 0 target met and every check passed, 1 otherwise, 2 could not run.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.dont_write_bytecode = True

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

PG_DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
DB_NAME = "yidian_bench_oa"
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
    "WECHAT_OA_ENCRYPTED_ONLY",
    "INSTANCE_PATH",
    "FLASK_APP",
)
TARGET_P99_MS = 100.0


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- child processes: tracked, ended by process group on every exit -------------------------------------

_children: list[subprocess.Popen] = []


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def spawn(cmd: list[str], **kw) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent, **kw)
    _children.append(proc)
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # workers outliving their master
    if proc in _children:
        _children.remove(proc)


class Aborted(Exception):
    pass


def _abort(signum, frame):
    raise Aborted(f"stopped ({signal.Signals(signum).name})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the app's side: database, seed, server -----------------------------------------------------------


def app_env(instance: Path, oa: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in APP_VARS}
    env.update(
        APP_ENV="development",
        DATABASE_URL=f"{PG_DSN}/{DB_NAME}",
        REDIS_URL=REDIS_URL,
        SECRET_KEY="bench-" + secrets.token_hex(8),
        INSTANCE_PATH=str(instance),
        WECHAT_API_BASE=f"http://127.0.0.1:{free_port()}",  # closed: the callback must not call WeChat
        FLASK_APP="app:create_app",
        **oa,
    )
    return env


def recreate_database() -> None:
    with psycopg.connect(f"{PG_DSN}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


@dataclass
class Worker:
    index: int
    staff_id: int
    openid: str
    code: str = ""
    cases: list[str] = field(default_factory=list)


def seed(env: dict, n_workers: int, cases_per_worker: int) -> list[Worker]:
    """Migrate, then one station, a handler per worker with an invite, and the workers' complaints."""
    for key in APP_VARS:
        os.environ.pop(key, None)
    os.environ.update({k: env[k] for k in APP_VARS if k in env})
    from flask_migrate import upgrade

    from app import create_app
    from app.complaints import deadlines
    from app.complaints.models import Complaint, ComplaintKind, Status
    from app.consumers.models import Consumer
    from app.core.extensions import db
    from app.core.timeutil import utcnow
    from app.directory import routing
    from app.directory.models import BusinessCircle, Region, Station, StationKind
    from app.staff import people
    from app.stores import codes
    from app.stores.models import Industry, Store

    app = create_app({"APP_ENV": "development"})
    with app.app_context():
        upgrade()
        region = Region(name="基准区")
        station = Station(name="基准商圈服务站", kind=StationKind.SERVICE_STATION, region=region)
        circle = BusinessCircle(name="基准商圈", station=station, region=region)
        db.session.add_all([region, station, circle])
        db.session.flush()
        stores = []
        for i in range(20):
            store = Store(
                name=f"基准店铺{i:02d}",
                uscc=_uscc(i),
                address="基准路 1 号",
                industry=Industry.RESTAURANT,
                circle=circle,
                region=region,
            )
            db.session.add(store)
            codes.issue(store)
            stores.append(store)
        db.session.flush()
        workers: list[Worker] = []
        now = utcnow()
        for i in range(n_workers):
            person = people.add_staff(station, f"处理员{i:03d}", "handler")
            invite = people.create_invite(person)
            worker = Worker(i, person.id, f"oa-bench-{i:03d}-" + secrets.token_hex(4), invite.code)
            for j in range(cases_per_worker):
                store = stores[(i + j) % len(stores)]
                consumer = Consumer(openid=f"o-bench-{i}-{j}")
                route = routing.responsible_station(store, "quality", "complaint")
                c = Complaint(
                    number=f"TB{i:04d}{j:02d}{secrets.token_hex(2).upper()}",
                    kind=ComplaintKind.COMPLAINT,
                    store=store,
                    consumer=consumer,
                    station=route.station,
                    routing_rule=route.rule,
                    status=Status.SUBMITTED,
                    category="quality",
                    demand="refund",
                    description="基准测试投诉：商品有质量问题，要求退款。",
                    name="张三",
                    phone="13812345678",
                    rule_set="order121",
                    idempotency_key=secrets.token_hex(16),
                    request_hash="x" * 64,
                    created_at=now,
                    updated_at=now,
                )
                db.session.add(c)
                db.session.flush()
                deadlines.station_clocks(c, now)
                worker.cases.append(c.number)
            workers.append(worker)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return workers


def _uscc(i: int) -> str:
    """A valid unified social credit code per store number."""
    from app.stores import uscc

    digits = []
    for _ in range(9):
        i, r = divmod(i, 31)
        digits.append(uscc.CHARSET[r])
    body = "91320599" + "".join(reversed(digits))
    return body + uscc.check_character(body)


class Server:
    def __init__(self, env: dict, logdir: Path, workers: int, worker_class: str, threads: int):
        self.env, self.workers, self.worker_class, self.threads = env, workers, worker_class, threads
        self.port = free_port()
        self.logfile = logdir / "gunicorn.log"
        self.accesslog = logdir / "access.log"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "512",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
            # Time inside gunicorn per request (microseconds), to tell server time from client queueing.
            "--access-logfile",
            str(self.accesslog),
            "--access-logformat",
            "%(U)s %(s)s %(D)s",
        ]
        if self.worker_class == "gthread":
            cmd += ["--threads", str(self.threads)]
        cmd.append("app:create_app()")
        with open(self.logfile, "wb") as fh:
            self.proc = spawn(cmd, cwd=ROOT, env=self.env, stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_tail())
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError("gunicorn not ready:\n" + self.log_tail())

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            stop(self.proc)

    def server_ms(self, since_line: int = 0) -> list[float]:
        """Milliseconds spent inside gunicorn by each callback request logged after `since_line`."""
        out = []
        with contextlib.suppress(OSError):
            for line in self.accesslog.read_text().splitlines()[since_line:]:
                path, _status, micros = line.split()
                if path == "/wechat/oa":
                    out.append(int(micros) / 1000)
        return out

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by gunicorn and its workers (None without psutil)."""
        try:
            import psutil
        except ImportError:
            return None
        try:
            master = psutil.Process(self.proc.pid)
            total = 0.0
            for proc in [master, *master.children(recursive=True)]:
                times = proc.cpu_times()
                total += times.user + times.system
            return total
        except psutil.Error:
            return None

    def access_lines(self) -> int:
        with contextlib.suppress(OSError):
            return len(self.accesslog.read_text().splitlines())
        return 0

    def log_tail(self, n: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-n:])
        return ""


# --- the WeChat side: messages, deliveries ---------------------------------------------------------------


@dataclass
class Message:
    worker: int
    text: str
    query: str  # the signed query string
    body: bytes
    kind: str  # accept | todo | view | reply | context | help
    marker: str = ""  # the unique text a reply leaves on the timeline
    number: str = ""  # the complaint it acts on
    dup: str = ""  # "" | "after" | "race"


@dataclass
class Delivery:
    message: Message
    status: int
    body: bytes
    ms: float
    original: bool


def post(port: int, msg: Message, timeout: float = 10.0) -> tuple[int, bytes, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request("POST", "/wechat/oa?" + msg.query, body=msg.body, headers={"Content-Type": "text/xml"})
        res = conn.getresponse()
        body = res.read()
        return res.status, body, (time.perf_counter() - start) * 1000
    finally:
        conn.close()


def build(pusher, openid: str, text: str) -> tuple[str, bytes]:
    from app.cli.sandbox import push_xml

    query, body = pusher.wrap(push_xml(openid, text=text), "safe")
    return urlencode(query), body


def plan(
    workers: list[Worker], pusher, rounds: int, dup_rate: float, rng: random.Random
) -> list[list[Message]]:
    """Each worker's messages in order: accept one case, then rounds of 待办 / 查看 / 回复 / plain text."""
    out = []
    for w in workers:
        msgs: list[Message] = []

        def add(kind: str, text: str, number: str = "", marker: str = "", w=w, msgs=msgs) -> None:
            q, b = build(pusher, w.openid, text)
            msgs.append(Message(w.index, text, q, b, kind, marker, number))

        add("accept", f"受理 {w.cases[0]}", w.cases[0])
        for r in range(rounds):
            case = w.cases[r % len(w.cases)]
            add("todo", "待办")
            add("view", f"查看 {case}", case)
            marker = f"bench-reply-w{w.index}-r{r}-{secrets.token_hex(3)}"
            add("reply", f"回复 {case} 已联系商家，{marker}", case, marker)
            marker = f"bench-context-w{w.index}-r{r}-{secrets.token_hex(3)}"
            add("context", f"约明天到站调解，{marker}", case, marker)
        for m in msgs:
            if rng.random() < dup_rate:
                m.dup = rng.choice(("after", "race"))
        out.append(msgs)
    return out


def run_worker(
    port: int, msgs: list[Message], think_ms: float, stop_at: float, rng: random.Random, sink: list
):
    # Start at a random point of the first think time: a steady state, not 100 messages at one instant.
    time.sleep(think_ms / 1000 * rng.random())
    for msg in msgs:
        if time.monotonic() >= stop_at:
            return
        racer = None
        if msg.dup == "race":
            racer_result: list = []

            def race(msg=msg, racer_result=racer_result):
                racer_result.append(post(port, msg))

            racer = threading.Thread(target=race)
            racer.start()
        try:
            status, body, ms = post(port, msg)
        except OSError:
            status, body, ms = 0, b"", float("nan")
        sink.append(Delivery(msg, status, body, ms, True))
        if racer is not None:
            racer.join(timeout=15)
            if racer_result:
                sink.append(Delivery(msg, *racer_result[0], False))
            else:
                sink.append(Delivery(msg, 0, b"", float("nan"), False))
        if msg.dup == "after":
            try:
                sink.append(Delivery(msg, *post(port, msg), False))
            except OSError:
                sink.append(Delivery(msg, 0, b"", float("nan"), False))
        if think_ms > 0:
            time.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers-simulated", type=int, default=100, help="concurrent clients (handlers)")
    parser.add_argument("--cases-per-worker", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the timed run")
    parser.add_argument("--rounds", type=int, default=200, help="upper bound of rounds per worker")
    parser.add_argument(
        "--think-ms", type=float, default=2000.0, help="mean pause between a worker's messages"
    )
    parser.add_argument("--dup-rate", type=float, default=0.1, help="share of messages delivered twice")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _abort)
    signal.signal(signal.SIGINT, _abort)
    signal.signal(signal.SIGALRM, _abort)
    signal.alarm(int(args.max_minutes * 60))
    rng = random.Random(args.seed)
    try:
        return run(args, rng)
    except Aborted as exc:
        log(f"aborted: {exc}")
        return 2
    except (psycopg.Error, redis.RedisError, RuntimeError, OSError) as exc:
        log(f"could not run: {exc}")
        return 2
    finally:
        signal.alarm(0)
        for proc in list(_children):
            stop(proc)


def run(args, rng: random.Random) -> int:
    from app.cli.sandbox import OAPush

    oa = {
        "WECHAT_OA_TOKEN": "bench" + secrets.token_hex(8),
        "WECHAT_OA_AES_KEY": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        "WECHAT_OA_APPID": "wx" + secrets.token_hex(8),
    }
    pusher = OAPush(oa["WECHAT_OA_TOKEN"], oa["WECHAT_OA_AES_KEY"], oa["WECHAT_OA_APPID"])
    instance = Path(tempfile.mkdtemp(prefix="bench-oa-"))
    try:
        return _run(args, rng, pusher, oa, instance)
    finally:
        for proc in list(_children):
            stop(proc)  # before the instance directory (gunicorn's logs) goes
        shutil.rmtree(instance, ignore_errors=True)


def _run(args, rng: random.Random, pusher, oa: dict, instance: Path) -> int:
    env = app_env(instance, oa)

    redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    recreate_database()
    t0 = time.monotonic()
    workers = seed(env, args.workers_simulated, args.cases_per_worker)
    log(
        f"database {DB_NAME}: 1 station, {len(workers)} handlers, "
        f"{len(workers) * args.cases_per_worker} complaints ({time.monotonic() - t0:.1f} s)"
    )

    with Server(env, instance, args.workers, args.worker_class, args.threads) as server:
        log(f"gunicorn on 127.0.0.1:{server.port}: {args.workers} {args.worker_class} workers")
        # Binding: every handler sends `绑定 <code>` (untimed), and must be told it worked.
        for w in workers:
            q, b = build(pusher, w.openid, f"绑定 {w.code}")
            status, body, _ = post(server.port, Message(w.index, "", q, b, "bind"))
            if status != 200 or "绑定成功" not in pusher.read(body):
                raise RuntimeError(f"binding of worker {w.index} failed: {status} {body[:200]!r}")
        log(f"{len(workers)} handlers bound through the callback")

        # Enough rounds to last the run (each round is 4 messages), without encrypting thousands unused.
        rounds = args.rounds
        if args.think_ms > 0:
            rounds = min(rounds, int(args.seconds * 1000 / (4 * args.think_ms * 0.5)) + 2)
        plans = plan(workers, pusher, rounds, args.dup_rate, rng)
        sink: list[Delivery] = []
        stop_at = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=run_worker,
                args=(server.port, msgs, args.think_ms, stop_at, random.Random(rng.random()), sink),
                daemon=True,
            )
            for msgs in plans
        ]
        log(
            f"timed run: {len(threads)} clients, {args.seconds:.0f} s, think {args.think_ms:.0f} ms, "
            f"{args.dup_rate:.0%} duplicated"
        )
        time.sleep(0.5)  # the bindings' access-log lines are written
        before = server.access_lines()
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        if any(t.is_alive() for t in threads):
            raise RuntimeError("clients did not finish")
        cpu_after = server.cpu_seconds()
        time.sleep(0.5)
        server_side = server.server_ms(before)
        cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
        server_errors = server.log_tail()

    return report(args, pusher, workers, sink, elapsed, server_errors, server_side, cpu)


def report(
    args,
    pusher,
    workers,
    sink: list[Delivery],
    elapsed: float,
    server_log: str,
    server_side: list[float],
    cpu: float | None,
) -> int:
    failures: list[str] = []
    lat = [d.ms for d in sink if d.status == 200]
    originals = [d.ms for d in sink if d.status == 200 and d.original]
    bad = [d for d in sink if d.status != 200]
    if bad:
        failures.append(f"{len(bad)} deliveries not answered 200 (e.g. {bad[0].status})")

    # Every answer decrypts (signature checked) to a non-empty reply; duplicates answer like the original.
    replies: dict[int, set[str]] = {}
    for d in sink:
        if d.status != 200:
            continue
        try:
            text = pusher.read(d.body)
        except Exception as exc:
            failures.append(f"an answer did not decrypt: {exc!r}")
            continue
        if not text:
            failures.append(f"empty reply to {d.message.text!r}")
        replies.setdefault(id(d.message), set()).add(text)
    differing = [k for k, v in replies.items() if len(v) != 1]
    if differing:
        failures.append(f"{len(differing)} duplicated messages answered differently")

    sent = {id(d.message): d.message for d in sink if d.original and d.status == 200}
    unique = list(sent.values())
    dups = [d for d in sink if not d.original]
    expected_markers = {m.marker: m.number for m in unique if m.marker}
    accepts = sum(1 for m in unique if m.kind == "accept")
    # Context replies go to the case viewed just before; a reply's outcome is in its answer text.
    wrong_context = [
        m for m in unique if m.kind == "context" and m.number not in next(iter(replies.get(id(m), {""})))
    ]
    if wrong_context:
        failures.append(f"{len(wrong_context)} plain texts were not applied to the viewed case")

    with psycopg.connect(f"{PG_DSN}/{DB_NAME}") as conn:
        inbound = conn.execute("SELECT count(*) FROM oa_inbound").fetchone()[0]
        rows = conn.execute(
            "SELECT e.text, c.number FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id "
            "WHERE e.action = 'replied' AND e.channel = 'oa'"
        ).fetchall()
        accepted = conn.execute(
            "SELECT count(*) FROM complaint_events WHERE action = 'accepted' AND channel = 'oa'"
        ).fetchone()[0]
    found: dict[str, list[str]] = {}
    for text, number in rows:
        marker = next((part for part in text.split("，") if part.startswith("bench-")), None)
        if marker:
            found.setdefault(marker, []).append(number)
    expected_inbound = len(workers) + len(unique)  # the bindings, then one row per distinct message
    if inbound != expected_inbound:
        failures.append(f"oa_inbound has {inbound} rows, expected {expected_inbound}")
    if len(rows) != len(expected_markers):
        failures.append(f"{len(rows)} reply events for {len(expected_markers)} reply messages")
    twice = [m for m, numbers in found.items() if len(numbers) != 1]
    if twice:
        failures.append(f"{len(twice)} replies recorded more than once")
    misplaced = [m for m, n in expected_markers.items() if found.get(m) != [n]]
    if misplaced:
        failures.append(f"{len(misplaced)} replies missing or on the wrong complaint")
    if accepted != accepts:
        failures.append(f"{accepted} acceptances for {accepts} 受理 messages")

    p50, p90, p99 = pct(lat, 50), pct(lat, 90), pct(lat, 99)
    print()
    print(
        f"official-account callback, {args.workers} gunicorn {args.worker_class} workers, PostgreSQL, safe mode"
    )
    print(
        f"  clients {len(workers)}, think {args.think_ms:.0f} ms, {elapsed:.1f} s: "
        f"{len(sink)} deliveries ({len(unique)} distinct messages + {len(dups)} duplicates: "
        f"{sum(1 for d in dups if d.message.dup == 'after')} after the answer, "
        f"{sum(1 for d in dups if d.message.dup == 'race')} racing), {len(sink) / elapsed:.1f} req/s"
    )
    print(
        f"  acknowledgement ms: p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  max {max(lat, default=float('nan')):.1f}"
        f"  (first deliveries only: p50 {pct(originals, 50):.1f}  p99 {pct(originals, 99):.1f}; mean "
        f"{statistics.fmean(lat) if lat else float('nan'):.1f})"
    )
    print(
        f"  inside gunicorn ms ({len(server_side)} requests): p50 {pct(server_side, 50):.1f}  "
        f"p99 {pct(server_side, 99):.1f}  max {max(server_side, default=float('nan')):.1f}"
    )
    if cpu is not None and sink:
        print(
            f"  gunicorn CPU: {cpu:.1f} s over {elapsed:.1f} s ({cpu / elapsed:.2f} cores), "
            f"{cpu * 1000 / len(sink):.1f} ms per request; load average {os.getloadavg()[0]:.2f}"
        )
    by_kind: dict[str, list[float]] = {}
    for d in sink:
        if d.status == 200:
            by_kind.setdefault(d.message.kind, []).append(d.ms)
    print(
        "  by command: "
        + ", ".join(f"{k} p50 {pct(v, 50):.1f}/p99 {pct(v, 99):.1f}" for k, v in by_kind.items())
    )
    print(
        f"  effects: oa_inbound {inbound} rows (= {len(workers)} bindings + {len(unique)} messages), "
        f"{len(rows)} reply events for {len(expected_markers)} reply messages, "
        f"{accepted} acceptances for {accepts} 受理"
    )
    target_ok = p99 < TARGET_P99_MS
    print(f"  target p99 < {TARGET_P99_MS:.0f} ms: {'met' if target_ok else 'MISSED'}")
    print(f"  exactly-once checks: {'all passed' if not failures else 'FAILED'}")
    for f in failures:
        print(f"    - {f}")
    if failures and server_log.strip():
        print("  gunicorn log tail:\n" + server_log)
    return 0 if target_ok and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
