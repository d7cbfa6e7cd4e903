"""API benchmark: latency and throughput of submitting and of reading a decision, on loopback.

Starts the real stack as the end-to-end tests do (``tests.support.up.Service``: ``thidua up`` in a
temporary directory with private ports: embedded Temporal server, worker and API processes), with extra staff added to
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
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.api_load import (
    STAFF_PREFIX,
    Submitter,
    read_open_loop,
    submit_all,
    submit_open_loop,
)
from bench.machine import brief
from tests.support.db import seeded_db
from tests.support.driver import add_staff
from tests.support.up import Service
from thidua.adapters.sample_accounts import write_sample_tokens
from thidua.app.sample_data import ACCOUNTS

READ_P99_TARGET_MS = 50.0
SUBMIT_P99_TARGET_MS = 200.0
READ_RATE_TARGET = 100.0


def unit_officers() -> dict[str, str]:
    """Unit code -> username of its unit officer (sample accounts)."""
    return {a.unit_code: a.username for a in ACCOUNTS if a.role == "unit_officer" and a.unit_code}


def prepare(svc: Service, count: int, units: list[str]) -> None:
    """Migrate, load the sample Department, write the tokens file, add ``count`` bench staff."""
    svc.var.mkdir(parents=True, exist_ok=True)
    with seeded_db(svc.db_url) as db:
        add_staff(db.uow, STAFF_PREFIX, count, spread=units)
        write_sample_tokens(svc.var / "sample-accounts.json", list(db.tokens.values()))


def open_count(args: argparse.Namespace) -> int:
    return max(1, int(args.submit_rate * args.submit_seconds))


def _verdict(value: float | None, target: float) -> str:
    return "PASS" if value is not None and value <= target else "BELOW"


async def bench(args: argparse.Namespace, svc: Service) -> dict[str, Any]:
    tokens = svc.tokens()
    submitter = Submitter(tokens, unit_officers())
    deadline = time.monotonic() + args.max_seconds
    warm = list(range(args.warmup))
    if warm:
        w, _ = await submit_all(
            svc.base_url, submitter, warm, args.concurrency, args.timeout, deadline
        )
        if w.errors:
            raise RuntimeError(f"warm-up submissions failed: {w.error_samples}")
    sub, ids = await submit_all(
        svc.base_url,
        submitter,
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
        submitter,
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
    svc = Service(root, THIDUA_LOG_LEVEL="WARNING")
    out: dict[str, Any] = {}
    try:
        prepare(svc, args.warmup + args.n + open_count(args), sorted(unit_officers()))
        t0 = time.monotonic()
        svc.start(timeout=120)
        startup = time.monotonic() - t0
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
        machine=brief(),
        command=shlex.join([sys.executable, "-m", "bench.api", *(argv or sys.argv[1:])]),
    )
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_table(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
