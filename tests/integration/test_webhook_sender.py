"""The webhook sender and resolver adapters on loopback only (``thidua.adapters.webhooks``):
the delivery is pinned to the checked address with the name as Host header, errors are
generic. No test here sends a packet outside 127.0.0.0/8, DNS included."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from thidua.adapters.webhooks import HttpxWebhookSender, SystemResolver
from thidua.app.webhooks import DestinationGuard
from thidua.domain.webhook_destinations import DestinationPolicy, DestinationRefused

ALLOW_LOOPBACK = DestinationPolicy(
    require_https=False, allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),)
)


class HostRecorder:
    """A receiver on 127.0.0.1 that remembers each request's Host header and path."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                seen.append((self.headers["Host"], self.path))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def recorder() -> Iterator[HostRecorder]:
    r = HostRecorder()
    yield r
    r.server.shutdown()
    r.server.server_close()


class StubResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(self, host: str) -> list[str]:
        return self.table.get(host, [])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TestPinnedDelivery:
    async def test_a_name_is_delivered_to_its_checked_address_with_its_host_header(
        self, recorder: HostRecorder
    ) -> None:
        """The stub resolves the name to 127.0.0.1 (allowlisted): the POST reaches the receiver
        there, with ``Host: <name>:<port>``."""
        guard = DestinationGuard(
            ALLOW_LOOPBACK, StubResolver({"hooks.example.test": ["127.0.0.1"]})
        )
        checked = await guard.check(f"http://hooks.example.test:{recorder.port}/hook?x=1")
        result = await HttpxWebhookSender().send(checked, b"{}", {"X-Test": "1"})
        assert result.status_code == 202 and result.error is None
        assert recorder.seen == [(f"hooks.example.test:{recorder.port}", "/hook?x=1")]

    async def test_the_request_goes_to_the_address_not_the_name(self) -> None:
        """Through a spy transport: the connection target is the checked IP; the Host header and
        the TLS server name are the URL's name."""
        requests: list[httpx.Request] = []

        def spy(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            return httpx.Response(200)

        guard = DestinationGuard(
            DestinationPolicy(), StubResolver({"hooks.example.test": ["93.184.216.34"]})
        )
        checked = await guard.check("https://hooks.example.test/h")
        sender = HttpxWebhookSender(transport=httpx.MockTransport(spy))
        assert (await sender.send(checked, b"{}", {})).status_code == 200
        (request,) = requests
        assert request.url.host == "93.184.216.34" and request.url.path == "/h"
        assert request.headers["Host"] == "hooks.example.test"
        assert request.extensions["sni_hostname"] == "hooks.example.test"

    async def test_a_refused_connection_is_logged_generically(self) -> None:
        """A closed port on loopback: ``connection failed``, not the OS error's text."""
        guard = DestinationGuard(ALLOW_LOOPBACK, StubResolver({}))
        checked = await guard.check(f"http://127.0.0.1:{closed_port()}/h")
        result = await HttpxWebhookSender().send(checked, b"{}", {})
        assert (result.status_code, result.error) == (None, "connection failed")


class TestSystemResolver:
    async def test_localhost_and_literals_resolve_without_dns(self) -> None:
        """``localhost`` comes from /etc/hosts; a literal resolves to itself."""
        assert "127.0.0.1" in await SystemResolver().resolve("localhost") or "::1" in (
            await SystemResolver().resolve("localhost")
        )
        assert await SystemResolver().resolve("127.0.0.1") == ["127.0.0.1"]

    async def test_localhost_is_refused_by_the_policy(self) -> None:
        """A name resolving to loopback, with the real resolver: refused."""
        guard = DestinationGuard(DestinationPolicy(require_https=False), SystemResolver())
        with pytest.raises(DestinationRefused):
            await guard.check("http://localhost:8000/h")
