"""A feature made up for a test: it takes part in the FeatureCog contract with callables the
test provides, so admin's forget and stats, and pairing's topics, can be watched from outside."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.feature import FeatureCog, FeatureStats, ForgetReport

Forget = Callable[[int, int], Awaitable[ForgetReport]]
Stats = Callable[[int], Awaitable[FeatureStats]]
Topics = Callable[[int, int], Awaitable[list[str]]]


async def _nothing_to_forget(guild_id: int, user_id: int) -> ForgetReport:
    return {}


async def _no_counts(guild_id: int) -> FeatureStats:
    return {}


async def _no_topics(guild_id: int, limit: int) -> list[str]:
    return []


def probe_feature(
    name: str,
    *,
    forget: Forget = _nothing_to_forget,
    stats: Stats = _no_counts,
    open_topics: Topics = _no_topics,
) -> FeatureCog:
    """A cog instance for `bot.add_cog`; its class is named after the feature (cogs are keyed by
    class name)."""

    class Probe(FeatureCog, name=f"Probe_{name}"):
        feature = name

        async def forget_member(self, guild_id: int, user_id: int) -> ForgetReport:
            return await forget(guild_id, user_id)

        async def stats(self, guild_id: int) -> FeatureStats:
            return await stats(guild_id)

        async def open_topics(self, guild_id: int, limit: int) -> list[str]:
            return await open_topics(guild_id, limit)

    return Probe()


def loaded_feature(features: list[FeatureCog], name: str) -> FeatureCog:
    """The loaded feature called `name` (`bot.features`), as admin and pairing see it."""
    return next(feature for feature in features if feature.feature == name)
