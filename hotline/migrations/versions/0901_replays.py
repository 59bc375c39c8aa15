"""replays act once: one callback per asking call, one outbox SMS per cause; held numbers

Revision ID: 0901_replays
Revises: 1001_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0901_replays"
down_revision = "1001_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replays already stored (before this guard) keep their rows but lose the duplicate link.
    callback = sa.table("callback", sa.column("id", sa.Integer), sa.column("source_call_sid"))
    first = (
        sa.select(sa.func.min(callback.c.id))
        .where(callback.c.source_call_sid.is_not(None))
        .group_by(callback.c.source_call_sid)
        .scalar_subquery()
    )
    op.execute(
        callback.update()
        .where(callback.c.source_call_sid.is_not(None), callback.c.id.not_in(first))
        .values(source_call_sid=None)
    )
    op.create_index("uq_callback_source_call_sid", "callback", ["source_call_sid"], unique=True)
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("dedup_key", sa.String(80), nullable=True))
        batch.create_unique_constraint("uq_message_dedup_key", ["dedup_key"])
    op.create_table(
        "held_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("number_sealed", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_held_number"),
        sa.UniqueConstraint("call_sid", name="uq_held_number_call_sid"),
    )


def downgrade() -> None:
    op.drop_table("held_number")
    with op.batch_alter_table("message") as batch:
        batch.drop_constraint("uq_message_dedup_key", type_="unique")
        batch.drop_column("dedup_key")
    op.drop_index("uq_callback_source_call_sid", table_name="callback")
