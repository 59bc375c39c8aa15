"""shifts found by their day and hours: the hunt reads the ids of those a shift covers now from
the index alone (weekday, start, end, counsellor), not the day's every shift

Revision ID: 1302_covering_shifts
Revises: 1301_routing_index
"""

from __future__ import annotations

from alembic import op

revision = "1302_covering_shifts"
down_revision = "1301_routing_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_shift_weekday_hours", "shift", ["weekday", "start", "end", "counsellor_id"])


def downgrade() -> None:
    op.drop_index("ix_shift_weekday_hours", table_name="shift")
