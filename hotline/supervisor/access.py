"""Who may see what: the signed-in user, found from the session token on every request.

Every console view needs a signed-in user unless marked `public`; views marked `admin_only`
need an admin. A user with a one-time password, or an admin without a second factor, reaches
only the page that fixes that. `note` writes the audit entry for what the user did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from hotline import accounts, audit
from hotline.db import get_session
from hotline.extensions import get_redis, now, setting
from hotline.models import Role, User

View = TypeVar("View", bound=Callable[..., Any])
TOKEN = "console"  # the key in Flask's signed session cookie that holds the session token
# Pages a user who must fix their account can still reach.
FIXING = {
    "password": "supervisor.auth.password",
    "second_factor": "supervisor.auth.second_factor_setup",
}
ALWAYS = {"supervisor.auth.logout", "supervisor.auth.language", "supervisor.static"}


def public(view: View) -> View:
    """Reachable without signing in (the login page, the language switch)."""
    view.console_access = "public"  # type: ignore[attr-defined]
    return view


def admin_only(view: View) -> View:
    """Reachable by admins only."""
    view.console_access = "admin"  # type: ignore[attr-defined]
    return view


def access_of(endpoint: str | None) -> str:
    """'public', 'admin' or 'user' (any signed-in account) for a console endpoint."""
    view = current_app.view_functions.get(endpoint or "")
    if endpoint == "supervisor.static":
        return "public"
    return getattr(view, "console_access", "user")


def current_user() -> User | None:
    """The signed-in user of this request, if any."""
    user: User | None = g.get("console_user")
    return user


def signed_in_user() -> User:
    """The signed-in user (the guard has made sure there is one)."""
    user = current_user()
    assert user is not None
    return user


def guard() -> ResponseReturnValue | None:
    """Before every console request: find the user, then let them in, send them on, or refuse."""
    g.console_user = _resume()
    rule = access_of(request.endpoint)
    if rule == "public" or request.endpoint in ALWAYS:
        return None
    user = current_user()
    if user is None:
        return redirect(url_for("supervisor.auth.login", next=request.full_path.rstrip("?")))
    fix = account_to_fix(user)
    if fix and request.endpoint != FIXING[fix]:
        return redirect(url_for(FIXING[fix]))
    if rule == "admin" and user.role != Role.ADMIN:
        abort(403)
    return None


def account_to_fix(user: User) -> str | None:
    """'password' for a one-time password, 'second_factor' when one is required and missing."""
    if user.must_change_password:
        return "password"
    required_for_all = setting("HOTLINE_TOTP_REQUIRED") == "all"
    if user.totp_secret_sealed is None and (user.role == Role.ADMIN or required_for_all):
        return "second_factor"
    return None


def _resume() -> User | None:
    token = session.get(TOKEN)
    if not token:
        return None
    live = accounts.resume_session(get_redis(), token, now())
    user = get_session().get(User, live.user_id) if live else None
    if live is None or user is None or not user.active or _ended(user, live):
        session.pop(TOKEN, None)
        return None
    return user


def _ended(user: User, live: accounts.ConsoleSession) -> bool:
    return user.sessions_valid_after is not None and live.opened_at <= user.sessions_valid_after


def sign_in(user: User) -> None:
    """A new session for `user`: the old cookie's contents (and CSRF token) are dropped."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session[TOKEN] = accounts.open_session(get_redis(), user.id, now())
    g.console_user = user


def sign_out() -> None:
    """End the session: the token is forgotten by Redis and the cookie emptied."""
    token = session.pop(TOKEN, None)
    if token:
        accounts.end_session(get_redis(), token)
    session.clear()


def note(action: audit.Action, target: str | None = None, detail: str | None = None) -> None:
    """Audit what the signed-in user did, in the request's transaction."""
    user = signed_in_user()
    audit.record(get_session(), audit.Actor(user.id, user.username), action, now(), target, detail)


def local_target(raw: str | None, fallback: str) -> str:
    """`raw` when it is a path on this site (never another host), else `fallback`."""
    if not raw:
        return fallback
    parts = urlsplit(raw)
    # "//host" and "/\host" are other sites to a browser.
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw[1:2] in ("/", "\\"):
        return fallback
    return raw
