"""counsellor reservations; a line waits 180 s by default

Revision ID: 0801_reservations
Revises: 1201_sms_relay
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0801_reservations"
down_revision = "1201_sms_relay"
branch_labels = None
depends_on = None

OLD_DEFAULT_WAIT, NEW_DEFAULT_WAIT = 90, 180


def upgrade() -> None:
    with op.batch_alter_table("counsellor") as batch:
        batch.add_column(sa.Column("reserved_for", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=True))
    # 90 s was the default, and the bound then covered ringing only: a line still at it
    # now also holds callers for a counsellor in wrap-up (two minutes), which needs 180 s.
    _move_wait(OLD_DEFAULT_WAIT, NEW_DEFAULT_WAIT)


def downgrade() -> None:
    _move_wait(NEW_DEFAULT_WAIT, OLD_DEFAULT_WAIT)
    with op.batch_alter_table("counsellor") as batch:
        batch.drop_column("reserved_until")
        batch.drop_column("reserved_for")


def _move_wait(old: int, new: int) -> None:
    line = sa.table("line", sa.column("max_wait_seconds", sa.Integer))
    op.execute(line.update().where(line.c.max_wait_seconds == old).values(max_wait_seconds=new))
