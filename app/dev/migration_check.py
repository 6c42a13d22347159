"""Fail when the models and the Alembic revisions drift apart (`make check-migrations`).

Upgrades a throwaway SQLite database to head, runs Alembic's `check` (autogenerate must find nothing),
then walks every revision down to base and up again so downgrades stay real.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from flask_migrate import check, downgrade, upgrade

from app import create_app


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'check.db'}",
                "INSTANCE_DIR": tmp,
                "REDIS_URL": "redis://127.0.0.1:1/0",  # never contacted here
            }
        )
        with app.app_context():
            upgrade()
            check()
            downgrade(revision="base")
            upgrade()
    print("migrations: models and revisions agree; downgrade and upgrade both run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
