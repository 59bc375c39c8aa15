"""layout names: attempt_count, standby counsellors, the reserve-line outcome

Revision ID: 0002_layout_names
Revises: d1301edf3097
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_layout_names"
down_revision = "d1301edf3097"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("call") as batch:
        batch.alter_column("attempts", new_column_name="attempt_count")
    with op.batch_alter_table("counsellor") as batch:
        batch.alter_column("backup", new_column_name="standby")
    _rename_outcome("backup", "reserve-line")


def downgrade() -> None:
    _rename_outcome("reserve-line", "backup")
    with op.batch_alter_table("counsellor") as batch:
        batch.alter_column("standby", new_column_name="backup")
    with op.batch_alter_table("call") as batch:
        batch.alter_column("attempt_count", new_column_name="attempts")


def _rename_outcome(old: str, new: str) -> None:
    call = sa.table("call", sa.column("outcome", sa.String))
    op.execute(call.update().where(call.c.outcome == old).values(outcome=new))
