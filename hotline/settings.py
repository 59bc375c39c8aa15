"""Settings from the environment; development secrets generated once into instance/."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from cryptography.fernet import Fernet

# Secrets a production deployment must set itself; development generates them.
SECRET_NAMES = (
    "HOTLINE_SECRET_KEY",
    "HOTLINE_PSEUDONYM_KEY",
    "HOTLINE_ENCRYPTION_KEY",
    "TWILIO_AUTH_TOKEN",
)
# Without these production would silently fall back to a laptop default.
PRODUCTION_REQUIRED = (
    *SECRET_NAMES,
    "TWILIO_ACCOUNT_SID",
    "HOTLINE_PUBLIC_URL",
    "DATABASE_URL",
    "REDIS_URL",
)
ENVIRONMENTS = ("development", "production")

DEV_SECRETS_FILE = "secrets.json"
DEV_PUBLIC_URL = "http://127.0.0.1:5000"
TWILIO_API_DEFAULT = "https://api.twilio.com"

# Plain settings: name -> default. Everything is overridable from the environment.
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite under instance/
    "REDIS_URL": None,  # None: the embedded server on instance/redis.sock (embedded_redis)
    "HOTLINE_PUBLIC_URL": None,
    "HOTLINE_PROXY_COUNT": 0,  # proxies in front whose X-Forwarded-* headers are trusted
    "HOTLINE_BACKUP_NUMBER": None,
    "TWILIO_API_URL": TWILIO_API_DEFAULT,
    "HOTLINE_PSEUDONYM_KEY_VERSION": 1,
    "HOTLINE_DEFAULT_REGION": "KG",
    "HOTLINE_TIMEZONE": "Asia/Bishkek",
    "HOTLINE_DB_CONNECT_TIMEOUT": 3,  # seconds
    "HOTLINE_DB_STATEMENT_TIMEOUT_MS": 5000,
    # A web request's database calls are cut off after this long (Twilio's caller is waiting).
    "HOTLINE_DB_DEADLINE_SECONDS": 1.5,
    # Connections a process keeps open: one per web thread (gunicorn.conf.py's WEB_THREADS),
    # so no request waits for one and none is opened and closed per request.
    "HOTLINE_DB_POOL_SIZE": 32,
    # Seconds a web request waits on Redis, which answers in well under a millisecond: a webhook
    # may ask it a few times, and all of it fits the 2 s a caller's answer must come in.
    "HOTLINE_REDIS_TIMEOUT": 0.25,
    # Voice webhooks working at once in a web process; the others wait their turn (turns.py).
    "HOTLINE_WEBHOOKS_AT_ONCE": 4,
    "HOTLINE_WEBHOOK_WAIT_SECONDS": 3.0,  # a longer wait for a turn gives the reserve line
    "HOTLINE_TWILIO_TIMEOUT": 10.0,  # seconds; twilio's default HTTP client has none
    "HOTLINE_WRAP_UP_SECONDS": 120,  # a counsellor's pause after a call
    "HOTLINE_CALLBACK_ATTEMPTS": 3,  # times a caller is dialled before the request expires
    "HOTLINE_CALLBACK_RETRY_MINUTES": "10,30",  # backoff after each missed attempt
    "HOTLINE_CALLBACK_MAX_AGE_HOURS": 48,  # older requests expire; numbers erased
    "HOTLINE_CALLBACK_COUNTRIES": "KG",  # where a keyed-in callback number may be
    "HOTLINE_SMS_REDACT": 1,  # blank every SMS body at Twilio once it is final (0: keep)
    "HOTLINE_SMS_SEND_ATTEMPTS": 5,  # REST tries for one outbox SMS before it is given up
    "HOTLINE_SMS_RETRY_SECONDS": "30,120,600,1800",  # backoff between those tries
    "HOTLINE_SMS_REPLY_MINUTES": 5,  # a counsellor's silence before the texter goes to another
    "HOTLINE_SMS_IDLE_MINUTES": 60,  # a conversation with no message for this long is closed
    "HOTLINE_SMS_MAX_CONVERSATIONS": 3,  # open conversations per counsellor
    "HOTLINE_SMS_TEXTER_LIMIT": 10,  # messages one sender may send ...
    "HOTLINE_SMS_TEXTER_WINDOW_MINUTES": 10,  # ... in this long; more get no answer
    "HOTLINE_SMS_NEW_CONVERSATIONS_PER_HOUR": 30,  # per line, against SMS pumping
    "HOTLINE_TOTP_REQUIRED": "admins",  # who must sign in to the console with a code: admins|all
    "HOTLINE_RETENTION_DAYS": 365,  # call and SMS metadata older than this is folded and deleted
    "HOTLINE_DAILY_AT": "07:00",  # local time of the daily jobs: gaps in cover, retention
    "HOTLINE_CONFIG_DIR": str(Path(__file__).resolve().parent.parent / "config"),
}
INT_SETTINGS = {
    "HOTLINE_PROXY_COUNT",
    "HOTLINE_CALLBACK_ATTEMPTS",
    "HOTLINE_CALLBACK_MAX_AGE_HOURS",
    "HOTLINE_WRAP_UP_SECONDS",
    "HOTLINE_PSEUDONYM_KEY_VERSION",
    "HOTLINE_DB_CONNECT_TIMEOUT",
    "HOTLINE_DB_STATEMENT_TIMEOUT_MS",
    "HOTLINE_DB_POOL_SIZE",
    "HOTLINE_WEBHOOKS_AT_ONCE",
    "HOTLINE_SMS_REDACT",
    "HOTLINE_SMS_SEND_ATTEMPTS",
    "HOTLINE_SMS_REPLY_MINUTES",
    "HOTLINE_SMS_IDLE_MINUTES",
    "HOTLINE_SMS_MAX_CONVERSATIONS",
    "HOTLINE_SMS_TEXTER_LIMIT",
    "HOTLINE_SMS_TEXTER_WINDOW_MINUTES",
    "HOTLINE_SMS_NEW_CONVERSATIONS_PER_HOUR",
    "HOTLINE_RETENTION_DAYS",
}
FLOAT_SETTINGS = {
    "HOTLINE_REDIS_TIMEOUT",
    "HOTLINE_TWILIO_TIMEOUT",
    "HOTLINE_DB_DEADLINE_SECONDS",
    "HOTLINE_WEBHOOK_WAIT_SECONDS",
}


class ConfigError(RuntimeError):
    """A setting is missing or malformed; the message names the variable."""


def config_dir(environ: Mapping[str, str]) -> Path:
    """HOTLINE_CONFIG_DIR from `environ`, else the repository's config/ (for app-free commands)."""
    return Path(environ.get("HOTLINE_CONFIG_DIR", "").strip() or DEFAULTS["HOTLINE_CONFIG_DIR"])


