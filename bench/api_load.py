"""The load of the API benchmark: submissions (closed and open loop) and reads (open loop) over HTTP.

An open loop sends each request at its scheduled time whatever the responses (requests overlap
whenever one takes longer than 1/rate) and counts its latency from that scheduled time, so a
server that falls behind shows it (no coordinated omission). At most ``max_in_flight`` requests
are in flight; beyond that a request is counted as dropped instead of being queued without bound.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.machine import percentile
from tests.support.nominations import MOVEMENT, YEAR

STAFF_PREFIX = "APIB"


def staff_code(i: int) -> str:
    return f"{STAFF_PREFIX}{i + 1:05d}"


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
            return round(percentile(lat, p) * 1000, 2) if lat else None

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


def _client(base_url: str, conns: int, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        limits=httpx.Limits(max_connections=conns, max_keepalive_connections=conns),
    )


class Submitter:
    """POSTs the i-th bench nomination as the unit officer of its unit (units taken in turn)."""

    def __init__(self, tokens: dict[str, str], officers: dict[str, str]) -> None:
        self.tokens = tokens
        self.officers = officers
        self.units = sorted(officers)

    async def submit(
        self, client: httpx.AsyncClient, i: int, res: Result, ids: list[str], start: float
    ) -> None:
        """POST the i-th bench nomination; its latency counts from ``start``."""
        unit = self.units[i % len(self.units)]
        body = {
            "movement": MOVEMENT,
            "unit": unit,
            "facts": {"kind": "individual", "id": staff_code(i), "year": YEAR, "rating": "HTTNV"},
        }
        auth = {"Authorization": f"Bearer {self.tokens[self.officers[unit]]}"}
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
    submitter: Submitter,
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
    async with _client(base_url, concurrency, request_timeout) as client:

        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await submitter.submit(client, i, res, ids, time.perf_counter())

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        res.seconds = time.perf_counter() - t0
    res.dropped = queue.qsize()  # not sent: the time bound was reached
    return res, ids


async def _open_loop(
    res: Result,
    count: int,
    rate: float,
    max_in_flight: int,
    request_timeout: float,
    send: Callable[[int, float], Awaitable[None]],
) -> None:
    """``send(k, scheduled)`` for k < ``count`` at ``rate`` per second, whatever the responses."""
    in_flight = 0

    async def one(k: int, scheduled: float) -> None:
        nonlocal in_flight
        try:
            await send(k, scheduled)
        finally:
            in_flight -= 1

    tasks: list[asyncio.Task[None]] = []
    t0 = time.perf_counter()
    for k in range(count):
        scheduled = t0 + k / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:
            res.dropped += 1  # the server is not keeping up; do not queue without bound
            continue
        in_flight += 1
        tasks.append(asyncio.create_task(one(k, scheduled)))
    if tasks:
        await asyncio.wait(tasks, timeout=request_timeout + 5)
    res.seconds = time.perf_counter() - t0
    for t in tasks:
        t.cancel()


async def submit_open_loop(
    base_url: str,
    submitter: Submitter,
    indexes: list[int],
    rate: float,
    max_in_flight: int,
    request_timeout: float,
) -> tuple[Result, list[str]]:
    """POST one nomination per index at a fixed rate (open loop)."""
    res = Result("submit_open", requested=len(indexes))
    ids: list[str] = []
    async with _client(base_url, max_in_flight, request_timeout) as client:

        async def send(k: int, scheduled: float) -> None:
            await submitter.submit(client, indexes[k], res, ids, scheduled)

        await _open_loop(res, len(indexes), rate, max_in_flight, request_timeout, send)
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
    """GET /v1/nominations/{id} at a fixed rate (open loop), the readers' tokens in turn."""
    total = int(rate * seconds)
    res = Result("read", requested=total)
    async with _client(base_url, max_in_flight, request_timeout) as client:

        async def send(k: int, scheduled: float) -> None:
            nid = ids[k % len(ids)]
            try:
                auth = {"Authorization": f"Bearer {tokens[k % len(tokens)]}"}
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

        await _open_loop(res, total, rate, max_in_flight, request_timeout, send)
    return res
