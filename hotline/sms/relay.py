"""Relaying: a texter's message to their counsellor's phone, a counsellor's reply to the
texter, both from the line's number; and the counsellors' commands from their own phones.

Bodies are never stored: each is handed back as a `Send` for the webhook's own TwiML answer
(`<Message to=...>`), which is the only place it goes. Numbers are unsealed in memory for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline import conversations, roster
from hotline.calls.hunt import roster_states
from hotline.models import Conversation, Counsellor, DutyOverride, Line, Message
from hotline.routing import is_on_call
from hotline.sms import memory
from hotline.sms.answers import Desk, Sender
from hotline.sms.commands import Command, CounsellorSms, read_counsellor


@dataclass(frozen=True)
class Send:
    """One SMS in the webhook's answer: a reply key (filled in later) or a relayed body."""

    intent: str
    language: str | None
    to: str | None = None  # None: back to whoever texted
    body: str | None = None  # a relayed body; None: the reply `intent` names
    values: dict[str, object] = field(default_factory=dict)
    lines: tuple[str, ...] = ()  # after the reply's text, one a line (centres' numbers)
    party: str | None = None
    counsellor_id: int | None = None
    conversation_id: int | None = None


@dataclass
class Plan:
    """What one inbound SMS turned out to be and what goes out in answer."""

    intent: str
    language: str | None
    sends: list[Send] = field(default_factory=list)
    conversation_id: int | None = None
    notices: list[Message] = field(default_factory=list)


@dataclass(frozen=True)
class Post:
    """What relaying needs beyond the desk: the line, the relay's policy, its hourly cap."""

    desk: Desk
    line: Line
    policy: conversations.RelayPolicy
    new_per_hour: int


def from_texter(post: Post, sender: Sender, body: str, language: str) -> Plan:
    """A texter's message: into their open conversation, or a new one, or the honest reply."""
    desk = post.desk
    conversation = conversations.open_for_texter(desk.session, sender.pseudonym, post.line.id)
    if conversation is not None and conversation.counsellor_id is not None:
        conversations.note_texter_message(conversation, desk.now, post.policy)
        counsellor = desk.session.get_one(Counsellor, conversation.counsellor_id)
        send = _to_counsellor(post, counsellor, conversation, f"#{conversation.tag} {body}")
        return Plan("relay", conversation.language, [send], conversation.id)
    if not memory.within_line_rate(desk.redis, post.line.id, post.new_per_hour):
        return Plan("line-rate-limited", language)
    chosen = conversations.choose_counsellor(
        desk.session, post.line, language, [], desk.now, post.policy
    )
    if chosen is None:
        nobody = Send("nobody_on_call", language, values={"reserve": post.policy.reserve})
        return Plan("nobody-on-call", language, [nobody])
    conversation = conversations.open_conversation(
        desk.session,
        desk.keyring,
        line=post.line,
        caller=sender.pseudonym,
        number=sender.number,
        language=language,
        counsellor=chosen,
        now=desk.now,
        policy=post.policy,
    )
    first = f"#{conversation.tag} ({language}) {body}"
    sends = [
        _to_counsellor(post, chosen, conversation, first),
        Send("relay_opened", language, conversation_id=conversation.id),
    ]
    return Plan("relay-opened", language, sends, conversation.id)


def _to_counsellor(
    post: Post, counsellor: Counsellor, conversation: Conversation, body: str
) -> Send:
    return Send(
        "relay",
        conversation.language,
        to=post.desk.keyring.unseal(counsellor.phone_sealed),
        body=body,
        counsellor_id=counsellor.id,
        conversation_id=conversation.id,
    )


def from_counsellor(post: Post, counsellor: Counsellor, body: str) -> Plan:
    """A registered counsellor's SMS: a command, or a reply to one of their conversations."""
    said = read_counsellor(body)
    language = (counsellor.languages or [post.line.language])[0]
    if said.command is Command.END:
        return _end(post, counsellor, said, language)
    if said.command is not None:
        return _command(post, counsellor, said.command, language)
    conversation, problem = _addressed(post, counsellor, said.tag, language)
    if conversation is None or not said.text:
        return Plan("counsellor-unaddressed", language, [problem] if problem else [])
    conversations.note_counsellor_reply(conversation, post.desk.now, post.policy)
    to_texter = Send(
        "relay",
        conversation.language,
        to=post.desk.keyring.unseal(conversation.caller_number_sealed or ""),
        body=said.text,
        party=conversation.caller,
        conversation_id=conversation.id,
    )
    return Plan("counsellor-relay", language, [to_texter], conversation.id)


def _addressed(
    post: Post, counsellor: Counsellor, tag: str | None, language: str
) -> tuple[Conversation | None, Send | None]:
    """The conversation a counsellor's SMS is for, or the reply saying why there is none."""
    session = post.desk.session
    if tag is not None:
        found = conversations.find_for_counsellor(session, counsellor.id, tag)
        if found is None:
            return None, Send("counsellor_unknown_tag", language, values={"tag": tag})
        return found, None
    mine = conversations.open_for_counsellor(session, counsellor.id)
    if len(mine) == 1:
        return mine[0], None
    if not mine:
        return None, Send("counsellor_none", language)
    return None, Send("counsellor_which", language, values={"tag": mine[0].tag})


def _end(post: Post, counsellor: Counsellor, said: CounsellorSms, language: str) -> Plan:
    conversation, problem = _addressed(post, counsellor, said.tag, language)
    if said.twilio_opted_out:
        # END alone also opts this phone out at Twilio, which refuses any SMS to it until the
        # counsellor texts START: the conversation is closed, and nothing can be answered.
        problem = None
    if conversation is None:
        return Plan("counsellor-end", language, [problem] if problem else [])
    conversations.close(conversation, "counsellor", post.desk.now)
    done = Send(
        "counsellor_ended",
        language,
        values={"tag": conversation.tag},
        conversation_id=conversation.id,
    )
    return Plan(
        "counsellor-end", language, [] if said.twilio_opted_out else [done], conversation.id
    )


def _command(post: Post, counsellor: Counsellor, command: Command, language: str) -> Plan:
    session, now = post.desk.session, post.desk.now
    mine = conversations.open_for_counsellor(session, counsellor.id)
    if command in (Command.ON, Command.OFF):
        duty = DutyOverride.ON if command is Command.ON else DutyOverride.OFF
        roster.set_duty(session, counsellor.name, duty)
        key = "counsellor_on" if command is Command.ON else "counsellor_off"
        return Plan(
            f"counsellor-{command}", language, [Send(key, language, values={"count": len(mine)})]
        )
    if command is Command.LIST:
        if not mine:
            return Plan("counsellor-list", language, [Send("counsellor_none", language)])
        items = ", ".join(
            f"#{c.tag} {c.language} {int((now - c.opened_at).total_seconds() // 60)}m" for c in mine
        )
        return Plan(
            "counsellor-list",
            language,
            [Send("counsellor_list", language, values={"items": items})],
        )
    state = next(s for s in roster_states(session, now) if s.id == counsellor.id)
    on = is_on_call(state, now, post.policy.zone)
    tags = " ".join(f"#{c.tag}" for c in mine) or "-"
    key = "counsellor_status_on" if on else "counsellor_status_off"
    return Plan("counsellor-status", language, [Send(key, language, values={"tags": tags})])
