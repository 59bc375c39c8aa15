"""SMS relay conversations between a texter and a counsellor through a line's number.

`state` opens, finds, answers and closes them (the texter's number sealed, erased at close),
`tags` names them for counsellors ("K7"), `timeouts` reassigns a silent counsellor's and
closes idle ones, leaving notices in the outbox. The bodies never come here. No flask, no twilio.
"""

from hotline.conversations.state import (
    Assignment,
    RelayPolicy,
    choose_counsellor,
    close,
    counsellor_by_phone,
    find_for_counsellor,
    forget_texter,
    note_counsellor_reply,
    note_texter_message,
    open_conversation,
    open_for_counsellor,
    open_for_texter,
    policy_from,
)
from hotline.conversations.tags import new_tag, read_tag
from hotline.conversations.timeouts import close_idle, reassign_silent, to_counsellor, to_texter

__all__ = [
    "Assignment",
    "RelayPolicy",
    "choose_counsellor",
    "close",
    "close_idle",
    "counsellor_by_phone",
    "find_for_counsellor",
    "forget_texter",
    "new_tag",
    "note_counsellor_reply",
    "note_texter_message",
    "open_conversation",
    "open_for_counsellor",
    "open_for_texter",
    "policy_from",
    "read_tag",
    "reassign_silent",
    "to_counsellor",
    "to_texter",
]
