"""Ports of the webhooks use cases (filled in as the area moves behind its ports)."""

from __future__ import annotations

from typing import Protocol


class WebhookStore(Protocol):
    """What the webhooks use cases read and write in one transaction."""
