"""Console accounts: add, find, disable, reset, and the user's own changes. The caller commits."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.passwords import hash_password
from hotline.accounts.second_factor import SecretBox, new_recovery_codes, recovery_hash
from hotline.models import Role, User
from hotline.privacy import Keyring, mask_number, normalize_number

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_MAX = 64


class AccountError(ValueError):
    """An account change cannot be made; the message says why in one line."""


def normal_email(text: str) -> str:
    """The email as stored: trimmed, lower case; AccountError when it is not an email."""
    email = text.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise AccountError(f"an account is an email address of at most {EMAIL_MAX} characters")
    return email


def find_user(session: Session, email: str) -> User | None:
    """The account with this email, if any (any case, spaces around ignored)."""
    return session.scalar(select(User).where(User.username == email.strip().lower()))


def get_user(session: Session, email: str) -> User:
    """The account with this email; AccountError when there is none."""
    user = find_user(session, email)
    if user is None:
        raise AccountError("no account with that email")
    return user


def add_user(
    session: Session,
    hasher: PasswordHasher,
    email: str,
    role: Role,
    password: str,
    *,
    must_change: bool,
) -> User:
    """A new account; `must_change` when someone else chose the password."""
    address = normal_email(email)
    if find_user(session, address) is not None:
        raise AccountError("an account with that email exists already")
    user = User(
        username=address,
        role=role,
        password_hash=hash_password(hasher, password),
        must_change_password=must_change,
        recovery_codes=[],
    )
    session.add(user)
    return user


def set_active(session: Session, email: str, active: bool, now: datetime) -> User:
    """Disable an account (its sessions end at once) or enable it again."""
    user = get_user(session, email)
    user.active = active
    if not active:
        user.sessions_valid_after = now
    return user


def reset_password(
    session: Session,
    hasher: PasswordHasher,
    email: str,
    password: str,
    now: datetime,
    *,
    must_change: bool,
    clear_second_factor: bool = False,
) -> User:
    """A new password (and, for a lost phone, no second factor); every session ends."""
    user = get_user(session, email)
    user.password_hash = hash_password(hasher, password)
    user.must_change_password = must_change
    user.sessions_valid_after = now
    if clear_second_factor:
        user.totp_secret_sealed = None
        user.totp_last_step = None
        user.recovery_codes = []
    return user


def change_own_password(hasher: PasswordHasher, user: User, password: str) -> None:
    """The user's own new password; it replaces a one-time password."""
    user.password_hash = hash_password(hasher, password)
    user.must_change_password = False


def list_users(session: Session) -> list[User]:
    """Every account, admins first, then by email."""
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def start_second_factor(user: User, box: SecretBox, secret: str, step: int) -> list[str]:
    """Keep a secret confirmed by the code of `step`; return fresh recovery codes (shown once)."""
    codes = new_recovery_codes()
    user.totp_secret_sealed = box.seal(secret)
    user.totp_last_step = step
    user.recovery_codes = [recovery_hash(code) for code in codes]
    return codes


def set_phone(user: User, keyring: Keyring, raw: str, region: str) -> None:
    """The user's own phone for alerts: sealed, with a masked hint; never kept in the clear."""
    e164 = normalize_number(raw, region)
    user.phone_sealed = keyring.seal(e164)
    user.phone_hint = mask_number(e164)


def remove_phone(user: User) -> None:
    """No more alerts to this user's phone."""
    user.phone_sealed = None
    user.phone_hint = None
