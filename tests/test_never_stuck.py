"""Never stuck: every menu a caller can reach, found by following the flow itself, ends or
reaches a person within a bound of turns and seconds, whether the caller stays silent or
presses keys that are not in the menu."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline import callbacks
from hotline.db import session_scope
from hotline.extensions import get_keyring, now
from hotline.ivr.prompts import PromptCatalog
from hotline.models import Callback, SafeWindow
from hotline.simulator import HANGUP, Behaviour, CallRecord, EventKind, TwilioEmulator
from tests.conftest import LINE, RESERVE, Hotline, twiml

# What a caller may press at a menu: the keys the menus name, nothing, and a key none has.
KEYS: tuple[str | None, ...] = ("1", "2", "3", "4", None, "*")
INVALID = "*"
# After reaching a menu, a silent or lost caller meets at most this many more menu turns
# (that menu, the main menu, the after-hunt menu, each heard twice at most)...
MAX_TURNS = 6
# ...and the call ends or reaches a person within four minutes of its answer: prompts,
# key waits, a counsellor's ring, the after-hunt menu, at the emulator's pace (the longest
# walk measured 183 s: the English callback menus, read at 12 characters a second).
MAX_SECONDS = 240
KINDS = ("new caller", "caller with a callback waiting", "hidden number")
_numbers = (f"+9967001{n:05d}" for n in itertools.count())


def caller_for(kind: str, app: Flask) -> str:
    """A caller nobody has seen, set up as `kind`."""
    if kind == "hidden number":
        return "anonymous"
    number = next(_numbers)
    if kind == "caller with a callback waiting":
        with session_scope(app) as session:
            callbacks.request_callback(
                session,
                get_keyring(app),
                line_id=None,
                caller=get_keyring(app).pseudonym(number),
                number=number,
                language="ky",
                window=SafeWindow.EVENING,
                now=now(app),
                zone=callbacks.policy_from(app.config).zone,
            )
    return number


def menus_met(record: CallRecord) -> list[str]:
    """The path of each menu (<Gather> action) the caller met, in order."""
    paths = []
    for request in record.requests:
        if request.params.get("CallSid") != record.call_sid or not request.body.strip():
            continue  # a counsellor's leg, or a status callback
        for gather in twiml(request.body).iter("Gather"):
            paths.append(urlsplit(gather.get("action", request.path)).path)
    return paths


def walk_ends(record: CallRecord, keys_pressed: int) -> None:
    """The call ended by itself or reached a person, within the bounds."""
    gave_up = [e for e in record.events(EventKind.CALLER_HANGUP) if e.text]
    assert gave_up == [] and record.events(EventKind.ERROR) == [], record.transcript
    assert len(menus_met(record)) - keys_pressed <= MAX_TURNS, " ".join(
        r.path for r in record.requests
    )
    talked = sum(e.seconds for e in record.events(EventKind.CONNECTED))
    assert record.duration - talked <= MAX_SECONDS, record.transcript


def explore(emulator: TwilioEmulator, app: Flask, kind: str) -> Iterator[tuple[str, list]]:
    """Every menu reachable by `kind` of caller, with the keys that reach it: a breadth-first
    walk over the keys, each call finished in silence (and checked as a silent walk)."""
    seen: dict[str, list[str | None]] = {}
    frontier: list[list[str | None]] = [[]]
    while frontier:
        prefix = frontier.pop(0)
        for key in KEYS if prefix or not seen else ():
            pressed = [*prefix, key]
            record = emulator.call(caller_for(kind, app), LINE, keys=pressed)
            walk_ends(record, len(pressed))
            met = menus_met(record)
            if len(met) > len(pressed) and met[len(pressed)] not in seen:
                seen[met[len(pressed)]] = pressed
                frontier.append(pressed)
        if not seen:  # the first menu, reached by pressing nothing yet
            first = menus_met(emulator.call(caller_for(kind, app), LINE, keys=[HANGUP]))[0]
            seen[first] = []
            frontier.append([])
    yield from seen.items()


@pytest.fixture
def line_nobody_answers(hotline: Hotline, emulator: TwilioEmulator) -> TwilioEmulator:
    """A line whose one counsellor never picks up, so every menu after the hunt is reachable;
    the reserve line answers."""
    hotline.centres()
    hotline.line(language="ky")
    hotline.counsellor("Aigul", "+996555000101", behaviour=Behaviour.IGNORE)
    emulator.add_phone(RESERVE, Behaviour.ANSWER_ACCEPT)
    return emulator


@pytest.mark.slow
def test_every_menu_state_ends_or_reaches_a_person_in_silence_and_with_wrong_keys(
    line_nobody_answers: TwilioEmulator, app: Flask
) -> None:
    emulator = line_nobody_answers
    catalog = PromptCatalog.load(Path(app.config["HOTLINE_CONFIG_DIR"]))
    not_in_the_menu = [
        prompt.audio_file or prompt.text
        for prompt in (catalog.prompt(lang, "invalid_choice") for lang in catalog.languages)
    ]
    states: dict[str, list[str | None]] = {}
    for kind in KINDS:
        for path, keys in explore(emulator, app, kind):
            states.setdefault(path, keys)
            wrong = emulator.call(caller_for(kind, app), LINE, keys=[*keys, *[INVALID] * 20])
            walk_ends(wrong, len(keys))
            # A wrong key is always told so, before anything else is said.
            after = next(r for r in wrong.requests if r.params.get("Digits") == INVALID)
            first = next(n for n in twiml(after.body).iter() if n.tag in ("Play", "Say"))
            if path != "/voice/callback/number":  # a number, not a menu: "we cannot call it"
                assert any(told in (first.text or "") for told in not_in_the_menu), after.body

    # The walk found the whole flow: every menu of the voice line.
    assert set(states) == {
        "/voice/language",
        "/voice/menu",
        "/voice/after-hunt",
        "/voice/callback/safe",
        "/voice/callback/which",
        "/voice/callback/number",
        "/voice/callback/when",
        "/voice/callback/cancel",
        "/voice/centres/sms",
    }


@pytest.mark.parametrize(
    ("keys", "screens"),
    [([], 1), ([INVALID] * 5, 2), (["9", "1"], 2)],
    ids=["silence (a voicemail)", "wrong keys", "a slip, then 1"],
)
def test_a_counsellors_screen_is_bounded_too(
    hotline: Hotline, emulator: TwilioEmulator, keys: list[str], screens: int
) -> None:
    hotline.line(language="ru")
    hotline.counsellor("Aigul", "+996555000101", languages="ru")
    emulator.add_phone("+996555000101", keys=keys)
    emulator.add_phone(RESERVE, Behaviour.ANSWER_ACCEPT)
    record = emulator.call(next(_numbers), LINE, keys=["2", "1"])
    walk_ends(record, 2)
    leg = record.events(EventKind.DIAL)[0].legs[0]
    assert len([e for e in leg.transcript if e.kind is EventKind.GATHER]) == screens
    said = [e.text for e in leg.transcript if e.kind is EventKind.SAY]
    if screens == 2:
        assert said[1] == "Извините, такого варианта нет."  # told before the offer again
    accepted = keys[-1:] == ["1"]
    assert [e.number for e in record.events(EventKind.CONNECTED)][:1] == (
        ["+996555000101"] if accepted else [RESERVE]
    )


def test_silence_at_when_is_it_safe_no_longer_repeats_the_question(
    line_nobody_answers: TwilioEmulator, app: Flask, session: Session
) -> None:
    record = line_nobody_answers.call(next(_numbers), LINE, keys=["4", "2", "1", "1"])
    walk_ends(record, 4)
    assert menus_met(record).count("/voice/callback/when") == 2  # asked once more, no more
    assert session.scalars(select(Callback)).all() == []  # never a time the caller did not choose
