"""The console's forms (Flask-WTF: each POST form carries a CSRF token) and GET filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hotline.roster import WEEKDAYS
from hotline.supervisor import labels
from hotline.supervisor.i18n import LANGUAGE_NAMES, SPOKEN

ANY = _l("any")


class Checkboxes(SelectMultipleField):
    """Several choices as checkboxes: usable on a phone, no script."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    """Email, password and, when the account has one, the second factor's code."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    code = StringField(_l("Code from the app, or a recovery code"), validators=[Length(max=16)])


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class LanguageForm(FlaskForm):
    """The language switch on every page."""

    language = SelectField(choices=labels.choices(LANGUAGE_NAMES))
    next = HiddenField()


class PasswordForm(FlaskForm):
    """The user's own new password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password (12 characters or more)"), validators=[DataRequired()])


class CodeForm(FlaskForm):
    """Confirming the second factor with a first code."""

    code = StringField(_l("Code from the app"), validators=[DataRequired(), Length(max=8)])


class BlockForm(FlaskForm):
    """Block the caller of a call or message."""

    source = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    length = RadioField(
        _l("For"),
        choices=labels.options(
            [("24h", _l("24 hours")), ("30d", _l("30 days")), ("1y", _l("a year"))]
        ),
        default="24h",
    )


class CounsellorForm(FlaskForm):
    """A counsellor's details; the phone is written only (blank keeps it when editing)."""

    name = StringField(_l("Name"), validators=[Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Length(max=32)])
    languages = Checkboxes(_l("Languages"), choices=labels.choices(SPOKEN))
    centre = SelectField(_l("Centre"), choices=[])
    standby = BooleanField(_l("Standby: rung outside shifts when nobody on call can"))


class DutyForm(FlaskForm):
    """On call now, off call now, or by shifts."""

    duty = SelectField(
        _l("Duty"),
        choices=labels.options(
            [("shifts", _l("by shifts")), ("on", _l("on call")), ("off", _l("off call"))]
        ),
    )


class ShiftForm(FlaskForm):
    """A weekly shift for one counsellor."""

    counsellor = SelectField(_l("Counsellor"), choices=[])
    days = SelectField(
        _l("Days"),
        choices=labels.options(
            [
                *zip(WEEKDAYS, labels.DAYS, strict=True),
                ("weekdays", _l("Mon–Fri")),
                ("weekend", _l("Sat–Sun")),
                ("daily", _l("every day")),
            ]
        ),
    )
    start = TimeField(_l("From"), validators=[InputRequired()])
    end = StringField(_l("Until (24:00 for midnight)"), validators=[DataRequired(), Length(max=5)])


class LineForm(FlaskForm):
    """A line's settings."""

    language = SelectField(_l("Language"), choices=labels.choices(SPOKEN))
    fallback = StringField(
        _l("Fallback languages, in order (e.g. ru,ky)"), validators=[Length(max=20)]
    )
    strategy = SelectField(_l("Strategy"), choices=labels.choices(labels.STRATEGIES))
    wait = IntegerField(_l("Longest wait, seconds"), validators=[NumberRange(20, 900)])


class UserForm(FlaskForm):
    """A new console account."""

    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=64)])
    role = SelectField(_l("Role"), choices=labels.choices(labels.ROLES))


class CallFilterForm(Form):
    """The call log's filters (a GET form: bookmarkable, no token)."""

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    line = SelectField(_l("Line"), choices=[], validate_choice=False, default="")
    language = SelectField(_l("Language"), choices=labels.choices(SPOKEN, ANY), default="")
    outcome = SelectField(_l("Outcome"), choices=labels.choices(labels.OUTCOMES, ANY), default="")
    counsellor = SelectField(_l("Counsellor"), choices=[], validate_choice=False, default="")
    area = SelectField(_l("Oblast"), choices=labels.choices(labels.AREAS, ANY), default="")
    callback = SelectField(
        _l("Callback asked"),
        choices=labels.options([("", ANY), ("yes", _l("yes")), ("no", _l("no"))]),
        default="",
    )


class MessageFilterForm(Form):
    """The SMS log's filters."""

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    line = SelectField(_l("Line"), choices=[], validate_choice=False, default="")
    language = SelectField(_l("Language"), choices=labels.choices(SPOKEN, ANY), default="")
    direction = SelectField(
        _l("Direction"), choices=labels.choices(labels.DIRECTIONS, ANY), default=""
    )
    intent = SelectField(_l("Intent"), choices=[], validate_choice=False, default="")


class AuditFilterForm(Form):
    """The audit trail's filters."""

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    actor = SelectField(_l("Who"), choices=[], validate_choice=False, default="")
    action = SelectField(_l("What"), choices=labels.choices(labels.ACTIONS, ANY), default="")


class PeriodForm(Form):
    """The overview's period and line (a GET form: bookmarkable, no token)."""

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
    line = SelectField(_l("Line"), choices=[], validate_choice=False, default="")


class PhoneForm(FlaskForm):
    """The user's own phone for alerts: written only, never shown back whole."""

    phone = StringField(_l("Phone"), validators=[Length(max=32)])
