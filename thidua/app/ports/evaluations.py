"""Ports of the evaluations use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class EvaluationStore(Protocol):
    """What the evaluations use cases read and write in one transaction."""
