"""The FastAPI dependencies of the /v1 routes, each taken from the app's one ``Services``.

``create_app`` builds one :class:`~thidua.entrypoints.services.Services` per app (the unit of
work, the one rules engine, the authenticator, and — once the app has started — the Temporal-
backed commands); routers declare what they need with the ``...Dep`` annotations below and never
build anything themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from temporalio.client import Client

from rules.engine import RulesEngine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.decisions import VersionResolver
from thidua.app.lifecycle import Lifecycle
from thidua.app.ports.nominations import NominationWorkflows
from thidua.app.round_commands import Rounds
from thidua.app.webhooks import DestinationGuard, WebhookSubscriptions
from thidua.domain.roles import Actor
from thidua.entrypoints.api.idempotency import ACTOR_STATE, update_id_for
from thidua.entrypoints.api.security import bearer_scheme
from thidua.entrypoints.services import services_of


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Actor:
    """The caller, authenticated by the app's one ``Authenticator`` (401/429 otherwise).

    An API write was authenticated by the middleware before its body was read: that actor."""
    done = request.scope.get("state", {}).get(ACTOR_STATE)
    if isinstance(done, Actor):
        return done
    authenticate = services_of(request).authenticator
    if authenticate is None:
        raise RuntimeError("no API authenticator: build the app with create_app")
    return await authenticate(request, credentials)


async def unit_of_work(request: Request) -> SqlUnitOfWork:
    return services_of(request).uow


async def lifecycle(request: Request) -> Lifecycle:
    lc, _ = services_of(request).commands()
    return lc


async def rounds(request: Request) -> Rounds:
    _, svc = services_of(request).commands()
    return svc


async def temporal_client(request: Request) -> Client:
    client = services_of(request).client
    if client is None:
        raise RuntimeError("the app has not started: no Temporal client yet")
    return client


async def rules_engine(request: Request) -> RulesEngine:
    """The process's one rules engine, over the database's governed versions (built on first
    use without I/O: versions are read when an evaluation chooses one)."""
    return services_of(request).engine


def version_resolver(request: Request) -> VersionResolver:
    # One per request: a draft version's content may be replaced between requests. Sync: the
    # shipped files are read off the event loop the first time.
    return VersionResolver(registry=services_of(request).shipped_rules)


async def nomination_workflows(request: Request) -> NominationWorkflows:
    """The nominations' workflows, over the app's Temporal client (once the app has started)."""
    # Imported here, not at the top: while workflows and activities still import each other,
    # a top-level import of the workflow gateway reorders mypy's import cycle and it can no
    # longer type activities/consolidation.py.
    from thidua.adapters.temporal.nominations import TemporalNominationWorkflows

    services = services_of(request)
    return TemporalNominationWorkflows(await temporal_client(request), services.settings.temporal)


async def update_id(request: Request) -> str | None:
    """The workflow update id of a POST carrying an ``Idempotency-Key`` (else none)."""
    return update_id_for(request)


ActorDep = Annotated[Actor, Depends(current_actor)]
UowDep = Annotated[SqlUnitOfWork, Depends(unit_of_work)]
LifecycleDep = Annotated[Lifecycle, Depends(lifecycle)]
RoundsDep = Annotated[Rounds, Depends(rounds)]
EngineDep = Annotated[RulesEngine, Depends(rules_engine)]
ResolverDep = Annotated[VersionResolver, Depends(version_resolver)]
UpdateIdDep = Annotated[str | None, Depends(update_id)]
NominationWorkflowsDep = Annotated[NominationWorkflows, Depends(nomination_workflows)]


def webhook_subscriptions(request: Request) -> WebhookSubscriptions:
    """Subscribing to webhooks: the deployment's address policy and cap, the system resolver."""
    from thidua.adapters.webhooks import SystemResolver

    services = services_of(request)
    hooks = services.settings.webhooks
    guard = DestinationGuard(hooks.policy(), SystemResolver())
    return WebhookSubscriptions(services.uow, guard, hooks.rules())


WebhookSubscriptionsDep = Annotated[WebhookSubscriptions, Depends(webhook_subscriptions)]
