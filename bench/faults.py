"""Fault run: the whole service under a filing load while its parts are killed, counted from the database.

    .venv/bin/python bench/faults.py [--consumers 60] [--filings 8] [--load-seconds 60] [--max-minutes 8]
    make faults

Everything runs on 127.0.0.1 and is private to the run: a PostgreSQL cluster made with initdb in a
temporary directory (its own port; pg_ctl from /usr/lib/postgresql/*/bin, run as the `postgres` user when
started as root), a redis-server on its own port without persistence, the WeChat emulator, gunicorn and
`flask worker run`. Nothing touches the machine's own PostgreSQL or Redis, and the directory, the
cluster and every process are removed at the end, also on Ctrl-C or the time limit.

Load: `--consumers` consumers log in through the emulator, accept subscribe allowances, and each files
`--filings` complaints from a few threads, as a mini-program on a weak network does: a failed attempt
(5xx, connection refused or reset, time-out) is sent again after a pause with the same Idempotency-Key
until it gets its 201 or the load ends.

Faults, on a schedule over the load: kill -9 of a gunicorn worker every 3 s; kill -9 of the job worker
(twice, started again); Redis killed with kill -9 and started again empty; a PostgreSQL restart
(stopped with `pg_ctl stop -m fast`, started again 3 s later); WeChat's msgSecCheck slow, failing with HTTP 502 and with errcode -1, and
message sends failing with 502 and -1 (the emulator's `faults` control endpoint).

Counted afterwards, from the database (and the emulator's record of what users received):
- lost: filings answered 201 with a number the database does not have; unfinished: never answered 201;
- doubled: filings stored more than once (by Idempotency-Key and by request body);
- answered 5xx: by status and error code;
- outbox: rows still pending or sending after the drain wait (stuck), rows sent more than
  `--late-seconds` after they were written (late), messages a user received twice (sent twice), and
  how long the backlog took to drain after the last fault.
"""

from __future__ import annotations

import argparse
import atexit
import collections
import concurrent.futures
import contextlib
import datetime as dt
import glob
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.dont_write_bytecode = True  # touch nothing outside bench/ (no __pycache__ in app/)

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import complaint_filing as cf  # noqa: E402
import psycopg  # noqa: E402
import store_page as sp  # noqa: E402  (also puts the project root on sys.path)

ROOT = sp.ROOT
RESULTS = BENCH / "results"
log = sp.log
OA_APPID, OA_SECRET = "wxbenchfaultsoa01", "bench-faults-oa-secret-01"
TPL_PROGRESS, TPL_STAFF = "tpl-faults-progress-01", "tpl-faults-new-complaint-01"
DBNAME = "yidian_faults"
API = "/api/mp/v1"


# --------------------------------------------------------------------------------------------------
# Private services: a PostgreSQL cluster and a redis-server of this run's own.
# --------------------------------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found (install the PostgreSQL server package)")
    return path


