"""Routes for triagers and moderators: one dependency that both enforces a tier and records
it, as `bot.permissions.require` does for slash commands. The OpenAPI document names each
operation's tier (`x-nexus-tier`), and the route walk test reads it from there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends
from fastapi.routing import APIRoute, iter_route_contexts

from bot.errors import TierRequired
from bot.permissions import Tier
from bot.web.auth import Caller, member_of_guild
from bot.web.problems import ApiProblem

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable

    from fastapi.dependencies.models import Dependant
    from starlette.routing import BaseRoute

TIER_EXTENSION = "x-nexus-tier"
_MARK = "required_tier"


def caller_with_tier(feature: str, tier: Tier) -> Callable[..., Awaitable[Caller]]:
    """A route's caller: a member of the path's guild, not blocked from `feature`, whose
    current roles give at least `tier` (refused with the slash commands' wording)."""
    member = member_of_guild(feature)

    async def dependency(caller: Caller) -> Caller:
        if caller.tier < tier:
            raise ApiProblem(403, str(TierRequired(tier.label)))
        return caller

    # Set as an object, not written in the signature: under postponed annotations FastAPI
    # would have to evaluate the string, and `member` is local, so the document failed to build.
    dependency.__annotations__["caller"] = Annotated[Caller, Depends(member)]
    setattr(dependency, _MARK, tier)
    return dependency


def required_tier(dependant: Dependant) -> Tier:
    """The tier a route's dependencies demand (MEMBER when none does)."""
    return max(_marked(dependant.dependencies), default=Tier.MEMBER)


def _marked(dependencies: Iterable[Dependant]) -> Iterable[Tier]:
    for dependant in dependencies:
        mark: Any = getattr(dependant.call, _MARK, None)
        if isinstance(mark, Tier):
            yield mark
        yield from _marked(dependant.dependencies)


def mark_tiers(routes: list[BaseRoute], paths: dict[str, Any]) -> None:
    """Name each operation's tier in the document and say it in its description."""
    # Included routers are kept as branches, not flattened into `app.routes`: walk them as
    # the document's generator does.
    for route in iter_route_contexts(routes):
        if not isinstance(route.original_route, APIRoute) or route.path_format not in paths:
            continue
        tier = required_tier(route.dependant)
        for method in route.methods or ():
            operation = paths[route.path_format].get(method.lower())
            if operation is None:
                continue
            operation[TIER_EXTENSION] = tier.name.lower()
            if tier > Tier.MEMBER:
                who = f"For {tier.label} only (their current roles in Discord decide)."
                operation["description"] = f"{who}\n\n{operation.get('description', '')}".strip()
