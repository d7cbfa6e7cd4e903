"""Run every benchmark and write ``docs/performance.md`` (``make bench``).

    .venv/bin/python -m bench.report                   # all, ~10 min on 2 cores
    .venv/bin/python -m bench.report --quick           # small sizes, to try the generator
    .venv/bin/python -m bench.report --only rules,api  # some; the others from earlier results
    .venv/bin/python -m bench.report --render          # only re-render from earlier results

Each benchmark runs as its own process with ``--json`` (or, for the load test and the start-up
time, a measurement made here) under a time limit; its JSON result is kept in
``var/bench/<name>.json`` and the page is rendered from those files, with the machine it ran
on and the command that reproduces each figure. A benchmark that fails or times out is shown as
such in the page, never silently left out.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.machine import ROOT, loadavg, machine
from bench.render import RENDER, render
from tests.support.stack import free_port
from tests.support.up import up_env

RESULTS = ROOT / "var" / "bench"
PAGE = ROOT / "docs" / "performance.md"
PY = ".venv/bin/python"


# ---- running one benchmark -----------------------------------------------------------------


def last_json(text: str) -> Any:
    """The (last) JSON object a benchmark printed; progress lines before it are ignored."""
    with contextlib.suppress(ValueError):
        return json.loads(text)
    lines = text.splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("{"):
            with contextlib.suppress(ValueError):
                return json.loads("\n".join(lines[i:]))
    raise ValueError("no JSON object in the output")


def run_json(args: list[str], timeout: float, env: dict[str, str] | None = None) -> Any:
    proc = subprocess.run(
        args,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    try:
        return last_json(proc.stdout)
    except ValueError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"exit {proc.returncode}: " + " | ".join(tail)) from None


def time_to_ready(timeout: float = 120) -> dict[str, Any]:
    """``make run`` in a fresh directory until its banner, Ctrl-C; then again on the same data."""
    work = Path(tempfile.mkdtemp(prefix="thidua-startup-"))
    env = {**os.environ, **up_env(work / "var", free_port())}
    out: dict[str, Any] = {}
    # Bring the virtualenv up to date first (not timed): `make run` would otherwise include a
    # reinstall after a pyproject.toml change.
    subprocess.run(["make", "-s", "venv"], cwd=ROOT, check=False, capture_output=True)
    try:
        for label in ("first_start_s", "restart_s"):
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                ["make", "-s", "run"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                start_new_session=True,
            )
            assert proc.stdout is not None
            ready = False
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                if "Ctrl-C" in line:
                    ready = True
                    break
            out[label] = round(time.perf_counter() - t0, 2) if ready else None
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return out


def load_test(n: int, timeout: float) -> dict[str, Any]:
    report = Path(tempfile.mkstemp(prefix="thidua-load-", suffix=".json")[1])
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/load"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "THIDUA_LOAD_N": str(n), "THIDUA_LOAD_REPORT": str(report)},
        )
        if proc.returncode != 0 or not report.read_text():
            tail = proc.stdout.strip().splitlines()[-5:]
            raise RuntimeError(f"pytest exit {proc.returncode}: " + " | ".join(tail))
        return json.loads(report.read_text())  # type: ignore[no-any-return]
    finally:
        report.unlink(missing_ok=True)


# ---- the benchmarks ------------------------------------------------------------------------


class Bench:
    def __init__(
        self, name: str, title: str, command: list[str], run: Callable[[], Any], timeout: float
    ) -> None:
        self.name = name
        self.title = title
        self.command = command
        self.run = run
        self.timeout = timeout


def benches(quick: bool) -> list[Bench]:
    lifecycle_n = 40 if quick else 300
    rules_n = 5_000 if quick else 100_000
    whatif_n = 5_000 if quick else 100_000
    api_n, read_s = (30, 5) if quick else (200, 15)
    load_n = 100 if quick else 1000
    readers = "kiemtoan,vanphong,giamdoc,thuky.hoidong"
    cmd = {
        "lifecycle": [PY, "-m", "bench.lifecycle", "--n", str(lifecycle_n), "--json"],
        "rules": [PY, "-m", "bench.rules", "--n", str(rules_n), "--json"],
        "whatif": [PY, "-m", "bench.whatif", "--n", str(whatif_n), "--json"],
        "api": [
            PY,
            "-m",
            "bench.api",
            "--n",
            str(api_n),
            "--read-seconds",
            str(read_s),
            "--readers",
            readers,
            "--json",
        ],
        "load": [
            f"THIDUA_LOAD_N={load_n}",
            "THIDUA_LOAD_REPORT=load.json",
            PY,
            "-m",
            "pytest",
            "-q",
            "tests/load",
        ],
        "startup": ["make", "run"],
    }

    def module(name: str, timeout: float) -> Callable[[], Any]:
        return lambda: run_json([sys.executable, *cmd[name][1:]], timeout)

    out = [
        Bench(
            "lifecycle",
            "Lifecycle throughput vs bare Temporal",
            cmd["lifecycle"],
            module("lifecycle", 240),
            240,
        ),
        Bench(
            "rules",
            "Rules: explained decisions/s vs bare durable-rules",
            cmd["rules"],
            module("rules", 180),
            180,
        ),
    ]
    if (ROOT / "bench" / "whatif.py").exists():
        out.append(
            Bench(
                "whatif",
                f"What-if over {whatif_n:,} stored snapshots",
                cmd["whatif"],
                module("whatif", 240),
                240,
            )
        )
    out += [
        Bench("api", "API latency", cmd["api"], module("api", 180), 180),
        Bench(
            "load",
            f"Load: {load_n:,} nominations through the API; memory after",
            cmd["load"],
            lambda: load_test(load_n, 400),
            400,
        ),
        Bench("startup", "Time from `make run` to ready", cmd["startup"], time_to_ready, 240),
    ]
    return out


def run_all(selected: list[Bench]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for b in selected:
        # The what-if bench writes a scratch database of ~1.8 GB; flush such writes before the
        # next bench so that their write-back does not stall its fsyncs (seen: API reads p99
        # 800 ms right after what-if, 28 ms when run alone).
        os.sync()
        started = time.perf_counter()
        before = loadavg()
        print(f"[bench] {b.name}: {' '.join(b.command)}", flush=True)
        record: dict[str, Any] = {"name": b.name, "title": b.title, "command": b.command}
        try:
            record["result"] = b.run()
        except subprocess.TimeoutExpired:
            record["error"] = f"timed out after {b.timeout:.0f} s"
        except Exception as exc:  # a failed bench is reported in the page, not hidden
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["seconds"] = round(time.perf_counter() - started, 1)
        record["loadavg_before"] = before
        record["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record["machine"] = machine()
        (RESULTS / f"{b.name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))
        print(
            f"[bench] {b.name}: {record.get('error') or 'ok'} ({record['seconds']} s)", flush=True
        )


def load_records() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        with contextlib.suppress(ValueError):
            rec = json.loads(path.read_text(encoding="utf-8"))
            out[rec["name"]] = rec
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="small sizes (minutes → seconds)")
    ap.add_argument("--only", default="", help="comma-separated: " + ",".join(RENDER))
    ap.add_argument("--render", action="store_true", help="only render from var/bench/*.json")
    ap.add_argument("--output", type=Path, default=PAGE)
    args = ap.parse_args(argv)
    all_benches = benches(args.quick)
    if not args.render:
        wanted = {n for n in args.only.split(",") if n}
        unknown = wanted - {b.name for b in all_benches}
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        run_all([b for b in all_benches if not wanted or b.name in wanted])
    records = load_records()
    if not records:
        print("no results in var/bench/: run without --render first", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(records), encoding="utf-8")
    print(f"[bench] wrote {args.output}")
    return 1 if any("error" in r for r in records.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
