"""Writing an outbox message's text from its reference, in the worker, at the moment of sending.

A sender registers a writer under a name in the app (`register_writer`); a message's
`text_ref` is "name:key", and the writer makes the text from the row (its key, language and
`text_args`). So a job carries an id, and the text exists only in the worker's memory.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from sqlalchemy.orm import Session

from hotline.models import Message

WRITERS = "hotline.outbox.writers"  # where the app keeps its writers (app.extensions)

Writer = Callable[[Session, Message], str]


class NoWriter(LookupError):
    """A message names a writer nobody registered."""


def register_writer(extensions: MutableMapping[str, Any], name: str, writer: Writer) -> None:
    """Let messages whose `text_ref` starts with `name:` be written by `writer`."""
    extensions.setdefault(WRITERS, {})[name] = writer


def write(extensions: MutableMapping[str, Any], session: Session, message: Message) -> str:
    """The text of `message`, written now by its writer."""
    name = (message.text_ref or "").partition(":")[0]
    writer: Writer | None = extensions.get(WRITERS, {}).get(name)
    if writer is None:
        raise NoWriter(f"no writer {name!r} for message {message.id}")
    return writer(session, message)
