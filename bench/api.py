"""API benchmark: latency and throughput of submitting and of reading a decision, on loopback.

Starts the real stack like ``tests/e2e/test_up.py`` (``thidua up`` in a temporary directory with
private ports: embedded Temporal server, worker and API processes), with extra staff added to
its SQLite database so that N nominations can be submitted, then:

- **submit**: N ``POST /v1/nominations`` (the unit officer of each unit), C in flight; submit
  returns after the criteria evaluation (a workflow start and its first activities);
- **submit_open**: an open-loop load of submissions at a fixed rate R below that capacity
  (default 10/s for 20 s): requests overlap whenever one takes longer than 1/R, and latency
  counts from the scheduled send time. The 200 ms target is judged on this row: a closed loop
  with C in flight measures saturation, where latency is C / capacity by Little's law;
- **read**: an open-loop load at a fixed rate of ``GET /v1/nominations/{id}`` (the decision
  with its explanation) by the auditor over the submitted ids.

Targets: reads p99 <= 50 ms at 100 requests/s, submissions p99 <= 200 ms.

    .venv/bin/python -m bench.api    # N=300, C=16; submissions 10/s for 20 s; reads 100/s for 20 s
    .venv/bin/python -m bench.api --n 50 --read-seconds 5 --json
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

MOVEMENT = "NTM-2024"
YEAR = 2024
READ_P99_TARGET_MS = 50.0
SUBMIT_P99_TARGET_MS = 200.0
READ_RATE_TARGET = 100.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """One ``thidua up`` process tree in a private directory with private ports.

    As ``tests.e2e.test_up.Service``, except that its output is drained by a thread (the worker
    and API inherit the supervisor's stdout; an undrained pipe would block them under load).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.var = root / "var"
        self.api_port = _free_port()
        self.db_url = f"sqlite:///{self.var / 'thidua.db'}"
        self.env = {
            **os.environ,
            "THIDUA_VAR_DIR": str(self.var),
            "THIDUA_DATABASE__URL": self.db_url,
            "THIDUA_TEMPORAL__EMBEDDED_DB": str(self.var / "temporal.db"),
            "THIDUA_TEMPORAL__EMBEDDED_PORT": str(_free_port()),
            "THIDUA_TEMPORAL__EMBEDDED_UI_PORT": str(_free_port()),
            "THIDUA_API__PORT": str(self.api_port),
            "THIDUA_LOG_FORMAT": "json",
            "THIDUA_LOG_LEVEL": "WARNING",
        }
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            if len(self.lines) < 2000:
                self.lines.append(line)
            if "Ctrl-C" in line:
                self._ready.set()

    def start(self, timeout: float = 120) -> float:
        t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "thidua.entrypoints.cli", "up"],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()
        deadline = t0 + timeout
        while time.monotonic() < deadline:
            if self._ready.wait(0.2):
                return time.monotonic() - t0
            if self.proc.poll() is not None:
                tail = "".join(self.lines[-20:])
                raise RuntimeError(f"thidua up exited early ({self.proc.returncode}):\n{tail}")
        self.stop()
        raise RuntimeError(f"thidua up not ready after {timeout:.0f} s")

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -9

    def tokens(self) -> dict[str, str]:
        accounts = json.loads((self.var / "sample-accounts.json").read_text())
        return {a["username"]: a["token"] for a in accounts}


def unit_officers() -> dict[str, str]:
    """Unit code -> username of its unit officer (sample accounts)."""
    from thidua.app.sample_data import ACCOUNTS

    return {a.unit_code: a.username for a in ACCOUNTS if a.role == "unit_officer" and a.unit_code}


def staff_code(i: int) -> str:
    return f"APIB{i + 1:05d}"


