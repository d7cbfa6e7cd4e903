"""The test process never talks to anything outside 127.0.0.0/8 and ::1.

Installed by ``tests/conftest.py`` for the whole session: a socket ``connect``/``connect_ex``/
``sendto`` towards any other address raises ``OffLoopbackError`` *before* the real call, so no
packet leaves; a name lookup (``getaddrinfo``) is allowed only for IP literals and ``localhost``
(answered from ``/etc/hosts``), because resolving any other name would send a DNS query to the
machine's nameserver. Unix sockets are untouched.

This covers the test process itself (in-process APIs, workers, webhook senders, httpx clients).
Child processes (the embedded Temporal server, ``thidua up``) are configured by the tests to bind
and call loopback only; the guard cannot reach into them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class OffLoopbackError(ConnectionRefusedError):
    """A test tried to reach an address outside 127.0.0.0/8 and ::1 (refused before sending)."""


def is_loopback_host(host: object) -> bool:
    """True for an IP literal in 127.0.0.0/8 or ::1 (IPv4-mapped included), or a local name."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").split("%", 1)[0].lower()
    if name in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _check_address(family: int, address: Any) -> None:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0] if isinstance(address, tuple) and address else address
    if not is_loopback_host(host):
        raise OffLoopbackError(f"tests stay on loopback: refused a connection to {address!r}")


_installed: dict[str, Callable[..., Any]] = {}


def install() -> None:
    """Wrap the socket calls (idempotent)."""
    if _installed:
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        _check_address(self.family, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check_address(self.family, address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _check_address(self.family, args[-1])
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_literal(host) and not is_loopback_host(host):
            raise OffLoopbackError(f"tests stay on loopback: refused to resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    _installed.update(
        connect=real_connect,
        connect_ex=real_connect_ex,
        sendto=real_sendto,
        getaddrinfo=real_getaddrinfo,
    )
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[assignment]
    socket.getaddrinfo = getaddrinfo


def installed() -> bool:
    return bool(_installed)
