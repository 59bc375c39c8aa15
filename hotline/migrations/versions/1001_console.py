"""the supervisor console: accounts with a second factor, a hash-chained audit trail, lifted
blocks, the logs' time indexes

Revision ID: 1001_console
Revises: 0801_reservations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "1001_console"
down_revision = "0801_reservations"
branch_labels = None
depends_on = None

UTC = hotline.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(sa.Column("totp_secret_sealed", sa.String(255), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("recovery_codes", sa.JSON(), nullable=False, server_default="[]")
        )
        batch.add_column(sa.Column("last_login_at", UTC, nullable=True))
        batch.add_column(sa.Column("sessions_valid_after", UTC, nullable=True))
    with op.batch_alter_table("block") as batch:
        batch.add_column(sa.Column("source", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lifted_at", UTC, nullable=True))
    # The trail was never written to: it is made anew with its chain columns.
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_index("ix_audit_entry_at")
    op.drop_table("audit_entry")
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("detail", sa.String(200), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_audit_entry_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
        sa.UniqueConstraint("seq", name="uq_audit_entry_seq"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entry_prev_hash"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    op.create_index("ix_call_started", "call", ["started_at"])
    op.create_index("ix_message_created", "message", ["created_at"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )


def downgrade() -> None:
    op.drop_table("audit_head")
    op.drop_index("ix_message_created", "message")
    op.drop_index("ix_call_started", "call")
    op.drop_index("ix_audit_entry_action", "audit_entry")
    op.drop_index("ix_audit_entry_at", "audit_entry")
    op.drop_table("audit_entry")
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name="fk_audit_entry_user_id_user_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    with op.batch_alter_table("block") as batch:
        batch.drop_column("lifted_at")
        batch.drop_column("source")
    with op.batch_alter_table("user_account") as batch:
        for column in (
            "sessions_valid_after",
            "last_login_at",
            "recovery_codes",
            "totp_last_step",
            "totp_secret_sealed",
            "must_change_password",
            "language",
        ):
            batch.drop_column(column)
