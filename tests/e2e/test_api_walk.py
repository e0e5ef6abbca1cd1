"""Every operation of the API's own OpenAPI document, called with every kind of caller, as the
permission walk calls every slash command: no token, a garbage one, a revoked one, another
guild's, a blocked member's, a read-only one on a write, and a member, a triager and a
moderator. Each answer is the one the caller's kind earns, and none is a server error.

The operations come from the document, so a route added later is walked without a change here;
the tier each one needs is what the document says (`x-nexus-tier`, from the route's own
dependency). Sign-in tokens (JWTs) are walked too: forged ones (no algorithm, another key,
edited claims, expired) are not believed, and a genuine one whose claim says "member" gets
what the member's current roles give."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
import pytest

from bot.app import NexusBot
from bot.clock import FrozenClock
from bot.permissions import Tier
from bot.sandbox import SandboxServer
from bot.web.jwt_secret import jwt_secret
from bot.web.jwt_tokens import JwtCodec
from tests.e2e.api_client import call
from tests.e2e.conftest import StartBot, World
from tests.e2e.test_api import base, make_token, share

WRITES = {"post", "put", "patch", "delete"}
# Callers who are who they say but may not act here; every other refused kind is not believed.
FORBIDDEN_KINDS = {"other guild", "blocked", "read-only", "JWT of another guild"}
TIER_REFUSAL = re.compile(r"^This command is for (triagers|moderators) only\.$")
PATH_PARAMETER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    tier: Tier
    token_in_query: bool

    def url(self, root: str, guild_id: int) -> str:
        filled = PATH_PARAMETER.sub(
            lambda found: str(guild_id) if found.group(1) == "guild_id" else "1", self.path
        )
        return root + filled

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def guild_operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/guilds/{guild_id}"):
            continue
        for method, operation in operations.items():
            parameters = operation.get("parameters", [])
            in_query = any(p["in"] == "query" and p["name"] == "token" for p in parameters)
            bearer = bool(operation.get("security"))
            # Nothing of a guild may be reachable without a token of some kind.
            assert bearer or in_query, f"{method.upper()} {path} takes no token"
            tier = Tier[operation["x-nexus-tier"].upper()]
            found.append(Operation(method, path, tier, in_query and not bearer))
    return found


async def answer(operation: Operation, root: str, guild_id: int, token: str | None) -> Any:
    url = operation.url(root, guild_id)
    body = {} if operation.method in WRITES - {"delete"} else None
    if operation.token_in_query:
        url += "" if token is None else f"?token={token}"
        return await call(operation.method.upper(), url, None, body)
    return await call(operation.method.upper(), url, token, body)


@pytest.mark.slow
async def test_every_operation_answers_each_kind_of_caller_as_it_should(
    start_nexus: StartBot, sandbox: SandboxServer, world: World
) -> None:
    bot = await start_nexus(
        web={"enabled": True, "host": "127.0.0.1", "port": 0, "api_requests_per_minute": 100_000}
    )
    await share(sandbox, world, "Walked")
    root = base(bot)
    tokens = await walk_tokens(bot, sandbox, world)
    _, _, document = await call("GET", f"{root}/api/openapi.json", None)
    operations = guild_operations(document)
    assert len(operations) >= 5
    walked = 0
    for operation in operations:
        for kind, token in tokens.refused.items():
            if operation.token_in_query and kind == "read-only":
                continue
            if kind == "read-only" and operation.method not in WRITES:
                continue
            status, _, body = await answer(operation, root, world.guild.id, token)
            expected = 403 if kind in FORBIDDEN_KINDS else 401
            assert status == expected, f"{operation} as {kind}: {status} {body}"
            walked += 1
        for (tier, kind), token in tokens.tiers.items():
            if operation.token_in_query and (operation.method in WRITES or kind == "JWT"):
                continue
            status, _, body = await answer(operation, root, world.guild.id, token)
            who = f"{operation} as {tier.name} with a {kind}"
            assert status < 500, f"{who}: {status} {body}"
            refused = status == 403 and bool(TIER_REFUSAL.match(str(body.get("detail", ""))))
            assert refused == (tier < operation.tier), (
                f"{who} (needs {operation.tier.name}): {status} {body}"
            )
            assert status not in {401, 405}, f"{who}: {status} {body}"
            walked += 1
    print(f"API route walk: {len(operations)} operations, {walked} calls")


@dataclass(frozen=True)
class WalkTokens:
    refused: dict[str, str | None]
    tiers: dict[tuple[Tier, str], str]


def _segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_jwts(bot: NexusBot, world: World, other_guild_id: int) -> dict[str, str]:
    """Sign-in tokens Nexus must not believe, made from one it would: the same member's JWT
    with no algorithm, another key, a promoted tier, expired; and one for another guild."""
    codec = JwtCodec(jwt_secret(bot.settings), bot.clock)
    genuine, _ = codec.issue("access", world.bob.id, world.guild.id, "member")
    header, payload, signature = genuine.split(".")
    claims = jwt.decode(genuine, options={"verify_signature": False})
    an_hour_ago = FrozenClock(bot.clock.now() - timedelta(hours=1))
    expired, _ = JwtCodec(jwt_secret(bot.settings), an_hour_ago).issue(
        "access", world.bob.id, world.guild.id, "member"
    )
    elsewhere, _ = codec.issue("access", world.alice.id, other_guild_id, "member")
    return {
        "JWT alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "JWT wrong signature": jwt.encode(claims, "another key, at least 32 bytes long", "HS256"),
        "JWT edited claims": f"{header}.{_segment({**claims, 'tier': 'moderator'})}.{signature}",
        "JWT expired": expired,
        "JWT of another guild": elsewhere,
    }


async def walk_tokens(bot: NexusBot, sandbox: SandboxServer, world: World) -> WalkTokens:
    other = sandbox.create_guild("Elsewhere")
    lobby = other.create_channel("general")
    other.add_member(world.alice)
    elsewhere = await make_token(sandbox, world, "write", guild=other, channel=lobby)
    revoked = await make_token(sandbox, world, "write", user=world.carol)
    await sandbox.invoke(
        "/nexus token revoke",
        user=world.carol,
        guild=world.guild,
        channel=world.general,
        name="script write",
    )
    blocked = await make_token(sandbox, world, "write", user=world.admin)
    members = {Tier.MEMBER: world.bob, Tier.TRIAGER: world.triager, Tier.MODERATOR: world.mod}
    codec = JwtCodec(jwt_secret(bot.settings), bot.clock)
    await bot.blocks.block(world.guild.id, world.admin.id, "api", world.mod.id)
    return WalkTokens(
        refused={
            "no token": None,
            "garbage": "nexus_" + "x" * 43,
            "revoked": revoked,
            "other guild": elsewhere,
            "blocked": blocked,
            "read-only": await make_token(sandbox, world, "read"),
            **forged_jwts(bot, world, other.id),
        },
        tiers={
            **{
                (tier, "personal token"): await make_token(sandbox, world, "write", user=user)
                for tier, user in members.items()
            },
            # The claim says member for everyone: the tier must come from the current roles.
            **{
                (tier, "JWT"): codec.issue("access", user.id, world.guild.id, "member")[0]
                for tier, user in members.items()
            },
        },
    )
