"""Ports of the dashboard use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class DashboardQueries(Protocol):
    """What the dashboard use cases read and write in one transaction."""
