"""The webhook address policy against SSRF (``thidua.domain.webhook_destinations``): which
addresses and URLs a webhook may be sent to, checked as plain functions."""

from __future__ import annotations

import ipaddress

import pytest

from thidua.domain.webhook_destinations import (
    DestinationPolicy,
    DestinationRefused,
    RefusedBecause,
    address_allowed,
    check_addresses,
    parse_destination,
)

FORBIDDEN = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "169.254.169.254",
    "169.254.1.1",
    "10.0.0.1",
    "192.168.1.10",
    "172.16.0.1",
    "172.31.255.254",
    "100.64.0.1",
    "100.127.255.254",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "0.0.0.0",  # noqa: S104 (an address checked, not bound)
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34"]
OPEN = DestinationPolicy()


class TestAddressPolicy:
    @pytest.mark.parametrize("address", FORBIDDEN)
    def test_internal_and_special_addresses_are_refused(self, address: str) -> None:
        """Loopback, private, link-local, metadata, CGNAT, ULA, unspecified, multicast, reserved,
        and IPv4 wrapped in IPv6 (mapped, NAT64, 6to4)."""
        assert not address_allowed(ipaddress.ip_address(address), OPEN)

    @pytest.mark.parametrize("address", PUBLIC)
    def test_public_unicast_addresses_are_allowed(self, address: str) -> None:
        """Public IPv4 and IPv6 unicast addresses (also IPv4-mapped) are fine."""
        assert address_allowed(ipaddress.ip_address(address), OPEN)

    def test_the_allowlist_permits_its_networks_only(self) -> None:
        """``allowed_networks`` admits its CIDRs (and IPv4-mapped forms of them), nothing else."""
        policy = DestinationPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),))
        assert address_allowed(ipaddress.ip_address("127.0.0.1"), policy)
        assert address_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), policy)
        assert not address_allowed(ipaddress.ip_address("::1"), policy)
        assert not address_allowed(ipaddress.ip_address("10.0.0.1"), policy)


class TestUrls:
    def test_https_is_required_by_default(self) -> None:
        """http:// refused unless the deployment says otherwise."""
        with pytest.raises(DestinationRefused) as err:
            parse_destination("http://hooks.example.test/h", DestinationPolicy())
        assert err.value.because is RefusedBecause.HTTPS_REQUIRED
        assert parse_destination("https://hooks.example.test/h", DestinationPolicy()).port == 443

    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:7233/",
            "http://[::1]:8000/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0:7233/",
        ],
    )
    def test_literal_internal_addresses_are_refused_without_lookup(self, url: str) -> None:
        """An IP literal is checked as it is."""
        with pytest.raises(DestinationRefused) as err:
            parse_destination(url, DestinationPolicy(require_https=False))
        assert err.value.because is RefusedBecause.FORBIDDEN_ADDRESS

    @pytest.mark.parametrize(
        "url", ["https://metadata.google.internal/x", "https://METADATA.google.internal./x"]
    )
    def test_cloud_metadata_names_are_refused(self, url: str) -> None:
        """Metadata service names, whatever they would resolve to."""
        with pytest.raises(DestinationRefused) as err:
            parse_destination(url, DestinationPolicy())
        assert err.value.because is RefusedBecause.METADATA_NAME

    def test_names_are_refused_when_names_are_not_resolved(self) -> None:
        """``resolve_names`` False: only IP literals are accepted."""
        with pytest.raises(DestinationRefused) as err:
            parse_destination("https://hooks.example.test/", DestinationPolicy(resolve_names=False))
        assert err.value.because is RefusedBecause.NAME_NOT_RESOLVED

    def test_a_name_is_pinned_only_if_every_answer_is_allowed(self) -> None:
        """Any private answer refuses; no answer refuses; else pinned to the first answer."""
        dest = parse_destination("https://hooks.example.test:8443/h", DestinationPolicy())
        with pytest.raises(DestinationRefused):
            check_addresses(dest, ["93.184.216.34", "10.0.0.1"], DestinationPolicy())
        with pytest.raises(DestinationRefused):
            check_addresses(dest, [], DestinationPolicy())
        checked = check_addresses(dest, ["93.184.216.34", "8.8.8.8"], DestinationPolicy())
        assert checked.address == "93.184.216.34"
        assert dest.host_header == "hooks.example.test:8443"
