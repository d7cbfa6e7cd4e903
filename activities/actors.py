"""The activity that checks an update's actor against our accounts (``verify_actor``).

Run as a local activity by the workflows before an update changes anything: a forged actor
(unknown, deactivated, or claiming a role or unit it does not have) fails it for good with a
non-retryable ``forbidden`` error naming the actor (details: the problem name
``actor_not_recorded`` and the field ``actor``); a database outage is retried.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from thidua.app.accounts.actors import verify_actor
from thidua.app.ports.uow import UnitOfWork
from thidua.domain.refusals import Refusal
from thidua.domain.roles import CheckActorInput
from thidua.logging import get_logger

log = get_logger(__name__)


class ActorActivities:
    """Built once per worker over the unit of work."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    @activity.defn
    def check_actor(self, data: CheckActorInput) -> bool:
        try:
            with self._uow() as tx:
                verify_actor(
                    tx,
                    data.actor,
                    system_allowed=data.system_allowed,
                    nomination=data.nomination_id,
                )
        except Refusal as refusal:
            log.warning(
                "update refused: actor not as recorded",
                actor=data.actor.username,
                role=data.actor.role.value,
                units=list(data.actor.units),
                reason=refusal.message,
            )
            raise ApplicationError(
                refusal.message,
                refusal.problem,
                refusal.field,
                type=refusal.code.value,
                non_retryable=True,
            ) from None
        return True