def prepare(svc: Service, count: int, units: list[str]) -> None:
    """Migrate, load the sample Department, write the tokens file, add ``count`` bench staff."""
    from sqlalchemy import select

    from thidua.adapters.db.migrate import upgrade
    from thidua.adapters.db.models import StaffRow, UnitRow
    from thidua.adapters.db.session import UnitOfWork, make_engine
    from thidua.app.seed import load_sample_data, write_sample_tokens

    svc.var.mkdir(parents=True, exist_ok=True)
    upgrade(svc.db_url)
    uow = UnitOfWork(make_engine(svc.db_url))
    with uow() as session:
        tokens = load_sample_data(session)
        ids = {u.code: u.id for u in session.scalars(select(UnitRow))}
        for i in range(count):
            session.add(
                StaffRow(
                    code=staff_code(i),
                    full_name=f"Cán bộ thử tải API {i + 1}",
                    gender="nu" if i % 2 else "nam",
                    position="Chuyên viên",
                    birth_year=1980 + i % 20,
                    unit_id=ids[units[i % len(units)]],
                )
            )
    uow.engine.dispose()
    write_sample_tokens(svc.var / "sample-accounts.json", tokens)


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    requested: int = 0
    dropped: int = 0
    throttled: int = 0  # 429: the API's per-account limit (600 requests / 60 s)

    def error(self, msg: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(msg[:300])

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000, 2)

        done = len(self.latencies) + self.errors
        return {
            "requests": self.requested,
            "completed": done,
            "ok": len(self.latencies),
            "errors": self.errors,
            "dropped": self.dropped,
            "http_429": self.throttled,
            "seconds": round(self.seconds, 3),
            "rate": round(done / self.seconds, 2) if self.seconds else 0.0,
            "ok_rate": round(len(lat) / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "error_samples": self.error_samples,
        }


def _client(base_url: str, token: str | None, conns: int, timeout: float) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=timeout,
        limits=httpx.Limits(max_connections=conns, max_keepalive_connections=conns),
    )


async def _submit_one(
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    officers: dict[str, str],
    units: list[str],
    i: int,
    res: Result,
    ids: list[str],
    start: float,
) -> None:
    """POST the i-th bench nomination; its latency counts from ``start``."""
    unit = units[i % len(units)]
    body = {
        "movement": MOVEMENT,
        "unit": unit,
        "facts": {"kind": "individual", "id": staff_code(i), "year": YEAR, "rating": "HTTNV"},
    }
    auth = {"Authorization": f"Bearer {tokens[officers[unit]]}"}
    try:
        r = await client.post("/v1/nominations", json=body, headers=auth)
    except httpx.HTTPError as exc:
        res.error(f"{type(exc).__name__}: {exc}")
        return
    dt = time.perf_counter() - start
    if r.status_code == 201:
        res.latencies.append(dt)
        ids.append(r.json()["id"])
    else:
        res.error(f"{r.status_code} {r.text}")


async def submit_all(
    base_url: str,
    tokens: dict[str, str],
    officers: dict[str, str],
    units: list[str],
    indexes: list[int],
    concurrency: int,
    request_timeout: float,
    deadline: float,
    name: str = "submit",
) -> tuple[Result, list[str]]:
    """POST one nomination per index, ``concurrency`` in flight; return latencies and ids."""
    res = Result(name, requested=len(indexes))
    ids: list[str] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in indexes:
        queue.put_nowait(i)
    async with _client(base_url, None, concurrency, request_timeout) as client:

        async def one(i: int) -> None:
            await _submit_one(client, tokens, officers, units, i, res, ids, time.perf_counter())

        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await one(i)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        res.seconds = time.perf_counter() - t0
    res.dropped = queue.qsize()  # not sent: the time bound was reached
    return res, ids


async def submit_open_loop(
    base_url: str,
    tokens: dict[str, str],
    officers: dict[str, str],
    units: list[str],
    indexes: list[int],
    rate: float,
    max_in_flight: int,
    request_timeout: float,
) -> tuple[Result, list[str]]:
    """POST one nomination per index at a fixed rate, whatever the responses (requests overlap
    whenever one takes longer than 1/rate); latency counts from the scheduled send time, so a
    server that falls behind shows it (no coordinated omission)."""
    res = Result("submit_open", requested=len(indexes))
    ids: list[str] = []
    in_flight = 0
    async with _client(base_url, None, max_in_flight, request_timeout) as client:

        async def one(i: int, scheduled: float) -> None:
            nonlocal in_flight
            try:
                await _submit_one(client, tokens, officers, units, i, res, ids, scheduled)
            finally:
                in_flight -= 1

        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter()
        for k, i in enumerate(indexes):
            scheduled = t0 + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight >= max_in_flight:
                res.dropped += 1
                continue
            in_flight += 1
            tasks.append(asyncio.create_task(one(i, scheduled)))
        if tasks:
            await asyncio.wait(tasks, timeout=request_timeout + 5)
        res.seconds = time.perf_counter() - t0
        for t in tasks:
            t.cancel()
    return res, ids


