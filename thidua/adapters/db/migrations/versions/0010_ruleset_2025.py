"""the ruleset for reviews from 1 July 2025 (Decree 152/2025/NĐ-CP), seeded as published

Inserts ``tdkt-2025`` version 1 (``rules/rulesets/tdkt-2025.v1.yaml`` and its golden cases) into
``rules_versions`` as a *published* version authored by ``seed``, effective from 2025-07-01 with
no end, as migration 0006 did for ``ntm-2024`` version 1. Idempotent: nothing is inserted when
the database already holds ``tdkt-2025`` version 1 (e.g. an administrator uploaded and published
it through the governance before this revision). ``ntm-2024`` version 1 (2024-01-01..2025-06-30)
is untouched: the two windows do not overlap, so one ruleset is in force on any date. When
another ruleset is already published over 1 July 2025 or later (e.g. a stand-in version an
administrator published for 2026), the version is stored as a *draft* instead (the governance
allows one ruleset in force per date): a rules admin approves and publishes it after closing that
window.

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
    if rows and _overlapping(bind, rows[0]["effective_from"]):
        rows = [{**row, **_AS_DRAFT} for row in rows]
    if rows:
        op.bulk_insert(_rules_versions, rows)


# Stored as a draft when another ruleset is already published over the window: one ruleset is in
# force on any date, so a rules admin approves and publishes it once that window is closed.
_AS_DRAFT = {
    "status": "draft",
    "approved_by": None,
    "approved_at": None,
    "published_by": None,
    "published_at": None,
    "effective_from": None,
    "effective_to": None,
    "notes": (
        "Phiên bản khởi tạo từ tệp tdkt-2025.v1.yaml, lưu ở dạng nháp vì một bộ tiêu chí khác "
        "đã được công bố có hiệu lực từ ngày 01/7/2025: cần kết thúc hiệu lực của bộ đó rồi duyệt "
        "và công bố phiên bản này."
    ),
}


def _overlapping(bind: sa.engine.Connection, start: object) -> bool:
    """Whether another ruleset's published window reaches ``start`` or later."""
    t = _rules_versions
    found = bind.execute(
        sa.select(t.c.id).where(
            t.c.status == "published",
            t.c.ruleset_id != RULESET_ID,
            sa.or_(t.c.effective_to.is_(None), t.c.effective_to >= start),
        )
    ).first()
    return found is not None


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
