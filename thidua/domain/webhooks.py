"""The webhook vocabulary shared by the delivery workflows, their activities and the use cases.

Plain data so it can travel through Temporal payloads; no I/O.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field


class Delivery(BaseModel):
    """What a delivery workflow needs: where, what, and the key to sign with (never logged)."""

    delivery_id: int
    url: str
    event_id: int
    body: str


class WebhookDispatchInput(BaseModel):
    """How the webhook dispatcher runs; started without one, it uses these defaults."""

    # Without a signal, plan anyway this often: the longest a delivery waits if its signal was
    # lost (a worker died between the commit and the signal, the server was briefly unreachable).
    safety_poll: timedelta = Field(default=timedelta(seconds=60), gt=timedelta(0))
