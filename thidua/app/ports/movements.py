"""Ports of the movements: the annual review and thematic movements, and registrations."""

from __future__ import annotations

from typing import Protocol


class MovementStore(Protocol):
    """What the movement and registration use cases read and write in one transaction."""
