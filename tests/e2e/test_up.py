"""`thidua up` as a user runs it: real processes, kill -9 of the worker, stop and start again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from thidua.app.sample_data import STAFF

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """One `thidua up` process tree in a private directory with private ports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.api_port = free_port()
        self.env = {
            **os.environ,
            "THIDUA_VAR_DIR": str(root / "var"),
            "THIDUA_DATABASE__URL": f"sqlite:///{root / 'var' / 'thidua.db'}",
            "THIDUA_TEMPORAL__EMBEDDED_DB": str(root / "var" / "temporal.db"),
            "THIDUA_TEMPORAL__EMBEDDED_PORT": str(free_port()),
            "THIDUA_TEMPORAL__EMBEDDED_UI_PORT": str(free_port()),
            "THIDUA_API__PORT": str(self.api_port),
            "THIDUA_LOG_FORMAT": "json",
        }
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    def start(self) -> str:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "thidua.entrypoints.cli", "up"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 90
        banner = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"thidua up exited early: {self.proc.poll()}")
            banner.append(line)
            if "Ctrl-C" in line:
                return "".join(banner)
        raise AssertionError("thidua up did not become ready")

    def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)

    def token(self, username: str) -> str:
        accounts = json.loads((self.root / "var" / "sample-accounts.json").read_text())
        return next(a["token"] for a in accounts if a["username"] == username)

    def call(self, user: str, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(
            method,
            f"http://127.0.0.1:{self.api_port}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token(user)}"},
            timeout=60,
        )

    def pid(self, name: str) -> int:
        return int((self.root / "var" / "run" / f"{name}.pid").read_text())


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Service]:
    svc = Service(tmp_path)
    yield svc
    if svc.proc is not None and svc.proc.poll() is None:
        svc.proc.kill()
        svc.proc.wait()


def wait_for(predicate: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


class TestUp:
    def test_up_survives_worker_kill_and_restart_with_nothing_lost(self, service: Service) -> None:
        """Banner, kill -9 of the worker mid-review, Ctrl-C and restart: the nomination finishes."""
        banner = service.start()
        assert f"http://127.0.0.1:{service.api_port}/docs" in banner
        assert "Temporal UI" in banner and "giamdoc" in banner
        nominee = next(s.code for s in STAFF if s.unit_code == "NCC" and "Trưởng" not in s.position)
        r = service.call(
            "canbo.ncc",
            "POST",
            "/v1/nominations",
            {
                "movement": "NTM-2024",
                "unit": "NCC",
                "facts": {"kind": "individual", "id": nominee, "year": 2024, "rating": "HTTNV"},
            },
        )
        assert r.status_code == 201, r.text
        nid = r.json()["id"]

        old_worker = service.pid("worker")
        os.kill(old_worker, signal.SIGKILL)
        # The review waits for a worker; the supervisor starts a new one.
        r = service.call(
            "truongphong.ncc", "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["stage"] == "office_review"
        assert service.pid("worker") != old_worker

        assert service.stop() == 0
        service.start()
        r = service.call("vanphong", "GET", f"/v1/nominations/{nid}")
        assert r.json()["stage"] == "office_review"
        for user in ("vanphong", "giamdoc"):
            r = service.call(user, "POST", f"/v1/nominations/{nid}/review", {"decision": "approve"})
            assert r.status_code == 200, r.text
        detail = service.call("kiemtoan", "GET", f"/v1/nominations/{nid}").json()
        assert detail["stage"] == "approved"
        seqs = [s["seq"] for s in detail["steps"]]
        assert seqs == list(range(1, len(seqs) + 1))
        assert [s["action"] for s in detail["steps"]].count("approve") == 3
        assert service.stop() == 0
