"""Lifecycle benchmark: N nominations through the whole lifecycle, against a bare Temporal baseline.

Both runs use one real embedded Temporal server (``temporal server start-dev`` on a SQLite file
with WAL and ``synchronous=full``, as in production) and the same worker settings:

- **ours**: ``Lifecycle.submit`` then three ``Lifecycle.review`` approvals (unit head, Office,
  Director) through the service layer, the real ``NominationWorkflow`` and its activities on our
  SQLite database (record_step x5, evaluate_criteria x2 per nomination), with the real rules
  engine unless ``--fake-rules``;
- **baseline**: ``BareWorkflow`` below, the same shape (1 start + 3 updates, 7 activities
  distributed the same way) whose activities only return.

It prints nominations/s for both and the ratio (target: ours >= 0.8 x baseline).

    .venv/bin/python -m bench.lifecycle                # N=500, 64 in flight
    .venv/bin/python -m bench.lifecycle --n 50 --json  # for a report generator
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.lifecycle_runs import (
    RunResult,
    history_size,
    rules_engine,
    run_baseline,
    run_ours,
    seed_database,
    staff_code,
    verify_ours,
)
from bench.machine import brief
from tests.support.stack import free_port
from thidua.adapters.temporal.client import connect_client
from thidua.adapters.temporal.server import start_embedded_server
from thidua.config import Settings
from thidua.logging import configure_logging

TARGET_RATIO = 0.8


def bench_settings(workdir: Path) -> Settings:
    """Our database and the embedded server's in ``workdir``, on free ports."""
    return Settings(
        database={"url": f"sqlite:///{workdir / 'thidua.db'}"},
        temporal={
            "embedded_db": workdir / "bench.db",
            "embedded_port": free_port(),
            "embedded_ui_port": free_port(),
            "task_queue": "thidua-bench",
        },
        log_level="WARNING",
    )


# ---- output ------------------------------------------------------------------------------


def render_table(report: dict[str, Any]) -> str:
    ours, base = report["ours"], report["baseline"]
    rows = [("", "ours (Lifecycle)", "baseline (bare)")]
    rows.append(("N", str(ours["n"]), str(base["n"])))
    rows.append(("concurrency", str(ours["concurrency"]), str(base["concurrency"])))
    rows.append(("seconds", f"{ours['seconds']:.2f}", f"{base['seconds']:.2f}"))
    rows.append(
        (
            "nominations/s",
            f"{ours['nominations_per_second']:.2f}",
            f"{base['nominations_per_second']:.2f}",
        )
    )
    rows.append(("errors", str(ours["errors"]), str(base["errors"])))
    rows.append(("race retries", str(ours["race_retries"]), str(base["race_retries"])))
    ho, hb = ours["history_per_nomination"], base["history_per_nomination"]
    rows.append(
        (
            "history events / bytes",
            f"{ho.get('events', 0)} / {ho.get('bytes', 0)}",
            f"{hb.get('events', 0)} / {hb.get('bytes', 0)}",
        )
    )
    for who, label in (("bench_process", "CPU s python"), ("temporal_server", "CPU s server")):
        rows.append((label, f"{ours['cpu_seconds'][who]:.1f}", f"{base['cpu_seconds'][who]:.1f}"))
    for (op_o, lat_o), (op_b, lat_b) in zip(
        ours["latency"].items(), base["latency"].items(), strict=False
    ):
        rows.append(
            (
                f"p50/p95 ms {op_o} | {op_b}",
                f"{lat_o['p50_ms']:.0f} / {lat_o['p95_ms']:.0f}",
                f"{lat_b['p50_ms']:.0f} / {lat_b['p95_ms']:.0f}",
            )
        )
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"{a:<{w0}}  {b:>{w1}}  {c:>16}" for a, b, c in rows]
    lines.insert(1, "-" * len(lines[0]))
    m = report["machine"]
    verdict = "OK" if report["meets_target"] else "BELOW TARGET"
    lines += [
        "",
        f"ratio ours/baseline: {report['ratio']:.3f}  (target >= {TARGET_RATIO}: {verdict})",
        f"rules engine: {report['rules_engine']};  baseline search attributes: "
        f"{report['baseline_search_attributes']};  our DB check: {report['ours_db_check']}",
        f"machine: nproc={m['nproc']} python={m['python']} temporalio={m['temporalio']} "
        f"({m['platform']})",
        f"server: {report['server']}",
        f"command: {report['command']}",
    ]
    for err_of in ("ours", "baseline"):
        if report[err_of]["first_error"]:
            lines.append(f"first error ({err_of}): {report[err_of]['first_error']}")
    return "\n".join(lines)


