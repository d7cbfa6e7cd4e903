"""Recorded webhook workflow histories replay deterministically against the current code.

The fixtures ``histories/webhooks/<path>.json`` are written by
``python -m tests.workflows.record_webhook_histories`` (``make histories``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.webhooks import (
    DELIVERIES_OWN_QUEUE,
    DISPATCHER_ID,
    WebhookDeliveryWorkflow,
    WebhookDispatchWorkflow,
)

HISTORIES = Path(__file__).resolve().parent / "histories" / "webhooks"
DELIVERY_PATHS = ("delivered", "retried", "given_up")
DISPATCHER_PATHS = ("dispatcher", "dispatcher_woken", "dispatcher_own_queue")


def load(name: str) -> WorkflowHistory:
    """The history under its recorded workflow id (the dispatcher derives child ids from it)."""
    text = (HISTORIES / f"{name}.json").read_text(encoding="utf-8")
    # record_paths runs each path on queue ``record-webhooks/<path>`` with that id prefix.
    return WorkflowHistory.from_json(f"record-webhooks/{name}-{DISPATCHER_ID}", text)


def child_queues(history: WorkflowHistory) -> set[str]:
    """The task queues the dispatcher started delivery workflows on."""
    return {
        e.start_child_workflow_execution_initiated_event_attributes.task_queue.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
    }


def activities(history: WorkflowHistory) -> list[str]:
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


class TestRecordedWebhookHistories:
    def test_every_webhook_path_has_a_recorded_history(self) -> None:
        """One history per delivery path and one of the dispatcher are committed."""
        recorded = {p.stem for p in HISTORIES.glob("*.json")}
        assert recorded == set(DELIVERY_PATHS + DISPATCHER_PATHS)

    def test_histories_are_the_paths_they_are_named_after(self) -> None:
        """Delivered once, delivered after retries, given up; the dispatcher started deliveries."""
        assert activities(load("delivered")) == ["deliver_webhook"]
        retried = load("retried")
        assert activities(retried) == ["deliver_webhook"]
        started = [
            e.activity_task_started_event_attributes.attempt
            for e in retried.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
        ]
        assert started == [3]
        assert activities(load("given_up")) == ["deliver_webhook", "give_up_webhook"]
        dispatcher = load("dispatcher")
        assert "plan_webhook_deliveries" in activities(dispatcher)
        assert any(
            e.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED
            for e in dispatcher.events
        )

    def test_deliveries_moved_to_their_own_queue_behind_the_patch(self) -> None:
        """Before ``webhook-deliveries-own-queue`` deliveries ran on the dispatcher's queue; since,
        on ``<queue>-webhooks`` (both kinds of history replay, below)."""
        before = load("dispatcher_woken")
        assert child_queues(before) == {"record-webhooks/dispatcher_woken"}
        since = load("dispatcher_own_queue")
        assert child_queues(since) == {"record-webhooks/dispatcher_own_queue-webhooks"}
        markers = [
            e.marker_recorded_event_attributes.details["patch-data"].payloads[0].data
            for e in since.events
            if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        ]
        assert any(DELIVERIES_OWN_QUEUE.encode() in m for m in markers)

    @pytest.mark.parametrize("name", DELIVERY_PATHS)
    async def test_delivery_history_replays_without_nondeterminism(self, name: str) -> None:
        """Replaying a recorded delivery with the current WebhookDeliveryWorkflow raises nothing."""
        replayer = Replayer(
            workflows=[WebhookDeliveryWorkflow], data_converter=pydantic_data_converter
        )
        result = await replayer.replay_workflow(load(name))
        assert result.replay_failure is None

    @pytest.mark.parametrize("name", DISPATCHER_PATHS)
    async def test_dispatcher_history_replays_without_nondeterminism(self, name: str) -> None:
        """Replaying the recorded dispatcher with the current WebhookDispatchWorkflow raises nothing."""
        replayer = Replayer(
            workflows=[WebhookDispatchWorkflow, WebhookDeliveryWorkflow],
            data_converter=pydantic_data_converter,
        )
        result = await replayer.replay_workflow(load(name))
        assert result.replay_failure is None
