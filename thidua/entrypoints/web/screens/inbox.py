"""My work: the nominations waiting for the signed-in role, the round steps it may take, the
rules versions waiting for a rules administrator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from thidua.adapters.db.uow import SqlTx
from thidua.app import nominations, rounds
from thidua.app import rules_versions as rv
from thidua.domain import policy
from thidua.domain.nominations import Stage
from thidua.domain.roles import Actor, Role
from thidua.domain.rounds import RoundStage
from thidua.entrypoints.services import services_of
from thidua.entrypoints.web.kit import PREFIX, render, require, title_names

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _waiting_stages(actor: Actor) -> list[Stage]:
    stages = [s for s, role in policy.REVIEWER_OF.items() if role is actor.role]
    if actor.role is Role.UNIT_OFFICER:
        stages.append(Stage.RETURNED)
    if actor.role in (Role.OFFICE, Role.DIRECTOR):
        stages.append(Stage.ON_HOLD)
    return stages


@router.get("/inbox")
async def inbox(request: Request) -> Response:
    sess = await require(request)
    actor = sess.actor
    services = services_of(request)

    def _load(s: Session) -> dict[str, Any]:
        waiting: list[nominations.NominationView] = []
        for stage in _waiting_stages(actor):
            waiting.extend(nominations.list_nominations(s, actor, stage=stage.value, limit=500))
        waiting.sort(key=lambda v: (v.deadline is None, v.deadline or v.updated_at))
        my_rounds = []
        if actor.role in rounds.READERS:
            for r in rounds.list_rounds(s, actor):
                steps = [
                    step
                    for step, (role, stages) in policy.ROUND_STEPS.items()
                    if role is actor.role and RoundStage(r["stage"]) in stages
                ]
                if steps:
                    my_rounds.append({**r, "steps": steps})
        versions = []
        if actor.role is Role.RULES_ADMIN:
            for v in rv.list_versions(SqlTx(s), actor):  # transitional: NOMINATIONS helper
                if v.status == rv.DRAFT and v.author != actor.username:
                    versions.append((v, "cần anh/chị duyệt (quản trị thứ hai)"))
                elif v.status == rv.APPROVED:
                    versions.append((v, "đã duyệt, chờ công bố"))
                elif v.status == rv.DRAFT:
                    versions.append((v, "bản nháp của anh/chị, chờ quản trị khác duyệt"))
        open_round = any(
            r["stage"] in (RoundStage.OPEN.value, RoundStage.OFFICE.value)
            for r in (rounds.list_rounds(s, actor) if actor.role is Role.OFFICE else [])
        )
        needs_round = (
            actor.role is Role.OFFICE
            and not open_round
            and any(v.stage == Stage.OFFICE_REVIEW.value for v in waiting)
        )
        refs = [(v.ruleset.id, v.ruleset.version) for v in waiting if v.ruleset]
        return {
            "waiting": waiting,
            "rounds": my_rounds,
            "versions": versions,
            "needs_round": needs_round,
            "title_names": title_names(services.engine, refs),
        }

    data = await services.uow.run_session(_load)
    return render(request, "inbox.html", sess, **data)
