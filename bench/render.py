"""``docs/performance.md`` from the benchmarks' JSON results: the machine, a summary, one section each."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from bench.machine import ROOT, machine


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
