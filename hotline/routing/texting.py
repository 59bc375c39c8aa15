"""Who takes an SMS conversation: the least loaded on-call counsellor who speaks the language.

Pure, like the rest of routing. Languages are tried in order: the texter's own, then the
line's fallback languages (the texter's own skipped). Within a language the counsellor with
the fewest open conversations wins (below the cap), then the one given a conversation
longest ago, then the roster's order (position, then id, as linear rings). Busy on a voice
call does not matter: SMS can wait.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from hotline.routing.counsellors import CounsellorState, is_on_call, require_aware

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, kw_only=True)
class TextRequest:
    """One texter waiting for a counsellor, as it stands at `now`."""

    language: str
    fallback_languages: tuple[str, ...]
    line_centre: str | None  # None = a national line
    tried: frozenset[int]  # counsellors who had this conversation already
    now: datetime
    shift_zone: tzinfo
    max_open: int  # open conversations a counsellor may hold

    def __post_init__(self) -> None:
        require_aware("now", self.now)
        if self.max_open < 1:
            raise ValueError("a counsellor must be able to hold at least one conversation")

    @property
    def languages(self) -> tuple[str, ...]:
        """The texter's language, then the fallbacks, each once."""
        return tuple(dict.fromkeys((self.language, *self.fallback_languages)))


def choose_for_text(
    roster: Iterable[CounsellorState],
    open_counts: Mapping[int, int],
    last_given: Mapping[int, datetime],
    request: TextRequest,
) -> int | None:
    """The id of the counsellor to give the conversation to, or None when nobody can take it."""
    able = [c for c in roster if _may_take(c, open_counts, request)]
    for language in request.languages:
        speakers = [c for c in able if language in c.languages]
        if speakers:
            best = min(
                speakers,
                # The id last: otherwise equals went by the order the database returned them in.
                key=lambda c: (
                    open_counts.get(c.id, 0),
                    last_given.get(c.id, NEVER),
                    c.position,
                    c.id,
                ),
            )
            return best.id
    return None


def _may_take(c: CounsellorState, open_counts: Mapping[int, int], request: TextRequest) -> bool:
    # A centre line never reaches another centre; national staff (no centre) back up every line.
    reached = request.line_centre is None or c.centre in (request.line_centre, None)
    return (
        reached
        and c.id not in request.tried
        and open_counts.get(c.id, 0) < request.max_open
        and is_on_call(c, request.now, request.shift_zone)
    )
