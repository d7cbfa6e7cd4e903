"""the ruleset for reviews from 1 July 2025 (Decree 152/2025/NĐ-CP), seeded as published

Inserts ``tdkt-2025`` version 1 (``rules/rulesets/tdkt-2025.v1.yaml`` and its golden cases) into
``rules_versions`` as a *published* version authored by ``seed``, effective from 2025-07-01 with
no end, as migration 0006 did for ``ntm-2024`` version 1. Idempotent: nothing is inserted when
the database already holds ``tdkt-2025`` version 1 (e.g. an administrator uploaded and published
it through the governance before this revision). ``ntm-2024`` version 1 (2024-01-01..2025-06-30)
is untouched: the two windows do not overlap, so one ruleset is in force on any date.

Downgrade removes the row only when the seed inserted it (author ``seed``) and no round,
nomination or evaluation is pinned to it (a pinned published version stays: pins must resolve).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RULESET_ID = "tdkt-2025"
VERSION = "1"

_rules_versions = sa.table(
    "rules_versions",
    sa.column("id", sa.Integer()),
    sa.column("ruleset_id", sa.String()),
    sa.column("version", sa.String()),
    sa.column("sha256", sa.String()),
    sa.column("content", sa.Text()),
    sa.column("golden", sa.Text()),
    sa.column("status", sa.String()),
    sa.column("author", sa.String()),
    sa.column("approved_by", sa.String()),
    sa.column("approved_at", sa.DateTime(timezone=True)),
    sa.column("published_by", sa.String()),
    sa.column("published_at", sa.DateTime(timezone=True)),
    sa.column("effective_from", sa.Date()),
    sa.column("effective_to", sa.Date()),
    sa.column("notes", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def _present(bind: sa.engine.Connection) -> bool:
    found = bind.execute(
        sa.select(_rules_versions.c.id).where(
            _rules_versions.c.ruleset_id == RULESET_ID, _rules_versions.c.version == VERSION
        )
    ).first()
    return found is not None


def upgrade() -> None:
    from thidua.adapters.db.rules_versions import shipped_seed_rows

    bind = op.get_bind()
    if _present(bind):
        return
    now = datetime.now(UTC)
    rows = [
        {**row, "created_at": now, "updated_at": now}
        for row in shipped_seed_rows(now, only={(RULESET_ID, VERSION)})
    ]
    if rows:
        op.bulk_insert(_rules_versions, rows)


def _pinned(bind: sa.engine.Connection) -> bool:
    """Whether a round or a nomination is judged under the seeded version."""
    for table in ("rounds", "nominations", "evaluations"):
        if table not in sa.inspect(bind).get_table_names():
            continue
        t = sa.table(table, sa.column("ruleset_id"), sa.column("ruleset_version"))
        hit = bind.execute(
            sa.select(sa.literal(1))
            .select_from(t)
            .where(t.c.ruleset_id == RULESET_ID, t.c.ruleset_version == VERSION)
            .limit(1)
        ).first()
        if hit is not None:
            return True
    return False


def downgrade() -> None:
    bind = op.get_bind()
    if _pinned(bind):
        return
    op.execute(
        _rules_versions.delete().where(
            _rules_versions.c.ruleset_id == RULESET_ID,
            _rules_versions.c.version == VERSION,
            _rules_versions.c.author == "seed",
        )
    )
