"""the daily figures (tallies, and which rows they count), gaps in cover texted to
supervisors, supervisors' own phones for those alerts

Revision ID: 1101_figures
Revises: 0901_replays
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hotline.models.base

revision = "1101_figures"
down_revision = "0901_replays"
branch_labels = None
depends_on = None

UTC = hotline.models.base.UTCDateTime(timezone=True)
# Rows counted in the figures from now on; existing ones are folded in by the worker's first
# sweep (every row starts not tallied).
COUNTED = {
    "call": "started_at",
    "callback": "requested_at",
    "message": "created_at",
    "conversation": "opened_at",
}


def upgrade() -> None:
    op.create_table(
        "tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tally"),
        sa.UniqueConstraint(
            "measure", "day", "line_id", "language", "area", "kind", "bucket",
            name="uq_tally_key",
        ),
    )
    op.create_table(
        "cover_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("hours", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["line.id"], name="fk_cover_alert_line_id_line", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_cover_alert"),
        sa.UniqueConstraint("day", "line_id", "language", name="uq_cover_alert_once"),
    )
    for table, moment in COUNTED.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("tallied", sa.Boolean(), nullable=False, server_default=sa.false())
            )
        op.create_index(
            f"ix_{table}_not_tallied",
            table,
            [moment],
            sqlite_where=sa.text("tallied = 0"),
            postgresql_where=sa.text("NOT tallied"),
        )
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("phone_sealed", sa.String(255), nullable=True))
        batch.add_column(sa.Column("phone_hint", sa.String(24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("phone_hint")
        batch.drop_column("phone_sealed")
    for table in reversed(COUNTED):
        op.drop_index(f"ix_{table}_not_tallied", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("tallied")
    op.drop_table("cover_alert")
    op.drop_table("tally")
