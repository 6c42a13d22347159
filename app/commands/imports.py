"""`flask stations import FILE`, `flask stores import FILE`."""

from flask.cli import AppGroup

stations_cli = AppGroup("stations", help="Stations.")
stores_cli = AppGroup("stores", help="Stores.")

GROUPS = [stations_cli, stores_cli]
