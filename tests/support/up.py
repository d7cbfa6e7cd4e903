"""``thidua up`` as a user runs it: one process tree in a private directory with private ports.

Shared by the end-to-end and browser tests, the console screenshots and ``bench.api``. The
supervisor's output (the worker and the API inherit it) is drained by a thread: an undrained
pipe would block them under load.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.settings import LOOPBACK_WEBHOOKS_ENV
from tests.support.stack import free_port


def up_env(var: Path, api_port: int) -> dict[str, str]:
    """The settings of a private ``thidua up`` (or ``make run``) keeping its data in ``var``."""
    return {
        "THIDUA_VAR_DIR": str(var),
        "THIDUA_DATABASE__URL": f"sqlite:///{var / 'thidua.db'}",
        "THIDUA_TEMPORAL__EMBEDDED_DB": str(var / "temporal.db"),
        "THIDUA_TEMPORAL__EMBEDDED_PORT": str(free_port()),
        "THIDUA_TEMPORAL__EMBEDDED_UI_PORT": str(free_port()),
        "THIDUA_API__PORT": str(api_port),
        "THIDUA_LOG_FORMAT": "json",
        **LOOPBACK_WEBHOOKS_ENV,
    }


class Service:
    """One ``thidua up`` process tree in a private directory with private ports."""

    MAX_LINES = 2000  # of output kept for error messages

    def __init__(self, root: Path, **settings: str) -> None:
        self.root = root
        self.var = root / "var"
        self.api_port = free_port()
        self.env = {**os.environ, **up_env(self.var, self.api_port), **settings}
        self.db_url = self.env["THIDUA_DATABASE__URL"]
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._banner: list[str] = []
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _drain(self, proc: subprocess.Popen[str], ready: threading.Event) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if len(self.lines) < self.MAX_LINES:
                self.lines.append(line)
            if not ready.is_set():
                self._banner.append(line)
                if "Ctrl-C" in line:
                    ready.set()

    def start(self, timeout: float = 90) -> str:
        """Start ``thidua up`` and wait for its banner (the line naming Ctrl-C); return it."""
        self.lines, self._banner, self._ready = [], [], threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "thidua.entrypoints.cli", "up"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, args=(self.proc, self._ready), daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready.wait(0.2):
                return "".join(self._banner)
            if self.proc.poll() is not None:
                tail = "".join(self.lines[-20:])
                raise RuntimeError(f"thidua up exited early ({self.proc.returncode}):\n{tail}")
        self.stop()
        raise RuntimeError(f"thidua up did not become ready in {timeout:.0f} s")

    def stop(self, timeout: float = 60) -> int | None:
        """Ctrl-C (SIGINT) and wait for the exit code; SIGKILL (-9) if it does not exit."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def close(self) -> None:
        """Stop it if it is still running (fixture teardown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()

    def tokens(self) -> dict[str, str]:
        """Bearer token of each sample account, by username."""
        accounts = json.loads((self.var / "sample-accounts.json").read_text())
        return {a["username"]: a["token"] for a in accounts}

    def token(self, username: str) -> str:
        return self.tokens()[username]

    def call(self, user: str, method: str, path: str, body: Any = None) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.base_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token(user)}"},
            timeout=60,
        )

    def pid(self, name: str) -> int:
        return int((self.var / "run" / f"{name}.pid").read_text())
