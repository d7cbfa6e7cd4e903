"""FastAPI application: one ``Services``, authentication, request ids, problem details, the /v1
routers (one per resource, in :mod:`thidua.entrypoints.api.routers`) and the web console."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import Client

from thidua import __version__
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.app.round_commands import Rounds
from thidua.config import Settings
from thidua.domain.refusals import Refusal
from thidua.entrypoints.api.middleware import (
    BodyTooLarge,
    RequestContextMiddleware,
    body_too_large_handler,
)
from thidua.entrypoints.api.openapi_errors import add_problem_responses
from thidua.entrypoints.api.problems import http_handler, refusal_handler, validation_handler
from thidua.entrypoints.api.routers import (
    agency,
    audit,
    bulk,
    decisions,
    events,
    health,
    me,
    movements,
    nominations,
    org,
    rounds,
    rules,
)
from thidua.entrypoints.api.security import Authenticator
from thidua.entrypoints.client_address import parse_networks
from thidua.entrypoints.lifecycle import build_lifecycle
from thidua.entrypoints.passwords import configure_password_hashing
from thidua.entrypoints.ratelimit import FailureThrottle, RateLimiter
from thidua.entrypoints.security_audit import SecurityAudit
from thidua.entrypoints.services import Services
from thidua.entrypoints.web import mount_console

# Route order is match order (and the OpenAPI document's path order): keep it.
ROUTERS = (
    agency.router,
    bulk.router,
    audit.router,
    decisions.router,
    rules.router,
    health.router,
    me.router,
    nominations.router,
    events.router,
    rounds.router,
    org.router,
    movements.router,
)


def create_app(settings: Settings, uow: SqlUnitOfWork, client: Client | None = None) -> FastAPI:
    """Build the app; the Temporal client is connected at startup unless one is given."""
    configure_password_hashing(settings.passwords)
    security_audit = SecurityAudit(uow, settings.api.security_events_per_minute)
    services = Services(
        settings=settings,
        uow=uow,
        authenticator=Authenticator(
            uow,
            failures=FailureThrottle(settings.api.failed_auth_per_minute),
            token_limit=RateLimiter(settings.api.requests_per_minute, 60.0),
            jwt=settings.jwt,
            audit=security_audit,
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from thidua.adapters.temporal.client import connect_client
        from thidua.adapters.temporal.rounds import TemporalRoundWorkflows

        temporal = client or await connect_client(settings.temporal)
        services.client = temporal
        services.lifecycle = build_lifecycle(temporal, uow, settings)
        services.rounds = Rounds(
            uow,
            TemporalRoundWorkflows(temporal, settings.temporal),
            reminder_every=timedelta(days=settings.lifecycle.reminder_every_days),
        )
        yield

    app = FastAPI(
        title="thidua API",
        version=__version__,
        description="Quy trình và bộ tiêu chí thi đua – khen thưởng. Mọi lỗi theo RFC 9457.",
        lifespan=lifespan,
        # No /docs, /redoc: their pages load scripts from a CDN. The document itself is served
        # in development only (``docs/openapi.json`` is the committed copy, ``make openapi``).
        docs_url=None,
        redoc_url=None,
        openapi_url=None if settings.production else "/openapi.json",
    )
    app.state.services = services
    app.state.security_audit = security_audit
    app.state.trusted_proxies = parse_networks(settings.api.trusted_proxies)
    add_problem_responses(app)
    app.add_exception_handler(Refusal, refusal_handler)
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_handler)
    app.add_middleware(
        RequestContextMiddleware,
        uow=uow,
        max_body_bytes=settings.api.max_body_bytes,
        max_batch_body_bytes=settings.api.max_batch_body_bytes,
        limits=settings.api,
        authenticator=services.authenticator,
    )
    app.add_exception_handler(BodyTooLarge, body_too_large_handler)
    for router in ROUTERS:
        app.include_router(router)
    mount_console(app)  # the web console under /console (not in the OpenAPI)
    return app
