"""How long does the regulator's case export take, and where does the console draw the line?

    .venv/bin/python bench/export.py --complaints 600000 --stores 60000 --districts 2

Builds the same synthetic city as bench/figures.py in a private PostgreSQL database (dropped afterwards
unless --keep), then, for one district over 2025 and for one office (a smaller subtree) over a month:

- `export_jobs.is_large` (the limited count the console makes before every XLSX) and the full count;
- the XLSX (openpyxl write-only) and CSV writing rates in rows per second, and peak memory growth.

The XLSX rate tells how long a request would wait for `EXPORT_INLINE_MAX_ROWS` rows (5,000 by default);
anything above goes to the worker. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from figures import synthetic_city  # bench/figures.py


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(app) -> dict:
    from app.core.extensions import db
    from app.figures import export, export_jobs, kpis

    out: dict = {}
    with app.app_context():
        inline = app.config["EXPORT_INLINE_MAX_ROWS"]
        for label, scope in (
            ("district_2025", kpis.make_scope(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "第1区12315中心")),
            ("office_2025_06", kpis.make_scope(dt.date(2025, 6, 1), dt.date(2025, 6, 30), "区1监管所1")),
        ):
            t = time.perf_counter()
            large = export_jobs.is_large(scope)
            limited_s = time.perf_counter() - t
            t = time.perf_counter()
            rows = export_jobs.count(scope)
            count_s = time.perf_counter() - t
            before = _rss_mib()
            with tempfile.TemporaryDirectory() as tmp:
                t = time.perf_counter()
                written = export.write(scope, Path(tmp) / "x.xlsx", "xlsx")
                xlsx_s = time.perf_counter() - t
                t = time.perf_counter()
                export.write(scope, Path(tmp) / "x.csv", "csv")
                csv_s = time.perf_counter() - t
            xlsx_rate = written / xlsx_s if xlsx_s else 0
            out[label] = {
                "rows": rows,
                "is_large": large,
                "is_large_seconds": round(limited_s, 3),
                "full_count_seconds": round(count_s, 3),
                "xlsx_seconds": round(xlsx_s, 2),
                "xlsx_rows_per_second": round(xlsx_rate),
                "csv_seconds": round(csv_s, 2),
                "csv_rows_per_second": round(written / csv_s) if csv_s else 0,
                "inline_limit_xlsx_seconds": round(inline / xlsx_rate, 2) if xlsx_rate else None,
                "peak_rss_growth_mib": round(_rss_mib() - before, 1),
            }
        db.session.remove()
    out["export_inline_max_rows"] = inline
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--complaints", type=int, default=600_000)
    parser.add_argument("--stores", type=int, default=60_000)
    parser.add_argument("--districts", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="Keep the database (its name is printed).")
    parser.add_argument("--reuse", default=None, help="Measure an existing database kept by --keep.")
    args = parser.parse_args()

    out = synthetic_city(args, "yidian_bench_export", measure)
    print("BENCHJSON " + json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
