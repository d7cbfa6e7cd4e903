"""The one client address: X-Forwarded-For believed only from trusted proxies."""

from __future__ import annotations

from typing import Any

from thidua.entrypoints.client_address import client_address, parse_networks

PROXIES = parse_networks(["127.0.0.200/32", "127.0.1.0/24"])


def _scope(peer: str, forwarded: str | None = None) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 1234), "headers": headers}


class TestClientAddress:
    def test_without_trusted_proxies_the_header_is_ignored(self) -> None:
        """No trusted proxy (the default): the peer is the client, whatever the header says."""
        assert client_address(_scope("127.0.0.5", "127.0.0.9")) == "127.0.0.5"

    def test_an_untrusted_peer_cannot_claim_another_address(self) -> None:
        """A peer outside the trusted list is the client even if it sends the header."""
        assert client_address(_scope("127.0.0.5", "127.0.0.9"), PROXIES) == "127.0.0.5"

    def test_the_right_most_untrusted_hop_is_the_client(self) -> None:
        """Through two trusted proxies, the spoofed left-most entry is skipped."""
        scope = _scope("127.0.0.200", "127.0.0.66, 127.0.0.21, 127.0.1.7")
        assert client_address(scope, PROXIES) == "127.0.0.21"

    def test_garbage_keeps_the_last_trusted_hop(self) -> None:
        """An unparsable hop stops the walk at the last address a trusted proxy vouched for."""
        assert client_address(_scope("127.0.0.200", "bad, 127.0.1.7"), PROXIES) == "127.0.1.7"
        assert client_address(_scope("127.0.0.200", "nonsense"), PROXIES) == "127.0.0.200"

    def test_a_trusted_peer_without_the_header_is_the_client(self) -> None:
        """A request from the proxy itself (a health check) is the proxy's address."""
        assert client_address(_scope("127.0.0.200"), PROXIES) == "127.0.0.200"

    def test_ipv6_and_mapped_ipv4(self) -> None:
        """IPv6 proxies work; an IPv4-mapped IPv6 address reads as IPv4."""
        v6 = parse_networks(["::1/128"])
        assert client_address(_scope("::1", "::ffff:127.0.0.3"), v6) == "127.0.0.3"
