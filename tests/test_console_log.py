"""The call log, SMS log and callback queue in the console: filters, caller tags with counts,
a call's offers, the CSV export; and blocking a caller from a call or a message."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.logbook import caller_tag
from hotline.models import AuditEntry, Block, Call, CallOutcome, Message
from hotline.simulator import TwilioEmulator
from tests.conftest import LINE, Hotline, spoken
from tests.console_support import SUPERVISOR, Console

CALLER = "+996700481526"
OTHER = "+996312647193"  # a Bishkek landline
AIGUL = "+996555864209"


def rows(page: str) -> list[str]:
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def calls_of(session: Session) -> list[Call]:
    return list(session.scalars(select(Call).order_by(Call.id)))


def test_the_log_filters_and_shows_callers_only_as_tags_with_counts(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL)
    emulator.call(CALLER, LINE, keys=["2", "1"])  # Russian, talks to Aigul
    emulator.call(CALLER, LINE, keys=["2", "2", "1", "1", "1"])  # asks for a callback
    emulator.call(OTHER, LINE, keys=["1", "1"])  # Kyrgyz, from Bishkek: holds, then Aigul
    page = as_supervisor.get("/supervisor/calls").get_data(as_text=True)
    tag = caller_tag(calls_of(session)[0].caller)
    assert len(rows(page)) == 3 and page.count(f'<span class="tag">{tag}</span>') == 2
    assert "×2" in page and "×1" in page
    by_language = as_supervisor.get("/supervisor/calls?language=ky").get_data(as_text=True)
    assert len(rows(by_language)) == 1 and "Bishkek" in by_language
    asked = as_supervisor.get("/supervisor/calls?callback=yes").get_data(as_text=True)
    assert len(rows(asked)) == 1 and "asked" in asked
    area = as_supervisor.get("/supervisor/calls?area=mobile&outcome=answered")
    assert len(rows(area.get_data(as_text=True))) == 1
    counsellor = calls_of(session)[0].counsellor_id
    mine = as_supervisor.get(
        f"/supervisor/calls?counsellor={counsellor}&since=2000-01-01&note=0700481526"
    )
    assert len(rows(mine.get_data(as_text=True))) == 2  # both calls she answered
    views = session.scalars(select(AuditEntry).where(AuditEntry.action == "view-calls")).all()
    assert [v.detail for v in views] == [
        "all",
        "language=ky",
        "callback=yes",
        "area=mobile outcome=answered",
        f"counsellor={counsellor} since=2000-01-01",
    ]


def test_a_calls_page_shows_its_offers_times_and_outcome(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    from hotline.simulator import Behaviour

    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL, behaviour=Behaviour.IGNORE, position=0)
    hotline.counsellor("Bakyt", "+996709352617", position=1)
    emulator.call(CALLER, LINE, keys=["2", "1"])
    call = calls_of(session)[0]
    page = as_supervisor.get(f"/supervisor/calls/{call.id}").get_data(as_text=True)
    offers = rows(page.split("<h2>Offers</h2>")[1])
    assert "Aigul" in offers[0] and "no answer" in offers[0]
    assert "Bakyt" in offers[1] and "accepted" in offers[1]
    assert "answered" in page and "Block caller" in page


def test_the_export_is_the_filtered_log_with_tags_and_no_number(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL)
    emulator.call(CALLER, LINE, keys=["2", "1"])
    emulator.call(OTHER, LINE, keys=["1", "1"])
    export = as_supervisor.get("/supervisor/calls.csv?language=ru")
    assert export.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert table[0][:2] == ["Started", "Line"] and len(table) == 2
    assert table[1][1:5] == [LINE, "ru", "mobile", "answered"]
    assert table[1][8] == caller_tag(calls_of(session)[0].caller)
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "export-calls" in actions


def test_sms_and_callbacks_are_metadata_only(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", AIGUL)
    emulator.send_sms(CALLER, LINE, "ПОЗВОНИТЕ 2")
    page = as_supervisor.get("/supervisor/messages").get_data(as_text=True)
    assert "ПОЗВОНИТЕ" not in page and len(rows(page)) == 2  # received and the reply
    assert "received" in page and "sent" in page
    queue = as_supervisor.get("/supervisor/callbacks").get_data(as_text=True)
    assert len(rows(queue)) == 1
    assert "morning 08–12" in rows(queue)[0] and "waiting" in rows(queue)[0]


def test_blocking_from_a_call_turns_the_caller_away_until_lifted(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    hotline.line()
    hotline.counsellor("Aigul", AIGUL)
    emulator.call(CALLER, LINE, keys=["1", "1"])
    call = calls_of(session)[0]
    blocked = as_supervisor.post(
        "/supervisor/blocks",
        {"source": f"call:{call.id}", "reason": "abuse, called from 0700 481 526", "length": "30d"},
        page=f"/supervisor/calls/{call.id}",
    )
    assert blocked.headers["Location"] == "/supervisor/blocks"
    block = session.scalars(select(Block)).one()
    assert block.caller == call.caller and block.reason == "abuse, called from [number]"
    assert (block.expires_at - block.created_at).days == 30
    again = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert spoken(again.requests_to("/voice/incoming")[0].body) == ["/voice/prompts/ky/blocked.wav"]
    listing = as_supervisor.get("/supervisor/blocks").get_data(as_text=True)
    assert caller_tag(call.caller) in listing and "abuse" in listing
    as_supervisor.post(f"/supervisor/blocks/{block.id}/lift", {}, page="/supervisor/blocks")
    emulator.clock.advance(300)  # Aigul's wrap-up after the first call
    after = emulator.call(CALLER, LINE, keys=["1", "1"])
    assert calls_of(session)[-1].call_sid == after.call_sid
    session.expire_all()
    assert calls_of(session)[-1].outcome == CallOutcome.ANSWERED
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.actor == SUPERVISOR))
    assert [a for a in actions if a in ("block", "unblock")] == ["block", "unblock"]


def test_blocking_from_a_message_silences_the_sender(
    hotline: Hotline, emulator: TwilioEmulator, as_supervisor: Console, session: Session
) -> None:
    hotline.line(language="ru")
    emulator.send_sms(CALLER, LINE, "help")
    message = session.scalars(select(Message).where(Message.direction == "inbound")).first()
    assert message is not None
    as_supervisor.post(
        "/supervisor/blocks",
        {"source": f"message:{message.id}", "reason": "spam", "length": "24h"},
        page=f"/supervisor/messages/{message.id}",
    )
    assert emulator.send_sms(CALLER, LINE, "help") == []  # no reply
    assert session.scalars(select(Message.intent).order_by(Message.id.desc())).first() == "blocked"


def test_an_unfiltered_log_shows_no_form_errors(as_supervisor: Console) -> None:
    for page in ("/supervisor/calls", "/supervisor/messages", "/supervisor/calls?page=2"):
        assert 'class="error"' not in as_supervisor.get(page).get_data(as_text=True)
