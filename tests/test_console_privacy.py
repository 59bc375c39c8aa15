"""The privacy scan: with calls, callbacks, SMS and counsellors of known numbers, every console
page and export is rendered and searched for those numbers in any format. None may appear."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from hotline.models import Block, Call, Callback, Counsellor, Line, Message, Shift, User
from hotline.simulator import Behaviour, TwilioEmulator
from tests.conftest import LINE, Hotline
from tests.console_support import Console

# Callers, a callback number keyed in, counsellors: distinctive digits, all fictional.
CALLERS = ("+996700481526", "+996312647193", "+996555938274")
CALLBACK_NUMBER = "+996777516284"
COUNSELLORS = {"Aigul": "+996555864209", "Bakyt": "+996709352617"}
SUPERVISOR_PHONE = "+996772604918"  # registered for alerts on the console
NUMBERS = (*CALLERS, CALLBACK_NUMBER, *COUNSELLORS.values(), SUPERVISOR_PHONE)
SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


def forms_of(e164: str) -> list[str]:
    """A number as someone may write it: E.164, national, grouped, or just its last digits."""
    national = e164[4:]  # the nine digits after +996
    return [e164, e164[1:], "0" + national, national, national[-6:]]


def leaks(text: str) -> list[str]:
    """The numbers (or their last six digits) found in `text`, separators ignored."""
    squeezed = SEPARATORS.sub("", text)
    return [form for number in NUMBERS for form in forms_of(number) if form in squeezed]


def test_the_scan_finds_a_number_in_any_format() -> None:
    for written in ("+996 700 481 526", "0700-48-15-26", "(0700) 481526", "996700481526"):
        assert leaks(f"<td>{written}</td>")


def arrange(hotline: Hotline, emulator: TwilioEmulator, console: Console) -> None:
    hotline.centres()
    hotline.line(language="ru")
    hotline.counsellor("Aigul", COUNSELLORS["Aigul"], behaviour=Behaviour.IGNORE)
    hotline.counsellor("Bakyt", COUNSELLORS["Bakyt"], position=1)
    first, landline, texter = CALLERS
    emulator.call(first, LINE, keys=["2", "1"])  # offered to both, answered
    emulator.call(landline, LINE, keys=["1", "1"])  # Kyrgyz, a Bishkek landline
    emulator.clock.advance(300)
    # a callback to a number keyed in: safe, another number, the number, as soon as possible
    keys = ["2", "2", "1", "2", CALLBACK_NUMBER[4:], "1"]
    emulator.call(first, LINE, keys=keys)
    emulator.send_sms(texter, LINE, "ПОЗВОНИТЕ 2")
    emulator.send_sms(texter, LINE, "help me 0700 481 526")
    console.log_in("admin@example.org")
    console.post(
        "/supervisor/counsellors",
        {"name": "Cholpon", "phone": "0709 352 6", "languages": ["ky"], "centre": ""},
    )
    console.post("/supervisor/account/phone", {"phone": "0772 604 918"})


def page_arguments(session: Session) -> dict[str, list[int | str]]:
    """Every id each kind of page may be opened with."""

    def ids(model: type) -> list[int | str]:
        return list(session.scalars(select(model.id)))  # type: ignore[attr-defined]

    return {
        "call_id": ids(Call),
        "message_id": ids(Message),
        "counsellor_id": ids(Counsellor),
        "line_id": ids(Line),
        "user_id": ids(User),
        "shift_id": ids(Shift),
        "block_id": ids(Block),
        "filename": ["console.css"],
    }


def every_get_page(app: Flask, arguments: dict[str, list[int | str]]) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("supervisor.") or "GET" not in (rule.methods or ()):
            continue
        paths.extend(_paths(rule, arguments))
    return paths


def _paths(rule: Rule, arguments: dict[str, list[int | str]]) -> list[str]:
    names = sorted(rule.arguments)
    assert len(names) <= 1, f"{rule.rule}: teach the scan its arguments"
    if not names:
        return [rule.build({})[1]]  # type: ignore[index]
    assert names[0] in arguments, f"{rule.rule}: teach the scan what {names[0]} is"
    return [rule.build({names[0]: value})[1] for value in arguments[names[0]]]  # type: ignore[index]


@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "ru"])
def test_no_console_page_or_export_shows_a_number(
    language: str,
    app: Flask,
    hotline: Hotline,
    emulator: TwilioEmulator,
    console: Console,
    session: Session,
    runner: FlaskCliRunner,
) -> None:
    arrange(hotline, emulator, console)
    console.post("/supervisor/language", {"language": language}, page="/supervisor/")
    call = session.scalars(select(Call).where(Call.caller.is_not(None))).first()
    assert call is not None
    block = console.post(
        "/supervisor/blocks",
        {"source": f"call:{call.id}", "reason": "calls at night from 0700 481 526", "length": "1y"},
        page=f"/supervisor/calls/{call.id}",
    )
    assert block.status_code == 302
    pages = every_get_page(app, page_arguments(session))
    pages += [
        "/supervisor/calls.csv",
        "/supervisor/callbacks?all=1",
        "/supervisor/calls?area=bishkek",
        "/supervisor/?since=2020-01-01",
        "/supervisor/report?since=2020-01-01",
    ]
    assert runner.invoke(args=["figures", "update"]).exit_code == 0
    assert len(pages) > 25
    rendered = {}
    for path in pages:
        response = console.get(path)
        assert response.status_code == 200, path
        rendered[path] = response.get_data(as_text=True)
        response.close()
    assert "Aigul" in rendered["/supervisor/counsellors"]  # the pages really hold the data
    assert "Aigul" in rendered["/supervisor/"]  # counsellor load: the figures were counted
    assert len(session.scalars(select(Callback)).all()) == 2  # by voice and by SMS
    assert len(re.findall(r'class="tag"', rendered["/supervisor/calls"])) == 3
    found = {path: leaks(text) for path, text in rendered.items() if leaks(text)}
    assert found == {}
