"""The Temporal worker: NominationWorkflow and its activities on the ``thidua`` task queue, and
beside it the webhook deliveries' worker on ``thidua-webhooks`` (their own slots)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.plugin import SimplePlugin
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.actors import ActorActivities
from activities.consolidation import ConsolidationActivities
from activities.nomination import NominationActivities
from activities.webhooks import WebhookActivities
from thidua.adapters.db.session import make_engine
from thidua.adapters.db.uow import SqlUnitOfWork
from thidua.adapters.documents import FileDocumentRenderer
from thidua.adapters.temporal.dispatcher_notifier import DispatcherNotifier
from thidua.adapters.temporal.log_context import activity_context
from thidua.adapters.temporal.nominations import TemporalNominationWorkflows
from thidua.adapters.webhooks import HttpxWebhookSender, SystemResolver
from thidua.app.consolidation import Consolidation, IssueDocuments
from thidua.app.documents import issue_round_documents
from thidua.app.ports.uow import Tx
from thidua.app.recording import NominationRecording
from thidua.app.webhooks import DestinationGuard, WebhookDeliveries
from thidua.config import Settings, get_settings
from thidua.domain.webhook_destinations import delivery_task_queue
from thidua.entrypoints.private_files import make_private
from thidua.logging import configure_logging, get_logger
from workflows.consolidation import ConsolidationWorkflow
from workflows.nomination import NominationWorkflow
from workflows.webhooks import DISPATCHER_ID, WebhookDeliveryWorkflow, WebhookDispatchWorkflow

WORKFLOWS: Sequence[type] = (
    NominationWorkflow,
    ConsolidationWorkflow,
    WebhookDispatchWorkflow,
    WebhookDeliveryWorkflow,
)

log = get_logger(__name__)

# Deterministic (or only used through activities) modules the workflow sandbox need not re-import
# for every workflow run: our domain and policy, the activity classes, pydantic, SQLAlchemy.
PASSTHROUGH = (
    "thidua",
    "activities",
    "rules",
    "pydantic",
    "pydantic_core",
    "sqlalchemy",
    "structlog",
)


def build_worker(
    client: Client,
    settings: Settings,
    uow: SqlUnitOfWork,
    executor: concurrent.futures.Executor,
    rules_engine: Any | None = None,
) -> Worker:
    """Build (not start) the worker with its activities and their dependencies.

    While it runs, the worker signals the webhook dispatcher (of ``settings``' id prefix) when
    its activities commit new steps, so webhooks go out at once instead of at the safety poll.
    """
    # The sandbox re-imports the workflow modules for every workflow run. Without a bytecode
    # cache (PYTHONDONTWRITEBYTECODE=1, as on our CI machines) each import compiles them from
    # source: about 5% of the worker's CPU in the lifecycle bench. Let the worker write the cache.
    sys.dont_write_bytecode = False
    engine = rules_engine
    if engine is None:  # the governed versions in the database (seeded by migration 0006)
        from thidua.adapters.db.rules_versions import db_engine

        engine = db_engine(uow)
    notifier = DispatcherNotifier(client, dispatcher_id(settings))
    acts = NominationActivities(NominationRecording(uow, engine), on_step_recorded=notifier.notify)
    rounds = ConsolidationActivities(
        Consolidation(
            uow,
            engine,
            TemporalNominationWorkflows(client, settings.temporal),
            issue_documents=round_documents_issuer(settings.var_dir / "documents", engine),
        )
    )
    actors = ActorActivities(uow)
    guard = DestinationGuard(settings.webhooks.policy(), SystemResolver())
    hooks = WebhookActivities(WebhookDeliveries(uow, HttpxWebhookSender(), guard))
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )
    # Deliveries on their own queue and worker (own workflow and activity slots): a flood of
    # them cannot starve the nominations' activities. It runs exactly as long as this worker.
    deliveries = Worker(
        client,
        task_queue=delivery_task_queue(settings.temporal.task_queue),
        workflows=[WebhookDeliveryWorkflow],
        activities=[hooks.deliver_webhook, hooks.give_up_webhook],
        max_concurrent_activities=settings.webhooks.max_concurrent_deliveries,
        workflow_runner=runner,
        sticky_queue_schedule_to_start_timeout=timedelta(
            seconds=settings.temporal.sticky_timeout_seconds
        ),
    )

    @asynccontextmanager
    async def deliveries_running() -> AsyncIterator[None]:
        async with deliveries:
            yield

    return Worker(
        client,
        task_queue=settings.temporal.task_queue,
        workflows=list(WORKFLOWS),
        activities=[
            acts.record_step,
            acts.evaluate_criteria,
            acts.record_stage_alert,
            actors.check_actor,
            rounds.record_round_step,
            rounds.appraise_round,
            rounds.record_council,
            rounds.finalize_round,
            hooks.plan_webhook_deliveries,
            # Deliveries started on this queue before they had their own (they drain here).
            hooks.deliver_webhook,
            hooks.give_up_webhook,
        ],
        activity_executor=executor,
        max_concurrent_activities=getattr(executor, "_max_workers", 16),
        workflow_runner=runner,
        sticky_queue_schedule_to_start_timeout=timedelta(
            seconds=settings.temporal.sticky_timeout_seconds
        ),
        # The notifier runs exactly as long as the worker: started with it, stopped after it.
        plugins=[
            SimplePlugin("thidua.webhook-dispatcher-notifier", run_context=notifier.running),
            SimplePlugin("thidua.webhook-deliveries-worker", run_context=deliveries_running),
        ],
    )


def round_documents_issuer(documents_dir: Path, engine: Any) -> IssueDocuments:
    """How the Director's decision issues the round's documents (in its transaction)."""
    renderer = FileDocumentRenderer(documents_dir)

    def issue(tx: Tx, round_key: str, issued_on: date) -> None:
        issue_round_documents(
            tx, round_key, registry=engine.registry, renderer=renderer, issued_on=issued_on
        )

    return issue


def dispatcher_id(settings: Settings) -> str:
    """The webhook dispatcher's workflow id (one per id prefix, i.e. per deployment)."""
    return settings.temporal.workflow_id_prefix + DISPATCHER_ID


async def start_webhook_dispatcher(client: Client, settings: Settings) -> None:
    """Start the (singleton) webhook dispatcher unless it is already running."""
    await client.start_workflow(
        WebhookDispatchWorkflow.run,
        id=dispatcher_id(settings),
        task_queue=settings.temporal.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run the worker until ``stop`` is set (or forever), then shut it down cleanly."""
    from thidua.adapters.temporal.client import connect_client, ensure_search_attributes
    from thidua.entrypoints.runtime import freeze_startup_heap

    client = await connect_client(settings.temporal)
    await ensure_search_attributes(client, settings.temporal.namespace)
    uow = SqlUnitOfWork(make_engine(settings.database.url))
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as executor:
        worker = build_worker(client, settings, uow, executor)
        log.info("worker started", task_queue=settings.temporal.task_queue)
        await start_webhook_dispatcher(client, settings)
        freeze_startup_heap()
        async with worker:
            await (stop.wait() if stop else asyncio.Event().wait())
        log.info("worker stopped")


def main() -> None:
    """Run until SIGINT/SIGTERM, then finish in-flight tasks and shut down cleanly."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, context=[activity_context])
    make_private(settings)  # var/ 0700, files created under umask 077

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    asyncio.run(_main())


if __name__ == "__main__":
    main()
