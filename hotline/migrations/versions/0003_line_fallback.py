"""a line's fallback languages

Revision ID: 0003_line_fallback
Revises: 0002_layout_names
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_line_fallback"
down_revision = "0002_layout_names"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("line") as batch:
        batch.add_column(
            sa.Column("fallback_languages", sa.JSON(), nullable=False, server_default='["ru", "ky"]')
        )


def downgrade() -> None:
    with op.batch_alter_table("line") as batch:
        batch.drop_column("fallback_languages")
