"""The size of the crash and property suites: ``bounded`` (``make test``) or ``full``."""

from __future__ import annotations

import os
from typing import Any

import pytest


def crash_scale() -> str:
    """``bounded`` (default, part of ``make test``) or ``full`` (THIDUA_CRASH_SCALE=full)."""
    return "full" if os.environ.get("THIDUA_CRASH_SCALE", "").lower() == "full" else "bounded"


def scaled(bounded: int, full: int) -> int:
    return full if crash_scale() == "full" else bounded


def backends(*bounded: str) -> Any:
    """``db_url`` parameters: the given backends at the bounded size, both at full size."""
    names = ("sqlite", "postgres") if crash_scale() == "full" else bounded
    params = [pytest.param(n, marks=pytest.mark.postgres) if n == "postgres" else n for n in names]
    return pytest.mark.parametrize("db_url", params, indirect=True)
