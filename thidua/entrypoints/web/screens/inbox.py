"""My work: the nominations waiting for the signed-in role, the round steps it may take, the
rules versions waiting for a rules administrator."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from thidua.app import nominations, rounds
from thidua.app import rules_versions as rv
from thidua.app.ports.nominations import NominationFilter, NominationView
from thidua.app.ports.uow import Tx
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


def _waiting(tx: Tx, actor: Actor) -> list[NominationView]:
    """The nominations waiting for ``actor``'s role, the most urgent first."""
    waiting: list[NominationView] = []
    for stage in _waiting_stages(actor):
        filters = NominationFilter(stage=stage.value)
        waiting.extend(nominations.list_nominations(tx, actor, filters, limit=500))
    waiting.sort(key=lambda v: (v.deadline is None, v.deadline or v.updated_at))
    return waiting


@router.get("/inbox")
async def inbox(request: Request) -> Response:
    sess = await require(request)
    actor = sess.actor
    services = services_of(request)

    def _load(tx: Tx) -> dict[str, Any]:
        waiting = _waiting(tx, actor)
        my_rounds = []
        listed = rounds.list_rounds(tx, actor) if actor.role in policy.ROUND_READERS else []
        for r in listed:
            steps = [
                step
                for step in policy.ROUND_STEPS
                if policy.may_take_round_step(actor, step, RoundStage(r.stage))
            ]
            if steps:
                my_rounds.append({**r.model_dump(), "steps": steps})
        versions = []
        if actor.role is Role.RULES_ADMIN:
            for v in rv.list_versions(tx, actor):
                if v.status == rv.DRAFT and v.author != actor.username:
                    versions.append((v, "cần anh/chị duyệt (quản trị thứ hai)"))
                elif v.status == rv.APPROVED:
                    versions.append((v, "đã duyệt, chờ công bố"))
                elif v.status == rv.DRAFT:
                    versions.append((v, "bản nháp của anh/chị, chờ quản trị khác duyệt"))
        open_round = actor.role is Role.OFFICE and any(
            r.stage in (RoundStage.OPEN.value, RoundStage.OFFICE.value) for r in listed
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

    data = await services.uow.run(_load)
    return render(request, "inbox.html", sess, **data)
