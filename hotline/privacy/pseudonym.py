"""Keyed caller pseudonyms: the hotline's only durable name for a caller."""

from __future__ import annotations

import hashlib
import hmac

from hotline.privacy.phones import InvalidNumber, is_e164


def pseudonymize(e164: str, key: str, version: int) -> str:
    """HMAC-SHA256 of an E.164 number under `key`, stored as "<version>:<hex digest>"."""
    # A plain hash would not do: every phone number can be enumerated and hashed.
    if not is_e164(e164):
        raise InvalidNumber("pseudonyms are made from E.164 numbers only")
    if not key:
        raise ValueError("pseudonym key is empty")
    if version < 1:
        raise ValueError("pseudonym key version must be a positive integer")
    digest = hmac.new(key.encode(), e164.encode(), hashlib.sha256).hexdigest()
    return f"{version}:{digest}"


def pseudonym_key_version(pseudonym: str) -> int:
    """The key version a stored pseudonym was made with (to find ones needing a re-key)."""
    version, separator, digest = pseudonym.partition(":")
    if not separator or not version.isdigit() or len(digest) != 64:
        raise ValueError("not a hotline pseudonym")
    return int(version)
