"""rules versions as governed data

Creates ``rules_versions`` and seeds it, when empty, with the ruleset shipped in
``rules/rulesets/`` at the time (``ntm-2024`` version 1 and its golden cases) as a *published*
version authored by ``seed``, effective over the window its file declares. After this, the running
service reads rulesets only from this table. (Later shipped versions have their own migrations.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "rules_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ruleset_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("golden", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.String(length=64), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("supersedes", sa.String(length=32), nullable=True),
        sa.Column("supersedes_effective_to", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rules_versions")),
        sa.UniqueConstraint("ruleset_id", "version", name=op.f("uq_rules_versions_ruleset_id")),
    )
    with op.batch_alter_table("rules_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rules_versions_status"), ["status"], unique=False)
    _seed(table)


def _seed(table: sa.Table) -> None:
    """Insert ntm-2024@1 as published (the table was just created: empty). Later shipped
    versions are seeded by their own migrations (0010: tdkt-2025@1)."""
    from thidua.adapters.db.rules_versions import shipped_seed_rows

    now = datetime.now(UTC)
    rows = [
        {**row, "created_at": now, "updated_at": now}
        for row in shipped_seed_rows(now, only={("ntm-2024", "1")})
    ]
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("rules_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rules_versions_status"))
    op.drop_table("rules_versions")
