"""Asking every feature the same thing (forget a member, count rows), each within a time limit.

A feature that fails or hangs is logged and named among the failures; it never stops the others
or hangs /admin forget and /admin stats (or the API's stats) with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from bot.feature import MemberDataOwner

log = logging.getLogger(__name__)

Answer = TypeVar("Answer")
# A feature's hook that hangs must not hang the moderator's request with it.
FEATURE_TIMEOUT_SECONDS = 30.0


async def ask_every_feature(
    features: Iterable[MemberDataOwner],
    ask: Callable[[MemberDataOwner], Awaitable[Answer]],
    *,
    timeout_seconds: float,
    doing: str,
) -> tuple[dict[str, Answer], tuple[str, ...]]:
    """Each feature's answer by name, and the names of those that failed `doing` it."""
    answers: dict[str, Answer] = {}
    failed: list[str] = []
    for feature in features:
        try:
            async with asyncio.timeout(timeout_seconds):
                answers[feature.feature] = await ask(feature)
        except Exception:
            log.exception("%s failed to %s", feature.feature, doing)
            failed.append(feature.feature)
    return answers, tuple(failed)
