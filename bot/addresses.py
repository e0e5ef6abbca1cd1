"""Which network addresses a URL fetch may reach: the rules `bot/fetch.py` applies to every hop.

Pure functions over `ipaddress` values (no sockets, no aiohttp), so `bot/config.py` can validate
the allow setting with the same parser the fetcher uses. docs/fetch.md explains the rules.

Python's `is_global` alone is not enough: it calls multicast (224.0.0.1), site-local (fec0::),
IPv4-compatible (::7f00:1) and 6to4 forms of loopback (2002:7f00:1::) "global". So the ranges
are listed here explicitly, IPv6 forms that carry an IPv4 address are judged by that address,
and `is_global` is only the last net for anything the lists miss.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Refusal(enum.Enum):
    """Why an address is refused; the value completes "That address points …"."""

    METADATA = "at a cloud metadata service"
    UNSPECIFIED = "at an unspecified address (0.0.0.0 or ::), which means this machine"
    LOOPBACK = "at the bot's own machine (loopback)"
    PRIVATE = "inside a private network"
    LINK_LOCAL = "at a link-local address on the bot's own network"
    MULTICAST = "at a multicast address"
    RESERVED = "at a reserved address, not a public internet one"


def _networks(*cidrs: str) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# The first list that holds an address names the refusal, so the narrow ones come first.
REFUSED_RANGES: tuple[tuple[Refusal, tuple[IPNetwork, ...]], ...] = (
    # AWS, GCP, Azure, OpenStack (169.254.169.254), AWS over IPv6, Alibaba Cloud.
    (Refusal.METADATA, _networks("169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32")),
    (Refusal.UNSPECIFIED, _networks("0.0.0.0/8", "::/128")),
    (Refusal.LOOPBACK, _networks("127.0.0.0/8", "::1/128")),
    (
        Refusal.PRIVATE,
        _networks(
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",  # carrier-grade NAT: shared, never public
            "fc00::/7",  # unique local
            "fec0::/10",  # site-local (deprecated, still routed by some stacks)
        ),
    ),
    (Refusal.LINK_LOCAL, _networks("169.254.0.0/16", "fe80::/10")),
    (Refusal.MULTICAST, _networks("224.0.0.0/4", "ff00::/8")),
    (
        Refusal.RESERVED,
        _networks(
            "192.0.0.0/24",  # IETF protocol assignments
            "192.0.2.0/24",  # documentation (TEST-NET-1/2/3)
            "198.51.100.0/24",
            "203.0.113.0/24",
            "198.18.0.0/15",  # benchmarking
            "240.0.0.0/4",  # future use, and 255.255.255.255 broadcast
            "::/8",  # IPv4-compatible and IPv4-mapped forms (judged by their IPv4 first)
            "100::/64",  # discard-only
            "2001::/23",  # IETF protocol assignments, Teredo among them
            "2001:db8::/32",  # documentation
            "64:ff9b:1::/48",  # local-use NAT64
        ),
    ),
)

NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form stands for (mapped, compatible, translated, NAT64, 6to4)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    value = int(address)
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        return ipaddress.IPv4Address(value)
    if address in NAT64 or address in IPV4_TRANSLATED:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    return None


def refusal_for(address: IPAddress) -> Refusal | None:
    """Why a fetch must not connect to `address`, or None for a public internet address."""
    if isinstance(address, ipaddress.IPv6Address):
        address = _unscoped(address)
        inner = embedded_ipv4(address)
        if inner is not None:
            refused = refusal_for(inner)
            if refused is not None or address in NAT64:
                # NAT64 is how IPv6-only networks reach IPv4 hosts: as good as its IPv4.
                return refused
    for refusal, networks in REFUSED_RANGES:
        if any(address in network for network in networks):
            return refusal
    if not address.is_global or address.is_multicast or address.is_reserved:
        return Refusal.RESERVED
    return None


def _unscoped(address: ipaddress.IPv6Address) -> ipaddress.IPv6Address:
    # "fe80::1%eth0": the zone names an interface, not a different address.
    return ipaddress.IPv6Address(str(address).split("%", 1)[0])


class NotAnAddress(ValueError):
    """A host written as numbers that no address parser agrees on (e.g. 1.2.3.999)."""


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host spells, in any form a C resolver would accept; None for a name.

    Besides dotted quads and IPv6, `inet_aton` takes 1 to 4 parts, each decimal, octal with a
    leading 0, or hex with 0x: 2130706433, 0177.0.0.1, 0x7f.1 and 127.1 all mean 127.0.0.1.
    """
    text = host.strip("[]")
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            raise NotAnAddress(host) from None
    labels = text.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()  # a trailing dot (fully qualified) changes nothing
    numbers = [_ipv4_part(label) for label in labels]
    if not numbers or any(number is None for number in numbers):
        return None
    parts = [number for number in numbers if number is not None]
    *head, last = parts
    if len(parts) > 4 or any(part > 255 for part in head) or last >= 256 ** (5 - len(parts)):
        raise NotAnAddress(host)
    value = last
    for index, part in enumerate(head):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


_HEX = re.compile(r"0[xX][0-9a-fA-F]*")
_OCTAL = re.compile(r"0[0-7]+")
_DECIMAL = re.compile(r"[0-9]+")


def _ipv4_part(label: str) -> int | None:
    if _HEX.fullmatch(label):
        return int(label[2:] or "0", 16)
    if _OCTAL.fullmatch(label):
        return int(label, 8)
    if _DECIMAL.fullmatch(label):
        if len(label) > 1 and label.startswith("0"):
            raise NotAnAddress(label)  # "08": octal with a digit octal lacks
        return int(label)
    return None


_HOST_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


@dataclass(frozen=True)
class AllowList:
    """Hosts and ranges an operator lets the fetcher reach although they are not public."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        """Host names ("specs.internal") and addresses or CIDR ranges ("10.1.0.0/16").

        Raises ValueError with a sentence naming the first entry that is neither.
        """
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = normalise_host(raw)
            network = _network(entry)
            if network is not None:
                networks.append(network)
            elif _is_host_name(entry):
                hosts.add(entry)
            else:
                raise ValueError(
                    f"{raw!r} is neither a host name (like specs.internal) nor an address "
                    "or range (like 127.0.0.1 or 10.0.0.0/8)"
                )
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return normalise_host(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        if isinstance(address, ipaddress.IPv6Address):
            address = _unscoped(address)
            candidates = [address]
            inner = embedded_ipv4(address)
            if inner is not None:
                candidates.append(inner)
        return any(
            candidate in network
            for candidate in candidates
            for network in self.networks
            if candidate.version == network.version
        )


def normalise_host(host: str) -> str:
    return host.strip().lower().rstrip(".")


def _network(entry: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=True)
    except ValueError as error:
        if "/" in entry and "host bits set" in str(error):
            raise ValueError(
                f"{entry!r} has bits set past its prefix length; write the range's first "
                f"address, like {ipaddress.ip_network(entry, strict=False)}"
            ) from None
        return None


def _is_host_name(entry: str) -> bool:
    if not entry or len(entry) > 253:
        return False
    labels = entry.split(".")
    # A name whose last label is all digits would be read as an address, not looked up.
    if labels[-1].isdigit():
        return False
    return all(_HOST_LABEL.fullmatch(label) for label in labels)
