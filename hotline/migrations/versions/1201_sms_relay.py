"""SMS relay conversations and the outbox

Revision ID: 1201_sms_relay
Revises: 0003_line_fallback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hotline.models.base import UTCDateTime

revision = "1201_sms_relay"
down_revision = "0003_line_fallback"
branch_labels = None
depends_on = None

OPEN = sa.text("closed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.drop_constraint("uq_conversation_tag", type_="unique")
        batch.alter_column("caller", existing_type=sa.String(80), nullable=True)
        batch.add_column(sa.Column("assigned_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reply_due_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("counsellors_tried", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("close_reason", sa.String(16), nullable=True))
    op.create_index(
        "uq_conversation_open_tag",
        "conversation",
        ["tag"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("counsellor_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_message_counsellor_id_counsellor", "counsellor", ["counsellor_id"], ["id"]
        )
        batch.add_column(sa.Column("error_code", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("redact_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("send_state", sa.String(24), nullable=True))
        batch.add_column(sa.Column("text_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("text_args", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("recipient_sealed", sa.String(255), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_message_send_due", ["send_state", "next_attempt_at"])


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_index("ix_message_send_due")
        batch.drop_constraint("fk_message_counsellor_id_counsellor", type_="foreignkey")
        for column in (
            "claimed_at",
            "next_attempt_at",
            "attempts",
            "recipient_sealed",
            "text_args",
            "text_ref",
            "send_state",
            "redact_attempts",
            "redacted_at",
            "error_code",
            "counsellor_id",
        ):
            batch.drop_column(column)
    op.drop_index("uq_conversation_open_tag", table_name="conversation")
    # Conversations whose texter deleted their data have no pseudonym left to restore.
    op.execute(
        "DELETE FROM message WHERE conversation_id IN "
        "(SELECT id FROM conversation WHERE caller IS NULL)"
    )
    op.execute("DELETE FROM conversation WHERE caller IS NULL")
    # Closed conversations share tags with later ones; the old schema wants every tag once.
    op.execute("UPDATE conversation SET tag = 'x' || id WHERE closed_at IS NOT NULL")
    with op.batch_alter_table("conversation") as batch:
        for column in ("close_reason", "counsellors_tried", "reply_due_at", "assigned_at"):
            batch.drop_column(column)
        batch.alter_column("caller", existing_type=sa.String(80), nullable=False)
        batch.create_unique_constraint("uq_conversation_tag", ["tag"])
