"""GET /healthz: database, Redis and worker heartbeat, no secrets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.db import get_session
from hotline.extensions import get_redis

bp = Blueprint("health", __name__)

# RQ workers refresh their heartbeat well within this.
HEARTBEAT_STALE = timedelta(minutes=2)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report each dependency as ok/down; 503 unless all are ok."""
    checks = {"database": _database(), "redis": _redis(), "worker": _worker()}
    healthy = all(state == "ok" for state in checks.values())
    return jsonify(status="ok" if healthy else "degraded", **checks), 200 if healthy else 503


def _database() -> str:
    try:
        get_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "down"
    return "ok"


def _redis() -> str:
    try:
        get_redis().ping()
    except (RedisError, OSError):
        return "down"
    return "ok"


def _worker() -> str:
    try:
        workers = Worker.all(connection=get_redis())
    except (RedisError, OSError):
        return "unknown"
    now = datetime.now(UTC)
    beats = [w.last_heartbeat for w in workers if w.last_heartbeat is not None]
    if not beats:
        return "missing"
    newest = max(b if b.tzinfo else b.replace(tzinfo=UTC) for b in beats)
    return "ok" if now - newest < HEARTBEAT_STALE else "stale"
