"""What one feature offers another, as Protocols the core names and features implement.

Features never import each other (the house's arrows); when one needs what another does — a
snippet post's ▶ Run button needs the code runner's policy and result message, a run result's
"Save as snippet" needs the snippet feature's share modal — it asks the loaded features for the
capability by its Protocol. A feature that is not loaded simply offers nothing, and the member
gets a friendly error instead of a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, cast, runtime_checkable

from bot.errors import UserFacingError

if TYPE_CHECKING:
    from collections.abc import Callable

    import discord

T = TypeVar("T")


@dataclass(frozen=True)
class CodeToRun:
    """Code a member asked to run, from wherever it came. `language` is what the member or the
    source named ("py", a snippet's language key) or None to detect it."""

    code: str
    language: str | None
    stdin: str = ""
    # Where it came from, for the result's heading and "Run again": a snippet's id and title.
    snippet_id: int | None = None
    title: str | None = None


@runtime_checkable
class RunsCode(Protocol):
    """The code runner: checks the guild's policy (channels, tier, rate), runs, replies."""

    async def run_for_member(self, interaction: discord.Interaction, code: CodeToRun) -> None: ...


@dataclass(frozen=True)
class SnippetOffer:
    """A snippet the member may save: the share modal opens prefilled with it."""

    code: str
    language: str | None
    title: str
    description: str | None = None


@runtime_checkable
class KeepsSnippets(Protocol):
    """The snippet library, as other features need it."""

    async def offer_snippet(self, interaction: discord.Interaction, offer: SnippetOffer) -> None:
        """Open the share modal prefilled with `offer` (the interaction's first response)."""
        ...

    def detect_language(self, code: str) -> str | None:
        """The language key the code most likely is, or None."""
        ...

    async def sql_fixture(self, guild_id: int) -> str | None:
        """The guild's seed SQL (its newest SQL snippet tagged `fixture`), or None."""
        ...


# The Protocol classes are taken as `Callable[..., T]`: mypy refuses a Protocol where `type[T]`
# is asked for (it cannot be instantiated), yet it is exactly what isinstance needs here.
def offered(client: object, protocol: Callable[..., T]) -> T | None:
    """The loaded feature offering `protocol`, or None (to decide whether to show a button)."""
    for cog in getattr(client, "cogs", {}).values():
        if _offers(type(cog), protocol, cog):
            return cast("T", cog)
    return None


_OFFERS: dict[tuple[type, object], bool] = {}


def _offers(cog_class: type, protocol: object, cog: object) -> bool:
    # A runtime protocol's isinstance looks up each of its members on the object: per cog, on
    # every post with buttons. A cog class offers the same whatever the instance, so once.
    key = (cog_class, protocol)
    found = _OFFERS.get(key)
    if found is None:
        found = _OFFERS[key] = isinstance(cog, cast("type", protocol))
    return found


def capability(interaction: discord.Interaction, protocol: Callable[..., T], missing: str) -> T:
    """The loaded feature offering `protocol`; `missing` is the member's error when none does."""
    found = offered(interaction.client, protocol)
    if found is None:
        raise UserFacingError(missing)
    return found
