"""Console accounts: argon2id passwords, the TOTP second factor and recovery codes, login with
throttling, and sessions in Redis. No flask: the supervisor console and the CLI use it alike.
"""

from hotline.accounts.login import (
    Credentials,
    LoginOutcome,
    LoginResult,
    log_in,
)
from hotline.accounts.passwords import (
    PasswordRefused,
    check_password_rule,
    hasher_for,
    one_time_password,
    verify_password,
)
from hotline.accounts.second_factor import SecretBox
from hotline.accounts.sessions import (
    ConsoleSession,
    end_session,
    open_session,
    resume_session,
)
from hotline.accounts.users import (
    AccountError,
    add_user,
    change_own_password,
    find_user,
    get_user,
    list_users,
    normal_email,
    remove_phone,
    reset_password,
    set_active,
    set_phone,
    start_second_factor,
)

__all__ = [
    "AccountError",
    "ConsoleSession",
    "Credentials",
    "LoginOutcome",
    "LoginResult",
    "PasswordRefused",
    "SecretBox",
    "add_user",
    "change_own_password",
    "check_password_rule",
    "hasher_for",
    "end_session",
    "find_user",
    "get_user",
    "list_users",
    "log_in",
    "normal_email",
    "one_time_password",
    "open_session",
    "remove_phone",
    "reset_password",
    "resume_session",
    "set_active",
    "set_phone",
    "start_second_factor",
    "verify_password",
]
