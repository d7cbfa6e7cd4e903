"""The webhook vocabulary shared by the delivery workflows, their activities and the use cases.

Plain data so it can travel through Temporal payloads; no I/O. A delivery is signed with its
subscription's secret: ``X-Thidua-Signature: sha256=<hex HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from pydantic import BaseModel, Field

# The events a subscription may ask for (the types of the event feed).
EVENT_TYPES = ("nomination.stage_changed", "nomination.decided", "nomination.updated")
SIGNATURE_HEADER = "X-Thidua-Signature"


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


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery_headers(delivery: Delivery, secret: str) -> dict[str, str]:
    """The headers a delivery is sent with: the event, the delivery and the body's signature."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-Thidua-Event-Id": str(delivery.event_id),
        "X-Thidua-Delivery-Id": str(delivery.delivery_id),
        SIGNATURE_HEADER: sign(secret, delivery.body.encode("utf-8")),
    }
