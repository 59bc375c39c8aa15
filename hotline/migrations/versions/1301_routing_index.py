"""a counsellor's shifts found by the counsellor and the day: the hunt's candidates' query
joins the shifts covering now to each counsellor on duty

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
    op.create_index("ix_shift_counsellor_weekday", "shift", ["counsellor_id", "weekday"])


def downgrade() -> None:
    op.drop_index("ix_shift_counsellor_weekday", table_name="shift")
