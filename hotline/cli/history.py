"""Demo history for `hotline demo data`: years of calls, callbacks and SMS as a centre's would
look (evenings and weekends busier, languages by oblast, people who call again), written
with bulk inserts a day range at a time, with the daily figures counted as they go.

Callers are keyed pseudonyms of fictional numbers; nothing here is anyone's data.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from hotline.models import (
    AttemptResult,
    Call,
    CallAttempt,
    Callback,
    CallbackState,
    CallOutcome,
    Conversation,
    Direction,
    Message,
)
from hotline.privacy import Keyring
from hotline.reports import tallies

CHUNK_CALLS = 20_000
# Landline callers by oblast (about a third of callers); everyone else calls from a mobile.
AREAS = {
    "bishkek": 10,
    "chuy": 5,
    "osh-city": 4,
    "osh": 4,
    "jalal-abad": 4,
    "issyk-kul": 2,
    "naryn": 1,
    "talas": 1,
    "batken": 2,
    "mobile": 67,
}
LANGUAGES = {  # ky, ru, uz, en
    "bishkek": (40, 54, 1, 5),
    "chuy": (50, 48, 1, 1),
    "osh-city": (40, 20, 39, 1),
    "osh": (55, 10, 35, 0),
    "jalal-abad": (55, 10, 35, 0),
    "batken": (60, 5, 35, 0),
    "mobile": (52, 38, 8, 2),
}
OUTCOMES = {
    CallOutcome.ANSWERED: 62,
    CallOutcome.ABANDONED_IN_MENU: 8,
    CallOutcome.ABANDONED_WAITING: 9,
    CallOutcome.NO_COUNSELLOR: 5,
    CallOutcome.CALLBACK_REQUESTED: 6,
    CallOutcome.INFORMATION: 6,
    CallOutcome.RESERVE_LINE: 2,
    CallOutcome.BLOCKED: 1,
    CallOutcome.FAILED: 1,
}
HOURS = [2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 6, 7, 9, 10, 11, 10, 7, 4]
CALLBACK_ENDS = {
    CallbackState.COMPLETED: 70,
    CallbackState.EXPIRED: 20,
    CallbackState.CANCELLED: 10,
}
SMS_SHARE = 0.08  # conversations per call


@dataclass
class Crowd:
    """Who calls: a fixed pool of fictional callers, each with an area and a language."""

    keyring: Keyring
    rng: random.Random
    size: int
    areas: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.areas = self.rng.choices(list(AREAS), list(AREAS.values()), k=self.size)
        self.languages = [
            self.rng.choices(("ky", "ru", "uz", "en"), LANGUAGES.get(area, (80, 20, 0, 0)))[0]
            for area in self.areas
        ]

    def someone(self) -> int:
        """A caller; a few call often, most once."""
        return int(self.size * self.rng.random() ** 2.5)

    def pseudonym(self, caller: int) -> str:
        """The keyed pseudonym of caller number `caller`'s fictional phone."""
        return self.keyring.pseudonym(f"+996700{caller:06d}")


@dataclass(frozen=True)
class Setting:
    """Where the history happens: lines and counsellors (id -> languages), the local zone."""

    line_ids: list[int]
    counsellors: dict[int, list[str]]
    zone: tzinfo


def day_counts(calls: int, first: date, days: int, rng: random.Random) -> list[int]:
    """How many calls each day gets: more at weekends, growing over the years."""
    weights = [
        (0.7 + 0.6 * n / max(days - 1, 1)) * (1.3 if (first + timedelta(n)).weekday() >= 5 else 1)
        for n in range(days)
    ]
    chosen = rng.choices(range(days), weights, k=calls)
    counts = [0] * days
    for n in chosen:
        counts[n] += 1
    return counts


