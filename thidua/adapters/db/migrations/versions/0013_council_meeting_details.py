"""the council meeting's details: its count (quorum, ballot papers), counting board and the
decision establishing the council

Adds the nullable JSON column ``council_meetings.details``. Meetings recorded before keep None:
their documents print the placeholders (no establishing decision, no counting board) and count
the ballot papers from the members' attendance. Downgrade drops the column.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("council_meetings") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("council_meetings") as batch:
        batch.drop_column("details")