class PrivatePostgres:
    """initdb into `workdir/pg`, served on its own port; as `postgres` when this process is root."""

    def __init__(self, workdir: Path) -> None:
        self.dir, self.port = workdir / "pg", sp.free_port()
        self.log = workdir / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _run(self, *cmd: str, timeout: float = 120) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if self.as_root else list(cmd)
        res = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed:\n{res.stdout}\n{res.stderr}")

    def _ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=60"
        )
        self._run(
            _pg_bin("pg_ctl"), action, "-D", str(self.dir), "-l", str(self.log), "-w", "-o", options, *extra
        )

    def start(self) -> PrivatePostgres:
        self.dir.mkdir()
        self.log.touch()
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.log, "postgres", "postgres")
        self._run(
            _pg_bin("initdb"),
            "-D",
            str(self.dir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        self._ctl("start")
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DBNAME}"')
        return self

    def restart(self, down_seconds: float) -> float:
        """Stop (fast: sessions are terminated), stay down `down_seconds`, start; the seconds it was away."""
        t0 = time.monotonic()
        self._ctl("stop", "-m", "fast")
        time.sleep(down_seconds)
        self._ctl("start")
        return time.monotonic() - t0

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._ctl("stop", "-m", "immediate")

    def dsn(self, db: str = DBNAME) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.workdir, self.port = workdir, sp.free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        with open(self.workdir / "redis.log", "ab") as fh:
            self.proc = sp.spawn([*cmd, "--dir", str(self.workdir)], stdout=fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket_to(self.port) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return self
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()  # SIGKILL: everything in it is gone
            self.proc.wait(timeout=10)
            sp.stop(self.proc)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def socket_to(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=1)


# --------------------------------------------------------------------------------------------------
# The service: emulator, gunicorn, the worker.
# --------------------------------------------------------------------------------------------------


class Emulator(cf.Emulator):
    """The benchmark emulator, with the official account's app too (template messages to staff)."""

    def __init__(self, env: dict, logdir: Path) -> None:
        super().__init__(env, logdir)
        self.extra_args = ["--oa-appid", OA_APPID, "--oa-secret", OA_SECRET, "--threads", "16"]

    def control(self, method: str, path: str, body: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(
                method, f"/__emulator__/{path}", json.dumps(body or {}), {"Content-Type": "application/json"}
            )
            resp = conn.getresponse()
            return json.loads(resp.read() or b"null")
        finally:
            conn.close()

    def fault(self, endpoint: str, kind: str, times: int, **options) -> None:
        self.control("POST", "faults", {"endpoint": endpoint, "kind": kind, "times": times, **options})


class Worker:
    """`flask worker run`: periodic jobs and the RQ job queue, started again after each kill."""

    def __init__(self, env: dict, workdir: Path) -> None:
        self.env, self.logfile = env, workdir / "worker.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.logfile, "ab") as fh:
            cmd = [sys.executable, "-m", "flask", "worker", "run"]
            self.proc = sp.spawn(
                cmd,
                cwd=ROOT,
                env=dict(self.env, FLASK_APP="app:create_app"),
                stdout=fh,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            sp.stop(self.proc)


def gunicorn_workers(master_pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


# --------------------------------------------------------------------------------------------------
# Load: filings with client retries under the same Idempotency-Key.
# --------------------------------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: collections.Counter = collections.Counter()  # "503 database_unavailable", ...
        self.t0 = time.monotonic()
        self.timeline: dict[int, collections.Counter] = collections.defaultdict(
            collections.Counter
        )  # per 5 s
        self.filed: dict[str, str] = {}  # key -> number
        self.attempts = 0
        self.retried = 0
        self.unfinished: list[str] = []

    def answer(self, label: str) -> None:
        with self.lock:
            self.answers[label] += 1
            second = int(time.monotonic() - self.t0) // 5 * 5
            self.timeline[second][label] += 1
            self.attempts += 1


def file_with_retries(
    port: int, consumer: cf.Consumer, code: str, body: dict, tally: Tally, until: float
) -> None:
    key = str(uuid.uuid4())
    headers = {
        "Authorization": f"Bearer {consumer.token}",
        "Idempotency-Key": key,
        "X-Forwarded-For": consumer.address,
    }
    pause = 0.3
    first = True
    while time.monotonic() < until:
        if not first:
            with tally.lock:
                tally.retried += 1
        first = False
        try:
            status, data = cf._post_json(port, f"{API}/stores/{code}/complaints", body, 20, headers)
        except (OSError, http.client.HTTPException) as exc:
            tally.answer(f"no answer ({type(exc).__name__})")
        else:
            error = (data.get("error") or {}).get("code", "") if isinstance(data, dict) else ""
            tally.answer(f"{status} {error}".strip())
            if status == 201:
                with tally.lock:
                    tally.filed[key] = data["data"]["number"]
                return
            if status < 500 and status != 429:
                return  # refused for good (not a fault): counted, not retried
        time.sleep(pause + random.random() * pause)
        pause = min(pause * 2, 3.0)
    with tally.lock:
        tally.unfinished.append(key)


# --------------------------------------------------------------------------------------------------
# Faults on a schedule.
# --------------------------------------------------------------------------------------------------


class Faults:
    def __init__(
        self, app: sp.Server, worker: Worker, redis_: PrivateRedis, pg: PrivatePostgres, emu: Emulator
    ):
        self.app, self.worker, self.redis, self.pg, self.emu = app, worker, redis_, pg, emu
        self.events: list[tuple[float, str]] = []
        self.last_fault_end = 0.0
        self.stop = threading.Event()
        self.seen: set[int] = set()
        self.pg_down_seconds = 3.0

    def note(self, t0: float, what: str) -> None:
        at = time.monotonic() - t0
        self.events.append((round(at, 1), what))
        log(f"fault +{at:5.1f} s: {what}")

    def run(self, t0: float, seconds: float, web_kill_every: float) -> None:
        plan = [
            (0.10, self.wechat_faults),
            (0.20, self.kill_job_worker),
            (0.30, self.restart_job_worker),
            (0.35, self.kill_redis),
            (0.40, self.restart_redis),
            (0.55, self.restart_postgres),
            (0.70, self.kill_job_worker),
            (0.74, self.restart_job_worker),
        ]
        plan = [(t0 + share * seconds, step) for share, step in plan]
        next_web_kill = t0 + web_kill_every
        while not self.stop.is_set() and time.monotonic() < t0 + seconds:
            now = time.monotonic()
            if now >= next_web_kill:
                self.kill_web_worker(t0)
                next_web_kill = now + web_kill_every
            while plan and plan[0][0] <= now:
                plan.pop(0)[1](t0)
            self.stop.wait(0.1)
        self.last_fault_end = time.monotonic()

    def kill_web_worker(self, t0: float) -> None:
        """kill -9 one gunicorn worker that was already up at the previous kill (one that has served)."""
        current = gunicorn_workers(self.app.proc.pid)
        pids = [p for p in current if p in self.seen]
        self.seen = set(current)
        if pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(random.choice(pids), signal.SIGKILL)
            self.events.append((round(time.monotonic() - t0, 1), "kill -9 web worker"))

    def wechat_faults(self, t0: float) -> None:
        self.emu.fault("msg_sec_check", "delay", 10, seconds=1.5)
        self.emu.fault("msg_sec_check", "http", 10, status=502)
        self.emu.fault("msg_sec_check", "errcode", 10, errcode=-1, errmsg="system error")
        self.emu.fault("subscribe_send", "http", 15, status=502)
        self.emu.fault("subscribe_send", "errcode", 15, errcode=-1, errmsg="system error")
        self.emu.fault("template_send", "http", 15, status=502)
        self.emu.fault("template_send", "delay", 10, seconds=1.0)
        self.note(t0, "WeChat: msgSecCheck slow (1.5 s) / 502 / -1; message sends 502 / -1 / slow")

    def kill_job_worker(self, t0: float) -> None:
        self.worker.kill()
        self.note(t0, "kill -9 job worker")

    def restart_job_worker(self, t0: float) -> None:
        self.worker.start()
        self.note(t0, "job worker started again")

    def kill_redis(self, t0: float) -> None:
        self.redis.kill()
        self.note(t0, "kill -9 Redis")

    def restart_redis(self, t0: float) -> None:
        self.redis.start()
        self.note(t0, "Redis started again, empty")

    def restart_postgres(self, t0: float) -> None:
        took = self.pg.restart(self.pg_down_seconds)
        self.note(t0, f"PostgreSQL restarted (pg_ctl stop -m fast, start; away {took:.1f} s)")


# --------------------------------------------------------------------------------------------------
# Counting, from the database and the emulator.
# --------------------------------------------------------------------------------------------------


def wait_drained(dsn: str, timeout: float) -> float | None:
    """Seconds until no outbox row is pending or sending (None: not within `timeout`)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        with contextlib.suppress(psycopg.Error), psycopg.connect(dsn, connect_timeout=3) as conn:
            left = conn.execute(
                "SELECT count(*) FROM outbox_messages WHERE status IN ('pending', 'sending')"
            ).fetchone()[0]
            if left == 0:
                return time.monotonic() - t0
        time.sleep(0.5)
    return None


def count(dsn: str, tally: Tally, emu: Emulator, late_seconds: float) -> dict:
    with psycopg.connect(dsn) as conn:
        stored = dict(conn.execute("SELECT idempotency_key, number FROM complaints").fetchall())
        by_key = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM complaints GROUP BY consumer_id, idempotency_key HAVING count(*) > 1) d"
        ).fetchone()[0]
        by_body = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM complaints GROUP BY consumer_id, request_hash HAVING count(*) > 1) d"
        ).fetchone()[0]
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM outbox_messages GROUP BY status").fetchall()
        )
        late = conn.execute(
            "SELECT count(*), coalesce(max(extract(epoch FROM sent_at - created_at)), 0),"
            " coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)), 0)"
            " FROM outbox_messages WHERE status = 'sent'"
        ).fetchone()
        n_late = conn.execute(
            "SELECT count(*) FROM outbox_messages WHERE status = 'sent' AND sent_at - created_at > make_interval(secs => %s)",
            (late_seconds,),
        ).fetchone()[0]
        unknown = dict(
            conn.execute(
                "SELECT channel, count(*) FROM outbox_messages WHERE last_error LIKE 'outcome unknown%%' GROUP BY channel"
            ).fetchall()
        )
        dead = dict(
            conn.execute(
                "SELECT left(last_error, 60), count(*) FROM outbox_messages WHERE status = 'dead' GROUP BY 1"
            ).fetchall()
        )
    lost = [k for k, n in tally.filed.items() if stored.get(k) != n]
    received = emu.control("GET", "messages") or {}
    messages = received.get("messages", received) if isinstance(received, dict) else received
    seen = collections.Counter(
        (m.get("kind"), m.get("openid"), m.get("template_id"), json.dumps(m.get("data"), sort_keys=True))
        for m in messages
    )
    twice = collections.Counter(kind for (kind, *_), n in seen.items() if n > 1)
    fivexx = {
        label: n for label, n in tally.answers.items() if label[:1] == "5" or label.startswith("no answer")
    }
    return {
        "filings": {
            "answered_201": len(tally.filed),
            "in_database": len(stored),
            "lost": len(lost),
            "unfinished": len(tally.unfinished),
            "unfinished_in_database": sum(1 for k in tally.unfinished if k in stored),
            "doubled_by_key": by_key,
            "doubled_by_body": by_body,
            "attempts": tally.attempts,
            "retries": tally.retried,
        },
        "answers": dict(tally.answers.most_common()),
        "answers_per_5_seconds": {f"+{t}s": dict(c) for t, c in sorted(tally.timeline.items())},
        "answered_5xx_or_none": fivexx,
        "outbox": {
            "by_status": statuses,
            "stuck": statuses.get("pending", 0) + statuses.get("sending", 0),
            "late": n_late,
            "late_after_seconds": late_seconds,
            "max_delay_seconds": round(float(late[1]), 1),
            "p99_delay_seconds": round(float(late[2]), 1),
            "outcome_unknown_by_channel": unknown,
            "dead_reasons": dead,
            "messages_received": len(messages),
            "sent_twice": dict(twice),
        },
    }


# --------------------------------------------------------------------------------------------------


def drain_rate(pg: PrivatePostgres, redis_: PrivateRedis, worker: Worker, rows: int) -> dict:
    """A backlog of `rows` template messages, pending with no job for them (Redis emptied, the worker
    down), then the worker started: how fast it delivers them (no sweep tick is waited for)."""
    worker.kill()
    redis_.kill()
    redis_.start()
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO outbox_messages (key, channel, recipient, consumer_id, staff_id, complaint_id, template,"
            " payload, status, attempts, next_attempt_at, last_error, created_at)"
            " SELECT 'drain:' || g || ':' || o.id, o.channel, o.recipient, o.consumer_id, o.staff_id, o.complaint_id,"
            " o.template, o.payload, 'pending', 0, now(), '', now()"
            " FROM generate_series(1, %s) g"
            " CROSS JOIN LATERAL (SELECT * FROM outbox_messages WHERE channel = 'template' AND status = 'sent'"
            " ORDER BY id OFFSET (g %% 10) LIMIT 1) o",
            (rows,),
        )
        made = conn.execute("SELECT count(*) FROM outbox_messages WHERE key LIKE 'drain:%%'").fetchone()[0]
    log(f"drain: {made} pending template rows, no jobs; starting the worker")
    t0 = time.monotonic()
    worker.start()
    left = made
    while left and time.monotonic() - t0 < 300:
        time.sleep(0.25)
        with psycopg.connect(pg.dsn()) as conn:
            left = conn.execute(
                "SELECT count(*) FROM outbox_messages WHERE key LIKE 'drain:%%' AND status IN ('pending', 'sending')"
            ).fetchone()[0]
    took = time.monotonic() - t0
    with psycopg.connect(pg.dsn()) as conn:
        first, last, sent = conn.execute(
            "SELECT min(sent_at), max(sent_at), count(*) FROM outbox_messages WHERE key LIKE 'drain:%%' AND status = 'sent'"
        ).fetchone()
    worker.kill()
    span = (last - first).total_seconds() if first and last else 0.0
    out = {
        "rows": made,
        "sent": sent,
        "left": left,
        "seconds_from_worker_start": round(took, 1),
        "delivery_seconds": round(span, 2),
        "rows_per_second": round(sent / span, 1) if span else None,
    }
    log(f"drain: {out}")
    return out


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--consumers", type=int, default=60)
    p.add_argument("--filings", type=int, default=8, help="complaints per consumer")
    p.add_argument("--threads", type=int, default=8, help="client threads filing at once")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--web-kill-seconds", type=float, default=3.0, help="kill -9 a gunicorn worker this often")
    p.add_argument("--retry-seconds", type=float, default=30.0, help="clients retry this long after the load")
    p.add_argument("--load-seconds", type=float, default=60.0, help="how long the load and the faults last")
    p.add_argument(
        "--drain-seconds", type=float, default=90.0, help="how long to wait for the outbox afterwards"
    )
    p.add_argument("--late-seconds", type=float, default=30.0, help="a message sent later than this is late")
    p.add_argument("--max-minutes", type=float, default=8.0, help="hard time limit of the whole run")
    p.add_argument("--drain-rows", type=int, default=2000, help="backlog rows for the drain-rate measurement")
    p.add_argument("--pg-down-seconds", type=float, default=3.0, help="how long PostgreSQL stays down")
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) at the end")
    return p.parse_args()


def main() -> int:
    args = parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, sp._on_signal)
    signal.signal(signal.SIGALRM, sp._on_alarm)
    signal.alarm(int(args.max_minutes * 60))
    atexit.register(sp.stop_all)
    random.seed(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="yidian-faults-"))
    os.chmod(workdir, 0o755)  # the postgres user reaches its directory inside
    (workdir / "instance").mkdir()
    pg = PrivatePostgres(workdir)
    out: dict = {
        "meta": {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "args": vars(args)}
    }
    status = 1
    try:
        pg.start()
        redis_ = PrivateRedis(workdir).start()
        log(f"private PostgreSQL on 127.0.0.1:{pg.port}, Redis on 127.0.0.1:{redis_.port}, in {workdir}")
        env = {
            k: v for k, v in os.environ.items() if k not in sp.APP_VARS and not k.startswith(cf.APP_PREFIXES)
        }
        env.update(
            PYTHON_DOTENV_DISABLED="1",
            PYTHONDONTWRITEBYTECODE="1",
            INSTANCE_PATH=str(workdir / "instance"),
            REDIS_URL=redis_.url,
            SECRET_KEY="bench-faults-secret-key",
            APP_ENV="development",
            DATABASE_URL=pg.dsn(),
        )
        with contextlib.ExitStack() as stack:
            emu = stack.enter_context(Emulator(env, workdir))
            app_env = dict(
                env,
                WECHAT_API_BASE=f"http://127.0.0.1:{emu.port}",
                WECHAT_MP_APPID=cf.APPID,
                WECHAT_MP_SECRET=cf.APPSECRET,
                WECHAT_OA_APPID=OA_APPID,
                WECHAT_OA_SECRET=OA_SECRET,
                WECHAT_MP_TPL_PROGRESS=TPL_PROGRESS,
                WECHAT_OA_TPL_NEW_COMPLAINT=TPL_STAFF,
                WECHAT_HTTP_TIMEOUT="3",
                OUTBOX_RETRY_BASE_SECONDS="2",
                COMPLAINTS_PER_HOUR=cf.HIGH_LIMIT,
                COMPLAINTS_PER_STORE_DAY=cf.HIGH_LIMIT,
                COMPLAINTS_PER_ADDRESS_HOUR=cf.HIGH_LIMIT,
                TRUSTED_PROXIES="1",
            )
            cf.flask_cmd(app_env, "db", "upgrade")
            cf.flask_cmd(app_env, "demo", "seed")
            with psycopg.connect(pg.dsn(), autocommit=True) as conn:
                # A bound, following handler at every station: each filing alerts someone by template message.
                conn.execute(
                    "INSERT INTO staff (name, role, station_id, phone, oa_openid, oa_following, active, created_at)"
                    " SELECT '值班员', 'handler', id, '', 'oa-faults-' || id, true, true, now() FROM stations"
                )
            codes = [c for c, _ in cf.active_codes(pg.dsn())]
            app = stack.enter_context(
                sp.Server("app:create_app()", app_env, workdir, "faults-app", args.workers)
            )
            worker = Worker(app_env, workdir)
            worker.start()
            consumers = cf.login_consumers(app.port, emu.port, args.consumers, args.seed)
            for c in consumers:  # allowances in WeChat and in the service: every progress message can go
                emu.control(
                    "POST",
                    "subscribe-accept",
                    {"user": c.user, "template_ids": [TPL_PROGRESS] * args.filings * 3},
                )
                with psycopg.connect(pg.dsn(), autocommit=True) as conn:
                    conn.execute(
                        "INSERT INTO subscriptions (consumer_id, template_id, remaining, updated_at) VALUES (%s, %s, %s, now())",
                        (c.id, TPL_PROGRESS, args.filings * 3),
                    )
            log(f"{len(consumers)} consumers, {len(codes)} stores; load {args.load_seconds:g} s with faults")

            tally = Tally()
            rng = random.Random(args.seed)
            today = dt.datetime.now(cf.CN).date()
            items = [
                (c, rng.choice(codes), cf.make_body(rng, c, today))
                for c in consumers
                for _ in range(args.filings)
            ]
            rng.shuffle(items)
            faults = Faults(app, worker, redis_, pg, emu)
            faults.pg_down_seconds = args.pg_down_seconds
            t0 = tally.t0 = time.monotonic()
            until = t0 + args.load_seconds + args.retry_seconds
            spacing = args.load_seconds * 0.8 / max(1, len(items))  # spread the filings over the load

            def one(i: int) -> None:
                delay = t0 + i * spacing - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                c, code, body = items[i]
                file_with_retries(app.port, c, code, body, tally, until)

            def load() -> None:
                with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
                    list(pool.map(one, range(len(items))))

            # The faults run in this thread: what they start again (Redis, the worker) is then a child of
            # the main thread, which PR_SET_PDEATHSIG (sp.spawn) ties it to, not of a thread that ends.
            load_thread = threading.Thread(target=load, name="load", daemon=True)
            load_thread.start()
            faults.run(t0, args.load_seconds, args.web_kill_seconds)
            load_thread.join()
            emu.control("DELETE", "faults")
            load_took = time.monotonic() - t0
            log(
                f"load done in {load_took:.0f} s: {len(tally.filed)} filed, {len(tally.unfinished)} unfinished"
            )
            drained = wait_drained(pg.dsn(), args.drain_seconds)
            since_faults = time.monotonic() - faults.last_fault_end
            out["faults"] = faults.events
            out["counts"] = count(pg.dsn(), tally, emu, args.late_seconds)
            out["counts"]["outbox"]["drained_seconds_after_load"] = (
                None if drained is None else round(drained, 1)
            )
            out["counts"]["outbox"]["seconds_from_last_fault_to_drained"] = (
                round(since_faults, 1) if drained is not None else None
            )
            out["load_seconds"] = round(load_took, 1)
            out["drain"] = drain_rate(pg, redis_, worker, args.drain_rows)
        print_summary(out)
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"faults-{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        log(f"written {path}")
        f = out["counts"]["filings"]
        o = out["counts"]["outbox"]
        bad = (
            f["lost"]
            + f["doubled_by_key"]
            + f["doubled_by_body"]
            + o["stuck"]
            + sum(o["sent_twice"].values())
        )
        status = 0 if bad == 0 else 1
    except sp.BenchAborted as exc:
        log(f"aborted: {exc}")
        status = 2
    finally:
        sp.stop_all()
        pg.stop()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return status


def print_summary(out: dict) -> None:
    f, o = out["counts"]["filings"], out["counts"]["outbox"]
    print()
    print(f"filings: {f['answered_201']} answered 201, {f['in_database']} in the database, lost {f['lost']},")
    print(
        f"         doubled {f['doubled_by_key']} (by key) / {f['doubled_by_body']} (by body), unfinished {f['unfinished']}"
    )
    print(
        f"         ({f['unfinished_in_database']} of them filed all the same), {f['attempts']} attempts, {f['retries']} retries"
    )
    print("answers: " + ", ".join(f"{k}: {v}" for k, v in out["counts"]["answers"].items()))
    print("faults: " + "; ".join(f"+{at} s {what}" for at, what in out["faults"] if "web worker" not in what))
    for second, answers in out["counts"]["answers_per_5_seconds"].items():
        print(f"  {second:>5}: " + ", ".join(f"{k} ×{v}" for k, v in answers.items()))
    print(
        "5xx / no answer: "
        + (", ".join(f"{k}: {v}" for k, v in out["counts"]["answered_5xx_or_none"].items()) or "none")
    )
    print(f"outbox: {o['by_status']}; stuck {o['stuck']}; sent twice {o['sent_twice'] or 0};")
    print(
        f"        late (> {o['late_after_seconds']:g} s) {o['late']}, max delay {o['max_delay_seconds']} s, p99 {o['p99_delay_seconds']} s;"
    )
    print(
        f"        drained {o['drained_seconds_after_load']} s after the load; outcome unknown {o['outcome_unknown_by_channel']}"
    )
    print(f"        dead: {o['dead_reasons']}")
    print(f"drain: {out['drain']}")


if __name__ == "__main__":
    sys.exit(main())
