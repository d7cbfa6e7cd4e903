"""Ports of the org use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class OrgStore(Protocol):
    """What the org use cases read and write in one transaction."""
