"""Ports of the accounts use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class AccountStore(Protocol):
    """What the accounts use cases read and write in one transaction."""
