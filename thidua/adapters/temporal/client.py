"""Temporal clients: one ``connect_client()`` for every process, and search attribute registration."""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, TLSConfig
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from thidua.config import TemporalSettings
from thidua.logging import get_logger
from workflows import search_attributes as sa

log = get_logger(__name__)

_SA_TYPES = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


def sa_type_name(key: SearchAttributeKey[Any]) -> str:
    if key.indexed_value_type is SearchAttributeIndexedValueType.INT:
        return "Int"
    return "Keyword"


async def connect_client(settings: TemporalSettings) -> Client:
    """Connect with the pydantic data converter (every client of this project goes through here)."""
    tls: TLSConfig | bool = False
    if settings.tls:
        tls = TLSConfig(
            client_cert=settings.tls_client_cert.read_bytes() if settings.tls_client_cert else None,
            client_private_key=settings.tls_client_key.read_bytes()
            if settings.tls_client_key
            else None,
            server_root_ca_cert=settings.tls_server_ca.read_bytes()
            if settings.tls_server_ca
            else None,
        )
    return await Client.connect(
        settings.target,
        namespace=settings.namespace,
        data_converter=pydantic_data_converter,
        tls=tls,
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
    )


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register our search attributes if the cluster does not have them yet."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        key.name: _SA_TYPES[sa_type_name(key)]
        for key in sa.ALL
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
        log.info("search attributes registered", names=sorted(missing))
