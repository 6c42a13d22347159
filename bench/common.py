"""Small helpers shared by the benchmarks that bench/store_page.py does not offer in a reusable form.

bench/store_page.py keeps its own helpers (process spawning and cleanup, free ports, the gunicorn
`Server`, the COPY loader, its wrk runner bound to store_codes.lua); other benchmarks import those from
it. What is here is generic: wrk with any Lua script and arguments, and CPU time per process tree.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

try:
    import psutil
except ImportError:  # CPU accounting is informational; the benchmarks run without it
    psutil = None


def run_wrk_script(
    url: str,
    script: Path,
    script_args: list[str],
    seconds: float,
    threads: int,
    connections: int,
    timeout_s: float = 5.0,
) -> dict:
    """Run wrk with `script` (which must print one `BENCHJSON {...}` line in done()) and parse it."""
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        f"{timeout_s:g}s",
        "-s",
        str(script),
        url,
        "--",
        *script_args,
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


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its live children (0.0 without psutil)."""
    if psutil is None:
        return 0.0
    total = 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def named_cpu(names: tuple[str, ...]) -> float:
    """CPU seconds of every process whose name is one of `names` (server-wide, e.g. all postgres)."""
    if psutil is None:
        return 0.0
    total = 0.0
    for p in psutil.process_iter(["name"]):
        try:
            if p.info["name"] in names:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total
