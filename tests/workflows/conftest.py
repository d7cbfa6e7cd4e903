"""Fixtures for workflow tests: a private Temporal namespace per test and a harness factory."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SeededDb
from tests.workflows.scenarios import Harness, harness
from workflows import search_attributes as sa_keys


@pytest.fixture
async def ns_client(temporal_env: WorkflowEnvironment) -> Client:
    """A client on a fresh namespace of the session's server: workflow ids never collide."""
    namespace = f"wf-{uuid.uuid4().hex[:12]}"
    await temporal_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    client = await Client.connect(
        temporal_env.client.service_client.config.target_host,
        namespace=namespace,
        data_converter=pydantic_data_converter,
    )
    # Registered here rather than with thidua.adapters.temporal.ensure_search_attributes, which (at the
    # time of writing) registers NominationYear as Keyword instead of Int.
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={key.name: key.indexed_value_type for key in sa_keys.ALL},
        )
    )
    return client


HarnessFactory = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def make_harness(ns_client: Client, task_queue: str, rules_engine: Any) -> HarnessFactory:
    """``async with make_harness(db, **lifecycle_days) as h:`` runs a worker over ``db``."""

    def factory(db: SeededDb, **lifecycle_days: float) -> AbstractAsyncContextManager[Harness]:
        return harness(ns_client, db, task_queue, rules_engine, **lifecycle_days)

    return factory


@pytest.fixture
async def h(make_harness: HarnessFactory, seeded_sqlite: SeededDb) -> AsyncIterator[Harness]:
    """A harness over a seeded SQLite database with the default (long) deadlines."""
    async with make_harness(seeded_sqlite) as running:
        yield running
