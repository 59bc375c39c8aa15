"""The roster: lines, counsellors and their weekly shifts, and the operator's changes to them.

`shifts` reads and writes the weekly windows (pure); `changes` makes the operator's changes in
the database, shared by the CLI and the console; `coverage` counts who is on shift in each
hour of the week per language (pure); `gaps` finds the coming day's hours with nobody on call
for a line's language, and `alerts` texts supervisors about them. No flask, no twilio.
"""

from hotline.roster.alerts import CHECK_JOB_ID, alert_gaps, schedule_cover_check
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
from hotline.roster.gaps import Gap, coming_gaps
from hotline.roster.shifts import (
    WEEKDAYS,
    RosterError,
    describe_shift,
    describe_window,
    parse_shift,
)

__all__ = [
    "CHECK_JOB_ID",
    "WEEKDAYS",
    "Gap",
    "RosterError",
    "Rota",
    "add_counsellor",
    "alert_gaps",
    "add_line",
    "add_shifts",
    "coming_gaps",
    "coverage",
    "describe_shift",
    "describe_window",
    "edit_counsellor",
    "find_centre",
    "find_counsellor",
    "find_line",
    "parse_shift",
    "remove_shift",
    "schedule_cover_check",
    "set_active",
    "set_duty",
    "update_line",
]
