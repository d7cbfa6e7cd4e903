"""The dashboard's figures, over exactly the nominations the signed-in actor may read (a read
use case of the console)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from thidua.adapters.db.models import AwardItemRow, NominationRow, NominationStepRow, RoundRow
from thidua.app import nominations
from thidua.domain.labels import STAGE_LABEL_VI
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor

WAITING = (Stage.UNIT_REVIEW, Stage.OFFICE_REVIEW, Stage.DIRECTOR_REVIEW, Stage.RETURNED)


@dataclass
class Dashboard:
    total: int = 0
    by_stage: list[tuple[str, float]] = field(default_factory=list)
    by_unit: list[tuple[str, float]] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    granted: dict[str, dict[str, float]] = field(default_factory=dict)
    days_in_stage: list[tuple[str, float]] = field(default_factory=list)
    overdue: list[nominations.NominationView] = field(default_factory=list)
    # The ruleset versions (id, version) of the rounds counted in ``granted`` (titles' names).
    rulesets: list[tuple[str, str]] = field(default_factory=list)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def visible_nominations(session: Session, actor: Actor) -> list[nominations.NominationView]:
    """Every nomination the actor may read (the service's own scoping, page by page)."""
    out: list[nominations.NominationView] = []
    after: int | None = None
    while True:
        page, after = nominations.page_nominations(session, actor, limit=500, after_id=after)
        out.extend(page)
        if after is None:
            return out


def build(session: Session, actor: Actor, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    views = visible_nominations(session, actor)
    keys = [v.id for v in views]
    dash = Dashboard(total=len(views))
    stages = Counter(v.stage for v in views)
    dash.by_stage = [
        (STAGE_LABEL_VI[s], float(stages[s.value])) for s in Stage if stages.get(s.value)
    ]
    units = Counter(v.unit for v in views)
    dash.by_unit = [(u, float(n)) for u, n in units.most_common()]
    dash.overdue = [
        v
        for v in views
        if v.deadline is not None and v.deadline < now and Stage(v.stage) in WAITING
    ]
    if not keys:
        return dash

    # Titles granted per year: approved by the Director (province-level: also by the province).
    items = session.execute(
        select(
            RoundRow.year,
            AwardItemRow.code,
            AwardItemRow.level,
            AwardItemRow.province_status,
            RoundRow.ruleset_id,
            RoundRow.ruleset_version,
        )
        .join(RoundRow, AwardItemRow.round_id == RoundRow.id)
        .join(NominationRow, AwardItemRow.nomination_id == NominationRow.id)
        .where(
            NominationRow.key.in_(keys),
            AwardItemRow.director_status == "approved",
            AwardItemRow.revoked_at.is_(None),
        )
    ).all()
    granted: dict[str, Counter[str]] = defaultdict(Counter)
    rulesets: dict[tuple[str, str], None] = {}
    for year, code, level, province, ruleset_id, version in items:
        if level == "director" or province == "approved":
            granted[code][str(year)] += 1
            rulesets[(ruleset_id, version)] = None
    dash.rulesets = list(rulesets)
    dash.years = sorted({y for c in granted.values() for y in c})
    dash.granted = {
        code: {y: float(n) for y, n in c.items()} for code, c in sorted(granted.items())
    }

    # Time spent in each stage: from entering it to the next step (or now, if still there).
    steps = session.execute(
        select(NominationRow.key, NominationStepRow.stage_to, NominationStepRow.at)
        .join(NominationRow, NominationStepRow.nomination_id == NominationRow.id)
        .where(NominationRow.key.in_(keys))
        .order_by(NominationRow.key, NominationStepRow.seq)
    ).all()
    by_key: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for key, stage_to, at in steps:
        by_key[key].append((stage_to, _utc(at)))
    spent: dict[str, list[float]] = defaultdict(list)
    for trail in by_key.values():
        for i, (stage, entered) in enumerate(trail):
            if Stage(stage) not in (*WAITING, Stage.ON_HOLD):
                continue
            left = trail[i + 1][1] if i + 1 < len(trail) else now
            spent[stage].append((left - entered).total_seconds() / 86400)
    dash.days_in_stage = [
        (STAGE_LABEL_VI[s], round(sum(spent[s.value]) / len(spent[s.value]), 2))
        for s in (*WAITING, Stage.ON_HOLD)
        if spent.get(s.value)
    ]
    return dash
