"""Checking an actor named in a workflow update against the accounts we keep.

Temporal's frontend has no authentication of its own: whoever reaches it can send an update
naming any actor. The workflows therefore re-check, in an activity, that the actor is an active
account of ours whose recorded role is the one claimed and whose units include every unit
claimed (issue 16 #14)."""

from __future__ import annotations

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


def verify_actor(tx: Tx, actor: Actor, *, system_allowed: bool = False) -> None:
    """Refuse (``forbidden``, field ``actor``) unless ``actor`` is what our accounts record.

    ``system_allowed``: the Office robot (``OFFICE_ROBOT``, no account) is accepted as is."""
    if system_allowed and actor == OFFICE_ROBOT:
        return
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
