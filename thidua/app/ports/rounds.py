"""Ports of the rounds use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class RoundStore(Protocol):
    """What the rounds use cases read and write in one transaction."""
