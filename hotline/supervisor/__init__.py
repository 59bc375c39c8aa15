"""The supervisor console at /supervisor/: server-rendered pages in Kyrgyz, Russian, English.

One blueprint per module, nested under `bp`: `auth` (login, logout, language, own password
and second factor), `phone` (the user's phone for alerts), `overview` (with `dashboard`'s
charts), `report_page` (with `report_files`), `calls`, `messages`, `callbacks`, `blocks`,
`counsellors`, `shifts`, `lines`, `users`, `trail` (the audit trail). `access` decides who may
see what, `security` sets the headers, `forms` and `labels` are shared by the pages, `i18n`
sets up Flask-Babel, `alerts` words the SMS about gaps in cover. Domain work is done by
accounts, audit, logbook, blocklist, roster and reports.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import Forbidden, NotFound

from hotline.outbox import register_writer
from hotline.reports import number
from hotline.supervisor import (
    access,
    alerts,
    auth,
    blocks,
    callbacks,
    calls,
    counsellors,
    i18n,
    lines,
    messages,
    overview,
    phone,
    report_page,
    security,
    shifts,
    trail,
    users,
)
from hotline.supervisor.forms import ActionForm, LanguageForm

csrf = CSRFProtect()

bp = Blueprint(
    "supervisor",
    __name__,
    url_prefix="/supervisor",
    template_folder="templates",
    static_folder="static",
)
for module in (
    auth,
    phone,
    overview,
    report_page,
    calls,
    messages,
    callbacks,
    blocks,
    counsellors,
    shifts,
    lines,
    users,
    trail,
):
    bp.register_blueprint(module.bp)
bp.add_app_template_global(number, "number")  # a chart's value as its table shows it


@bp.before_request
def check_request() -> ResponseReturnValue | None:
    """Every POST carries a valid CSRF token; then the user may pass, or not."""
    csrf.protect()
    return access.guard()


@bp.context_processor
def page_context() -> dict[str, object]:
    """What the frame of every page needs: the user, the language switch, sign-out."""
    user = access.current_user()
    return {
        "console_user": user,
        "account_to_fix": access.account_to_fix(user) if user else None,
        "language_form": LanguageForm(),
        "logout_form": ActionForm(),
        "language_names": i18n.LANGUAGE_NAMES,
        "current_language": str(get_locale()),
    }


for error in (CSRFError, Forbidden, NotFound):
    bp.register_error_handler(error, security.error_page)


def init_app(app: Flask) -> None:
    """Babel, CSRF (checked by the console itself: webhooks have Twilio's signature instead)."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    i18n.init_app(app)
    csrf.init_app(app)
    register_writer(app.extensions, alerts.WRITER, alerts.write_cover_gaps)
    app.register_blueprint(bp)
    app.after_request(security.protect)
    app.session_interface = security.ConsoleCookie()


__all__ = ["bp", "init_app"]
