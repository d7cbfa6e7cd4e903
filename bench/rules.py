"""Rules engine throughput on one core: explained decisions/s vs bare durable_rules.

    .venv/bin/python -m bench.rules [--n 100000] [--seed 2024] [--chunk 1] [--json]

Measures, on the same compiled ruleset (the shipped ntm-2024 v1) and the same generated nominees:
- explained: JSON facts -> validated facts -> derived values -> durable_rules (assert_fact +
  delete_state) -> our per-condition explanation -> agreement check -> Decision object;
- explained+json: the same plus `model_dump_json()` of each Decision;
- bare durable_rules: assert_fact + delete_state of the prepared durable facts only.
CPU time (time.process_time) is reported next to wall time: the machine may be shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import time
from collections.abc import Callable

from rules.catalogue import extract
from rules.engine import RulesEngine
from rules.facts import parse_facts
from rules.generate import nominees
from rules.registry import RulesRegistry


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--chunk", type=int, default=1, help="nominees per evaluate_many call")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = ap.parse_args()

    registry = RulesRegistry.from_directory()
    engine = RulesEngine(registry)
    lr = registry.in_force(dt.date(2024, 12, 20))
    lines = [json.dumps(f) for f in nominees(args.n, seed=args.seed)]
    engine.evaluate_many([json.loads(lines[0])], ruleset=lr)  # build the host, compile, warm up
    n, chunk = len(lines), max(1, args.chunk)

    def explained() -> None:
        for i in range(0, n, chunk):
            engine.evaluate_many([json.loads(x) for x in lines[i : i + chunk]], ruleset=lr)

    def explained_json() -> None:
        for i in range(0, n, chunk):
            for d in engine.evaluate_many(
                [json.loads(x) for x in lines[i : i + chunk]], ruleset=lr
            ):
                d.model_dump_json()

    ew, ec = _timed(explained)
    jw, jc = _timed(explained_json)

    # prepared after the explained runs so that they do not pay GC for 100k live dicts
    thematic = lr.ruleset.thematic_titles
    durable_facts = [
        engine.durable_fact(lr, extract(parse_facts(json.loads(x)), thematic)) for x in lines
    ]
    firings = [0]

    def bare() -> None:
        firings[0] = engine.bare_durable(lr, durable_facts)

    bw, bc = _timed(bare)
    rows = [
        ("explained decisions", ew, ec),
        ("explained + JSON", jw, jc),
        ("bare durable_rules", bw, bc),
    ]
    target = 10_000
    verdict = "meets" if n / ec >= target else "misses"
    if args.json:
        print(
            json.dumps(
                {
                    "ruleset": f"{lr.id}@{lr.version}",
                    "n": n,
                    "chunk": chunk,
                    "rules_fired": firings[0],
                    "per_second": {
                        name: {
                            "wall": round(n / w),
                            "cpu": round(n / c),
                            "cpu_us": round(c / n * 1e6, 1),
                        }
                        for name, w, c in rows
                    },
                    "ratio_explained_to_bare_cpu": round(bc / ec, 3),
                    "target_per_second": target,
                    "verdict": verdict,
                }
            )
        )
        return
    print(f"rules bench: {lr.id}@{lr.version}, {n} generated nominees, chunk {chunk}, one core")
    print(f"  rules fired by durable_rules: {firings[0]} ({firings[0] / n:.2f} per nominee)")
    for name, w, c in rows:
        print(
            f"  {name:<22} {n / w:>10,.0f}/s wall  {n / c:>10,.0f}/s cpu  ({c / n * 1e6:6.1f} µs cpu each)"
        )
    print(f"  ratio explained / bare (cpu): {bc / ec:.2f}  (explained costs {ec / bc:.2f}x bare)")
    print(f"  target {target:,}/s explained (cpu): {verdict}")


if __name__ == "__main__":
    main()
