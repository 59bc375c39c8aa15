"""The roster: lines, counsellors and their weekly shifts, and the operator's changes to them.

`shifts` reads and writes the weekly windows (pure); `changes` makes the operator's changes in
the database, shared by the CLI and the console. No flask, no twilio.
"""

from hotline.roster.changes import (
    add_counsellor,
    add_line,
    add_shifts,
    find_centre,
    find_counsellor,
    find_line,
    remove_shift,
    set_duty,
    update_line,
)
from hotline.roster.shifts import WEEKDAYS, RosterError, describe_shift, parse_shift

__all__ = [
    "WEEKDAYS",
    "RosterError",
    "add_counsellor",
    "add_line",
    "add_shifts",
    "describe_shift",
    "find_centre",
    "find_counsellor",
    "find_line",
    "parse_shift",
    "remove_shift",
    "set_duty",
    "update_line",
]
