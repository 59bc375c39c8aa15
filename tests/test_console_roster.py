"""Roster changes by admins, in the console and by the CLI alike: counsellors (the phone is
only written), shifts with refusals and coverage, lines; and what a supervisor would not mean."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.models import Counsellor, Line, Shift, Strategy
from hotline.roster import Rota, coverage, parse_shift
from tests.conftest import Hotline
from tests.console_support import Console

PHONE = "+996555864209"


def flashes(page: str) -> list[str]:
    return [html.unescape(f) for f in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page)]


def counsellor(session: Session, name: str) -> Counsellor:
    session.expire_all()
    return session.scalars(select(Counsellor).where(Counsellor.name == name)).one()


def test_the_console_adds_and_edits_a_counsellor_and_never_sends_the_phone_back(
    as_admin: Console, session: Session
) -> None:
    added = as_admin.post(
        "/supervisor/counsellors",
        {"name": "  Aigul  ", "phone": "0555 864 209", "languages": ["ky", "ru"], "centre": ""},
    )
    assert added.status_code == 302
    aigul = counsellor(session, "Aigul")
    assert aigul.languages == ["ky", "ru"] and aigul.phone_hint == "+996 *** *** *09"
    edit_page = as_admin.get(f"/supervisor/counsellors/{aigul.id}").get_data(as_text=True)
    assert "864209" not in edit_page.replace(" ", "") and "+996 *** *** *09" in edit_page
    as_admin.post(
        f"/supervisor/counsellors/{aigul.id}",
        {"name": "Aigul K.", "phone": "", "languages": ["ru"], "centre": "", "standby": "y"},
    )
    changed = counsellor(session, "Aigul K.")
    assert (changed.languages, changed.standby, changed.phone_sealed) == (
        ["ru"], True, aigul.phone_sealed,
    )  # fmt: skip
    refused = as_admin.post(
        f"/supervisor/counsellors/{aigul.id}",
        {"name": "   ", "phone": "+996 700 111 222", "languages": ["ru"], "centre": ""},
    )
    assert "a counsellor needs a name" in flashes(refused.get_data(as_text=True))
    assert "700111222" not in refused.get_data(as_text=True).replace(" ", "")
    as_admin.post(f"/supervisor/counsellors/{aigul.id}/active", {}, page="/supervisor/counsellors")
    assert counsellor(session, "Aigul K.").active is False


def test_shifts_refuse_duplicates_and_overlaps_and_allow_a_whole_day(
    hotline: Hotline, as_admin: Console, session: Session
) -> None:
    hotline.counsellor("Aigul", PHONE, languages="ky", on_duty=False)
    aigul = counsellor(session, "Aigul").id

    def add(days: str, start: str, end: str) -> list[str]:
        form = {"counsellor": str(aigul), "days": days, "start": start, "end": end}
        as_admin.post("/supervisor/shifts", form)
        return flashes(as_admin.get("/supervisor/shifts").get_data(as_text=True))

    assert add("weekdays", "09:00", "18:00") == [
        "Shift added: mon 09:00-18:00, tue 09:00-18:00, wed 09:00-18:00, thu 09:00-18:00, "
        "fri 09:00-18:00."
    ]
    assert add("mon", "09:00", "18:00") == ["Aigul has the shift mon 09:00-18:00 already"]
    assert add("tue", "17:00", "20:00") == [
        "tue 17:00-20:00 overlaps Aigul's shift tue 09:00-18:00"
    ]
    assert add("sun", "00:00", "24:00") == ["Shift added: sun 00:00-24:00."]
    assert add("sat", "20:00", "09:00") == [
        "sat 20:00-09:00 overlaps Aigul's shift sun 00:00-24:00"
    ]
    assert len(session.scalars(select(Shift)).all()) == 6
    page = as_admin.get("/supervisor/shifts").get_data(as_text=True)
    kyrgyz = page.split("<h3>Kyrgyz</h3>")[1].split("</table>")[0]
    assert kyrgyz.count('class="ok"') == 5 * 9 + 24 and kyrgyz.count('class="gap"') == 168 - 69


def test_coverage_counts_whole_hours_per_language_across_midnight() -> None:
    night = Rota(["ru"], parse_shift("sun 22:00-02:00"))
    half = Rota(["ru", "uz"], parse_shift("mon 00:30-03:00"))
    counts = coverage([night, half], ["ru", "uz", "en"])
    assert counts["ru"][6 * 24 + 22 : 6 * 24 + 24] == [1, 1]  # Sunday 22-24
    assert counts["ru"][0:4] == [1, 2, 1, 0]  # Monday 00-01 half covered by the second
    assert counts["uz"][0:4] == [0, 1, 1, 0]
    assert sum(counts["en"]) == 0


def test_the_cli_refuses_what_a_supervisor_would_not_mean(
    runner: FlaskCliRunner, session: Session
) -> None:
    blank = runner.invoke(
        args=["counsellor", "add", "--name", " ", "--phone", PHONE, "--languages", "ky"]
    )
    assert (blank.exit_code, blank.output) == (1, "Error: a counsellor needs a name\n")
    runner.invoke(
        args=["counsellor", "add", "--name", "Aigul", "--phone", PHONE, "--languages", "ky"]
    )
    assert runner.invoke(args=["shift", "add", "Aigul", "mon 09:00-18:00"]).exit_code == 0
    twice = runner.invoke(args=["shift", "add", "Aigul", "mon 09:00-18:00"])
    assert twice.output == "Error: Aigul has the shift mon 09:00-18:00 already\n"
    overlap = runner.invoke(args=["shift", "add", "Aigul", "daily 17:00-19:00"])
    assert overlap.output == "Error: mon 17:00-19:00 overlaps Aigul's shift mon 09:00-18:00\n"
    whole = runner.invoke(args=["shift", "add", "Aigul", "tue 00:00-24:00"])
    assert whole.exit_code == 0
    listing = runner.invoke(args=["shift", "list"]).output
    assert "Aigul  tue 00:00-24:00" in listing


def test_the_cli_edits_and_deactivates_and_warns_about_no_shifts(
    runner: FlaskCliRunner, session: Session
) -> None:
    runner.invoke(
        args=["counsellor", "add", "--name", "Aigul", "--phone", PHONE, "--languages", "ky"]
    )
    edited = runner.invoke(
        args=["counsellor", "edit", "Aigul", "--name", "Aigul K.", "--languages", "ky,uz",
              "--phone", "0700 111 222", "--standby"]
    )  # fmt: skip
    assert edited.output == "counsellor Aigul K. changed (+996 *** *** *22)\n"
    aigul = counsellor(session, "Aigul K.")
    assert (aigul.languages, aigul.standby) == (["ky", "uz"], True)
    duty = runner.invoke(args=["counsellor", "duty", "Aigul K.", "shifts"])
    assert (
        duty.output
        == "Aigul K.: shifts\nwarning: Aigul K. has no shifts, so they are now off call\n"
    )
    gone = runner.invoke(args=["counsellor", "deactivate", "Aigul K."])
    assert gone.output == "Aigul K.: inactive\n" and counsellor(session, "Aigul K.").active is False
    blank = runner.invoke(args=["counsellor", "edit", "Aigul K.", "--name", ""])
    assert blank.output == "Error: a counsellor needs a name\n"


def test_the_console_and_the_cli_change_a_line_alike(
    hotline: Hotline, as_admin: Console, runner: FlaskCliRunner, session: Session
) -> None:
    hotline.line()
    line = session.scalars(select(Line)).one()
    form = {"language": "ru", "fallback": "ky", "strategy": "ringall", "wait": "120"}
    as_admin.post(f"/supervisor/lines/{line.id}", form)
    session.expire_all()
    line = session.scalars(select(Line)).one()
    assert (line.language, line.fallback_languages, line.strategy, line.max_wait_seconds) == (
        "ru", ["ky"], Strategy.RINGALL, 120,
    )  # fmt: skip
    refused = as_admin.post(f"/supervisor/lines/{line.id}", {**form, "wait": "5"})
    assert refused.status_code == 200 and "between 20 and 900" in refused.get_data(as_text=True)
    cli = runner.invoke(args=["line", "list"])
    assert "fallback:ky  ringall  wait:120s" in cli.output


def test_a_refusal_is_said_in_the_readers_language(
    hotline: Hotline, as_admin: Console, session: Session
) -> None:
    hotline.counsellor("Aigul", PHONE, languages="ky", on_duty=False)
    aigul = counsellor(session, "Aigul").id
    as_admin.post("/supervisor/language", {"language": "ru"}, page="/supervisor/shifts")
    form = {"counsellor": str(aigul), "days": "mon", "start": "09:00", "end": "18:00"}
    as_admin.post("/supervisor/shifts", form)
    as_admin.post("/supervisor/shifts", {**form, "start": "17:00", "end": "20:00"})
    page = as_admin.get("/supervisor/shifts").get_data(as_text=True)
    assert flashes(page) == ["mon 17:00-20:00 пересекается со сменой Aigul mon 09:00-18:00."]
