"""Ports of the nominations use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class NominationStore(Protocol):
    """What the nominations use cases read and write in one transaction."""
