"""Console passwords: argon2id hashes, the length rule, one-time passwords for new accounts.

The hasher is argon2-cffi's default (RFC 9106's low-memory argon2id profile); tests inject a
cheaper one through the app's config (HOTLINE_PASSWORD_HASHER), as they inject a clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

DEFAULT_HASHER = PasswordHasher()
MIN_LENGTH = 12  # OWASP ASVS 2.1.1: at least 12 characters, no composition rules
MAX_LENGTH = 128


class PasswordRefused(ValueError):
    """A new password breaks the rule; the message says which (never the password)."""


def hasher_for(config: Mapping[str, Any]) -> PasswordHasher:
    """The app's hasher: the default, or the one a test injected."""
    injected: PasswordHasher | None = config.get("HOTLINE_PASSWORD_HASHER")
    return injected or DEFAULT_HASHER


def check_password_rule(password: str) -> None:
    """Refuse a password shorter than 12 or longer than 128 characters."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordRefused(f"a password must be {MIN_LENGTH} to {MAX_LENGTH} characters long")


def hash_password(hasher: PasswordHasher, password: str) -> str:
    """An argon2id hash of a password that follows the rule."""
    check_password_rule(password)
    return hasher.hash(password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; None (no such account) costs the same and is False."""
    try:
        matched = hasher.verify(stored_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored_hash is not None


def needs_rehash(hasher: PasswordHasher, stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the hasher's."""
    return hasher.check_needs_rehash(stored_hash)


def one_time_password() -> str:
    """A random password for a new or reset account, changed at first sign-in."""
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits
