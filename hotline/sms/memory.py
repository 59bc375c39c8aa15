"""What the SMS channel keeps in Redis, keyed by pseudonym only: open questions and rate counts.

Never a number or a message body. Redis being down must not silence the channel: every
function here turns a Redis failure into `RedisUnavailable`, or (the rate limit) lets the
message through.
"""

from __future__ import annotations

import logging

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

QUESTION_TTL_SECONDS = 15 * 60  # how long "when is it safe?" waits for its digit
RATE_LIMIT = 10  # messages a sender may send ...
RATE_WINDOW_SECONDS = 10 * 60  # ... in this long (both HOTLINE_SMS_TEXTER_*)
LANGUAGE_TTL_SECONDS = 180 * 24 * 3600  # a chosen language is kept half a year, then forgotten
HOUR = 3600
PREFIX = "hotline:sms"


class RedisUnavailable(Exception):
    """Redis could not be reached (or answered with an error)."""


def question_key(pseudonym: str) -> str:
    """Where the pending "when is it safe?" question of this sender is kept."""
    return f"{PREFIX}:asked-when:{pseudonym}"


def rate_key(pseudonym: str) -> str:
    """This sender's message count for the current window."""
    return f"{PREFIX}:rate:{pseudonym}"


def language_key(pseudonym: str) -> str:
    """The language this sender chose."""
    return f"{PREFIX}:language:{pseudonym}"


def new_conversations_key(line_id: int) -> str:
    """Conversations opened on this line in the current hour."""
    return f"{PREFIX}:new-conversations:{line_id}"


def remember_question(redis: Redis, pseudonym: str, language: str) -> None:
    """Note that we asked this sender when to call (the answer's language is kept)."""
    try:
        redis.set(question_key(pseudonym), language, ex=QUESTION_TTL_SECONDS)
    except (RedisError, OSError) as exc:
        raise RedisUnavailable(type(exc).__name__) from None


def take_question(redis: Redis, pseudonym: str) -> str | None:
    """The language of the question waiting for this sender's digit, consumed; None if none."""
    try:
        language = redis.getdel(question_key(pseudonym))
    except (RedisError, OSError) as exc:
        raise RedisUnavailable(type(exc).__name__) from None
    if language is None:
        return None
    return language.decode() if isinstance(language, bytes) else str(language)


def forget_question(redis: Redis, pseudonym: str) -> None:
    """Drop a pending question (the sender cancelled); a Redis outage is not an error here."""
    try:
        redis.delete(question_key(pseudonym))
    except (RedisError, OSError) as exc:
        log.warning("could not forget an SMS question (%s)", type(exc).__name__)


def within_rate(
    redis: Redis,
    pseudonym: str,
    limit: int = RATE_LIMIT,
    window_seconds: int = RATE_WINDOW_SECONDS,
    key: str | None = None,
) -> bool:
    """Count this message; False once the sender is over the limit. Redis down: allowed."""
    key = key or rate_key(pseudonym)
    try:
        # The key is born with its expiry (SET NX EX) before INCR, in one transaction, so a
        # crash between the two can never leave a counter that lives for ever.
        pipe = redis.pipeline(transaction=True)
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        _, count = pipe.execute()
    except (RedisError, OSError) as exc:
        log.warning("SMS rate limit not checked, Redis unavailable (%s)", type(exc).__name__)
        return True
    return int(count) <= limit


def within_line_rate(redis: Redis, line_id: int, per_hour: int) -> bool:
    """Count a new conversation on this line; False once over `per_hour`. Redis down: allowed."""
    return within_rate(redis, "", per_hour, HOUR, key=new_conversations_key(line_id))


def save_language(redis: Redis, pseudonym: str, language: str) -> bool:
    """Keep the sender's chosen language; False when Redis is unreachable."""
    try:
        redis.set(language_key(pseudonym), language, ex=LANGUAGE_TTL_SECONDS)
    except (RedisError, OSError) as exc:
        log.warning("could not keep an SMS language (%s)", type(exc).__name__)
        return False
    return True


def saved_language(redis: Redis, pseudonym: str) -> str | None:
    """The language the sender chose, if any (Redis down: none)."""
    try:
        language = redis.get(language_key(pseudonym))
    except (RedisError, OSError):
        return None
    if language is None:
        return None
    return language.decode() if isinstance(language, bytes) else str(language)


def forget_sender(redis: Redis, pseudonym: str) -> None:
    """Drop what Redis keeps by this sender's pseudonym (they asked to delete their data)."""
    try:
        redis.delete(question_key(pseudonym), language_key(pseudonym))
    except (RedisError, OSError) as exc:
        log.warning("could not forget an SMS sender (%s)", type(exc).__name__)
