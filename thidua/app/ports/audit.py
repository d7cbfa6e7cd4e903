"""Ports of the audit use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class AuditStore(Protocol):
    """What the audit use cases read and write in one transaction."""
