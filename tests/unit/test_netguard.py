"""The session's loopback guard refuses, before any packet is sent, what leaves 127.0.0.0/8 and ::1."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
import pytest

from tests.support.netguard import OffLoopbackError, is_loopback_host


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1", "localhost"]
)
def test_loopback_hosts_are_allowed(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    ["10.0.0.1", "169.254.169.254", "192.168.1.1", "8.8.8.8", "::", "fe80::1", "example.org"],
)
def test_other_hosts_are_not(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize("address", [("10.0.0.1", 80), ("169.254.169.254", 80)])
def test_a_connection_outside_loopback_is_refused_before_it_is_made(
    address: tuple[str, int],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OffLoopbackError):
            sock.connect(address)
        with pytest.raises(OffLoopbackError):
            sock.connect_ex(address)


def test_a_datagram_outside_loopback_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(OffLoopbackError):
        sock.sendto(b"x", ("10.0.0.1", 53))


def test_resolving_a_name_that_is_not_local_is_refused() -> None:
    with pytest.raises(OffLoopbackError):
        socket.getaddrinfo("example.org", 443)
    assert socket.getaddrinfo("127.0.0.1", 80)


def test_an_httpx_client_cannot_reach_a_private_address() -> None:
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get("http://10.0.0.1:9/")


def test_loopback_still_works() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        accepted: list[bool] = []

        def accept() -> None:
            conn, _ = server.accept()
            accepted.append(True)
            conn.close()

        thread = threading.Thread(target=accept)
        thread.start()
        with socket.create_connection(server.getsockname()[:2], timeout=5):
            pass
        thread.join(5)
    assert accepted == [True]


async def test_asyncio_connections_are_guarded_too() -> None:
    with pytest.raises(OffLoopbackError):
        await asyncio.open_connection("10.0.0.1", 9)