async def read_open_loop(
    base_url: str,
    tokens: list[str],
    ids: list[str],
    rate: float,
    seconds: float,
    max_in_flight: int,
    request_timeout: float,
) -> Result:
    """GET /v1/nominations/{id} at a fixed rate, whatever the responses; latency is measured
    from the scheduled send time (no coordinated omission)."""
    total = int(rate * seconds)
    res = Result("read", requested=total)
    in_flight = 0
    async with _client(base_url, None, max_in_flight, request_timeout) as client:

        async def one(nid: str, token: str, scheduled: float) -> None:
            nonlocal in_flight
            try:
                auth = {"Authorization": f"Bearer {token}"}
                r = await client.get(f"/v1/nominations/{nid}", headers=auth)
                if r.status_code == 429:
                    res.throttled += 1
                dt = time.perf_counter() - scheduled
                body = r.json() if r.status_code == 200 else {}
                if body.get("id") == nid and body.get("evaluation"):  # decision + explanation
                    res.latencies.append(dt)
                else:
                    res.error(f"{r.status_code} {r.text}")
            except httpx.HTTPError as exc:
                res.error(f"{type(exc).__name__}: {exc}")
            finally:
                in_flight -= 1

        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter()
        for k in range(total):
            scheduled = t0 + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if in_flight >= max_in_flight:
                res.dropped += 1  # the server is not keeping up; do not queue without bound
                continue
            in_flight += 1
            tasks.append(
                asyncio.create_task(one(ids[k % len(ids)], tokens[k % len(tokens)], scheduled))
            )
        if tasks:
            await asyncio.wait(tasks, timeout=request_timeout + 5)
        res.seconds = time.perf_counter() - t0
        for t in tasks:
            t.cancel()
    return res


def open_count(args: argparse.Namespace) -> int:
    return max(1, int(args.submit_rate * args.submit_seconds))


def _machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _verdict(value: float | None, target: float) -> str:
    return "PASS" if value is not None and value <= target else "BELOW"


async def bench(args: argparse.Namespace, svc: Service) -> dict[str, Any]:
    officers = unit_officers()
    units = sorted(officers)
    tokens = svc.tokens()
    deadline = time.monotonic() + args.max_seconds
    warm = list(range(args.warmup))
    if warm:
        w, _ = await submit_all(
            svc.base_url, tokens, officers, units, warm, args.concurrency, args.timeout, deadline
        )
        if w.errors:
            raise RuntimeError(f"warm-up submissions failed: {w.error_samples}")
    sub, ids = await submit_all(
        svc.base_url,
        tokens,
        officers,
        units,
        list(range(args.warmup, args.warmup + args.n)),
        args.concurrency,
        args.timeout,
        deadline,
    )
    if not ids:
        raise RuntimeError(f"no nomination submitted: {sub.error_samples}")
    first = args.warmup + args.n
    opened, open_ids = await submit_open_loop(
        svc.base_url,
        tokens,
        officers,
        units,
        list(range(first, first + open_count(args))),
        args.submit_rate,
        args.max_in_flight,
        args.timeout,
    )
    ids += open_ids
    seconds = min(args.read_seconds, max(1.0, deadline - time.monotonic()))
    read = await read_open_loop(
        svc.base_url,
        [tokens[u] for u in args.readers.split(",")],
        ids,
        args.read_rate,
        seconds,
        args.max_in_flight,
        args.timeout,
    )
    s, o, r = sub.as_dict(), opened.as_dict(), read.as_dict()
    s["concurrency"] = args.concurrency
    s["target_p99_ms"] = SUBMIT_P99_TARGET_MS
    s["verdict"] = _verdict(s["p99_ms"], SUBMIT_P99_TARGET_MS) if not sub.errors else "BELOW"
    o["target_rate"] = args.submit_rate
    o["target_p99_ms"] = SUBMIT_P99_TARGET_MS
    o["verdict"] = (
        _verdict(o["p99_ms"], SUBMIT_P99_TARGET_MS)
        if not opened.errors and not opened.dropped
        else "BELOW"
    )
    r["target_rate"] = args.read_rate
    r["target_p99_ms"] = READ_P99_TARGET_MS
    r["verdict"] = (
        _verdict(r["p99_ms"], READ_P99_TARGET_MS)
        if not read.errors and not read.dropped and args.read_rate >= READ_RATE_TARGET
        else "BELOW"
    )
    return {"submit": s, "submit_open": o, "read": r}


