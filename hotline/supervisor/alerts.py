"""The SMS about gaps in cover, worded at sending time in the supervisor's language (the outbox
calls this writer with the message row: `text_args` names the alerts, never a text)."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import CoverAlert, Line, Message
from hotline.supervisor.i18n import CONSOLE_LANGUAGES, DEFAULT_LANGUAGE, SPOKEN

WRITER = "console"  # text_ref "console:cover_gaps" (hotline.roster.alerts)


def write_cover_gaps(session: Session, message: Message) -> str:
    """'Nobody on call in the next 24 h: +996312900100 Kyrgyz 02:00-06:00.'"""
    ids = (message.text_args or {}).get("alerts", [])
    found = session.execute(
        select(Line.number, CoverAlert.language, CoverAlert.hours)
        .join(Line, Line.id == CoverAlert.line_id)
        .where(CoverAlert.id.in_(ids))
        .order_by(Line.number, CoverAlert.language)
    ).all()
    language = message.language if message.language in CONSOLE_LANGUAGES else DEFAULT_LANGUAGE
    with force_locale(language):
        gaps = "; ".join(
            f"{number} {SPOKEN.get(lang, lang)} {hours}" for number, lang, hours in found
        )
        text: str = _("Nobody on call in the next 24 h: %(gaps)s.", gaps=gaps)
    return text
