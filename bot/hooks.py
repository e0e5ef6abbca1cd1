"""How features serve each other without importing each other.

Each feature's cog registers its hooks in `cog_load` (and removes them in `cog_unload`); the
admin feature asks every registered feature to forget a member or count its rows, and pairing
asks for open topics, without knowing which features exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ForgetRequest:
    guild_id: int
    user_id: int
    # What to do with the member's snippets: "anonymise" (keep, author removed) or "delete".
    snippets_mode: str = "anonymise"


# What was removed or anonymised, as human-readable counts: {"pair profiles deleted": 1}.
ForgetReport = dict[str, int]


@dataclass(frozen=True)
class FeatureHooks:
    feature: str
    # Remove or anonymise one member's personal data in this feature.
    forget: Callable[[ForgetRequest], Awaitable[ForgetReport]] | None = None
    # Row counts shown by /admin stats: {"snippets": 12, "stars": 30}.
    stats: Callable[[int], Awaitable[dict[str, int]]] | None = None
    # Short, current things worth pairing on (e.g. open API feedback "FB-12 GET /api/jobs").
    open_topics: Callable[[int, int], Awaitable[list[str]]] | None = None


class HookRegistry:
    def __init__(self) -> None:
        self._hooks: dict[str, FeatureHooks] = {}

    def register(self, hooks: FeatureHooks) -> None:
        self._hooks[hooks.feature] = hooks

    def unregister(self, feature: str) -> None:
        self._hooks.pop(feature, None)

    def all(self) -> list[FeatureHooks]:
        return [self._hooks[name] for name in sorted(self._hooks)]

    def get(self, feature: str) -> FeatureHooks | None:
        return self._hooks.get(feature)
