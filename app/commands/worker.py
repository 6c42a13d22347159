"""`flask worker run`: background jobs and periodic sweeps."""

from flask.cli import AppGroup

worker_cli = AppGroup("worker", help="Background worker.")

GROUPS = [worker_cli]