def print_table(out: dict[str, Any]) -> None:
    cols = [
        "requests",
        "errors",
        "http_429",
        "dropped",
        "rate",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
    ]
    head = f"{'':12}" + "".join(f"{c:>10}" for c in cols) + f"{'p99 target':>12}  verdict"
    print(head)
    for name in ("submit", "submit_open", "read"):
        row = out[name]
        cells = "".join(
            f"{'-' if row[c] is None else row[c]:>10}" for c in cols
        )  # rate = completed / s
        print(f"{name:12}{cells}{row['target_p99_ms']:>10.0f}ms  {row['verdict']}")
    s, o, r = out["submit"], out["submit_open"], out["read"]
    print()
    print(
        f"submit: {s['ok']}/{s['requests']} created, closed loop with {s['concurrency']} in "
        f"flight (saturation: the stack's capacity), {s['seconds']} s, {s['ok_rate']} "
        f"nominations/s (after {out['warmup']} warm-up)"
    )
    print(
        f"submit_open: {o['ok']}/{o['requests']} created, open loop at {o['target_rate']}/s "
        f"for {o['seconds']} s (requests overlap; latency from the scheduled send time)"
    )
    print(
        f"read:   open loop at {r['target_rate']}/s (target {READ_RATE_TARGET:.0f}/s) for "
        f"{r['seconds']} s, achieved {r['ok_rate']}/s ok, GET /v1/nominations/{{id}} as "
        f"{out['readers']}"
    )
    for name in ("submit", "submit_open", "read"):
        for e in out[name]["error_samples"]:
            print(f"  {name} error: {e}")
    m = out["machine"]
    print(
        f"stack:  thidua up started in {out['startup_seconds']} s, stopped with {out['stop_code']}"
    )
    print(f"machine: nproc={m['nproc']} python={m['python']} ({m['platform']})")
    print(f"command: {out['command']}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=300, help="submissions (default 300)")
    p.add_argument("--concurrency", type=int, default=16, help="submissions in flight (16)")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured submissions first (10)")
    p.add_argument(
        "--submit-rate", type=float, default=10.0, help="open-loop submissions per second (10)"
    )
    p.add_argument(
        "--submit-seconds", type=float, default=20.0, help="open-loop submit duration (20 s)"
    )
    p.add_argument("--read-rate", type=float, default=100.0, help="reads per second (100)")
    p.add_argument("--read-seconds", type=float, default=20.0, help="read duration (20 s)")
    p.add_argument("--max-in-flight", type=int, default=64, help="reads in flight cap (64)")
    p.add_argument(
        "--readers",
        default="kiemtoan",
        help="accounts reading, comma-separated, round-robin (default the auditor kiemtoan; "
        "the API allows 600 requests / 60 s per account)",
    )
    p.add_argument("--timeout", type=float, default=30.0, help="per request (30 s)")
    p.add_argument("--max-seconds", type=float, default=300.0, help="bound on the load (300 s)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    if (
        min(args.n, args.concurrency) < 1
        or min(args.read_rate, args.read_seconds, args.submit_rate, args.submit_seconds) <= 0
    ):
        p.error("--n, --concurrency, the rates and the durations must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="thidua-bench-api-"))
    svc = Service(root)
    out: dict[str, Any] = {}
    try:
        prepare(svc, args.warmup + args.n + open_count(args), sorted(unit_officers()))
        startup = svc.start()
        # The load generator's own garbage collections (50-80 ms each here, with ~110,000 objects
        # from its imports) would be counted as server latency: keep them out of the window.
        gc.collect()
        gc.freeze()
        gc.disable()
        try:
            out = asyncio.run(bench(args, svc))
        finally:
            gc.enable()
            code = svc.stop()
    finally:
        if args.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    out.update(
        warmup=args.warmup,
        readers=args.readers,
        startup_seconds=round(startup, 1),
        stop_code=code,
        machine=_machine(),
        command=shlex.join([sys.executable, "-m", "bench.api", *(argv or sys.argv[1:])]),
    )
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_table(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
