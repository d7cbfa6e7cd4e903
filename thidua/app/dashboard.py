"""The dashboard's figures, over exactly the nominations the signed-in actor may read (a read
use case of the console)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from thidua.app.nominations import all_nominations
from thidua.app.ports.nominations import NominationView
from thidua.app.ports.uow import Tx
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
    overdue: list[NominationView] = field(default_factory=list)
    # The ruleset versions (id, version) of the rounds counted in ``granted`` (titles' names).
    rulesets: list[tuple[str, str]] = field(default_factory=list)


def build(tx: Tx, actor: Actor, now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(UTC)
    views = all_nominations(tx, actor)
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
    granted: dict[str, Counter[str]] = defaultdict(Counter)
    rulesets: dict[tuple[str, str], None] = {}
    for award in tx.dashboard.approved_awards(keys):
        if award.level == "director" or award.province_status == "approved":
            granted[award.code][str(award.year)] += 1
            rulesets[(award.ruleset_id, award.ruleset_version)] = None
    dash.rulesets = list(rulesets)
    dash.years = sorted({y for c in granted.values() for y in c})
    dash.granted = {
        code: {y: float(n) for y, n in c.items()} for code, c in sorted(granted.items())
    }

    # Time spent in each stage: from entering it to the next step (or now, if still there).
    by_key: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    for entry in tx.dashboard.stage_entries(keys):
        by_key[entry.nomination].append((entry.stage, entry.at))
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
