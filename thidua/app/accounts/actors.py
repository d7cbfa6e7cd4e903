"""Checking an actor named in a workflow update against the accounts we keep.

Temporal's frontend has no authentication of its own: whoever reaches it can send an update
naming any actor. The workflows therefore re-check, in an activity, that the actor is an active
account of ours whose recorded role is the one claimed and whose units include every unit
claimed (issue 16 #14)."""

from __future__ import annotations

from thidua.app.ports.rounds import RoundRecord
from thidua.app.ports.uow import Tx
from thidua.domain.labels import ROLE_LABEL_VI
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import ACTOR_NOT_RECORDED, OFFICE_ROBOT, Actor, Role


def _refuse(actor: Actor, problem: str) -> Refusal:
    return Refusal(
        RefusalCode.FORBIDDEN,
        f"actor: «{actor.username}» {problem}; bước này không được thực hiện.",
        field="actor",
        problem=ACTOR_NOT_RECORDED,
    )


def _in_an_appraised_round(tx: Tx, nomination: str) -> bool:
    """Whether a round of the nomination's movement and year has appraised it (the robot
    returns, holds, approves or rejects only such nominations, for their round)."""
    ref = tx.nominations.ref(nomination)
    if ref is None:
        return False

    def appraised(record: RoundRecord | None) -> bool:
        if record is None or record.movement != ref.movement or record.year != ref.year:
            return False
        results = (record.appraisal or {}).get("results", [])
        return any(r.get("key") == nomination for r in results)

    # The round acting is nearly always the movement's latest of the year: read it first.
    latest = tx.rounds.latest(ref.movement, ref.year)
    return appraised(latest) or any(
        appraised(r) for r in tx.rounds.list_rounds() if latest is None or r.key != latest.key
    )


def verify_actor(
    tx: Tx, actor: Actor, *, system_allowed: bool = False, nomination: str | None = None
) -> None:
    """Refuse (``forbidden``, field ``actor``) unless ``actor`` is what our accounts record.

    ``system_allowed``: the Office robot (``OFFICE_ROBOT``, no account) is accepted for a step
    on ``nomination`` when a round has appraised that nomination."""
    if actor == OFFICE_ROBOT and tx.accounts.account(actor.username) is None:
        if system_allowed and nomination is not None and _in_an_appraised_round(tx, nomination):
            return
        raise _refuse(
            actor, "không phải tài khoản của hệ thống (chỉ thay Văn phòng Sở trong đợt xét)"
        )
    account = tx.accounts.account(actor.username)
    if account is None:
        raise _refuse(actor, "không phải tài khoản của hệ thống")
    if not account.active:
        raise _refuse(actor, "là tài khoản đã bị khoá")
    recorded = account.actor()
    if recorded.role is not actor.role:
        raise _refuse(
            actor,
            f"có vai trò {ROLE_LABEL_VI[recorded.role]}, "
            f"không phải {ROLE_LABEL_VI.get(Role(actor.role), actor.role)}",
        )
    extra = sorted(set(actor.units) - set(recorded.units))
    if extra:
        raise _refuse(actor, f"không được giao đơn vị {', '.join(extra)}")
