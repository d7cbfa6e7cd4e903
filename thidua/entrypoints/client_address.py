"""The client's address, the one answer for throttling, the audit log and the logs.

The direct peer (``scope["client"]``) is the client unless it is one of the trusted proxies
(``api.trusted_proxies``, CIDRs; none by default). Only then is ``X-Forwarded-For`` read: from
the right, past the addresses of trusted proxies, the first address that is not one is the
client (what the outermost trusted proxy saw). Addresses to the left of it were written by the
client itself and are never believed. Without trusted proxies the header is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """``10.0.0.0/8``, ``127.0.0.1`` (a single address)... as networks; a bad value raises."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def _trusted(address: Any, networks: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_address(scope: Any, trusted: Sequence[IPNetwork] = ()) -> str:
    """The client's address for an ASGI ``scope`` (or a Starlette ``Request``, which is one).

    ``trusted`` defaults to the app's (``app.state.trusted_proxies``, set by ``create_app``).
    """
    client = scope.get("client")
    peer_text = str(client[0]) if client else UNKNOWN
    if not trusted:
        app = scope.get("app")
        trusted = getattr(getattr(app, "state", None), "trusted_proxies", ()) or ()
    if not trusted:
        return peer_text
    peer = _address(peer_text)
    if not _trusted(peer, trusted):
        return peer_text
    hops: list[str] = []
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            hops.extend(value.decode("latin-1").split(","))
    client_ip = str(peer)
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage in the chain: keep the last address a trusted proxy vouched for
        client_ip = str(address)
        if not _trusted(address, trusted):
            break
    return client_ip
