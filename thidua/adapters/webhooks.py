"""Sending webhook deliveries over HTTP with httpx (the use cases' ``WebhookSender``)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from thidua.app.ports.webhooks import SendResult

TIMEOUT = httpx.Timeout(10.0)


class HttpxWebhookSender:
    """POSTs a delivery (10 s timeout, redirects not followed); a network error is an answer
    with no status."""

    def __init__(self, timeout: httpx.Timeout = TIMEOUT) -> None:
        self._timeout = timeout

    async def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        try:
            async with httpx.AsyncClient(timeout=self._timeout, follow_redirects=False) as client:
                response = await client.post(url, content=body, headers=dict(headers))
        except httpx.HTTPError as exc:
            return SendResult(status_code=None, error=f"{type(exc).__name__}: {exc}")
        return SendResult(status_code=response.status_code, error=None)
