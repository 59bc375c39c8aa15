""" "Delete my data": the sender's pseudonym taken off every stored row, open requests ended.

Callbacks still waiting are cancelled and open conversations closed (numbers erased, their
counsellors told); messages, calls, callbacks and conversations keep their metadata without the
pseudonym. Blocks stay: an abusive sender cannot lift a block this way.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis
from sqlalchemy import update
from sqlalchemy.orm import Session

from hotline import callbacks, conversations, outbox
from hotline.models import Call, Callback, Counsellor, Message
from hotline.sms import memory


def forget_sender(session: Session, redis: Redis, pseudonym: str, now: datetime) -> list[Message]:
    """Erase everything kept by `pseudonym`; the notices to queue once this is committed."""
    callbacks.cancel_open(session, pseudonym, now)
    notices = [
        conversations.to_counsellor(
            session, session.get_one(Counsellor, closed.counsellor_id), closed, "relay_gone", now
        )
        for closed in conversations.forget_texter(session, pseudonym, now)
        if closed.counsellor_id is not None
    ]
    outbox.cancel_to(session, pseudonym)
    for table, column in (
        (Message, Message.party),
        (Callback, Callback.caller),
        (Call, Call.caller),
    ):
        session.execute(update(table).where(column == pseudonym).values({column.key: None}))
    memory.forget_sender(redis, pseudonym)
    return notices
