"""Sealed numbers: Fernet encryption for a number the hotline must dial later."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hotline.privacy.phones import InvalidNumber, is_e164


class SealError(Exception):
    """A sealed number cannot be opened: wrong key, damaged, expired or not a number."""


class NumberBox:
    """Seals and opens E.164 numbers with HOTLINE_ENCRYPTION_KEY (keys newest first)."""

    def __init__(self, keys: str) -> None:
        parts = [part.strip() for part in keys.split(",") if part.strip()]
        if not parts:
            raise ValueError("HOTLINE_ENCRYPTION_KEY holds no keys")
        try:
            fernets = [Fernet(part) for part in parts]
        except ValueError:
            raise ValueError(
                "HOTLINE_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated, newest first"
            ) from None
        # MultiFernet seals with the first key and opens with any: keys rotate by prepending.
        self._fernet = MultiFernet(fernets)

    def seal(self, e164: str) -> str:
        """Encrypt an E.164 number; the token is safe to store."""
        if not is_e164(e164):
            raise InvalidNumber("only E.164 numbers are sealed")
        return self._fernet.encrypt(e164.encode()).decode("ascii")

    def unseal(self, token: str, max_age: int | None = None) -> str:
        """Decrypt a sealed number; `max_age` (seconds) refuses older tokens."""
        try:
            value = self._fernet.decrypt(token, ttl=max_age).decode()
        except (InvalidToken, ValueError, TypeError):
            raise SealError(
                "sealed number cannot be opened (wrong key, damaged or expired)"
            ) from None
        if not is_e164(value):
            raise SealError("sealed value is not a phone number")
        return value

    def reseal(self, token: str) -> str:
        """Re-encrypt a sealed number under the newest key, keeping its original timestamp."""
        try:
            return self._fernet.rotate(token).decode("ascii")
        except (InvalidToken, ValueError, TypeError):
            raise SealError("sealed number cannot be opened (wrong key or damaged)") from None
