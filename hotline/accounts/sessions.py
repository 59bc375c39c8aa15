"""Console sessions kept in Redis: 15 minutes idle, 12 hours in all, ended at logout.

The browser holds only a random token; Redis holds its SHA-256, so a Redis dump opens nothing.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis import Redis

IDLE = timedelta(minutes=15)
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: whose, and since when."""

    user_id: int
    opened_at: datetime


def _key(token: str) -> str:
    return "console:session:" + hashlib.sha256(token.encode()).hexdigest()


def open_session(redis: Redis, user_id: int, now: datetime) -> str:
    """A new session (a new id at every login); returns the browser's token."""
    token = secrets.token_urlsafe(32)
    _store(redis, token, {"user": user_id, "opened": now.timestamp(), "seen": now.timestamp()})
    return token


def resume_session(redis: Redis, token: str, now: datetime) -> ConsoleSession | None:
    """The session for `token` if it is neither idle too long nor too old; it is touched."""
    raw = redis.get(_key(token))
    if raw is None:
        return None
    data = json.loads(raw)
    opened = datetime.fromtimestamp(data["opened"], now.tzinfo)
    seen = datetime.fromtimestamp(data["seen"], now.tzinfo)
    if now - seen > IDLE or now - opened > LIFETIME:
        end_session(redis, token)
        return None
    _store(redis, token, {**data, "seen": now.timestamp()})
    return ConsoleSession(int(data["user"]), opened)


def end_session(redis: Redis, token: str) -> None:
    """Logout: the token opens nothing any more."""
    redis.delete(_key(token))


def _store(redis: Redis, token: str, data: dict[str, float]) -> None:
    # Redis forgets an idle session by itself; the timestamps decide on the app's clock.
    redis.set(_key(token), json.dumps(data), ex=int(IDLE.total_seconds()) + 60)
