"""The roster: lines, counsellors and their weekly shifts, and the operator's changes to them.

`shifts` reads and writes the weekly windows (pure); `changes` makes the operator's changes in
the database, shared by the CLI and the console; `coverage` counts who is on shift in each
hour of the week per language (pure). No flask, no twilio.
"""

from hotline.roster.changes import (
    add_counsellor,
    add_line,
    add_shifts,
    edit_counsellor,
    find_centre,
    find_counsellor,
    find_line,
    remove_shift,
    set_active,
    set_duty,
    update_line,
)
from hotline.roster.coverage import Rota, coverage
from hotline.roster.shifts import (
    WEEKDAYS,
    RosterError,
    describe_shift,
    describe_window,
    parse_shift,
)

__all__ = [
    "WEEKDAYS",
    "RosterError",
    "Rota",
    "add_counsellor",
    "add_line",
    "add_shifts",
    "coverage",
    "describe_shift",
    "describe_window",
    "edit_counsellor",
    "find_centre",
    "find_counsellor",
    "find_line",
    "parse_shift",
    "remove_shift",
    "set_active",
    "set_duty",
    "update_line",
]
