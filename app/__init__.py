"""The application: `create_app` (built in `app.factory`) and one package per domain.

Importing any `app.*` module runs this file first, so it stays small: it registers every model (some
modules alias models at import, before anything configures a mapper) and nothing else.
"""

from __future__ import annotations

from flask import Flask

from app import models  # noqa: F401


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; `config` (tests) overrides individual keys."""
    # Late on purpose: the factory imports every package, surfaces included, and this file runs before
    # any `app.*` module (the `wechat` adapter imports `app.core`), which must not pull them all in.
    from app.factory import create_app as build

    return build(config)
