"""The /admin setup view: one message, two screens (channels, then roles), saved at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import discord

from bot.ui import OwnerOnlyView

ROLE_TIERS = ("moderator", "triager")
CHANNEL_ROWS = 4


@dataclass
class SetupChoices:
    """What the moderator picked so far; starts as the guild's current settings."""

    channels: dict[str, int | None] = field(default_factory=dict)
    roles: dict[str, int | None] = field(default_factory=dict)
    timezone: str = "UTC"


SaveHandler = Callable[[discord.Interaction, SetupChoices], Awaitable[discord.Embed]]


class _ChannelPicker(discord.ui.ChannelSelect["SetupView"]):
    # Each picker keeps its setup view: a pick that raced another one reaches this menu after
    # the first pick's redraw replaced it (``self.view`` is then None), and still counts.
    def __init__(self, setup: SetupView, feature: str, current: int | None, row: int) -> None:
        super().__init__(
            channel_types=[discord.ChannelType.text, discord.ChannelType.news],
            placeholder=f"{feature.capitalize()} channel",
            min_values=0,
            max_values=1,
            default_values=[discord.Object(id=current)] if current else [],
            row=row,
        )
        self.setup = setup
        self.feature = feature

    async def callback(self, interaction: discord.Interaction) -> None:
        self.setup.choices.channels[self.feature] = self.values[0].id if self.values else None
        await self.setup.redraw(interaction)


class _RolePicker(discord.ui.RoleSelect["SetupView"]):
    def __init__(self, setup: SetupView, tier: str, current: int | None, row: int) -> None:
        super().__init__(
            placeholder=f"{tier.capitalize()} role",
            min_values=0,
            max_values=1,
            default_values=[discord.Object(id=current)] if current else [],
            row=row,
        )
        self.setup = setup
        self.tier = tier

    async def callback(self, interaction: discord.Interaction) -> None:
        self.setup.choices.roles[self.tier] = self.values[0].id if self.values else None
        await self.setup.redraw(interaction)


class _Button(discord.ui.Button["SetupView"]):
    def __init__(
        self,
        label: str,
        style: discord.ButtonStyle,
        action: Callable[[discord.Interaction], Awaitable[None]],
    ) -> None:
        super().__init__(label=label, style=style, row=4)
        self._action = action

    async def callback(self, interaction: discord.Interaction) -> None:
        await self._action(interaction)


CHANNELS_TEXT = (
    "**Nexus setup — step 1 of 2: channels.** Pick where each feature posts, then press "
    "**Next**. Leave a menu as it is to keep the current channel."
)
ROLES_TEXT = (
    "**Nexus setup — step 2 of 2: roles.** Pick the moderator and triager roles, then press "
    "**Save**. Time zone: `{timezone}` (change it with `/admin setup timezone:`)."
)


class SetupView(OwnerOnlyView):
    """Channel selects, then role selects; Save hands everything to `on_save` in one go.

    A rejected save (a `UserFacingError` from `on_save`) goes to the one error handler and
    leaves the view open, so the moderator can fix the choice; nothing is stored.
    """

    timeout_content = "Setup timed out — nothing was changed."

    def __init__(self, owner_id: int, choices: SetupChoices, on_save: SaveHandler) -> None:
        super().__init__(owner_id, timeout=600)
        self.choices = choices
        self._on_save = on_save
        self.show_channels()

    @property
    def text(self) -> str:
        if any(isinstance(item, _RolePicker) for item in self.children):
            return ROLES_TEXT.format(timezone=self.choices.timezone)
        return CHANNELS_TEXT

    def show_channels(self) -> None:
        self.clear_items()
        # One row per feature's channel: Discord allows five rows and the last holds the button,
        # so a fifth feature with a channel is set with /admin config set instead.
        for row, feature in enumerate(list(self.choices.channels)[:CHANNEL_ROWS]):
            self.add_item(_ChannelPicker(self, feature, self.choices.channels.get(feature), row))
        self.add_item(_Button("Next", discord.ButtonStyle.primary, self._next))

    def show_roles(self) -> None:
        self.clear_items()
        for row, tier in enumerate(ROLE_TIERS):
            self.add_item(_RolePicker(self, tier, self.choices.roles.get(tier), row))
        self.add_item(_Button("Back", discord.ButtonStyle.secondary, self._back))
        self.add_item(_Button("Save", discord.ButtonStyle.success, self._save))

    async def redraw(self, interaction: discord.Interaction) -> None:
        """Draw the current screen again, so every menu shows what was picked so far."""
        if any(isinstance(item, _RolePicker) for item in self.children):
            self.show_roles()
        else:
            self.show_channels()
        await interaction.response.edit_message(content=self.text, view=self)

    async def _next(self, interaction: discord.Interaction) -> None:
        self.show_roles()
        await interaction.response.edit_message(content=self.text, view=self)

    async def _back(self, interaction: discord.Interaction) -> None:
        self.show_channels()
        await interaction.response.edit_message(content=self.text, view=self)

    async def _save(self, interaction: discord.Interaction) -> None:
        # Clicks that race this one are acknowledged and ignored while it saves; a refusal
        # (a channel I can't post in, say) leaves the screen usable to fix the choice.
        self.settled = True
        try:
            embed = await self._on_save(interaction, self.choices)
        except Exception:
            self.settled = False
            raise
        self.settle()
        await interaction.response.edit_message(content="Setup saved.", embed=embed, view=None)
