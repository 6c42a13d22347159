"""The service with its database away, for the fault tests."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from app import create_app
from app.core.extensions import db


@pytest.fixture
def away(app, app_config, tmp_path):
    """The same service with its database away (everything else, Redis and WeChat, still there)."""
    url = app_config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgresql"):
        with socket.socket() as s:  # a port nobody listens on: connections are refused
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = sa.make_url(url).set(port=port).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'missing' / 'yidian.db'}"
    broken = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
    yield broken
    with broken.app_context():
        db.engine.dispose()
