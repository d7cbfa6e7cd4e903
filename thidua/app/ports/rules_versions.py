"""Ports of the rules versions use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class RulesVersionStore(Protocol):
    """What the rules versions use cases read and write in one transaction."""
