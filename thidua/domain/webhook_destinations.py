"""Where a webhook may be sent: the address policy against SSRF (pure, no I/O).

A destination is checked at subscription and again at every delivery: its scheme (https unless
the deployment allows http), its host name (cloud metadata names are refused) and every address
the name resolves to. Loopback, private (RFC 1918, ULA), link-local (with the 169.254.169.254
metadata address), CGNAT, unspecified, multicast, reserved and documentation addresses are
refused, also when wrapped in IPv6 (IPv4-mapped, NAT64, 6to4, Teredo), unless an operator's
``allowed_networks`` covers them. The delivery then connects to the checked address itself
(pinned), so a DNS answer changed after the check cannot redirect it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Names of cloud metadata services (refused whatever they resolve to).
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.packet.net",
        "metadata.platformequinix.com",
        "metadata.tencentyun.com",
        "100-100-100-200.metadata",
    }
)

# Refused networks, beyond what ``ipaddress`` flags (not global, multicast, reserved...).
FORBIDDEN_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",
        "::1/128",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",  # ULA
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedBecause(StrEnum):
    """Why a destination was refused (for logs and tests; users see one generic text)."""

    URL = "url"  # not an absolute http(s) URL
    HTTPS_REQUIRED = "https_required"
    METADATA_NAME = "metadata_name"
    NAME_NOT_RESOLVED = "name_not_resolved"  # unresolvable, or names are not resolved at all
    FORBIDDEN_ADDRESS = "forbidden_address"


class DestinationRefused(Exception):
    """A webhook destination the policy refuses."""

    def __init__(self, because: RefusedBecause, detail: str = "") -> None:
        super().__init__(f"{because.value}: {detail}" if detail else because.value)
        self.because = because


@dataclass(frozen=True)
class DestinationPolicy:
    """The deployment's address policy (from ``Settings.webhooks``).

    ``allowed_networks`` are permitted even if private (e.g. an intranet receiver, or the tests'
    127.0.0.1 receivers); ``resolve_names`` False refuses every host name (only IP literals are
    accepted, and nothing is ever looked up)."""

    require_https: bool = True
    resolve_names: bool = True
    allowed_networks: tuple[IPNetwork, ...] = ()


@dataclass(frozen=True)
class Destination:
    """A parsed webhook URL: ``host`` lowercased without brackets, ``address`` if a literal."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress | None

    @property
    def host_header(self) -> str:
        """The Host header: the name (bracketed if IPv6), with the port unless the default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True)
class CheckedDestination:
    """A destination whose address was checked: deliveries connect to ``address`` only."""

    destination: Destination
    address: str


def unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address (else ``ip``)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def forbidden(ip: IPAddress) -> bool:
    """Whether ``ip`` (or the IPv4 address it wraps) is not a public unicast address."""
    candidate = unwrap(ip)  # a wrapped IPv4 address is judged as itself
    if any(candidate in net for net in FORBIDDEN_NETWORKS if net.version == candidate.version):
        return True
    return (
        not candidate.is_global
        or candidate.is_multicast
        or candidate.is_reserved
        or candidate.is_loopback
        or candidate.is_link_local
        or candidate.is_unspecified
    )


def address_allowed(ip: IPAddress, policy: DestinationPolicy) -> bool:
    """Public addresses, and any address in (or wrapping one in) the policy's allowed networks."""
    for candidate in (ip, unwrap(ip)):
        if any(
            candidate in net for net in policy.allowed_networks if net.version == candidate.version
        ):
            return True
    return not forbidden(ip)


def parse_destination(url: str, policy: DestinationPolicy) -> Destination:
    """Parse and check what needs no lookup: scheme, https, host, metadata names, IP literals."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise DestinationRefused(RefusedBecause.URL, str(err)) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host:
        raise DestinationRefused(RefusedBecause.URL)
    if policy.require_https and scheme != "https":
        raise DestinationRefused(RefusedBecause.HTTPS_REQUIRED)
    if host in METADATA_NAMES:
        raise DestinationRefused(RefusedBecause.METADATA_NAME, host)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None and not address_allowed(literal, policy):
        raise DestinationRefused(RefusedBecause.FORBIDDEN_ADDRESS, str(literal))
    if literal is None and not policy.resolve_names:
        raise DestinationRefused(RefusedBecause.NAME_NOT_RESOLVED, host)
    default = 443 if scheme == "https" else 80
    return Destination(url=url, scheme=scheme, host=host, port=port or default, address=literal)


def check_addresses(
    destination: Destination, addresses: Iterable[str], policy: DestinationPolicy
) -> CheckedDestination:
    """Pin ``destination`` to the first of its resolved ``addresses``; refused if there is none
    or if any of them is not allowed (a name may not mix public and private answers)."""
    ips: list[IPAddress] = []
    for text in addresses:
        try:
            ips.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            raise DestinationRefused(RefusedBecause.FORBIDDEN_ADDRESS, text) from None
    if not ips:
        raise DestinationRefused(RefusedBecause.NAME_NOT_RESOLVED, destination.host)
    for ip in ips:
        if not address_allowed(ip, policy):
            raise DestinationRefused(RefusedBecause.FORBIDDEN_ADDRESS, str(ip))
    return CheckedDestination(destination, str(ips[0]))


@dataclass(frozen=True)
class SubscriptionRules:
    """What a new subscription must respect: the address policy and the cap per account."""

    policy: DestinationPolicy = DestinationPolicy()
    max_active_per_account: int = 10


def delivery_task_queue(task_queue: str) -> str:
    """The task queue of webhook deliveries, beside the service's ``task_queue``: their own
    worker and activity slots, so a flood of deliveries cannot starve nominations."""
    return f"{task_queue}-webhooks"
