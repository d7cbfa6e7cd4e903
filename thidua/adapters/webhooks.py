"""Sending webhook deliveries over HTTP with httpx (the use cases' ``WebhookSender``), and the
system's name resolution (their ``Resolver``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping

import httpx

from thidua.app.ports.webhooks import CONNECTION_FAILED, SendResult
from thidua.app.ports.webhooks import TIMEOUT as TIMED_OUT
from thidua.domain.webhook_destinations import CheckedDestination

TIMEOUT = httpx.Timeout(10.0)


class SystemResolver:
    """Resolves names with the system resolver (``loop.getaddrinfo``); ``[]`` if it fails."""

    async def resolve(self, host: str) -> list[str]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError):
            return []
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class HttpxWebhookSender:
    """POSTs a delivery to its checked address (10 s timeout, redirects not followed, no proxy
    from the environment); a network error is an answer with no status and a generic text.

    The request goes to ``target.address`` itself; the Host header and the TLS server name (SNI,
    and so the certificate check) are the URL's name."""

    def __init__(
        self, timeout: httpx.Timeout = TIMEOUT, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._timeout = timeout
        self._transport = transport

    async def send(
        self, target: CheckedDestination, body: bytes, headers: Mapping[str, str]
    ) -> SendResult:
        destination = target.destination
        url = httpx.URL(destination.url).copy_with(host=target.address)
        extensions = {}
        if destination.scheme == "https" and destination.address is None:
            extensions["sni_hostname"] = destination.host
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout,
                follow_redirects=False,
                trust_env=False,
                transport=self._transport,
            ) as client:
                response = await client.post(
                    url,
                    content=body,
                    headers={**headers, "Host": destination.host_header},
                    extensions=extensions,
                )
        except httpx.TimeoutException:
            return SendResult(status_code=None, error=TIMED_OUT)
        except httpx.HTTPError:
            return SendResult(status_code=None, error=CONNECTION_FAILED)
        return SendResult(status_code=response.status_code, error=None)
