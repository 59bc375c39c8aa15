"""The operator's commands: lines, counsellors, duty and shifts, through `hotline ...`."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Counsellor, DutyOverride, Line, Shift, Strategy

PHONE = "+996 555 123 456"


def add_counsellor(runner: FlaskCliRunner, name: str = "Aigul", phone: str = PHONE) -> str:
    result = runner.invoke(
        args=["counsellor", "add", "--name", name, "--phone", phone, "--languages", "ky,ru"]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_line_add_normalises_the_number_and_keeps_the_strategy(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(
        args=["line", "add", "0312 51-26-40", "--language", "ru", "--strategy", "ringall"]
    )
    assert result.exit_code == 0, result.output
    line = session.scalars(select(Line)).one()
    assert (line.number, line.language, line.strategy) == ("+996312512640", "ru", Strategy.RINGALL)
    assert line.centre is None  # a national line


def test_line_add_refuses_a_bad_number_without_repeating_it(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(args=["line", "add", "12345"])
    assert result.exit_code == 1
    assert "12345" not in result.output
    assert "line number" in result.output
    assert session.scalars(select(Line)).all() == []


def test_counsellor_phone_is_sealed_and_never_listed_whole(
    runner: FlaskCliRunner, session: Session
) -> None:
    added = add_counsellor(runner)
    listing = runner.invoke(args=["counsellor", "list"]).output
    counsellor = session.scalars(select(Counsellor)).one()
    for text in (added, listing, counsellor.phone_sealed, counsellor.phone_hint):
        assert "555123456" not in text.replace(" ", "")
    assert "Aigul" in listing and "ky,ru" in listing and counsellor.phone_hint in listing
    assert counsellor.phone_hint.endswith("56")


def test_counsellor_duplicate_phone_is_refused(runner: FlaskCliRunner, session: Session) -> None:
    add_counsellor(runner)
    again = runner.invoke(
        args=["counsellor", "add", "--name", "Other", "--phone", "0555123456", "--languages", "ru"]
    )
    assert again.exit_code == 1
    assert "already registered" in again.output
    assert len(session.scalars(select(Counsellor)).all()) == 1


def test_unknown_language_is_a_usage_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["counsellor", "add", "--name", "A", "--phone", PHONE, "--languages", "ky,fr"]
    )
    assert result.exit_code == 2
    assert "unknown: fr" in result.output


def test_duty_override_on_off_and_back_to_shifts(runner: FlaskCliRunner, session: Session) -> None:
    add_counsellor(runner)
    for state, expected in (("on", DutyOverride.ON), ("off", DutyOverride.OFF), ("shifts", None)):
        assert runner.invoke(args=["counsellor", "duty", "Aigul", state]).exit_code == 0
        session.expire_all()
        assert session.scalars(select(Counsellor)).one().duty == expected
    missing = runner.invoke(args=["counsellor", "duty", "Nobody", "on"])
    assert missing.exit_code == 1 and "no counsellor named 'Nobody'" in missing.output


def test_shifts_add_list_remove(runner: FlaskCliRunner, session: Session) -> None:
    add_counsellor(runner)
    assert runner.invoke(args=["shift", "add", "Aigul", "weekdays 09:00-18:00"]).exit_code == 0
    assert runner.invoke(args=["shift", "add", "Aigul", "sun 20:00-08:00"]).exit_code == 0
    shifts = session.scalars(select(Shift).order_by(Shift.id)).all()
    assert [(s.weekday, f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in shifts] == [
        *[(day, "09:00", "18:00") for day in range(5)],
        (6, "20:00", "08:00"),
    ]
    listing = runner.invoke(args=["shift", "list"]).output
    assert f"{shifts[-1].id}  Aigul  sun 20:00-08:00" in listing
    assert runner.invoke(args=["shift", "remove", str(shifts[0].id)]).exit_code == 0
    session.expire_all()
    assert len(session.scalars(select(Shift)).all()) == 5
    bad = runner.invoke(args=["shift", "add", "Aigul", "someday 9-5"])
    assert bad.exit_code == 1 and "mon 09:00-18:00" in bad.output


def test_line_set_changes_fallback_strategy_and_wait_and_refuses_nonsense(
    runner: FlaskCliRunner, session: Session
) -> None:
    runner.invoke(args=["line", "add", "+996312900100"])
    fresh = session.scalars(select(Line)).one()
    assert fresh.fallback_languages == ["ru", "ky"]  # the default: Russian, then Kyrgyz
    result = runner.invoke(
        args=["line", "set", "0312 900100", "--fallback", "ru", "--strategy", "leastrecent",
              "--wait", "180"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "+996312900100  ky  fallback:ru  leastrecent  wait:180s  national"
    )
    session.expire_all()
    line = session.scalars(select(Line)).one()
    assert (line.fallback_languages, line.strategy, line.max_wait_seconds) == (
        ["ru"],
        Strategy.LEASTRECENT,
        180,
    )
    for args, reason in [
        (["--wait", "5"], "the wait bound must be 20 to 900 seconds"),
        (["--fallback", "ru,xx"], "unknown: xx"),
    ]:
        refused = runner.invoke(args=["line", "set", "+996312900100", *args])
        assert refused.exit_code != 0 and reason in refused.output
    missing = runner.invoke(args=["line", "set", "+996312900199", "--wait", "60"])
    assert missing.exit_code == 1 and "no line with that number" in missing.output
