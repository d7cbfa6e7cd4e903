"""Real processes on loopback: the embedded Temporal server, ``thidua worker`` and ``thidua api``.

``Proc`` is one child process in its own process group, so that ``kill()`` is a real SIGKILL of
exactly that process, its output appended to a log file. ``Stack`` runs the embedded Temporal
server (``temporal server start-dev`` on a SQLite file, the same command as ``make run``), a
worker and the API as separate processes of one test, for the crash and load suites.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

from tests.support.settings import LOOPBACK_WEBHOOKS, LOOPBACK_WEBHOOKS_ENV
from thidua.adapters.temporal.server import embedded_server_args, port_open
from thidua.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# How long a restarted worker may take to finish an interrupted step: the workflow task times
# out after 10 s and an interrupted activity must be noticed and retried.
RECOVERY_SECONDS = 40


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**thidua: str) -> dict[str, str]:
    """This process's environment without its ``THIDUA_*`` settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env.update({"PYTHONUNBUFFERED": "1", **thidua})
    return env


def cli_args(command: str) -> list[str]:
    """``python -m thidua.entrypoints.cli <command>`` with this interpreter."""
    return [sys.executable, "-m", "thidua.entrypoints.cli", command]


class Proc:
    """One child process in its own process group, output appended to a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.started = 0
        self.kills = 0

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self.started += 1
        self._log = self.log_path.open("ab")
        self._log.write(f"\n===== {self.name} start #{self.started} =====\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            self.args,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self) -> None:
        assert self.alive, self.tail()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL of the process group: no shutdown, whatever was in flight is gone."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.kills += 1
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close_log()

    def stop(self) -> None:
        """SIGINT, then SIGKILL if it does not exit (cleanup only)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return f"({self.name}: no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return f"--- {self.name} log ---\n" + "\n".join(text.splitlines()[-lines:])


class Stack:
    """The embedded Temporal server, a worker and (optionally) the API, as separate processes."""

    def __init__(self, root: Path, db_url: str) -> None:
        self.root = root
        self.db_url = db_url
        self.temporal_port = free_port()
        self.api_port = free_port()
        var = root / "var"
        var.mkdir(parents=True, exist_ok=True)
        self.env = child_env(
            THIDUA_VAR_DIR=str(var),
            THIDUA_DATABASE__URL=db_url,
            THIDUA_TEMPORAL__ADDRESS=f"127.0.0.1:{self.temporal_port}",
            THIDUA_API__PORT=str(self.api_port),
            THIDUA_LOG_FORMAT="console",
            THIDUA_LOG_LEVEL="WARNING",
            **LOOPBACK_WEBHOOKS_ENV,
        )
        self.settings = Settings(
            var_dir=var,
            database={"url": db_url},
            temporal={
                "address": f"127.0.0.1:{self.temporal_port}",
                "embedded_port": self.temporal_port,
                "embedded_ui_port": free_port(),
                "embedded_db": var / "temporal.db",
            },
            api={"port": self.api_port},
            webhooks=LOOPBACK_WEBHOOKS.model_copy(),
        )
        server_args = [*embedded_server_args(self.settings), "--headless"]
        logs = root / "logs"
        logs.mkdir(exist_ok=True)
        self.temporal = Proc("temporal", server_args, self.env, logs / "temporal.log")
        self.worker = Proc("worker", cli_args("worker"), self.env, logs / "worker.log")
        self.api = Proc("api", cli_args("api"), self.env, logs / "api.log")

    @property
    def procs(self) -> tuple[Proc, ...]:
        return (self.temporal, self.worker, self.api)

    def start_temporal(self, timeout: float = 30) -> None:
        self.temporal.start()
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.temporal_port):
            if not self.temporal.alive or time.monotonic() > deadline:
                raise AssertionError(f"temporal server did not start\n{self.temporal.tail()}")
            time.sleep(0.05)

    def start_api(self, timeout: float = 60) -> None:
        self.api.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.api.alive:
                raise AssertionError(f"the API exited\n{self.api.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the API did not become ready\n{self.api.tail()}")

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def shutdown(self) -> None:
        for proc in (self.api, self.worker, self.temporal):
            proc.stop()

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.procs if p.started)


@contextlib.contextmanager
def stack_for(root: Path, db_url: str) -> Iterator[Stack]:
    stack = Stack(root, db_url)
    try:
        yield stack
    finally:
        stack.shutdown()
