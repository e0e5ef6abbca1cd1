"""bot/fetch.py and bot/addresses.py: the one guarded way to fetch a URL.

The hostile table runs through a resolver that does no DNS and connections that record every
address tried and connect to loopback only, so even a broken guard could not reach outside
127.0.0.0/8. The other tests talk to a real aiohttp server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from bot.addresses import AllowList, NotAnAddress, Refusal, literal_address, refusal_for
from bot.fetch import (
    Fetched,
    Fetcher,
    FetchError,
    FetchRefused,
    FetchTooLarge,
)
from bot.formatters import describe_size
from tests.fetching import (
    LoopbackOnlyConnections,
    OfflineResolver,
    local_fetcher,
    serve_on_loopback,
)

DOCUMENT = b"openapi: 3.0.3\n" * 10


async def get(fetcher: Fetcher, url: str, trusted_origin: str | None = None) -> Fetched:
    return await fetcher.fetch(
        url, max_bytes=5 * 1024 * 1024, timeout_seconds=5.0, trusted_origin=trusted_origin
    )


# What the offline resolver answers for the names in the table.
HOSTILE_NAMES = {
    "internal.test": ["10.1.2.3"],
    "mixed.test": ["93.184.216.34", "10.0.0.5"],
    "mixed6.test": ["2606:2800:220:1::1", "fd00::5"],
    "metadata.google.internal": ["169.254.169.254"],
    "loopback6.test": ["::1"],
    "mapped.test": ["::ffff:127.0.0.1"],
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "cgnat.test": ["100.72.0.9"],
    "zero.test": ["0.0.0.0"],
}

HOSTILE_URLS = [
    # loopback, every spelling
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/openapi.yaml",
    "https://127.255.255.254/",
    "http://localhost/",
    "http://LOCALHOST./openapi.yaml",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]:8080/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://127.1/",
    "http://017700000001/",
    # unspecified
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    # private (RFC 1918), carrier-grade NAT, unique local
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://192.168.1/",
    "http://100.64.0.1/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    # cloud metadata and link-local
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://2852039166/",
    "http://169.254.1.1/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    # multicast, reserved, documentation, benchmarking, broadcast
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://[2001:db8::1]/",
    # IPv6 forms that carry a private IPv4 address
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:c0a8:101::1]/",
    # names that resolve to such addresses, all of them or only some
    "http://internal.test/openapi.yaml",
    "http://mixed.test/",
    "http://mixed6.test/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://loopback6.test/",
    "http://mapped.test/",
    "http://127.0.0.1.nip.io/",
    "http://cgnat.test/",
    "http://zero.test/",
    # not http(s), credentials, not an address
    "ftp://example.com/spec.yaml",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "dict://127.0.0.1:11211/stats",
    "javascript:alert(1)",
    "http://user:secret@example.com/spec.yaml",
    "http://example.com@127.0.0.1/",
    "http://1.2.3.999/",
    "http:///openapi.yaml",
]


async def fetch_hostile(url: str) -> tuple[FetchRefused | None, LoopbackOnlyConnections]:
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(resolver=OfflineResolver(HOSTILE_NAMES), connections=connections)
    try:
        await get(fetcher, url)
    except FetchRefused as refused:
        return refused, connections
    except FetchError:
        pass  # let through, and failed further on: not refused
    return None, connections


@pytest.mark.parametrize("url", HOSTILE_URLS)
async def test_a_hostile_url_is_refused_before_any_connection(url: str) -> None:
    refused, connections = await fetch_hostile(url)
    assert refused is not None, f"{url} was not refused"
    assert connections.attempted == []
    # One friendly sentence or two, never an exception's own text.
    assert "\n" not in refused.message and refused.message[:1].isupper()
    assert "Error" not in refused.message


async def test_the_whole_hostile_table_is_refused_with_no_connection_attempted() -> None:
    assert len(HOSTILE_URLS) >= 30
    refused = attempted = 0
    for url in HOSTILE_URLS:
        error, connections = await fetch_hostile(url)
        refused += error is not None
        attempted += len(connections.attempted)
    print(
        f"\n{refused} of {len(HOSTILE_URLS)} hostile URLs refused, "
        f"{attempted} connections attempted"
    )
    assert (refused, attempted) == (len(HOSTILE_URLS), 0)


@pytest.mark.parametrize(
    ("url", "wording"),
    [
        ("http://10.0.0.1/", "That address points inside a private network, so I won't fetch it."),
        ("http://127.0.0.1/", "That address points at the bot's own machine (loopback)"),
        ("http://169.254.169.254/", "That address points at a cloud metadata service"),
        ("http://internal.test/", "That URL's host name resolves to an address that points inside"),
        ("http://user:secret@example.com/", "carries a user name or password"),
        ("ftp://example.com/", "I only fetch `http://` and `https://` URLs."),
        ("http://1.2.3.999/", "written like a numeric address, but it isn't a valid one"),
    ],
)
async def test_refusals_say_why_in_plain_words(url: str, wording: str) -> None:
    refused, _ = await fetch_hostile(url)
    assert refused is not None and wording in refused.message
    # Only a refused address can be allowed; the operator's setting is named there.
    assert ("`fetch.allow`" in refused.message) == ("points" in wording)


async def test_an_unknown_name_is_a_friendly_error_without_a_connection() -> None:
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(connections=connections)
    with pytest.raises(FetchError, match="couldn't find that URL's host"):
        await get(fetcher, "https://no-such-host.test/spec.yaml")
    assert connections.attempted == []


# ---- where a fetch that is let through connects ------------------------------------------


async def test_a_public_name_is_resolved_once_and_its_vetted_address_is_the_one_dialled() -> None:
    # A rebinding DNS server answers public first, loopback after: only one lookup happens.
    resolver = OfflineResolver({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(resolver=resolver, connections=connections)
    with pytest.raises(FetchError, match="couldn't fetch that URL"):
        await get(fetcher, "http://rebind.test/openapi.yaml")
    assert resolver.lookups == ["rebind.test"]
    assert connections.attempted == ["93.184.216.34"]  # recorded, never connected


async def test_an_allowed_host_gets_through_to_its_private_address() -> None:
    resolver = OfflineResolver({"specs.internal": ["10.20.0.7"]})
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(["specs.internal"], resolver, connections)
    with pytest.raises(FetchError) as raised:
        await get(fetcher, "http://specs.internal/openapi.yaml")
    assert not isinstance(raised.value, FetchRefused)
    assert connections.attempted == ["10.20.0.7"]


async def test_an_allowed_range_gets_through_and_nothing_beside_it() -> None:
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(["10.20.0.0/16"], connections=connections)
    with pytest.raises(FetchError) as raised:
        await get(fetcher, "http://10.20.3.4/openapi.yaml")
    assert not isinstance(raised.value, FetchRefused)
    with pytest.raises(FetchRefused):
        await get(fetcher, "http://10.21.0.1/openapi.yaml")
    assert connections.attempted == ["10.20.3.4"]


# ---- against a real server on 127.0.0.1 ------------------------------------------------


class Site:
    """A local server with a document, redirects and misbehaving neighbours."""

    def __init__(self) -> None:
        self.base = ""
        self.port = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        targets = {
            "to-private": "http://10.0.0.1/openapi.yaml",
            "to-metadata": "http://169.254.169.254/latest/meta-data/",
            "to-internal-name": "http://internal.test/openapi.yaml",
            "to-loopback-v6": f"http://[::1]:{self.port}/doc",
            "to-hex-loopback": f"http://0x7f.1:{self.port}/doc",
            "to-ftp": "ftp://example.com/doc",
            "to-relative": "/doc",
            "hop": f"{self.base}/to-relative",
            "loop": "/loop",
        }
        if kind in targets:
            raise web.HTTPFound(targets[kind])
        if kind == "doc":
            return web.Response(body=DOCUMENT, content_type="application/yaml")
        if kind == "big":
            return web.Response(body=b"x" * 10_000)
        if kind == "streamed":
            response = web.StreamResponse()
            await response.prepare(request)
            for _ in range(20):
                await response.write(b"y" * 1_000)
            await response.write_eof()
            return response
        if kind == "slow":
            await asyncio.sleep(2)
            return web.Response(body=DOCUMENT)
        return web.Response(status=404, text="nothing here")


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    served = Site()
    async with serve_on_loopback(served.handle) as port:
        served.port = port
        served.base = f"http://127.0.0.1:{port}"
        yield served


async def test_loopback_is_refused_until_allowed(site: Site) -> None:
    connections = LoopbackOnlyConnections()
    with pytest.raises(FetchRefused, match="loopback"):
        await get(local_fetcher(connections=connections), f"{site.base}/doc")
    assert connections.attempted == []
    fetched = await get(
        local_fetcher(["127.0.0.1/32"], connections=connections), f"{site.base}/doc"
    )
    assert fetched.body == DOCUMENT and fetched.content_type == "application/yaml"
    assert connections.attempted == ["127.0.0.1"]


async def test_an_allowed_name_is_connected_to_the_address_it_was_vetted_at(site: Site) -> None:
    resolver = OfflineResolver({"specs.internal": ["127.0.0.1"]})
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(["specs.internal"], resolver, connections)
    fetched = await get(fetcher, f"http://specs.internal:{site.port}/doc")
    assert fetched.body == DOCUMENT
    assert resolver.lookups == ["specs.internal"]
    assert connections.attempted == ["127.0.0.1"]


@pytest.mark.parametrize(
    ("kind", "wording"),
    [
        ("to-private", "redirects to an address that points inside a private network"),
        ("to-metadata", "redirects to an address that points at a cloud metadata service"),
        ("to-internal-name", "redirects to a host whose address points inside a private"),
        ("to-loopback-v6", "redirects to an address that points at the bot's own machine"),
        ("to-ftp", "redirected away from http(s)"),
    ],
)
async def test_a_redirect_to_a_refused_place_is_not_followed(
    site: Site, kind: str, wording: str
) -> None:
    connections = LoopbackOnlyConnections()
    resolver = OfflineResolver(HOSTILE_NAMES)
    fetcher = local_fetcher(["127.0.0.1/32"], resolver, connections)
    with pytest.raises(FetchRefused) as refused:
        await get(fetcher, f"{site.base}/{kind}")
    assert wording in refused.value.message
    assert connections.attempted == ["127.0.0.1"]  # the first hop only


async def test_redirects_inside_the_rules_are_followed_and_counted(site: Site) -> None:
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(["127.0.0.1/32"], connections=connections)
    fetched = await get(fetcher, f"{site.base}/hop")
    assert fetched.body == DOCUMENT and fetched.url == f"{site.base}/doc"
    spelled = await get(fetcher, f"{site.base}/to-hex-loopback")
    assert spelled.url == f"{site.base}/doc"
    with pytest.raises(FetchError, match="redirected more than 5 times"):
        await get(fetcher, f"{site.base}/loop")
    assert set(connections.attempted) == {"127.0.0.1"}


@pytest.mark.parametrize("kind", ["big", "streamed"])
async def test_the_size_cap_holds(site: Site, kind: str) -> None:
    fetcher = local_fetcher(["127.0.0.1/32"])
    with pytest.raises(FetchTooLarge, match=r"larger than 4\.88 KB") as raised:
        await fetcher.fetch(f"{site.base}/{kind}", max_bytes=5_000, timeout_seconds=5)
    assert raised.value.limit == 5_000


async def test_the_time_limit_holds(site: Site) -> None:
    fetcher = local_fetcher(["127.0.0.1/32"])
    started = asyncio.get_running_loop().time()
    with pytest.raises(FetchError, match=r"longer than 0\.3 s"):
        await fetcher.fetch(f"{site.base}/slow", max_bytes=1_000_000, timeout_seconds=0.3)
    assert asyncio.get_running_loop().time() - started < 1.5


async def test_an_error_status_is_reported(site: Site) -> None:
    fetcher = local_fetcher(["127.0.0.1/32"])
    with pytest.raises(FetchError, match="HTTP 404"):
        await get(fetcher, f"{site.base}/missing")


async def test_a_trusted_origin_is_fetched_and_only_that_origin(site: Site) -> None:
    connections = LoopbackOnlyConnections()
    fetcher = local_fetcher(connections=connections)
    fetched = await get(fetcher, f"{site.base}/doc", trusted_origin=f"{site.base}/api/v10")
    assert fetched.body == DOCUMENT
    with pytest.raises(FetchRefused):
        await get(fetcher, f"http://127.0.0.1:{site.port + 1}/doc", f"{site.base}/api/v10")
    with pytest.raises(FetchRefused):  # the trusted origin's redirects are vetted as usual
        await get(fetcher, f"{site.base}/to-private", trusted_origin=site.base)
    assert connections.attempted == ["127.0.0.1", "127.0.0.1"]


# ---- the address rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refusal"),
    [
        ("169.254.169.254", Refusal.METADATA),
        ("fd00:ec2::254", Refusal.METADATA),
        ("0.0.0.0", Refusal.UNSPECIFIED),
        ("::", Refusal.UNSPECIFIED),
        ("127.0.0.53", Refusal.LOOPBACK),
        ("::1", Refusal.LOOPBACK),
        ("172.31.255.255", Refusal.PRIVATE),
        ("100.127.255.254", Refusal.PRIVATE),
        ("fd00::1", Refusal.PRIVATE),
        ("fec0::1", Refusal.PRIVATE),
        ("169.254.0.1", Refusal.LINK_LOCAL),
        ("fe80::1", Refusal.LINK_LOCAL),
        ("239.255.255.250", Refusal.MULTICAST),
        ("ff05::2", Refusal.MULTICAST),
        ("203.0.113.9", Refusal.RESERVED),
        ("::ffff:8.8.8.8", Refusal.RESERVED),  # a public IPv4 in disguise is still a disguise
        ("2001::1", Refusal.RESERVED),  # Teredo
        ("::ffff:192.168.0.1", Refusal.PRIVATE),
        ("64:ff9b::a00:1", Refusal.PRIVATE),
        ("2002:a9fe:a9fe::", Refusal.METADATA),
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address
    ],
)
def test_refusal_for_names_the_reason(address: str, refusal: Refusal | None) -> None:
    assert refusal_for(ipaddress.ip_address(address)) is refusal


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("0", "0.0.0.0"),
        ("1.2.3.4.", "1.2.3.4"),
        ("::ffff:7f00:1", "::ffff:7f00:1"),
        ("example.com", None),
        ("0x7f.example", None),
        ("1e100.net", None),
    ],
)
def test_literal_address_reads_every_numeric_spelling(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert (str(found) if found is not None else None) == address


@pytest.mark.parametrize("host", ["1.2.3.999", "256.0.0.1", "1.2.3.4.5", "08.0.0.1", "[::g]"])
def test_a_numeric_host_no_parser_agrees_on_is_not_an_address(host: str) -> None:
    with pytest.raises(NotAnAddress):
        literal_address(host)


def test_allow_list_reads_names_addresses_and_ranges() -> None:
    allow = AllowList.parse(["Specs.Internal.", "127.0.0.1", "10.0.0.0/8", "[::1]", "fd00::/8"])
    assert allow.allows_host("specs.internal") and not allow.allows_host("other.internal")
    assert allow.allows_address(ipaddress.ip_address("10.9.9.9"))
    assert allow.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert allow.allows_address(ipaddress.ip_address("fd12::1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))


@pytest.mark.parametrize(
    ("entry", "wording"),
    [
        ("10.0.0.1/8", "write the range's first address, like 10.0.0.0/8"),
        ("http://specs.internal/", "neither a host name"),
        ("*", "neither a host name"),
        ("127.1", "neither a host name"),
    ],
)
def test_allow_list_refuses_what_it_cannot_read(entry: str, wording: str) -> None:
    with pytest.raises(ValueError, match=wording.replace(".", r"\.").replace("/", r"/")):
        AllowList.parse([entry])


def test_sizes_are_worded_for_people() -> None:
    assert [describe_size(n) for n in (5 * 1024 * 1024, 100_000, 500)] == [
        "5 MB",
        "97.7 KB",
        "500 bytes",
    ]
