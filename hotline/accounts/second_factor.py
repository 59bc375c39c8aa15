"""The second factor: TOTP codes (each used once), its QR code drawn here, recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ISSUER = "Hotline"
STEP_SECONDS = 30
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class SecretBox:
    """Seals a TOTP secret at rest with HOTLINE_ENCRYPTION_KEY (keys newest first)."""

    def __init__(self, keys: str) -> None:
        self._fernet = MultiFernet([Fernet(key.strip()) for key in keys.split(",") if key.strip()])

    def seal(self, secret: str) -> str:
        """Encrypt a secret for the database."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def unseal(self, token: str) -> str | None:
        """Decrypt; None when the keys cannot open it."""
        try:
            return self._fernet.decrypt(token).decode()
        except (InvalidToken, ValueError):
            return None


def new_secret() -> str:
    """A random base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code as inline SVG, drawn on our server: the secret never leaves it for a drawing."""
    # Imported here: only enrolment draws one, and segno took 33 to 57 ms of every start.
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(scale=4, title=title)
    return svg


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to (now, or one step either side), if not used before."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue  # a code seen once (or an older one) never opens a session again
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator shows at `moment` (tests and the CLI's check)."""
    return pyotp.TOTP(secret).at(moment)


def new_recovery_codes() -> list[str]:
    """Ten one-time codes like "k3m9-x7qa", shown once."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(2))
        for _ in range(RECOVERY_CODES)
    ]


def recovery_hash(code: str) -> str:
    """What is stored of a recovery code (random, so a plain SHA-256 is enough)."""
    normal = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def use_recovery_code(stored: list[str], code: str) -> list[str] | None:
    """The stored hashes without `code`'s, or None when it is not one of them."""
    wanted = recovery_hash(code)
    if not any(hmac.compare_digest(wanted, known) for known in stored):
        return None
    return [known for known in stored if known != wanted]
