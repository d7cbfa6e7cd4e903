"""Checking an update's actor against our accounts, from inside a workflow (issue 16 #14).

Temporal's frontend has no authentication: the actor named in an update is only a claim. Before
an update changes anything, the workflows run the ``check_actor`` local activity, which refuses
an unknown or deactivated account, or one claiming a role or unit it does not have.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.actors import ActorActivities
    from thidua.domain.roles import Actor, CheckActorInput

TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=10)
)


async def check_actor(
    actor: Actor, *, system_allowed: bool = False, nomination_id: str | None = None
) -> None:
    """The ``check_actor`` local activity; its refusal fails the update (not the workflow)."""
    try:
        await workflow.execute_local_activity_method(
            ActorActivities.check_actor,
            CheckActorInput(
                actor=actor, system_allowed=system_allowed, nomination_id=nomination_id
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
    except ActivityError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError):
            raise ApplicationError(
                cause.message, *cause.details, type=cause.type, non_retryable=True
            ) from None
        raise
