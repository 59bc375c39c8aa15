"""The directory in the database: loaded from the file, centres found near a caller."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.directory.entries import Directory
from hotline.models import Centre

# A city and the oblast around it are served together: Osh city's centres take Osh oblast's
# callers (and the other way round), Bishkek's take Chuy's.
CATCHMENT = {"osh-city": "osh", "bishkek": "chuy"}


def catchment(area: str | None) -> str | None:
    """The area a centre serves or a caller belongs to, for "near you" and local routing."""
    return CATCHMENT.get(area, area) if area else None


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
    """Published centres in the catchment of `areas` (in that order; the exact oblast first)."""
    wanted = [catchment(a) for a in areas if a]
    published = session.scalars(
        select(Centre).where(Centre.publish.is_(True)).order_by(Centre.id)
    ).all()
    nearby = sorted(
        (c for c in published if catchment(c.oblast) in wanted),
        key=lambda c: (wanted.index(catchment(c.oblast)), c.oblast not in areas),
    )
    return nearby[:limit] if nearby else list(published[:limit])