# ---- entry point -------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--n", type=int, default=500, help="nominations per run (default 500)")
    p.add_argument("--concurrency", type=int, default=64, help="in flight (default 64)")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured nominations per run first")
    p.add_argument("--fake-rules", action="store_true", help="a stub rules engine (all eligible)")
    p.add_argument("--rules-dir", type=Path, default=None, help="rulesets directory")
    p.add_argument(
        "--order",
        choices=("baseline-first", "ours-first"),
        default="baseline-first",
        help="which run goes first on the (growing) server DB (default baseline-first)",
    )
    p.add_argument(
        "--baseline-search-attributes",
        action="store_true",
        help="baseline also sets and upserts the stage search attribute as ours does",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument(
        "--check", action="store_true", help="exit 1 when ours < 0.8 x baseline (CI gate)"
    )
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--workdir", type=Path, default=None, help="use this directory (kept)")
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="profile our run (pyinstrument: .html or text; else cProfile stats)",
    )
    return p.parse_args(argv)


async def bench(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    settings = bench_settings(workdir)
    configure_logging("WARNING", "console")
    engine, engine_kind = rules_engine(args.fake_rules, args.rules_dir)
    warm, n = args.warmup, args.n
    accounts = seed_database(settings.database.url, warm + n)
    # The production embedded server command (file DB, WAL, synchronous=full), headless.
    server = start_embedded_server(settings, workdir / "temporal.log", ["--headless"])
    try:
        client = await connect_client(settings.temporal)
        warm_idx, idx = list(range(warm)), list(range(warm, warm + n))
        c = args.concurrency

        async def ours(indexes: list[int], name: str = "ours") -> RunResult:
            return await run_ours(client, settings, accounts, indexes, c, engine, server.pid, name)

        async def base(indexes: list[int], name: str = "baseline") -> RunResult:
            return await run_baseline(
                client,
                "bare-bench",
                indexes,
                c,
                args.baseline_search_attributes,
                server.pid,
                name,
            )

        if warm:
            await ours(warm_idx, "warmup-ours")
            await base(warm_idx, "warmup-baseline")
        profiler = _Profiler(args.profile)
        if args.order == "baseline-first":
            baseline = await base(idx)
            with profiler:
                mine = await ours(idx)
        else:
            with profiler:
                mine = await ours(idx)
            baseline = await base(idx)
        check = verify_ours(settings.database.url, [staff_code(i) for i in idx])
        for run in (mine, baseline):
            run.history = await history_size(client, run.sample_workflow_id)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    ratio = mine.per_second / baseline.per_second if baseline.per_second else 0.0
    return {
        "ours": mine.as_dict(),
        "baseline": baseline.as_dict(),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": ratio >= TARGET_RATIO and not mine.errors and not baseline.errors,
        "rules_engine": engine_kind,
        "baseline_search_attributes": args.baseline_search_attributes,
        "order": args.order,
        "warmup": warm,
        "ours_db_check": check,
        "server": "temporal server start-dev, SQLite file, journal_mode=wal, synchronous=full",
        "machine": brief(),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
    }


class _Profiler:
    """Optional profile of our run (main thread / event loop only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._p: Any = None

    def __enter__(self) -> None:
        if self.path is None:
            return
        try:
            from pyinstrument import Profiler

            self._p = Profiler(async_mode="enabled")
        except ImportError:
            import cProfile

            self._p = cProfile.Profile()
        self._p.start() if hasattr(self._p, "start") else self._p.enable()

    def __exit__(self, *exc: object) -> None:
        if self._p is None or self.path is None:
            return
        if hasattr(self._p, "stop"):
            self._p.stop()
            if self.path.suffix == ".html":
                self.path.write_text(self._p.output_html(), encoding="utf-8")
            else:
                self.path.write_text(self._p.output_text(unicode=True), encoding="utf-8")
        else:
            self._p.disable()
            self._p.dump_stats(str(self.path))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    keep = args.keep or args.workdir is not None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        report = asyncio.run(bench(args, workdir))
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(render_table(report))
        if keep:
            print(f"workdir: {workdir}")
    failed = report["ours"]["errors"] or report["baseline"]["errors"]
    if args.check and not report["meets_target"]:
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Known SDK issue: a short-lived process with a client/worker may crash at interpreter exit
    # (PyGILState_Release). Workers are already shut down cleanly; skip interpreter teardown.
    os._exit(code)