def environment(environ: Mapping[str, str]) -> str:
    """HOTLINE_ENV: development (the default) or production; a typo stops everything."""
    name = environ.get("HOTLINE_ENV", "").strip().lower() or "development"
    if name not in ENVIRONMENTS:
        raise ConfigError(f"HOTLINE_ENV must be development or production, not {name!r}")
    return name


def is_production(environ: Mapping[str, str]) -> bool:
    """True when HOTLINE_ENV says this is a production deployment."""
    return environment(environ) == "production"


def load_settings(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Read every setting from `environ`, generating development secrets when allowed."""
    production = is_production(environ)
    settings: dict[str, Any] = {"HOTLINE_ENV": environment(environ)}
    for name, default in DEFAULTS.items():
        raw = environ.get(name, "").strip()
        settings[name] = _convert(name, raw) if raw else default
    for name in (*SECRET_NAMES, "TWILIO_ACCOUNT_SID"):
        settings[name] = environ.get(name, "").strip() or None

    if production:
        missing = [name for name in PRODUCTION_REQUIRED if not settings[name]]
        if missing:
            raise ConfigError(
                "HOTLINE_ENV=production needs these environment variables set: "
                + ", ".join(missing)
            )
    else:
        generated = development_secrets(instance_path)
        for name, value in generated.items():
            settings[name] = settings[name] or value
        settings["HOTLINE_PUBLIC_URL"] = settings["HOTLINE_PUBLIC_URL"] or DEV_PUBLIC_URL

    _check_encryption_keys(settings["HOTLINE_ENCRYPTION_KEY"])
    _check_place(settings["HOTLINE_TIMEZONE"], settings["HOTLINE_DEFAULT_REGION"])
    if settings["HOTLINE_TOTP_REQUIRED"] not in ("admins", "all"):
        raise ConfigError("HOTLINE_TOTP_REQUIRED must be admins or all")
    _check_daily(settings["HOTLINE_RETENTION_DAYS"], settings["HOTLINE_DAILY_AT"])
    if not 1 <= settings["HOTLINE_DB_POOL_SIZE"] <= 200:
        raise ConfigError("HOTLINE_DB_POOL_SIZE must be 1 to 200 (connections)")
    settings["HOTLINE_DEFAULT_REGION"] = settings["HOTLINE_DEFAULT_REGION"].upper()
    settings["HOTLINE_PUBLIC_URL"] = settings["HOTLINE_PUBLIC_URL"].rstrip("/")
    return settings


def development_secrets(instance_path: Path) -> dict[str, str]:
    """Secrets for a laptop: made once, kept in instance/secrets.json (mode 0600)."""
    path = instance_path / DEV_SECRETS_FILE
    if path.exists():
        try:
            stored: dict[str, str] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path} is unreadable; delete it to regenerate: {exc}") from None
        if all(stored.get(name) for name in (*SECRET_NAMES, "TWILIO_ACCOUNT_SID")):
            return stored
    fresh = {
        "HOTLINE_SECRET_KEY": secrets.token_urlsafe(32),
        "HOTLINE_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "HOTLINE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_ACCOUNT_SID": "AC" + secrets.token_hex(16),
    }
    instance_path.mkdir(parents=True, exist_ok=True)
    # Create with 0600 from the start so the secrets are never world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(fresh, handle, indent=2)
    return fresh


def _convert(name: str, raw: str) -> Any:
    try:
        if name in INT_SETTINGS:
            return int(raw)
        if name in FLOAT_SETTINGS:
            return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    return raw


def _check_encryption_keys(value: str | None) -> None:
    """HOTLINE_ENCRYPTION_KEY is one or more comma-separated Fernet keys, newest first."""
    if value is None:
        raise ConfigError("HOTLINE_ENCRYPTION_KEY is not set")
    for key in value.split(","):
        try:
            Fernet(key.strip())
        except ValueError:
            raise ConfigError(
                "HOTLINE_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64 bytes), "
                "comma-separated; make one with: "
                "python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None


def _check_daily(retention_days: int, daily_at: str) -> None:
    """HOTLINE_RETENTION_DAYS within 30-3650 days; HOTLINE_DAILY_AT a time of day, HH:MM."""
    if not 30 <= retention_days <= 3650:
        raise ConfigError("HOTLINE_RETENTION_DAYS must be 30 to 3650 (days)")
    try:
        time.fromisoformat(daily_at if len(daily_at) == 5 else "")
    except ValueError:
        raise ConfigError(
            f"HOTLINE_DAILY_AT must be a time of day like 07:00, not {daily_at!r}"
        ) from None


def _check_place(zone: str, region: str) -> None:
    """HOTLINE_TIMEZONE is an IANA zone and HOTLINE_DEFAULT_REGION a country phonenumbers knows."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"HOTLINE_TIMEZONE must be a time zone like Asia/Bishkek, not {zone!r}"
        ) from None
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"HOTLINE_DEFAULT_REGION must be a country code like KG, not {region!r}")
