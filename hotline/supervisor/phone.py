"""The user's own phone for alerts (gaps in cover): written only, sealed, shown masked."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from hotline import accounts, audit
from hotline.db import get_session
from hotline.extensions import default_region, get_keyring
from hotline.privacy import InvalidNumber
from hotline.supervisor.access import note, signed_in_user
from hotline.supervisor.forms import PhoneForm

bp = Blueprint("phone", __name__)


@bp.route("/account/phone", methods=["GET", "POST"])
def index() -> ResponseReturnValue:
    """Register, replace or remove the phone alerts are texted to."""
    user = signed_in_user()
    form = PhoneForm()
    if not form.validate_on_submit():
        return render_template("supervisor/phone.html", form=form, user=user)
    if request.form.get("action") == "remove":
        accounts.remove_phone(user)
        done, told = "removed", _("Your phone is removed: no more alerts.")
    else:
        try:
            accounts.set_phone(user, get_keyring(), form.phone.data or "", default_region())
        except InvalidNumber:
            flash(_("That is not a phone number we can text."), "error")
            return render_template("supervisor/phone.html", form=form, user=user), 400
        done, told = "set", _("Alerts will be texted to %(phone)s.", phone=user.phone_hint)
    note(audit.Action.OWN_PHONE, target=f"account {user.id}", detail=done)
    get_session().commit()
    flash(told)
    return redirect(url_for(".index"))
