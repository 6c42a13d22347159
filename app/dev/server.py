"""`make run`: migrate, seed the demo city, then serve with gunicorn beside the worker.

With no WeChat credentials in the environment the service runs in sandbox mode, and every WeChat API
call goes to the local emulator started here on loopback. Ctrl-C stops everything.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

from app.core.config import DEFAULT_PORT, INSTANCE_DIR, RUN_FILE, RUN_FILE_KEYS
from app.core.redis_client import embedded_url

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


class PortTaken(RuntimeError):
    """A port `make run` needs is in use or invalid; the message names the variable that moves it."""


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "app:create_app")
    port = env.setdefault("PORT", str(DEFAULT_PORT))
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    return env


def check_port(variable: str, value: str) -> int:
    """The port in `value` when it is free on 127.0.0.1, else PortTaken naming `variable`."""
    try:
        port = int(value)
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise PortTaken(f"{variable}={value!r} 不是有效端口 / is not a port number (1-65535)") from None
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is fine
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise PortTaken(
                f"端口 {port} 已被占用，请设置 {variable} 换一个端口，例如 {variable}={port + 1} make run\n"
                f"Port {port} is already in use: set {variable} to another port, e.g. "
                f"{variable}={port + 1} make run"
            ) from None
    return port


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emulator_port(env: dict) -> int:
    """WECHAT_EMULATOR_PORT when set (and free), else a free port: two checkouts never collide."""
    if env.get("WECHAT_EMULATOR_PORT"):
        return check_port("WECHAT_EMULATOR_PORT", env["WECHAT_EMULATOR_PORT"])
    return free_port()


def _write_run_file(env: dict) -> None:
    RUN_FILE.parent.mkdir(parents=True, exist_ok=True)
    recorded = {k: env[k] for k in RUN_FILE_KEYS if env.get(k)}
    RUN_FILE.write_text(json.dumps({"pid": os.getpid(), **recorded}, indent=1), encoding="utf-8")


def _remove_run_file() -> None:
    with contextlib.suppress(OSError, ValueError):
        if json.loads(RUN_FILE.read_text(encoding="utf-8")).get("pid") == os.getpid():
            RUN_FILE.unlink()


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def main() -> int:
    env = _env()
    sandbox = not (env.get("WECHAT_MP_APPID") and env.get("WECHAT_MP_SECRET"))
    try:
        check_port("PORT", env["PORT"])
        emu_port = emulator_port(env) if sandbox and not env.get("WECHAT_API_BASE") else None
    except PortTaken as exc:
        print(f"make run: {exc}", file=sys.stderr, flush=True)
        return 2
    children: list[subprocess.Popen] = []
    if emu_port is not None:
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "python"),
                    "-m",
                    "app.dev.wechat_emulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(emu_port),
                ],
                cwd=ROOT,
                env=env,
            )
        )
        env["WECHAT_API_BASE"] = f"http://127.0.0.1:{emu_port}"
        env.setdefault("WECHAT_OAUTH_BASE", env["WECHAT_API_BASE"])  # H5 staff login through the emulator

    embedded_redis = None
    if not env.get("REDIS_URL"):
        # Start the embedded Redis here so every child shares it, and stop it again on the way out.
        embedded_redis = env["REDIS_URL"] = embedded_url(Path(INSTANCE_DIR) / "redis")

    status = 0
    try:
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "demo", "seed"], env)
        _run([str(BIN / "flask"), "demo", "history"], env)  # once: a year of cases for the figures
        children.append(subprocess.Popen([str(BIN / "flask"), "worker", "run"], cwd=ROOT, env=env))
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--workers",
                    env.get("WEB_CONCURRENCY", "2"),
                    "--bind",
                    f"127.0.0.1:{env['PORT']}",
                    "--access-logfile",
                    "-",
                    "app:create_app()",
                ],
                cwd=ROOT,
                env=env,
            )
        )
        print(
            f"\n一店一码 demo: http://127.0.0.1:{env['PORT']}/  "
            f"(sandbox={'yes' if sandbox else 'no'}, WeChat API at {env.get('WECHAT_API_BASE', 'default')})\n"
            "Open a store page from the list printed by `flask demo seed` above, e.g. /s/<code>, or\n"
            f"  the regulators' console at http://127.0.0.1:{env['PORT']}/admin/login (login printed above)\n"
            f"  curl http://127.0.0.1:{env['PORT']}/api/mp/v1/stores/<code>\n"
            "Play a station worker on the official account (real signed, AES-encrypted pushes); `flask`\n"
            "commands in another terminal of this checkout reach this server and its emulator by themselves:\n"
            "  id=$(.venv/bin/flask staff add --station 湖滨万悦广场消费维权服务站 --name 演示处理员 --role handler)\n"
            "  .venv/bin/flask staff invite $id                      # prints a 6-digit binding code\n"
            f"  .venv/bin/flask sandbox oa-say --url http://127.0.0.1:{env['PORT']}/wechat/oa "
            "--openid oa-demo --encrypt '绑定 <code>'\n"
            f"  .venv/bin/flask sandbox oa-say --url http://127.0.0.1:{env['PORT']}/wechat/oa "
            "--openid oa-demo --encrypt '待办'\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        _write_run_file(env)
        stop = {"flag": False}

        def _stop(*_):
            stop["flag"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while not stop["flag"] and all(c.poll() is None for c in children):
            time.sleep(0.5)
        dead = [c for c in children if c.poll() is not None]
        if dead and not stop["flag"]:
            status = 1
            for child in dead:
                print(
                    f"make run: {' '.join(child.args[:3])} 意外退出 / stopped unexpectedly "
                    f"(exit {child.returncode}); stopping everything.",
                    file=sys.stderr,
                    flush=True,
                )
    except subprocess.CalledProcessError as exc:
        print(
            f"make run: {' '.join(map(str, exc.cmd[-2:]))} 失败 / failed (exit {exc.returncode})",
            file=sys.stderr,
        )
        status = 1
    finally:
        _remove_run_file()
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded_redis:
            _stop_redis(embedded_redis)
    return status


def _stop_redis(url: str) -> None:
    with contextlib.suppress(redis.RedisError, OSError):  # already gone
        redis.Redis.from_url(url, socket_timeout=2).shutdown(save=True)


if __name__ == "__main__":
    sys.exit(main())
