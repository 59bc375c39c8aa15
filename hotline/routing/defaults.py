"""Named routing constants: the numbers a crisis centre may want to tune, in one place."""

from __future__ import annotations

DEFAULT_MAX_WAIT_SECONDS = 180
"""How long a caller may wait for a counsellor (ringing and holding), from asking for one to
the callback offer: long enough for a counsellor's two-minute wrap-up to end."""

DEFAULT_RING_TIMEOUT_SECONDS = 20
"""How long one offer rings (the Dial timeout) before moving on."""

DEFAULT_MIN_RING_SECONDS = 10
"""A last offer shorter than this would hang up on a counsellor reaching for the phone."""

TWILIO_MIN_DIAL_TIMEOUT = 5
"""Twilio's smallest accepted `<Dial timeout>`."""

TWILIO_MAX_DIAL_TIMEOUT = 600
"""Twilio's largest accepted `<Dial timeout>`."""

MAX_NUMBERS_PER_DIAL = 10
"""Twilio rings at most this many `<Number>`s in one `<Dial>`."""

DEFAULT_WRAP_UP_SECONDS = 120
"""The pause a counsellor gets after a call before the next one rings."""

MOBILE = "mobile"
"""The caller oblast recorded for a mobile number, which carries no region."""
