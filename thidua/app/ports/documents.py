"""Ports of the documents use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class DocumentStore(Protocol):
    """What the documents use cases read and write in one transaction."""
