"""The Office chooses which award an initiative grounds (Official Letter 5007/BNV-TĐKT).

When the round's appraisal finds an initiative grounding two or more awards of one nomination
(flag ``initiative_grounds_twice``, ``CandidateResult.initiative_conflicts``), the Office
chooses the award it grounds, after the closing and before the council votes (or after the
Director returned the list). The choice is kept on the round (audited as
``round.initiative_chosen``) and the round is appraised again at once with it, in the same
transaction: the other awards are evaluated without the initiative. Until the Office chooses,
the appraisal gives the initiative to the highest award and keeps the flag visible
(``thidua.domain.appraisal.initiatives.one_award_per_initiative``).

Not a step of the round's workflow: the database holds the appraisal the council and the
Director read; the stage is checked in the transaction that stores the choice.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rules.engine import RulesEngine
from thidua.app import rounds
from thidua.app.consolidation import (
    award_levels,
    compute_appraisal,
    gather_appraisal_inputs,
)
from thidua.app.ports.rounds import RoundView
from thidua.app.ports.uow import Tx
from thidua.domain import policy
from thidua.domain.appraisal import InitiativeChoice
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor


class InitiativeChoiceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nomination: str = Field(min_length=1, max_length=200, description="Mã hồ sơ đề nghị")
    initiative: str = Field(min_length=1, max_length=100, description="Mã sáng kiến")
    award: str = Field(
        min_length=1, max_length=32, description="Danh hiệu, hình thức sáng kiến làm căn cứ"
    )


def _invalid(field: str, message: str) -> Refusal:
    return Refusal(RefusalCode.INVALID, f"{field}: {message}", field=field)


def _conflict_of(
    appraisal: dict[str, Any], key: str, body: InitiativeChoiceRequest
) -> dict[str, Any]:
    result = next(
        (r for r in appraisal.get("results", []) if r.get("key") == body.nomination), None
    )
    if result is None:
        raise _invalid(
            "nomination", f"hồ sơ «{body.nomination}» không có trong danh sách của đợt xét «{key}»."
        )
    conflicts = result.get("initiative_conflicts") or []
    found = next((c for c in conflicts if c.get("initiative") == body.initiative), None)
    if found is None:
        raise _invalid(
            "initiative",
            f"sáng kiến «{body.initiative}» không là căn cứ của hai danh hiệu, hình thức trở lên "
            f"trong hồ sơ «{body.nomination}»; không có gì để chọn.",
        )
    if body.award not in found["awards"]:
        raise _invalid(
            "award",
            f"sáng kiến «{body.initiative}» chỉ là căn cứ của: {', '.join(found['awards'])}; "
            f"không chọn được «{body.award}».",
        )
    return dict(found)


def choose_initiative(
    tx: Tx, actor: Actor, key: str, body: InitiativeChoiceRequest, engine: RulesEngine
) -> RoundView:
    """Keep the Office's choice and appraise the round again with it (see the module)."""
    policy.check_round_read(actor)
    rnd = rounds.round_of(tx, key)
    policy.check_round_step(actor, "choose_initiative", rnd.stage)
    if rnd.appraisal is None or rnd.closed_at is None:
        raise Refusal(RefusalCode.WRONG_STAGE, f"Đợt xét «{key}» chưa được tổng hợp.")
    _conflict_of(rnd.appraisal, key, body)
    choice = InitiativeChoice(
        nomination=body.nomination, initiative=body.initiative, award=body.award
    )
    inputs = gather_appraisal_inputs(tx, key, rnd.closed_at, again=True)
    inputs.choices = [
        *(
            c
            for c in inputs.choices
            if (c.nomination, c.initiative) != (choice.nomination, choice.initiative)
        ),
        choice,
    ]
    appraisal = compute_appraisal(engine, inputs, previous=rnd.appraisal)
    tx.rounds.store_appraisal(key, appraisal, award_levels(appraisal))
    after = next(r for r in appraisal["results"] if r["key"] == body.nomination)
    tx.rounds.choose_initiative(
        key,
        choice,
        actor,
        outcome={
            "outcome": after["outcome"],
            "titles": after["titles"],
            "proposals": after["proposals"],
        },
    )
    return rounds.get_round(tx, actor, key)
