"""Real processes on loopback for the crash and load suites, and the checks run after each crash.

``Stack`` runs the embedded Temporal server (``temporal server start-dev`` on a SQLite file, the
same command as ``make run``), ``thidua worker`` and ``thidua api`` as separate processes of one
test, each in its own process group so that ``kill()`` is a real SIGKILL of exactly that
process. The test process drives nominations through the service layer (``Lifecycle``, what the
API and CLI call) or the HTTP API, and reads our database directly for the checks.

``Driver`` carries nominations through the lifecycle with a planned script each, retrying a step
only when the workflow shows it was not applied (a call cut off by a crash may or may not have
been). ``check_consistent`` is what every crash test asserts at the end: every nomination in the
state its script leads to, in the database and in the workflow alike, each step and evaluation
recorded exactly once, in the audit log too (``check_audit``); ``check_deliveries`` does the same
for webhook deliveries and ``assert_audit_chain_verifies`` walks the hash chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.service import RPCError

from thidua.adapters.db.models import (
    AuditEntryRow,
    EvaluationRow,
    NominationRow,
    NominationStepRow,
    StaffRow,
    UnitRow,
    UserRow,
    WebhookDeliveryRow,
)
from thidua.adapters.db.session import UnitOfWork
from thidua.adapters.temporal.server import embedded_server_args, port_open
from thidua.app import audit
from thidua.app.auth import actor_for_user
from thidua.app.lifecycle import (
    Lifecycle,
    NominationSubmission,
    ResubmitRequest,
    ReviewRequest,
)
from thidua.config import Settings
from thidua.domain.nominations import NominationStatus, Stage, workflow_id_for
from thidua.domain.refusals import Refusal, RefusalCode
from thidua.domain.roles import Actor
from workflows.nomination import NominationWorkflow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MOVEMENT = "NTM-2024"
YEAR = 2024
# Units with a sample unit officer (canbo.<unit>) and unit head (truongphong.<unit>).
UNITS = ("VP", "TTRA", "LDVL", "GDNN", "NCC", "BTXH", "TEBDG", "TTDVVL", "TTCTXH", "CSCN")


def crash_scale() -> str:
    """``bounded`` (default, part of ``make test``) or ``full`` (THIDUA_CRASH_SCALE=full)."""
    return "full" if os.environ.get("THIDUA_CRASH_SCALE", "").lower() == "full" else "bounded"


def scaled(bounded: int, full: int) -> int:
    return full if crash_scale() == "full" else bounded


def backends(*bounded: str) -> Any:
    """``db_url`` parameters: the given backends at the bounded size, both at full size."""
    import pytest

    names = ("sqlite", "postgres") if crash_scale() == "full" else bounded
    params = [pytest.param(n, marks=pytest.mark.postgres) if n == "postgres" else n for n in names]
    return pytest.mark.parametrize("db_url", params, indirect=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """One child process in its own process group, output appended to a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        assert not self.alive, f"{self.name} is already running"
        self.starts += 1
        self._log = self.log_path.open("ab")
        self._log.write(f"\n===== {self.name} start #{self.starts} =====\n".encode())
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
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
        self.env.update(
            {
                "THIDUA_VAR_DIR": str(var),
                "THIDUA_DATABASE__URL": db_url,
                "THIDUA_TEMPORAL__ADDRESS": f"127.0.0.1:{self.temporal_port}",
                "THIDUA_API__PORT": str(self.api_port),
                "THIDUA_LOG_FORMAT": "console",
                "THIDUA_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
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
        )
        server_args = [*embedded_server_args(self.settings), "--headless"]
        python = sys.executable
        logs = root / "logs"
        logs.mkdir(exist_ok=True)
        self.temporal = Proc("temporal", server_args, self.env, logs / "temporal.log")
        self.worker = Proc(
            "worker",
            [python, "-m", "thidua.entrypoints.cli", "worker"],
            self.env,
            logs / "worker.log",
        )
        self.api = Proc(
            "api", [python, "-m", "thidua.entrypoints.cli", "api"], self.env, logs / "api.log"
        )

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
        return "\n".join(p.tail() for p in self.procs if p.starts)


def add_staff(
    uow: UnitOfWork, prefix: str, count: int, spread: Sequence[str] = UNITS
) -> list[tuple[str, str]]:
    """Add ``count`` staff ``<prefix>00001...`` spread over units; return (code, unit) pairs."""
    out: list[tuple[str, str]] = []
    with uow() as session:
        units = {u.code: u.id for u in session.scalars(select(UnitRow))}
        for i in range(count):
            code, unit = f"{prefix}{i + 1:05d}", spread[i % len(spread)]
            session.add(
                StaffRow(
                    code=code,
                    full_name=f"Cán bộ thử {prefix} {i + 1}",
                    gender="nu" if i % 2 else "nam",
                    position="Chuyên viên",
                    birth_year=1975 + i % 25,
                    unit_id=units[unit],
                )
            )
            out.append((code, unit))
    return out


def actors(uow: UnitOfWork) -> dict[str, Actor]:
    with uow() as session:
        return {u.username: actor_for_user(session, u) for u in session.scalars(select(UserRow))}


def eligible_facts(code: str, **extra: Any) -> dict[str, Any]:
    """An individual the shipped ruleset finds eligible, so every approval is allowed."""
    facts: dict[str, Any] = {
        "kind": "individual",
        "id": code,
        "year": YEAR,
        "rating": "HTXSNV",
        "months_worked": 12,
        "movement": {"c1": "xuat_sac", "c2": "tot", "c3": "tot", "c4": "dat"},
    }
    facts.update(extra)
    return facts


# ---- scripted lifecycles -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One human step of a script: who does what (a review decision, or a resubmission)."""

    user: str
    kind: str  # review | resubmit
    decision: str | None = None
    reason: str | None = None


@dataclass
class Plan:
    """A nomination's script and where it must end: final stage and its (action, stage) steps."""

    code: str
    unit: str
    steps: list[Step]
    final: Stage
    transitions: list[tuple[str, str]]
    key: str = ""
    done: list[str] = field(default_factory=list)


def plan_for(i: int, code: str, unit: str) -> Plan:
    """Three scripts in turn: approved; returned once then approved; rejected by the Office."""
    head = f"truongphong.{unit.lower()}"
    submit = [("submit", "submitted"), ("evaluate", "unit_review")]
    office = [("approve", "office_review")]
    if i % 3 == 1:
        return Plan(
            code,
            unit,
            [
                Step(head, "review", "return", "Bổ sung minh chứng"),
                Step(f"canbo.{unit.lower()}", "resubmit"),
                Step(head, "review", "approve"),
                Step("vanphong", "review", "approve"),
                Step("giamdoc", "review", "approve"),
            ],
            Stage.APPROVED,
            [
                *submit,
                ("return", "returned"),
                ("resubmit", "submitted"),
                ("evaluate", "unit_review"),
                *office,
                ("approve", "director_review"),
                ("approve", "approved"),
            ],
        )
    if i % 3 == 2:
        return Plan(
            code,
            unit,
            [
                Step(head, "review", "approve"),
                Step("vanphong", "review", "reject", "Không đủ minh chứng"),
            ],
            Stage.REJECTED,
            [*submit, *office, ("reject", "rejected")],
        )
    return Plan(
        code,
        unit,
        [
            Step(head, "review", "approve"),
            Step("vanphong", "review", "approve"),
            Step("giamdoc", "review", "approve"),
        ],
        Stage.APPROVED,
        [*submit, *office, ("approve", "director_review"), ("approve", "approved")],
    )


# Errors a call may end with when a process it depends on is killed mid-call.
TRANSIENT: tuple[type[BaseException], ...] = (RPCError, TimeoutError, OSError)


def transient(exc: BaseException) -> bool:
    """A call cut off by a crash: an RPC or connection error, or a timed-out update call."""
    return isinstance(exc, TRANSIENT) or "Timeout" in type(exc).__name__


class Driver:
    """Carries planned nominations through the lifecycle via ``Lifecycle``, across crashes."""

    def __init__(self, client: Client, uow: UnitOfWork, settings: Settings) -> None:
        self.lifecycle = Lifecycle(client, uow, settings)
        self.actors = actors(uow)
        self.retries = 0
        self.steps_done = 0
        self.calls = 0

    async def status(self, key: str) -> NominationStatus | None:
        try:
            return await self.lifecycle._handle(key).query(NominationWorkflow.status)
        except TRANSIENT:
            return None

    async def _retrying(
        self, call: Callable[[], Awaitable[Any]], applied: Callable[[], Awaitable[bool]]
    ) -> None:
        """Call until it succeeds or the workflow shows it was applied (by a cut-off call)."""
        deadline = time.monotonic() + 120
        while True:
            self.calls += 1
            try:
                await asyncio.wait_for(call(), 60)
                return
            except Refusal as refusal:
                # A refusal after an earlier cut-off attempt: that attempt may have gone through.
                if await applied():
                    return
                if refusal.code is not RefusalCode.UNAVAILABLE:
                    raise
            except Exception as exc:
                if not transient(exc):
                    raise
                if await applied():
                    return
            self.retries += 1
            if time.monotonic() > deadline:
                raise AssertionError("a step could not be applied within 120 s")
            await asyncio.sleep(0.5)

    async def run(self, plan: Plan, sem: asyncio.Semaphore) -> None:
        body = NominationSubmission.model_validate(
            {"movement": MOVEMENT, "unit": plan.unit, "facts": eligible_facts(plan.code)}
        )
        plan.key = f"{MOVEMENT}_{YEAR}_{plan.code}"

        async def submitted() -> bool:
            # A cut-off submit may have started the workflow: then wait for its evaluation.
            try:
                if not await self.lifecycle._workflow_exists(plan.key):
                    return False
            except TRANSIENT:
                return False
            return await self._steps_count(plan.key) > 0

        async with sem:
            await self._retrying(
                lambda: self.lifecycle.submit(self.actors[f"canbo.{plan.unit.lower()}"], body),
                submitted,
            )
        self.steps_done += 1
        for step in plan.steps:
            before = await self._steps_count(plan.key)

            async def applied(before: int = before) -> bool:
                return (await self._steps_count(plan.key)) > before

            actor = self.actors[step.user]

            def call(step: Step = step, actor: Actor = actor) -> Awaitable[Any]:
                if step.kind == "resubmit":
                    return self.lifecycle.resubmit(
                        actor,
                        plan.key,
                        ResubmitRequest.model_validate(
                            {"facts": eligible_facts(plan.code), "reason": "Đã bổ sung"}
                        ),
                    )
                return self.lifecycle.review(
                    actor, plan.key, ReviewRequest(decision=step.decision, reason=step.reason)
                )

            async with sem:
                await self._retrying(call, applied)
            plan.done.append(f"{step.user}:{step.decision or step.kind}")
            self.steps_done += 1

    async def _steps_count(self, key: str) -> int:
        """How many steps the workflow has applied, once it has left ``submitted``."""
        deadline = time.monotonic() + 180
        last: NominationStatus | None = None
        while time.monotonic() < deadline:
            st = await self.status(key)
            if st is not None and st.stage is not Stage.SUBMITTED:
                return len(st.steps)
            last = st or last
            await asyncio.sleep(0.3)
        seen = f"stage {last.stage.value}, {len(last.steps)} steps" if last else "no answer"
        raise AssertionError(f"{key}: the workflow did not leave 'submitted' in 180 s ({seen})")


IN_FLIGHT = 100  # nominations in flight at once, whatever the size of the run


async def run_plans(driver: Driver, plans: Sequence[Plan], in_flight: int = IN_FLIGHT) -> None:
    sem = asyncio.Semaphore(in_flight)
    await asyncio.gather(*(driver.run(p, sem) for p in plans))


async def wait_progress(driver: Driver, at_least: int, task: asyncio.Task[Any]) -> None:
    """Wait until ``at_least`` human steps are done (or the run ended)."""
    while driver.steps_done < at_least and not task.done():  # noqa: ASYNC110
        await asyncio.sleep(0.05)


# ---- the checks after each crash ----------------------------------------------------------


def assert_audit_chain_verifies(uow: UnitOfWork) -> int:
    """The hash-chained audit log verifies from its first entry; returns its length."""
    with uow() as session:
        report = audit.verify(session)
    assert report.ok, f"the audit chain does not verify: {report.problem}"
    return report.entries


def check_audit(uow: UnitOfWork, keys: Sequence[str]) -> Counter[str]:
    """Each nomination created once; each of its steps and evaluations in the audit log once."""
    wanted = set(keys)
    with uow() as session:
        entries = [
            (e.action, e.object_id, e.after)
            for e in session.scalars(
                select(AuditEntryRow).where(
                    AuditEntryRow.object_type == "nomination",
                    AuditEntryRow.object_id.in_(wanted),
                )
            )
        ]
        steps = Counter(
            ids
            for ids in session.execute(
                select(NominationRow.key)
                .join(NominationStepRow, NominationStepRow.nomination_id == NominationRow.id)
                .where(NominationRow.key.in_(wanted))
            ).scalars()
        )
        evaluations = Counter(
            session.execute(
                select(NominationRow.key)
                .join(EvaluationRow, EvaluationRow.nomination_id == NominationRow.id)
                .where(NominationRow.key.in_(wanted))
            ).scalars()
        )
    created = Counter(o for a, o, _ in entries if a == "nomination.created")
    assert [k for k in wanted if created[k] != 1] == [], (
        "a nomination.created entry is missing or twice"
    )
    step_entries = Counter(
        (o, (after or {}).get("seq")) for a, o, after in entries if a == "nomination.step"
    )
    assert [k for k, n in step_entries.items() if n > 1] == [], "a step is in the audit log twice"
    assert Counter(o for o, _ in step_entries) == steps, "audit step entries != recorded steps"
    evaluated = Counter(o for a, o, _ in entries if a == "evaluation.recorded")
    assert evaluated == evaluations, "audit evaluation entries != recorded evaluations"
    return Counter(a for a, _, _ in entries)


async def final_statuses(client: Client, settings: Settings, keys: Sequence[str]) -> dict[str, Any]:
    """The result of each (closed) NominationWorkflow: no worker needed to read it."""
    out: dict[str, Any] = {}
    for key in keys:
        wf_id = workflow_id_for(key, settings.temporal.workflow_id_prefix)
        handle = client.get_workflow_handle_for(NominationWorkflow.run, wf_id)
        out[key] = await asyncio.wait_for(handle.result(), 60)
    return out


def check_consistent(
    uow: UnitOfWork, plans: Sequence[Plan], results: dict[str, NominationStatus]
) -> dict[str, int]:
    """Every nomination where its plan leads, once: database == workflow, nothing twice."""
    keys = [p.key for p in plans]
    with uow() as session:
        rows = {
            r.key: r
            for r in session.scalars(select(NominationRow).where(NominationRow.key.in_(keys)))
        }
        ids = {r.id: r.key for r in rows.values()}
        steps: dict[str, list[NominationStepRow]] = {k: [] for k in keys}
        for s in session.scalars(
            select(NominationStepRow)
            .where(NominationStepRow.nomination_id.in_(ids))
            .order_by(NominationStepRow.nomination_id, NominationStepRow.seq)
        ):
            steps[ids[s.nomination_id]].append(s)
        evaluations = Counter(
            ids[nid]
            for nid in session.scalars(
                select(EvaluationRow.nomination_id).where(EvaluationRow.nomination_id.in_(ids))
            )
        )
        total_nominations = session.scalar(
            select(func.count()).select_from(NominationRow).where(NominationRow.key.in_(keys))
        )
    assert total_nominations == len(plans), "a nomination is missing or duplicated"
    for plan in plans:
        row = rows[plan.key]
        own = steps[plan.key]
        transitions = [(s.action, s.stage_to) for s in own]
        assert [s.seq for s in own] == list(range(1, len(own) + 1)), (plan.key, transitions)
        assert transitions == plan.transitions, (plan.key, transitions, plan.transitions)
        assert row.stage == plan.final.value, (plan.key, row.stage)
        assert row.last_step_seq == len(own), (plan.key, row.last_step_seq)
        wf = results[plan.key]
        assert wf.stage is plan.final, (plan.key, wf.stage)
        assert [(s.seq, s.action.value, s.stage_to.value) for s in wf.steps] == [
            (s.seq, s.action, s.stage_to) for s in own
        ], plan.key
        # One evaluation per submission and one per unit approval: none recorded twice.
        expected_evaluations = sum(a in ("evaluate",) for a, _ in plan.transitions) + sum(
            t == ("approve", "office_review") for t in plan.transitions
        )
        assert evaluations[plan.key] == expected_evaluations, (
            plan.key,
            evaluations[plan.key],
            expected_evaluations,
        )
    check_audit(uow, keys)
    return {"nominations": len(plans), "steps": sum(len(v) for v in steps.values())}


def check_deliveries(uow: UnitOfWork, subscription_id: int) -> Counter[str]:
    """Webhook deliveries: one row per event, each ``delivered``; the statuses counted."""
    with uow() as session:
        rows = list(
            session.scalars(
                select(WebhookDeliveryRow).where(
                    WebhookDeliveryRow.subscription_id == subscription_id
                )
            )
        )
        events = list(session.scalars(select(NominationStepRow.id)))
    per_event = Counter(r.event_id for r in rows)
    assert [e for e, n in per_event.items() if n > 1] == []
    assert {int(r.event_id) for r in rows} == set(events), "an event has no delivery"
    return Counter(r.status for r in rows)


@contextlib.contextmanager
def stack_for(root: Path, db_url: str) -> Iterator[Stack]:
    stack = Stack(root, db_url)
    try:
        yield stack
    finally:
        stack.shutdown()


class Receiver:
    """A webhook receiver on loopback: answers 200 and counts deliveries per event id."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: Counter[str] = Counter()
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with lock:
                    received[self.headers["X-Thidua-Event-Id"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
