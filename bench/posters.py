"""Benchmark: 1,000 store posters as one PDF (budget 60 s on this machine).

    python bench/posters.py               # 1,000 stores
    python bench/posters.py --stores 200  # fewer

Builds a throwaway SQLite database with the migrations, enrols N stores with commitments in one business
circle through the importer, then times what `GET /admin/posters.pdf?circle=NAME` and `flask codes
posters` do: select the stores, build the posters, render the PDF. Prints the seconds, pages per second
and the PDF's size, and exits 1 when over the budget.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUDGET_SECONDS = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        from flask_migrate import upgrade

        from app import create_app
        from app.core.extensions import db
        from app.directory import importing
        from app.stores import posters
        from tests.factories import make_uscc

        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "REDIS_URL": None, "INSTANCE_DIR": tmp}
        )
        with app.app_context():
            upgrade()
            importing.import_stations(
                importing.Table.from_records(
                    [
                        {"name": "基准区12315中心", "kind": "center_12315", "phone": "12315"},
                        {
                            "name": "基准商圈服务站",
                            "kind": "service_station",
                            "parent": "基准区12315中心",
                            "phone": "0510-85206315",
                            "circles": "基准商圈",
                        },
                    ]
                )
            )
            rng = random.Random(13)
            records = [
                {
                    "name": f"基准店铺第{i:04d}号（湖滨路{rng.randint(1, 999)}号）",
                    "uscc": make_uscc(rng),
                    "circle": "基准商圈",
                    "return_days": str(rng.choice([7, 15, 30])),
                    "return_exclusions": "食品|定制商品",
                    "payout_payer": "基准商圈",
                    "payout_limit_yuan": "500",
                    "first_inquiry": "是",
                    "first_inquiry_hours": "24",
                }
                for i in range(args.stores)
            ]
            result = importing.import_stores(importing.Table.from_records(records))
            assert result.ok, result.problems[:3]
            db.session.commit()
            db.session.expunge_all()

            started = time.perf_counter()
            chosen = posters.select(circle="基准商圈")
            found = posters.posters_for(chosen, "https://yidian.example.cn")
            selected = time.perf_counter()
            pdf = posters.render(found, hotline="12315")
            done = time.perf_counter()
            db.engine.dispose()
            with contextlib.suppress(Exception):  # the embedded Redis this run started
                app.extensions["redis"].shutdown(nosave=True)
        seconds = done - started
        print(f"posters: {len(found)} pages")
        print(f"  select + build: {selected - started:.2f} s")
        print(f"  render PDF:     {done - selected:.2f} s")
        print(
            f"  total:          {seconds:.2f} s ({len(found) / seconds:.0f} pages/s), budget {BUDGET_SECONDS:.0f} s"
        )
        print(f"  PDF size:       {len(pdf) / 1024 / 1024:.1f} MiB")
        return 0 if seconds <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
