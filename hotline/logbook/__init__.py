"""The anonymized log as supervisors read it: calls, SMS and callbacks filtered and paged,
each caller a short tag with a count, never a number or any content; and the front page's
figures (`overview`). No flask.
"""

from hotline.logbook.callbacks import QueuedCallback, find_callbacks
from hotline.logbook.calls import (
    CallFilter,
    LoggedCall,
    all_calls,
    find_call,
    find_calls,
    lines_by_id,
    offer_names,
)
from hotline.logbook.messages import (
    LoggedMessage,
    MessageFilter,
    find_message,
    find_messages,
    intents,
)
from hotline.logbook.overview import Figure, OnCall, on_call_now, start_of_day, today
from hotline.logbook.paging import Page
from hotline.logbook.tags import caller_tag, repeat_callers

__all__ = [
    "CallFilter",
    "Figure",
    "LoggedCall",
    "LoggedMessage",
    "MessageFilter",
    "OnCall",
    "Page",
    "QueuedCallback",
    "all_calls",
    "caller_tag",
    "find_call",
    "find_callbacks",
    "find_calls",
    "find_message",
    "find_messages",
    "intents",
    "lines_by_id",
    "offer_names",
    "on_call_now",
    "repeat_callers",
    "start_of_day",
    "today",
]
