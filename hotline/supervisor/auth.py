"""Signing in and out, the language switch, and the user's own password and second factor."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from hotline import accounts, audit
from hotline.accounts import second_factor
from hotline.db import get_session
from hotline.extensions import get_redis, now
from hotline.supervisor.access import (
    current_user,
    local_target,
    note,
    public,
    sign_in,
    sign_out,
    signed_in_user,
)
from hotline.supervisor.forms import CodeForm, LanguageForm, LoginForm, PasswordForm
from hotline.supervisor.i18n import CONSOLE_LANGUAGES

bp = Blueprint("auth", __name__)
PENDING_SECRET = "second_factor_pending"  # sealed, in the signed session cookie, until confirmed


def hasher() -> PasswordHasher:
    """The app's password hasher (argon2id)."""
    return accounts.hasher_for(current_app.config)


def secret_box() -> second_factor.SecretBox:
    """Seals second-factor secrets with HOTLINE_ENCRYPTION_KEY."""
    return second_factor.SecretBox(current_app.config["HOTLINE_ENCRYPTION_KEY"])


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> ResponseReturnValue:
    """Email, password and (when the account has one) a code; any wrong part: one message."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("supervisor/login.html", form=form)
    given = accounts.Credentials(
        form.email.data or "", form.password.data or "", form.code.data or ""
    )
    database = get_session()
    result = accounts.log_in(
        database, get_redis(), hasher(), secret_box(), given, request.remote_addr or "-", now()
    )
    if result.outcome is accounts.LoginOutcome.THROTTLED:
        minutes = -(-result.wait_seconds // 60)
        flash(
            ngettext(
                "Too many tries. Try again in %(num)d minute.",
                "Too many tries. Try again in %(num)d minutes.",
                minutes,
            ),
            "error",
        )
        return render_template("supervisor/login.html", form=form), 429
    if result.user is None:
        _note_failure(given.email)
        flash(_("Wrong email, password or code."), "error")
        return render_template("supervisor/login.html", form=form), 401
    audit.record(
        database,
        audit.Actor(result.user.id, result.user.username),
        audit.Action.LOGIN,
        now(),
        detail="recovery code" if result.used_recovery_code else None,
    )
    database.commit()
    sign_in(result.user)
    return redirect(local_target(request.args.get("next"), url_for("supervisor.overview.index")))


def _note_failure(email: str) -> None:
    """A failed login in the trail, naming the account only when it exists (never a typo)."""
    database = get_session()
    account = accounts.find_user(database, email)
    actor = audit.Actor(None, "-")
    target = f"account {account.username}" if account else None
    audit.record(database, actor, audit.Action.LOGIN_FAILED, now(), target)
    database.commit()


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session here and in Redis."""
    if current_user() is not None:
        note(audit.Action.LOGOUT)
        get_session().commit()
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("supervisor.auth.login"))


@bp.post("/language")
@public
def language() -> ResponseReturnValue:
    """Switch the console's language; a signed-in user keeps it for next time."""
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in CONSOLE_LANGUAGES:
        session["lang"] = form.language.data
        user = current_user()
        if user is not None:
            user.language = form.language.data
            get_session().commit()
    return redirect(local_target(form.next.data, url_for("supervisor.overview.index")))


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """Change one's own password (required after a one-time password)."""
    user = signed_in_user()
    form = PasswordForm()
    if form.validate_on_submit():
        if not accounts.verify_password(hasher(), user.password_hash, form.current.data or ""):
            form.current.errors = [_("That is not your current password.")]
        else:
            try:
                accounts.change_own_password(hasher(), user, form.new.data or "")
            except accounts.PasswordRefused:
                form.new.errors = [_("A password must be 12 to 128 characters long.")]
            else:
                note(audit.Action.OWN_PASSWORD)
                get_session().commit()
                flash(_("Your password is changed."), "info")
                return redirect(url_for("supervisor.overview.index"))
    return render_template("supervisor/password.html", form=form, user=user)


@bp.route("/account/second-factor", methods=["GET", "POST"])
def second_factor_setup() -> ResponseReturnValue:
    """Set up TOTP: scan the QR code drawn here, confirm one code, keep the recovery codes."""
    user = signed_in_user()
    box = secret_box()
    secret = box.unseal(session.get(PENDING_SECRET, "")) if session.get(PENDING_SECRET) else None
    if secret is None:
        secret = second_factor.new_secret()
        session[PENDING_SECRET] = box.seal(secret)
    form = CodeForm()
    if form.validate_on_submit():
        step = second_factor.matching_step(secret, form.code.data or "", now(), None)
        if step is not None:
            codes = accounts.start_second_factor(user, box, secret, step)
            note(audit.Action.OWN_SECOND_FACTOR)
            get_session().commit()
            session.pop(PENDING_SECRET, None)
            return render_template("supervisor/recovery_codes.html", codes=codes)
        form.code.errors = [_("That code is not right. Is the phone's clock right?")]
    uri = second_factor.provisioning_uri(secret, user.username)
    return render_template(
        "supervisor/second_factor.html",
        form=form,
        user=user,
        qr=second_factor.qr_svg(uri, _("QR code for the authenticator app")),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )
