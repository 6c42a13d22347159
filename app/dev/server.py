"""`make run`: migrate, seed the demo city, then serve with gunicorn beside the worker.

With no WeChat credentials in the environment the service runs in sandbox mode, and every WeChat API
call goes to the local emulator started here on loopback. Ctrl-C stops everything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("FLASK_APP", "app:create_app")
    port = env.setdefault("PORT", "8000")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    return env


def _run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True)


def main() -> int:
    env = _env()
    children: list[subprocess.Popen] = []
    sandbox = not (env.get("WECHAT_MP_APPID") and env.get("WECHAT_MP_SECRET"))
    if sandbox and not env.get("WECHAT_API_BASE"):
        emu_port = env.get("WECHAT_EMULATOR_PORT", "8901")
        children.append(
            subprocess.Popen(
                [
                    str(BIN / "python"),
                    "-m",
                    "app.dev.wechat_emulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    emu_port,
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
        from app.core.config import INSTANCE_DIR
        from app.core.redis_client import embedded_url

        embedded_redis = env["REDIS_URL"] = embedded_url(Path(INSTANCE_DIR) / "redis")

    try:
        _run([str(BIN / "flask"), "db", "upgrade"], env)
        _run([str(BIN / "flask"), "demo", "seed"], env)
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
            "Play a station worker on the official account (real signed, AES-encrypted pushes):\n"
            f"  export WECHAT_API_BASE={env.get('WECHAT_API_BASE', '')}\n"
            "  id=$(.venv/bin/flask staff add --station 湖滨万悦广场消费维权服务站 --name 演示处理员 --role handler)\n"
            "  .venv/bin/flask staff invite $id                      # prints a 6-digit binding code\n"
            f"  .venv/bin/flask sandbox oa-say --url http://127.0.0.1:{env['PORT']}/wechat/oa "
            "--openid oa-demo --encrypt '绑定 <code>'\n"
            f"  .venv/bin/flask sandbox oa-say --url http://127.0.0.1:{env['PORT']}/wechat/oa "
            "--openid oa-demo --encrypt '待办'\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        stop = {"flag": False}

        def _stop(*_):
            stop["flag"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        while not stop["flag"] and all(c.poll() is None for c in children):
            time.sleep(0.5)
    finally:
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
    return 0


def _stop_redis(url: str) -> None:
    import contextlib

    import redis

    with contextlib.suppress(redis.RedisError, OSError):  # already gone
        redis.Redis.from_url(url, socket_timeout=2).shutdown(save=True)


if __name__ == "__main__":
    sys.exit(main())
