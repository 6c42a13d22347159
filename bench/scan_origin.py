"""What the out-of-city check adds to a scan: one in-process ip2region lookup (`app.stores.scan_origin`).

    python bench/scan_origin.py                 # 680,000 segments (the size of ip2region's IPv4 data)
    python bench/scan_origin.py --segments 50000 --lookups 100000

Writes a synthetic xdb file of that many IPv4 segments (tests/xdb.py, the same layout as the project's
own data: random segment edges, ~3,000 distinct region strings, 2 of 3 in China), loads it the way the
service does (whole file in memory, once per process) and times `Locator.verdict` on random public
addresses against one store city. Prints the file size, the load time, microseconds per verdict and
verdicts per second for one process; compare with a scan's whole cost (README "Benchmarks": the bare
endpoint serves 5,510 req/s on 2 workers, ~360 µs per request per worker).
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.stores import scan_origin  # noqa: E402  (after the path is set)
from tests.xdb import write_xdb  # noqa: E402

PROVINCES = ["江苏省", "浙江省", "广东省", "山东省", "河南省", "四川省", "湖北省", "福建省"]


def regions(rng: random.Random, n: int) -> list[str]:
    out = []
    for i in range(n):
        if i % 3 == 2:
            out.append(f"国家{i}|0|0|0|X{i % 90}")
        else:
            out.append(f"中国|{rng.choice(PROVINCES)}|城市{i}市|电信|CN")
    out[0] = "中国|江苏省|无锡市|电信|CN"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=680_000)
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    names = regions(rng, 3_000)
    edges = sorted(rng.sample(range(1, 2**32 - 1), args.segments - 1))
    starts = [0, *edges]
    ends = [*(e - 1 for e in edges), 2**32 - 1]
    segments = [
        (str(ipaddress.IPv4Address(s)), str(ipaddress.IPv4Address(e)), rng.choice(names))
        for s, e in zip(starts, ends, strict=True)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        path = write_xdb(Path(tmp) / "bench.xdb", segments)
        written = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = scan_origin.state({"SCAN_REGION_XDB": str(path)})
        loaded = time.perf_counter() - t0
        assert state.on, state.detail
        size = path.stat().st_size
    addrs = []
    while len(addrs) < args.lookups:
        ip = ipaddress.IPv4Address(rng.getrandbits(32))
        if ip.is_global:
            addrs.append(str(ip))
    verdict = state.locator.verdict
    t0 = time.perf_counter()
    counts = {v: 0 for v in scan_origin.VERDICTS}
    for addr in addrs:
        counts[verdict(addr, "无锡市")] += 1
    spent = time.perf_counter() - t0
    per = spent / len(addrs) * 1e6
    print(f"xdb: {args.segments:,} segments, {size / 1e6:.1f} MB (written in {written:.1f} s)")
    print(f"load (verify + read whole file, once per process): {loaded * 1000:.0f} ms")
    print(f"{len(addrs):,} verdicts: {per:.1f} µs each, {len(addrs) / spent:,.0f} per second in one process")
    print("verdicts:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
