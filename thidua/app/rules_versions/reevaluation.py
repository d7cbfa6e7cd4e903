"""Re-evaluating in-flight nominations under another published version: preview, then apply.

The preview evaluates each in-flight nomination's facts under its current and the target
version (nothing written). Applying sends each one's workflow the ``reevaluate_criteria`` update
through ``NominationWorkflows``; the evaluation activity stores and audits the new result.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from rules.engine import RulesEngine
from rules.errors import FactsError
from rules.registry import LoadedRuleset
from thidua.app.ports.nominations import NominationWorkflows
from thidua.app.ports.rules_versions import PUBLISHED, InFlightNomination
from thidua.app.ports.uow import Tx, UnitOfWork
from thidua.app.rules_versions.store import require, status_vi, wrong_status
from thidua.domain.nominations import ReevaluateCriteriaInput, RulesetRef
from thidua.domain.policy import check_rules_admin, check_rules_read
from thidua.domain.refusals import Refusal
from thidua.domain.roles import Actor


class ReevaluationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruleset_id: str = Field(min_length=1, max_length=64)
    version: str = Field(min_length=1, max_length=32, description="Phiên bản đích (đã công bố)")
    nominations: list[str] | None = Field(
        default=None,
        max_length=1000,
        description="Mã hồ sơ cần xét lại (mặc định: mọi hồ sơ đang xử lý theo phiên bản khác)",
    )
    reason: str | None = Field(default=None, max_length=2000)


class DecisionBrief(BaseModel):
    version: str
    status: str
    titles: list[str]
    proposals: list[str]


class ReevaluationItem(BaseModel):
    nomination: str
    unit: str
    stage: str
    current: DecisionBrief
    proposed: DecisionBrief
    changed: bool
    now_fired: list[str] = Field(description="Quy tắc áp dụng theo phiên bản mới mà trước không")
    no_longer_fired: list[str] = Field(description="Quy tắc trước áp dụng, phiên bản mới thì không")
    applied: bool | None = None
    error: str | None = None


class ReevaluationPreview(BaseModel):
    ruleset_id: str
    version: str
    sha256: str
    items: list[ReevaluationItem]
    changed: int


def _item(
    n: InFlightNomination, engine: RulesEngine, new_lr: LoadedRuleset, version: str
) -> ReevaluationItem:
    """One nomination under its current and the target version (``new_lr``)."""
    try:
        old_lr = engine.registry.get(n.ruleset_id, n.ruleset_version)
        old = engine.evaluate_many([n.facts], ruleset=old_lr)[0]
        new = engine.evaluate_many([n.facts], ruleset=new_lr)[0]
    except (FactsError, LookupError) as exc:
        return ReevaluationItem(
            nomination=n.key,
            unit=n.unit,
            stage=n.stage,
            current=DecisionBrief(
                version=n.ruleset_version,
                status=n.status or "",
                titles=list(n.titles),
                proposals=list(n.proposals),
            ),
            proposed=DecisionBrief(version=version, status="", titles=[], proposals=[]),
            changed=False,
            now_fired=[],
            no_longer_fired=[],
            error=str(exc),
        )
    current = DecisionBrief(
        version=n.ruleset_version,
        status=n.status or old.status.value,
        titles=list(n.titles),
        proposals=list(n.proposals),
    )
    proposed = DecisionBrief(
        version=version,
        status=new.status.value,
        titles=list(new.titles),
        proposals=list(new.proposals),
    )
    changed = (current.status, current.titles, current.proposals) != (
        proposed.status,
        proposed.titles,
        proposed.proposals,
    )
    return ReevaluationItem(
        nomination=n.key,
        unit=n.unit,
        stage=n.stage,
        current=current,
        proposed=proposed,
        changed=changed,
        now_fired=sorted(set(new.fired) - set(old.fired)),
        no_longer_fired=sorted(set(old.fired) - set(new.fired)),
    )


def _plan(
    tx: Tx, engine: RulesEngine, body: ReevaluationRequest
) -> tuple[ReevaluationPreview, dict[str, str]]:
    """The preview, and the workflow id of each nomination in it."""
    target = require(tx, body.ruleset_id, body.version)
    if target.status != PUBLISHED:
        raise wrong_status(
            f"Chỉ xét lại theo phiên bản đã công bố; {target.name} đang ở trạng thái "
            f"«{status_vi(target)}»."
        )
    new_lr = engine.registry.get(body.ruleset_id, body.version)
    nominations = tx.rules_versions.in_flight(body.ruleset_id, body.version, body.nominations)
    items = [_item(n, engine, new_lr, body.version) for n in nominations]
    plan = ReevaluationPreview(
        ruleset_id=body.ruleset_id,
        version=body.version,
        sha256=target.sha256,
        items=items,
        changed=sum(1 for i in items if i.changed),
    )
    return plan, {n.key: n.workflow_id for n in nominations}


def preview(
    tx: Tx, actor: Actor, engine: RulesEngine, body: ReevaluationRequest
) -> ReevaluationPreview:
    """Which in-flight nominations would change under the target version, and by which rules."""
    check_rules_read(actor)
    return _plan(tx, engine, body)[0]


async def apply_reevaluation(
    uow: UnitOfWork,
    workflows: NominationWorkflows,
    engine: RulesEngine,
    actor: Actor,
    body: ReevaluationRequest,
) -> ReevaluationPreview:
    """Re-evaluate the selected in-flight nominations under the target version (audited).

    Each nomination gets one workflow update ``reevaluate_criteria`` whose update id names the
    target version, so repeating the call re-evaluates nothing twice; a nomination already on the
    target version is no longer in flight for it and is skipped. A nomination whose workflow
    refuses (or has ended) is reported with the refusal's message, the others still applied.
    """
    check_rules_admin(actor)
    plan, workflow_ids = await uow.run(lambda tx: _plan(tx, engine, body))
    target = RulesetRef(id=plan.ruleset_id, version=plan.version, sha256=plan.sha256)
    update_id = f"reevaluate:{target.id}@{target.version}:{target.sha256[:16]}"
    for item in plan.items:
        if item.error is not None:
            item.applied = False
            continue
        try:
            await workflows.reevaluate(
                workflow_ids[item.nomination],
                ReevaluateCriteriaInput(actor=actor, ruleset=target, reason=body.reason),
                update_id,
            )
        except Refusal as exc:
            item.applied = False
            item.error = exc.message
            continue
        item.applied = True  # audited by the evaluation activity, in its own transaction
    return plan
