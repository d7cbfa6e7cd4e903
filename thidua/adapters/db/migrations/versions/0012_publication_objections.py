"""the publication of a round's consolidated list before the council, and the objections to it

``round_publications``: one row per round opened since (its length in working days, the period
of its last closing's publication); rounds opened before have none and go from closing to the
council as they did. ``round_objections``: each objection to an item of the published list, who
filed it (and for whom, when the Office records one received on paper), whether the objector is
anonymous to the council, and the Office's resolution (open, upheld, dismissed).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("published_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_publications_round_id_rounds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_publications")),
        sa.UniqueConstraint("round_id", name=op.f("uq_round_publications_round_id")),
    )
    op.create_table(
        "round_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=32), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("objector", sa.String(length=200), nullable=False),
        sa.Column("on_paper", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("filed_by", sa.String(length=64), nullable=False),
        sa.Column("filed_by_role", sa.String(length=32), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["rounds.id"], name=op.f("fk_round_objections_round_id_rounds")
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["nominations.id"],
            name=op.f("fk_round_objections_nomination_id_nominations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_objections")),
    )
    op.create_index(
        op.f("ix_round_objections_round_id"), "round_objections", ["round_id"], unique=False
    )
    op.create_index(
        op.f("ix_round_objections_nomination_id"),
        "round_objections",
        ["nomination_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_round_objections_nomination_id"), table_name="round_objections")
    op.drop_index(op.f("ix_round_objections_round_id"), table_name="round_objections")
    op.drop_table("round_objections")
    op.drop_table("round_publications")
