"""The one guarded way to fetch a URL: every feature that reads a URL calls `Fetcher.fetch`.

A member can make the bot fetch a URL they typed, so each hop is vetted before it is made:
http(s) only, no credentials in the URL, and the host's addresses must be public internet
addresses (`bot/addresses.py`) unless the operator allowed them (`fetch.allow`). The name is
resolved once; the connection goes to the addresses that were checked, through a resolver that
knows nothing else, so a second lookup that DNS rebinding could answer differently never happens.
TLS still verifies the certificate against the URL's host name. Redirects are followed here, one
vetted hop at a time, up to `MAX_REDIRECTS`. The body is read up to a size cap, the whole fetch
within a time limit. docs/fetch.md has the rules and the reasons.

The resolver (name → addresses) and the connector (how a vetted address is connected to) are
injectable, so a test can record where a fetch would connect instead of connecting.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Final

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.addresses import AllowList, IPAddress, NotAnAddress, literal_address, refusal_for
from bot.errors import UserFacingError
from bot.formatters import describe_size

MAX_REDIRECTS: Final = 5
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
SCHEMES: Final = ("http", "https")
_CHUNK: Final = 64 * 1024

# A name → the addresses it resolves to (text, as getaddrinfo gives them).
HostResolver = Callable[[str, int], Awaitable[Sequence[str]]]
# The pinned resolver of one hop → the aiohttp connector that makes the connection.
ConnectorFactory = Callable[[AbstractResolver], aiohttp.BaseConnector]


class FetchError(UserFacingError):
    """A URL could not be fetched; the message says why in words a member understands."""


class FetchRefused(FetchError):
    """The URL leads somewhere the bot does not go (a private address, a non-http scheme …)."""


class FetchTooLarge(FetchError):
    """The body is larger than the caller's cap."""

    def __init__(self, message: str, limit: int) -> None:
        super().__init__(message)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the operating system's resolver gives for `host`, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def direct_connector(resolver: AbstractResolver) -> aiohttp.BaseConnector:
    # No DNS cache: the pinned resolver is the only source of addresses for this hop.
    return aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False, force_close=True)


