"""Crisis centres in the database: loaded from the directory file, found near a caller."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.directory import Directory
from hotline.models import Centre

# A city caller is near the oblast around it, and the other way round.
NEIGHBOURS = {"osh-city": "osh", "osh": "osh-city", "bishkek": "chuy", "chuy": "bishkek"}


def sync_centres(session: Session, directory: Directory) -> tuple[int, int]:
    """Insert or update a Centre row per directory entry; returns (added, updated)."""
    existing = {c.slug: c for c in session.scalars(select(Centre))}
    added = updated = 0
    for entry in directory.centres:
        row = existing.get(entry.slug)
        if row is None:
            row = Centre(slug=entry.slug)
            session.add(row)
            added += 1
        else:
            updated += 1
        row.name = entry.name
        row.oblast = entry.oblast
        row.languages = list(entry.languages)
        row.public_phone = entry.numbers[0] if entry.numbers else None
        row.publish = entry.publish and row.public_phone is not None
    return added, updated


def centres_near(session: Session, areas: list[str | None], limit: int = 3) -> list[Centre]:
    """Published centres, those in `areas` (then their neighbours) first, at most `limit`."""
    wanted = [a for a in areas if a]
    wanted += [NEIGHBOURS[a] for a in wanted if a in NEIGHBOURS]
    rank = {area: i for i, area in reversed(list(enumerate(wanted)))}
    published = session.scalars(
        select(Centre).where(Centre.publish.is_(True)).order_by(Centre.id)
    ).all()
    nearby = sorted((c for c in published if c.oblast in rank), key=lambda c: rank[c.oblast or ""])
    return nearby[:limit] if nearby else list(published[:limit])
