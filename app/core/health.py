"""Liveness and readiness probes."""

from __future__ import annotations

import redis
import sqlalchemy as sa
from flask import Blueprint, jsonify

from app.core.extensions import db
from app.core.redis_client import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        get_redis().ping()
    except (redis.RedisError, OSError) as exc:
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(status="ready" if ready else "not_ready", checks=checks), 200 if ready else 503