def generate(
    session: Session, crowd: Crowd, setting: Setting, calls: int, days: int, today: date
) -> int:
    """Write `calls` calls over the `days` days before `today`, with their callbacks, SMS and
    daily figures; commits a chunk at a time. Returns the calls written."""
    first = today - timedelta(days=days)
    counts = day_counts(calls, first, days, crowd.rng)
    sheet, chunk, written = tallies.Sheet(), [], 0
    for n, count in enumerate(counts):
        chunk += [_start(first + timedelta(n), crowd.rng, setting.zone) for _ in range(count)]
        if len(chunk) >= CHUNK_CALLS or n == days - 1:
            written += _write(session, crowd, setting, sorted(chunk), sheet)
            tallies.add(session, sheet)
            follow_ids(session)
            session.commit()
            sheet, chunk = tallies.Sheet(), []
    analyze(session)
    session.commit()
    return written


def _number(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Give new rows the next ids (RETURNING row by row is far slower than a bulk insert)."""
    start = (session.scalar(select(func.max(model.id))) or 0) + 1
    for offset, row in enumerate(rows):
        row["id"] = start + offset
    return [row["id"] for row in rows]


def follow_ids(session: Session) -> None:
    """On PostgreSQL, move the id sequences past the ids given here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("call", "conversation"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


def analyze(session: Session) -> None:
    """After a bulk load, let PostgreSQL's planner see the new rows (autovacuum would, later)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))


def _start(day: date, rng: random.Random, zone: tzinfo) -> datetime:
    hour = rng.choices(range(24), HOURS)[0]
    return datetime.combine(day, time(hour), zone) + timedelta(seconds=rng.randrange(3600))


def _write(
    session: Session, crowd: Crowd, setting: Setting, starts: list[datetime], sheet: tallies.Sheet
) -> int:
    rows = [_call(crowd, setting, start) for start in starts]
    ids = _number(session, Call, [row for row, _ in rows])
    session.execute(insert(Call), [row for row, _ in rows])
    offers = [
        {**offer, "call_id": call_id}
        for call_id, (_, made) in zip(ids, rows, strict=True)
        for offer in made
    ]
    if offers:
        session.execute(insert(CallAttempt), offers)
    by_call: dict[int, list[Any]] = {}
    for offer in offers:
        by_call.setdefault(offer["call_id"], []).append(SimpleNamespace(**offer))
    for call_id, (row, _) in zip(ids, rows, strict=True):
        tallies.count_call(sheet, SimpleNamespace(**row), by_call.get(call_id, []), setting.zone)
    _callbacks(session, crowd, [r for r, _ in rows], sheet, setting.zone)
    _texts(session, crowd, setting, starts, sheet)
    return len(rows)


def _call(crowd: Crowd, setting: Setting, start: datetime) -> tuple[dict[str, Any], list[Any]]:
    """A call row and its offers."""
    rng, caller = crowd.rng, crowd.someone()
    outcome = rng.choices(list(OUTCOMES), list(OUTCOMES.values()))[0]
    language = crowd.languages[caller]
    seconds = (
        int(rng.lognormvariate(5.8, 1.0)) + 20
        if outcome == CallOutcome.ANSWERED
        else (rng.randrange(10, 240))
    )
    row = {
        "call_sid": "CA" + secrets.token_hex(16),
        "line_id": rng.choice(setting.line_ids),
        "caller": crowd.pseudonym(caller),
        "caller_area": crowd.areas[caller],
        "language": None if outcome == CallOutcome.BLOCKED else language,
        "menu_path": "L1 M1",
        "started_at": start,
        "outcome": outcome,
        "ended_at": start + timedelta(seconds=seconds),
        "duration_seconds": seconds,
        "answered_at": None,
        "counsellor_id": None,
        "tallied": True,
    }
    speakers = [c for c, spoken in setting.counsellors.items() if language in spoken]
    return row, _offers(rng, row, speakers or list(setting.counsellors))


def _offers(rng: random.Random, row: dict[str, Any], people: list[int]) -> list[dict[str, Any]]:
    """Who was offered the call: a missed ring or two first, then who answered."""
    outcome, start = row["outcome"], row["started_at"]
    if not people or outcome not in (
        CallOutcome.ANSWERED,
        CallOutcome.ABANDONED_WAITING,
        CallOutcome.NO_COUNSELLOR,
    ):
        return []
    tried = rng.sample(people, min(len(people), rng.choice((1, 1, 1, 2, 3))))
    offers = [
        {
            "counsellor_id": person,
            "offered_at": start,
            "ring_seconds": 20,
            "result": AttemptResult.NO_ANSWER,
        }
        for person in tried
    ]
    if outcome == CallOutcome.ANSWERED:
        wait = int(8 + rng.expovariate(1 / 14)) + 20 * (len(tried) - 1)
        offers[-1].update(result=AttemptResult.ACCEPTED, ring_seconds=min(wait, 20))
        row.update(answered_at=start + timedelta(seconds=wait), counsellor_id=tried[-1])
        row["ended_at"] = max(row["ended_at"], row["answered_at"])
    row["hunt_started_at"] = start + timedelta(seconds=6)
    return offers


def _callbacks(
    session: Session, crowd: Crowd, rows: list[dict[str, Any]], sheet: tallies.Sheet, zone: tzinfo
) -> None:
    asked = [row for row in rows if row["outcome"] == CallOutcome.CALLBACK_REQUESTED]
    made = []
    for row in asked:
        state = crowd.rng.choices(list(CALLBACK_ENDS), list(CALLBACK_ENDS.values()))[0]
        made.append(
            {
                "line_id": row["line_id"],
                "caller": row["caller"],
                "consent": True,
                "language": row["language"] or "ky",
                "requested_at": row["ended_at"],
                "state": state,
                "outcome": str(state),
                "source_call_sid": row["call_sid"],
                "closed_at": row["ended_at"] + timedelta(hours=2),
                "tallied": True,
            }
        )
    if made:
        session.execute(insert(Callback), made)
    for callback in made:
        tallies.count_callback(sheet, SimpleNamespace(**callback), zone)


def _texts(
    session: Session, crowd: Crowd, setting: Setting, starts: list[datetime], sheet: tallies.Sheet
) -> None:
    """SMS conversations (a few messages each, both ways) beside the calls."""
    rng = crowd.rng
    rows: list[dict[str, Any]] = []
    for start in (start for start in starts if rng.random() < SMS_SHARE):
        caller = crowd.someone()
        rows.append(
            {
                "tag": f"K{rng.randrange(100)}",
                "line_id": rng.choice(setting.line_ids),
                "caller": crowd.pseudonym(caller),
                "language": crowd.languages[caller],
                "opened_at": start,
                "expires_at": start + timedelta(hours=1),
                "closed_at": start + timedelta(hours=1),
                "close_reason": "idle",
                "counsellors_tried": [],
                "tallied": True,
            }
        )
    if not rows:
        return
    ids = _number(session, Conversation, rows)
    session.execute(insert(Conversation), rows)
    messages = []
    for conversation_id, row in zip(ids, rows, strict=True):
        tallies.count_conversation(sheet, SimpleNamespace(**row), setting.zone)
        messages += [_message(rng, row, conversation_id, n) for n in range(rng.randrange(2, 7))]
    session.execute(insert(Message), messages)
    for message in messages:
        tallies.count_message(sheet, SimpleNamespace(**message), setting.zone)


def _message(
    rng: random.Random, conversation: dict[str, Any], conversation_id: int, n: int
) -> dict[str, Any]:
    """The `n`th message of a conversation: the texter writes first, a counsellor answers."""
    inbound = n % 2 == 0
    opened: datetime = conversation["opened_at"]
    return {
        "line_id": conversation["line_id"],
        "party": conversation["caller"],
        "direction": Direction.INBOUND if inbound else Direction.OUTBOUND,
        "language": conversation["language"],
        "intent": "relay",
        "segments": rng.choice((1, 1, 1, 2)),
        "conversation_id": conversation_id,
        "status": "received" if inbound else "delivered",
        "created_at": opened + timedelta(minutes=3 * n),
        "tallied": True,
    }