class PinnedResolver(AbstractResolver):
    """Answers aiohttp's lookup of one host with the addresses already vetted, and nothing else."""

    def __init__(self, host: str, addresses: Sequence[IPAddress]) -> None:
        self.host = host
        self.addresses = tuple(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host != self.host:
            raise OSError(f"{host!r} was not vetted for this fetch")
        results: list[ResolveResult] = []
        for address in self.addresses:
            kind = socket.AF_INET6 if address.version == 6 else socket.AF_INET
            if family not in (socket.AF_UNSPEC, kind):
                continue
            results.append(
                ResolveResult(
                    hostname=host,
                    host=str(address),
                    port=port,
                    family=kind,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise OSError(f"no vetted address of {host!r} in family {family!r}")
        return results

    async def close(self) -> None:
        return None


@dataclass(frozen=True, slots=True)
class _Hop:
    url: yarl.URL
    addresses: tuple[IPAddress, ...]


class Fetcher:
    """GET a URL through the guard; one instance per bot, built from the `fetch` settings."""

    def __init__(
        self,
        *,
        allow: Sequence[str] = (),
        resolver: HostResolver = system_resolver,
        connector_factory: ConnectorFactory = direct_connector,
        user_agent: str = "Nexus",
        max_redirects: int = MAX_REDIRECTS,
    ) -> None:
        self.allow = AllowList.parse(allow)
        self._resolve = resolver
        self._connector_factory = connector_factory
        self._user_agent = user_agent
        self._max_redirects = max_redirects

    async def fetch(
        self,
        url: str,
        *,
        max_bytes: int,
        timeout_seconds: float,
        accept: str = "*/*",
        trusted_origin: str | None = None,
    ) -> Fetched:
        """The body of `url` (status 200) after vetted redirects, or a FetchError saying why not.

        `trusted_origin` (scheme://host:port) is one origin the caller vouches for although its
        address may be private: the Discord-compatible server the bot is configured to talk to
        serves attachments from there. Every other hop is vetted as usual.
        """
        try:
            async with asyncio.timeout(timeout_seconds):
                return await self._follow(url, max_bytes, timeout_seconds, accept, trusted_origin)
        except TimeoutError:
            raise FetchError(
                f"Fetching that URL took longer than {timeout_seconds:g} s; I gave up."
            ) from None

    async def vet(
        self, url: str | yarl.URL, trusted_origin: str | None = None, *, redirected: bool = False
    ) -> _Hop:
        """Check one URL and resolve its host once; raise FetchRefused if it must not be fetched."""
        target = _parse(url, redirected)
        host = target.raw_host or ""
        port = target.port or (443 if target.scheme == "https" else 80)
        try:
            literal = literal_address(host)
        except NotAnAddress:
            raise FetchRefused(
                "That host is written like a numeric address, but it isn't a valid one."
            ) from None
        if literal is not None and literal.version == 4:
            # Spellings like 0x7f.1 are sent on as the dotted address they stand for.
            target = target.with_host(str(literal))
        vouched = trusted_origin is not None and _same_origin(target, trusted_origin)
        if literal is not None:
            if not vouched:
                self._check(literal, _subject(redirected, named=False))
            return _Hop(target, (literal,))
        addresses = await self._lookup(host, port)
        if not vouched and not self.allow.allows_host(host):
            for address in addresses:
                self._check(address, _subject(redirected, named=True))
        return _Hop(target, addresses)

    def _check(self, address: IPAddress, subject: str) -> None:
        refusal = refusal_for(address)
        if refusal is None or self.allow.allows_address(address):
            return
        raise FetchRefused(
            f"{subject} points {refusal.value}, so I won't fetch it. "
            "(An operator can allow a host or range with the `fetch.allow` setting.)"
        )

    async def _lookup(self, host: str, port: int) -> tuple[IPAddress, ...]:
        try:
            found = await self._resolve(host, port)
        except (OSError, UnicodeError):
            raise FetchError("I couldn't find that URL's host; check the address.") from None
        addresses: list[IPAddress] = []
        for text in found:
            address = literal_address(text)
            if address is None:
                raise FetchError("That URL's host resolved to something that is not an address.")
            addresses.append(address)
        if not addresses:
            raise FetchError("I couldn't find that URL's host; check the address.")
        return tuple(addresses)

    async def _follow(
        self,
        url: str,
        max_bytes: int,
        timeout_seconds: float,
        accept: str,
        trusted_origin: str | None,
    ) -> Fetched:
        next_url: str | yarl.URL = url
        for hops in range(self._max_redirects + 1):
            hop = await self.vet(next_url, trusted_origin, redirected=hops > 0)
            connector = self._connector_factory(
                PinnedResolver(hop.url.raw_host or "", hop.addresses)
            )
            async with aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self._user_agent, "Accept": accept},
                timeout=aiohttp.ClientTimeout(total=timeout_seconds),
                trust_env=False,  # a proxy from the environment would bypass the pinning
            ) as session:
                try:
                    async with session.get(hop.url, allow_redirects=False) as response:
                        if response.status in REDIRECT_STATUSES:
                            next_url = _redirect_target(hop.url, response)
                            continue
                        if response.status != 200:
                            raise FetchError(
                                f"The server answered HTTP {response.status} for that URL."
                            )
                        body = await _read_capped(response, max_bytes)
                        return Fetched(str(response.url), response.content_type, body)
                except FetchError:
                    raise
                except aiohttp.InvalidURL:
                    raise FetchRefused("That is not a URL I can fetch.") from None
                except aiohttp.ClientError as error:
                    raise FetchError(
                        f"I couldn't fetch that URL ({type(error).__name__})."
                    ) from None
        raise FetchError(
            f"That URL redirected more than {self._max_redirects} times; I stopped following it."
        )


def _subject(redirected: bool, *, named: bool) -> str:
    if redirected:
        return (
            "That URL redirects to an address that"
            if not named
            else ("That URL redirects to a host whose address")
        )
    return "That URL's host name resolves to an address that" if named else "That address"


def _parse(url: str | yarl.URL, redirected: bool = False) -> yarl.URL:
    try:
        target = url if isinstance(url, yarl.URL) else yarl.URL(url.strip())
    except (ValueError, TypeError):
        raise FetchRefused("That is not a URL I can fetch.") from None
    if target.scheme not in SCHEMES:
        if redirected:
            raise FetchRefused("That URL redirected away from http(s); I didn't follow it.")
        raise FetchRefused("I only fetch `http://` and `https://` URLs.")
    if not target.raw_host:
        raise FetchRefused("That URL has no host name; give the full address.")
    if target.raw_user is not None or target.raw_password is not None:
        # Credentials in a URL end up in logs and listings, and `trusted@evil` tricks readers.
        raise FetchRefused("That URL carries a user name or password; I don't fetch those.")
    return target


def _same_origin(target: yarl.URL, origin: str) -> bool:
    try:
        trusted = yarl.URL(origin)
    except ValueError:
        return False
    return (target.scheme, target.raw_host, target.port) == (
        trusted.scheme,
        trusted.raw_host,
        trusted.port,
    )


def _redirect_target(current: yarl.URL, response: aiohttp.ClientResponse) -> yarl.URL:
    location = response.headers.get("Location")
    if not location:
        raise FetchError("That URL redirected without saying where to.")
    try:
        return current.join(yarl.URL(location))
    except ValueError:
        raise FetchRefused("That URL redirected to something that is not a URL.") from None


async def _read_capped(response: aiohttp.ClientResponse, max_bytes: int) -> bytes:
    too_large = FetchTooLarge(
        f"That document is larger than {describe_size(max_bytes)}.", max_bytes
    )
    if response.content_length is not None and response.content_length > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in response.content.iter_chunked(_CHUNK):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise too_large
    return bytes(body)
