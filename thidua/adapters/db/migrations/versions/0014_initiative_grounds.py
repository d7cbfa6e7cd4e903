"""an initiative grounds one award: the Office's choices, each award item's grounds; tdkt-2025@2

- ``rounds.initiative_choices`` (JSON, null: none): the Office's choices of the award an
  initiative grounds within a nomination (``[{nomination, initiative, award, chosen_by,
  chosen_at}]``), read by the round's appraisal.
- ``award_items.initiatives`` (JSON, null: recorded before this revision): the initiatives the
  award rests on, written with the item from the appraisal (``[]``: it needs none). Past uses of
  an initiative read it for approved, unrevoked items; an item without it keeps the old
  behaviour (every initiative of its nomination), except for awards no rule of which reads
  initiatives (LĐTT, TTLĐTT…).
- Seeds ``tdkt-2025`` version 2 (``rules/rulesets/tdkt-2025.v2.yaml``: the discipline's end
  date) as published from 2027-01-01, authored ``seed``, closing version 1 on 2026-12-31 when
  version 1 is published and open past that day (as publishing does: ``supersedes`` keeps
  version 1's previous end for a rollback). Idempotent: nothing is seeded when version 2 is
  already stored. Stored as a *draft* instead when another ruleset is published over 2027, or
  when a later version of tdkt-2025 is already published from 2027-01-01 or after. From 2027
  (not 2026): every review of the 2026 season stays under one version.

Downgrade drops the two columns; it removes the seeded version 2 (and reopens version 1) only
when nothing is pinned to version 2.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-12
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEEDED_ID = "tdkt-2025"
VERSION = "2"
PREVIOUS = "1"
START = date(2027, 1, 1)

_rv = sa.table(
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
    sa.column("supersedes", sa.String()),
    sa.column("supersedes_effective_to", sa.Date()),
    sa.column("notes", sa.Text()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)

_AS_DRAFT = {
    "status": "draft",
    "approved_by": None,
    "approved_at": None,
    "published_by": None,
    "published_at": None,
    "effective_from": None,
    "effective_to": None,
    "notes": (
        "Phiên bản khởi tạo từ tệp tdkt-2025.v2.yaml, lưu ở dạng nháp vì đã có bộ tiêu chí khác "
        "được công bố có hiệu lực trong năm 2027: cần duyệt và công bố phiên bản này sau khi xem "
        "xét lại thời gian hiệu lực."
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("initiative_choices", sa.JSON(), nullable=True))
    with op.batch_alter_table("award_items") as batch:
        batch.add_column(sa.Column("initiatives", sa.JSON(), nullable=True))
    _seed_version_2(op.get_bind())


def _seed_version_2(bind: sa.engine.Connection) -> None:
    from thidua.adapters.db.rules_versions import shipped_seed_rows

    t = _rv
    present = bind.execute(
        sa.select(t.c.id).where(t.c.ruleset_id == SEEDED_ID, t.c.version == VERSION)
    ).first()
    if present is not None:
        return
    now = datetime.now(UTC)
    rows = [
        {**row, "created_at": now, "updated_at": now}
        for row in shipped_seed_rows(now, only={(SEEDED_ID, VERSION)})
    ]
    if not rows:
        return
    row = rows[0]
    blocked = bind.execute(
        sa.select(t.c.id).where(
            t.c.status == "published",
            sa.or_(
                sa.and_(
                    t.c.ruleset_id != SEEDED_ID,
                    sa.or_(t.c.effective_to.is_(None), t.c.effective_to >= START),
                ),
                sa.and_(t.c.ruleset_id == SEEDED_ID, t.c.effective_from >= START),
            ),
        )
    ).first()
    if blocked is not None:
        op.bulk_insert(t, [{**row, **_AS_DRAFT}])
        return
    previous = bind.execute(
        sa.select(t.c.id, t.c.effective_to).where(
            t.c.ruleset_id == SEEDED_ID, t.c.version == PREVIOUS, t.c.status == "published"
        )
    ).first()
    if previous is not None and (previous.effective_to is None or previous.effective_to >= START):
        row = {**row, "supersedes": PREVIOUS, "supersedes_effective_to": previous.effective_to}
        bind.execute(
            t.update()
            .where(t.c.id == previous.id)
            .values(effective_to=START - timedelta(days=1), updated_at=now)
        )
    op.bulk_insert(t, [row])


def _pinned(bind: sa.engine.Connection) -> bool:
    for table in ("rounds", "nominations", "evaluations"):
        if table not in sa.inspect(bind).get_table_names():
            continue
        pins = sa.table(table, sa.column("ruleset_id"), sa.column("ruleset_version"))
        hit = bind.execute(
            sa.select(sa.literal(1))
            .select_from(pins)
            .where(pins.c.ruleset_id == SEEDED_ID, pins.c.ruleset_version == VERSION)
            .limit(1)
        ).first()
        if hit is not None:
            return True
    return False


def downgrade() -> None:
    bind = op.get_bind()
    t = _rv
    if not _pinned(bind):
        seeded = bind.execute(
            sa.select(t.c.id, t.c.supersedes, t.c.supersedes_effective_to).where(
                t.c.ruleset_id == SEEDED_ID, t.c.version == VERSION, t.c.author == "seed"
            )
        ).first()
        if seeded is not None:
            if seeded.supersedes == PREVIOUS:
                bind.execute(
                    t.update()
                    .where(t.c.ruleset_id == SEEDED_ID, t.c.version == PREVIOUS)
                    .values(effective_to=seeded.supersedes_effective_to)
                )
            bind.execute(t.delete().where(t.c.id == seeded.id))
    with op.batch_alter_table("award_items") as batch:
        batch.drop_column("initiatives")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_column("initiative_choices")
