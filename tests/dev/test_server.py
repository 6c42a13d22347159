"""`make run` (app.dev.server) as a person starts it: real processes, real ports, real HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.dev.server import emulator_port, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def _server_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "PUBLIC_BASE_URL", "PORT"))}
    env.update(
        INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
        WEB_CONCURRENCY="1",
        FLASK_APP="app:create_app",
        **extra,
    )
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture()
def listening():
    """A port something already listens on, as another checkout's `make run` would."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


def _run_server(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "python"), "-m", "app.dev.server"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_taken_port_is_named_with_its_variable_and_the_run_fails(tmp_path, listening):
    done = _run_server(_server_env(tmp_path, PORT=str(listening)))
    assert done.returncode == 2
    assert f"端口 {listening} 已被占用" in done.stderr
    assert "请设置 PORT" in done.stderr and f"Port {listening} is already in use: set PORT" in done.stderr
    assert not (tmp_path / "run.db").exists()  # nothing was started or migrated


def test_a_taken_emulator_port_names_wechat_emulator_port(tmp_path, listening):
    done = _run_server(_server_env(tmp_path, PORT=str(free_port()), WECHAT_EMULATOR_PORT=str(listening)))
    assert done.returncode == 2
    assert f"端口 {listening} 已被占用，请设置 WECHAT_EMULATOR_PORT" in done.stderr


def test_a_port_that_is_no_number_is_refused(tmp_path):
    done = _run_server(_server_env(tmp_path, PORT="eighty"))
    assert done.returncode == 2
    assert "PORT='eighty' 不是有效端口" in done.stderr


def test_the_emulator_port_is_picked_free_unless_set(listening):
    picked = emulator_port({})
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", picked))  # free: binds
    assert emulator_port({"WECHAT_EMULATOR_PORT": str(picked)}) == picked


def _flask(args: list[str], env: dict) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_make_run_serves_and_other_terminals_print_its_urls(tmp_path, listening):
    """Two checkouts at once: the emulator port is picked free, and `flask` commands started without PORT
    in another terminal print URLs on the running server's port; PUBLIC_BASE_URL still wins."""
    port = free_port()
    env = _server_env(tmp_path, PORT=str(port))
    server = subprocess.Popen(
        [str(BIN / "python"), "-m", "app.dev.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    run_file = tmp_path / "run.json"
    try:
        for _ in range(3000):  # migrate, seed, a year of demo history, gunicorn boot; stops once it serves
            if server.poll() is not None:
                pytest.fail("make run stopped: " + server.stdout.read())
            if run_file.exists():
                try:
                    if _get(f"http://127.0.0.1:{port}/healthz")[0] == 200:
                        break
                except OSError:
                    pass
            time.sleep(0.1)
        recorded = json.loads(run_file.read_text())
        assert recorded["PUBLIC_BASE_URL"] == f"http://127.0.0.1:{port}"
        assert recorded["WECHAT_API_BASE"].startswith("http://127.0.0.1:")
        assert not recorded["WECHAT_API_BASE"].endswith(":8901")
        status, home = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "一店一码" in home

        other = _server_env(tmp_path)  # another terminal: no PORT, no PUBLIC_BASE_URL
        explicit = {"PUBLIC_BASE_URL": "https://yidian.example.cn"}  # still wins over the running server
        for extra, base in (({}, f"http://127.0.0.1:{port}/s/"), (explicit, "https://yidian.example.cn/s/")):
            seeded = _flask(["demo", "seed"], {**other, **extra})
            assert base in seeded and "127.0.0.1:8000" not in seeded
        _flask(["codes", "export", "--out", str(tmp_path / "codes")], other)
        manifest = (tmp_path / "codes" / "manifest.csv").read_text(encoding="utf-8-sig")
        assert f"http://127.0.0.1:{port}/s/" in manifest and "127.0.0.1:8000" not in manifest
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=30)
    assert server.returncode == 0
    assert not run_file.exists()  # a stopped server leaves nothing for the next command to trust
