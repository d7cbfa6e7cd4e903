"""which canonical JSON encoding each hash was made with (audit entries, decision hashes)

Existing rows were hashed with encoding 1 (sorted keys, compact ``json.dumps``); new ones use
encoding 2, RFC 8785 (JCS). Each row says which, so old hashes still verify and nothing already
stored is rewritten. Plain ``ADD COLUMN`` with a constant default: no table rebuild, so the audit
log's triggers and rows stay as they are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "audit_log",
        sa.Column("format_version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.add_column(
        "evaluations",
        sa.Column("hash_encoding", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("hash_encoding")
    op.drop_column("audit_log", "format_version")
