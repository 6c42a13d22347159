"""`flask demo seed`: the demo city (filled in by app.services.demo)."""

from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")

GROUPS = [demo_cli]
