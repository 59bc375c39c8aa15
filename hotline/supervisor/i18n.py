"""The console's languages with Flask-Babel: Kyrgyz, Russian, English; the user's choice kept.

The catalogs live in translations/ as .po files and are compiled to .mo when the package is
installed or built (setup.py). Names of the hotline's states are translated here, once.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g, request, session
from flask_babel import Babel, format_datetime
from flask_babel import lazy_gettext as _l

CONSOLE_LANGUAGES = ("ky", "ru", "en")
# Each language named in itself, for the switch on every page.
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
# The hotline's four languages as data (calls, counsellors), named in the reader's language.
SPOKEN = {"ky": _l("Kyrgyz"), "ru": _l("Russian"), "uz": _l("Uzbek"), "en": _l("English")}
DEFAULT_LANGUAGE = "ru"


def select_language() -> str:
    """The signed-in user's language, else this browser's choice, else its Accept-Language."""
    user = g.get("console_user")
    if user is not None and user.language in CONSOLE_LANGUAGES:
        return str(user.language)
    chosen = session.get("lang")
    if chosen in CONSOLE_LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(CONSOLE_LANGUAGES) or DEFAULT_LANGUAGE


def select_zone() -> str:
    """Times are shown in the hotline's own zone (HOTLINE_TIMEZONE)."""
    return str(current_app.config["HOTLINE_TIMEZONE"])


def local_time(moment: datetime | None, form: str = "yyyy-MM-dd HH:mm") -> str:
    """A stored instant in local time, or a dash."""
    return format_datetime(moment, form) if moment is not None else "–"


def init_app(app: Flask) -> None:
    """Babel with our catalogs; Jinja gets _ and ngettext (Flask-Babel), `local` and `spoken`."""
    Babel(
        app,
        locale_selector=select_language,
        timezone_selector=select_zone,
        default_translation_directories="supervisor/translations",
    )
    app.jinja_env.filters["local"] = local_time
    app.jinja_env.filters["spoken"] = lambda code: SPOKEN.get(code or "", code or "–")
