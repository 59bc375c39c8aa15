"""Logging in: throttle, password, second factor; the same answer for any wrong part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from redis import Redis
from sqlalchemy.orm import Session

from hotline.accounts import second_factor, throttle
from hotline.accounts.passwords import hash_password, needs_rehash, verify_password
from hotline.accounts.users import find_user
from hotline.models import User


class LoginOutcome(StrEnum):
    """How a login attempt ended."""

    OK = "ok"
    FAILED = "failed"  # wrong email, password or code: never said which
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Credentials:
    """What the login form sent."""

    email: str
    password: str
    code: str  # a TOTP code, a recovery code, or empty


@dataclass(frozen=True)
class LoginResult:
    """The outcome, the account when it is OK, and the wait when throttled."""

    outcome: LoginOutcome
    user: User | None = None
    wait_seconds: int = 0
    used_recovery_code: bool = False


def log_in(
    session: Session,
    redis: Redis,
    hasher: PasswordHasher,
    box: second_factor.SecretBox,
    given: Credentials,
    address: str,
    now: datetime,
) -> LoginResult:
    """Check a login; failures are counted, a success records the login on the account."""
    buckets = [throttle.account_bucket(given.email), throttle.address_bucket(address)]
    wait = throttle.wait_seconds(redis, buckets, now)
    if wait > 0:
        return LoginResult(LoginOutcome.THROTTLED, wait_seconds=wait)
    user = find_user(session, given.email)
    password_ok = verify_password(hasher, user.password_hash if user else None, given.password)
    if user is None or not password_ok or not user.active:
        throttle.record_failure(redis, buckets, now)
        return LoginResult(LoginOutcome.FAILED)
    used_recovery: bool | None = False
    if user.totp_secret_sealed is not None:
        used_recovery = _second_factor(user, box, given.code, now)
        if used_recovery is None:
            throttle.record_failure(redis, buckets, now)
            return LoginResult(LoginOutcome.FAILED)
    throttle.forget(redis, buckets[0])
    user.last_login_at = now
    if needs_rehash(hasher, user.password_hash):
        user.password_hash = hash_password(hasher, given.password)
    return LoginResult(LoginOutcome.OK, user, used_recovery_code=bool(used_recovery))


def _second_factor(
    user: User, box: second_factor.SecretBox, code: str, now: datetime
) -> bool | None:
    """False: a TOTP code was right; True: a recovery code was used up; None: neither."""
    secret = box.unseal(user.totp_secret_sealed or "")
    step = second_factor.matching_step(secret, code, now, user.totp_last_step) if secret else None
    if step is not None:
        user.totp_last_step = step
        return False
    remaining = second_factor.use_recovery_code(user.recovery_codes, code) if code else None
    if remaining is None:
        return None
    user.recovery_codes = remaining
    return True
