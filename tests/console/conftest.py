"""Console tests hash passwords with a cheaper Argon2id cost (still verified for real on every login)."""

import pytest

from tests.console.world import FAST_HASH


@pytest.fixture(autouse=True)
def fast_hash(request, monkeypatch):
    if "app" in request.fixturenames:
        app = request.getfixturevalue("app")
        for key, value in FAST_HASH.items():
            monkeypatch.setitem(app.config, key, value)
