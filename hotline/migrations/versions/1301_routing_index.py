"""shifts found by their day: the hunt's candidates' query looks for the shifts covering now
(today's, or yesterday's past midnight), then joins them to the counsellors

Revision ID: 1301_routing_index
Revises: 1101_figures
"""

from __future__ import annotations

from alembic import op

revision = "1301_routing_index"
down_revision = "1101_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_shift_weekday_counsellor", "shift", ["weekday", "counsellor_id"])


def downgrade() -> None:
    op.drop_index("ix_shift_weekday_counsellor", table_name="shift")
