"""What every feedback route shares: who calls (a member of the guild, not blocked from
feedback) or a triager, the loaded feature's parts and flows, item ids as the slash commands
read them, and cursors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Protocol, cast

from fastapi import Depends, Path, Request

from bot.permissions import Tier
from bot.web.auth import Caller, loaded_feature, member_of_guild
from bot.web.tiers import caller_with_tier
from cogs.feedback.actions import FEATURE
from cogs.feedback.api_models import ITEM_ID_PATTERN
from cogs.feedback.rules import parse_item_number

if TYPE_CHECKING:
    from cogs.feedback.item_flow import ItemFlow
    from cogs.feedback.parts import FeedbackParts
    from cogs.feedback.spec_flow import SpecFlow

CallerOfGuild = Annotated[Caller, Depends(member_of_guild(FEATURE))]
TriagerOfGuild = Annotated[Caller, Depends(caller_with_tier(FEATURE, Tier.TRIAGER))]
ItemIdPath = Annotated[
    str,
    Path(pattern=ITEM_ID_PATTERN, description="the item's number, like 12 (FB-12 works too)"),
]
SpecNamePath = Annotated[
    str, Path(min_length=1, max_length=32, description="the spec's name, like jobs-api")
]


class FeedbackApiParts(Protocol):
    """What the routes ask of the loaded feature (the cog satisfies it)."""

    parts: FeedbackParts
    items: ItemFlow
    spec_flow: SpecFlow


def feature_of(request: Request) -> FeedbackApiParts:
    return cast("FeedbackApiParts", loaded_feature(request, FEATURE))


def item_number(item_id: str) -> int:
    """The path's id read as /feedback show reads one, with its refusal for FB-0."""
    return parse_item_number(item_id)
