"""Accounts (admins): add with a one-time password, disable, enable, reset."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import accounts, audit
from hotline.db import get_session
from hotline.extensions import now
from hotline.models import Role, User
from hotline.supervisor import labels
from hotline.supervisor.access import admin_only, note, signed_in_user
from hotline.supervisor.forms import ActionForm, UserForm

bp = Blueprint("users", __name__)


def _find(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/users")
@admin_only
def index() -> ResponseReturnValue:
    """Every account: role, state, second factor, last sign-in."""
    return render_template(
        "supervisor/users.html",
        users=accounts.list_users(get_session()),
        form=UserForm(),
        action_form=ActionForm(),
        labels=labels,
    )


@bp.post("/users")
@admin_only
def add() -> ResponseReturnValue:
    """A new account; its one-time password is shown once, to be changed at first sign-in."""
    form = UserForm()
    session = get_session()
    if not form.validate_on_submit():
        flash(_("An account needs an email and a role."), "error")
        return redirect(url_for("supervisor.users.index"))
    password = accounts.one_time_password()
    try:
        user = accounts.add_user(
            session,
            accounts.hasher_for(current_app.config),
            form.email.data or "",
            Role(form.role.data),
            password,
            must_change=True,
        )
        session.flush()
    except accounts.AccountError as refused:
        session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("supervisor.users.index"))
    note(audit.Action.USER_ADD, target=f"account {user.username}", detail=user.role.value)
    session.commit()
    return render_template("supervisor/one_time_password.html", user=user, password=password)


@bp.post("/users/<int:user_id>/active")
@admin_only
def active(user_id: int) -> ResponseReturnValue:
    """Disable an account (its sessions end now) or enable it again; never one's own."""
    user = _find(user_id)
    if user.id == signed_in_user().id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("supervisor.users.index"))
    accounts.set_active(get_session(), user.username, not user.active, now())
    note(audit.Action.USER_ACTIVE, target=f"account {user.username}",
         detail="enabled" if user.active else "disabled")  # fmt: skip
    get_session().commit()
    return redirect(url_for("supervisor.users.index"))


@bp.post("/users/<int:user_id>/reset")
@admin_only
def reset(user_id: int) -> ResponseReturnValue:
    """A new one-time password and no second factor (a lost phone); sessions end."""
    user = _find(user_id)
    password = accounts.one_time_password()
    accounts.reset_password(
        get_session(),
        accounts.hasher_for(current_app.config),
        user.username,
        password,
        now(),
        must_change=True,
        clear_second_factor=True,
    )
    note(audit.Action.USER_RESET, target=f"account {user.username}")
    get_session().commit()
    return render_template("supervisor/one_time_password.html", user=user, password=password)
